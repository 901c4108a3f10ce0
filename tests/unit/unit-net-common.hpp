// Shared helpers of the unit-net*.cpp tests: run a coroutine to completion, read until text.
#pragma once
// g++ 12 false positive on Asio awaitable frames (operator new/delete pair inside Asio).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <exception>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "fake_server.hpp"
#include "net/connection.hpp"
#include "test_ca.hpp"

namespace net_test {

namespace asio = boost::asio;
namespace net = mailspec::net;
namespace fake = mailspec::fake;
using namespace std::chrono_literals;

// Runs f(executor) -> awaitable<void> on a fresh io_context; exceptions (REQUIRE) propagate.
template <class F>
void run_async(F&& f) {
  asio::io_context ioc;
  asio::co_spawn(ioc, f(ioc.get_executor()), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  ioc.run();
}

// Reads until `what` appears or the connection fails; *last gets the final status.
inline asio::awaitable<std::string> read_until(net::connection& c, std::string_view what,
                                               net::io_result* last = nullptr) {
  std::string got;
  while (got.find(what) == std::string::npos) {
    auto r = co_await c.read_some();
    if (last) *last = r.io;
    if (!r.io.ok()) break;
    got.append(r.data);
  }
  co_return got;
}

inline net::connect_options local(int port, std::string host = "127.0.0.1") {
  net::connect_options o;
  o.host = std::move(host);
  o.port = port;
  o.timeout = 3000ms;
  o.loopback_only = true;
  return o;
}

inline net::tls_options trusting(std::string mode = "implicit") {
  net::tls_options t;
  t.ca_file = fake::test_ca().ca_cert;
  t.mode = mailspec::tls_mode_from_string(mode).value();
  t.timeout = 3000ms;
  return t;
}

// A fake server speaking implicit TLS with the test CA's certificate LEAF (test_ca.hpp).
inline fake::server_options implicit(std::string leaf = "valid") {
  fake::server_options o;
  o.implicit_tls = true;
  o.tls.leaf = std::move(leaf);
  return o;
}

inline bool contains(const std::vector<std::string>& v, std::string_view prefix) {
  for (const auto& s : v)
    if (s.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace net_test
