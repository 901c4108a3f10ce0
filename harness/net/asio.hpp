// The one way to include Asio/Beast: <utility> first (Boost 1.74 + g++ 12, asio issue #944).
// Include this only from .cpp files and from net/ and session/ headers that need the types.
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
