// Private: the state behind net::connection (shared by connection.cpp and connect.cpp).
#pragma once
#include <optional>
#include <vector>

#include "net/asio.hpp"
#include "net/connection.hpp"
#include "net/tls_client.hpp"

namespace mailspec::net {

struct connection::impl {
  asio::any_io_executor ex;
  std::vector<char> buf;  // the one read buffer: plaintext and TLS reads never share leftovers
  std::optional<beast::tcp_stream> tcp;                     // before TLS
  std::shared_ptr<ssl::context> ctx;                        // outlives tls (declared first)
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;  // after TLS: owns the moved tcp_stream
  std::optional<clock::time_point> deadline;
  verify_state verify;
  bool tls_up = false;  // handshake completed

  impl(asio::any_io_executor e, std::size_t n) : ex(std::move(e)), buf(n ? n : 1) {}

  bool has_stream() const { return tcp.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // Applies the step deadline (absolute, so a trickling peer cannot stretch it).
  void arm() {
    if (deadline) lowest().expires_at(*deadline);
    else lowest().expires_never();
  }
};

}  // namespace mailspec::net
