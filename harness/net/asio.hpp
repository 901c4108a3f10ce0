// The one way to include Asio/Beast, in harness/ and in tests/fake: <utility> first, because
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including it (chriskohlhoff/asio#944;
// g++ 12's headers no longer include it on the way). Include this only from .cpp files and from
// net/ and session/ headers that need the types. The build flags that go with Asio (a GCC false
// positive silenced) are on the CMake target mailspec_asio (cmake/compiler.cmake).
#pragma once
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

namespace mailspec::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
}  // namespace mailspec::net
