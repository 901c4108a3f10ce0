// Private: the state behind net::connection (shared by connection.cpp and connect.cpp).
#pragma once
#include <algorithm>
#include <memory>
#include <optional>

#include "net/asio.hpp"
#include "net/connection.hpp"
#include "net/tls_client.hpp"

namespace mailspec::net {

struct connection::impl {
  asio::any_io_executor ex;
  // The one read buffer: plaintext and TLS reads never share leftovers. It is allocated at the
  // first read, small (an idle session waiting for a greeting costs 1 KiB, not the maximum),
  // and grows x4 up to buf_max each time a read fills it, so bulk transfers get large reads.
  std::unique_ptr<char[]> buf;
  std::size_t buf_size = 0;
  std::size_t buf_max;
  std::optional<beast::tcp_stream> tcp;                     // before TLS
  std::shared_ptr<ssl::context> ctx;                        // outlives tls (declared first)
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;  // after TLS: owns the moved tcp_stream
  std::optional<clock::time_point> deadline;
  verify_state verify;
  bool tls_up = false;  // handshake completed
  std::size_t last_read = 0;

  static constexpr std::size_t initial_read_buffer = 1024;

  impl(asio::any_io_executor e, std::size_t n) : ex(std::move(e)), buf_max(n ? n : 1) {}

  // The buffer for the next read; `last` = bytes the previous read returned.
  asio::mutable_buffer read_buffer(std::size_t last) {
    std::size_t want = buf_size == 0 ? std::min(initial_read_buffer, buf_max)
                       : last == buf_size ? std::min(buf_size * 4, buf_max)
                                          : buf_size;
    if (want != buf_size) {
      buf.reset(new char[want]);  // uninitialised: nothing is read before the socket writes it
      buf_size = want;
    }
    return asio::buffer(buf.get(), buf_size);
  }

  bool has_stream() const { return tcp.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // Applies the step deadline (absolute, so a trickling peer cannot stretch it).
  void arm() {
    if (deadline) lowest().expires_at(*deadline);
    else lowest().expires_never();
  }
};

}  // namespace mailspec::net
