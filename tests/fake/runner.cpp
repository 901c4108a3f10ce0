#include "runner.hpp"

#include <optional>

#include "fake_tls.hpp"
#include "mta.hpp"
#include "net/asio.hpp"
#include "scram_server.hpp"

namespace mailspec::fake {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using error_code = boost::system::error_code;
using clock = std::chrono::steady_clock;
constexpr std::size_t max_line = 1 << 20;

class runner {
 public:
  runner(asio::ip::tcp::socket s, const server_options& opt, const test_ca_paths& ca, recorder& rec)
      : tcp_(std::move(s)), opt_(opt), ca_(ca), rec_(rec) {}

  asio::awaitable<void> run(const script& s) {
    if (opt_.implicit_tls && !co_await handshake(opt_.tls)) co_return;
    for (const auto& a : s)
      if (!co_await step(a)) co_return;
    close_socket();  // end of script
  }

 private:
  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *tcp_; }
  void close_socket() {
    error_code ec;
    lowest().socket().close(ec);
  }

  asio::awaitable<std::size_t> read_some(clock::time_point deadline, error_code& ec) {
    if (deadline == clock::time_point::max()) lowest().expires_never();
    else lowest().expires_at(deadline);
    auto b = asio::buffer(buf_);
    std::size_t n = tls_ ? co_await tls_->async_read_some(b, asio::redirect_error(asio::use_awaitable, ec))
                         : co_await tcp_->async_read_some(b, asio::redirect_error(asio::use_awaitable, ec));
    rec_.bytes(std::string_view(buf_, n), tls_.has_value());
    co_return n;
  }

  asio::awaitable<bool> write(std::string_view bytes) {
    error_code ec;
    lowest().expires_after(opt_.io_timeout);
    auto b = asio::buffer(bytes.data(), bytes.size());
    if (tls_) co_await asio::async_write(*tls_, b, asio::redirect_error(asio::use_awaitable, ec));
    else co_await asio::async_write(*tcp_, b, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) rec_.event("write: " + ec.message());
    co_return !ec;
  }

  // One line (LF included) from the pending bytes first, then the socket.
  asio::awaitable<bool> read_line(std::string& line) {
    auto deadline = clock::now() + opt_.io_timeout;
    for (;;) {
      auto lf = pending_.find('\n');
      if (lf != std::string::npos || pending_.size() >= max_line) {
        std::size_t n = lf == std::string::npos ? pending_.size() : lf + 1;
        line = pending_.substr(0, n);
        pending_.erase(0, n);
        rec_.line(line);
        co_return true;
      }
      error_code ec;
      std::size_t n = co_await read_some(deadline, ec);
      pending_.append(buf_, n);
      if (ec && n == 0) {
        rec_.event("read_line: " + ec.message());
        co_return false;
      }
    }
  }

  asio::awaitable<bool> expect(const std::string& glob) {
    std::string line;
    if (!co_await read_line(line)) {
      rec_.mismatch("expected '" + glob + "', got end of stream");
      co_return false;
    }
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (!glob_match(glob, text)) rec_.mismatch("expected '" + glob + "', got '" + std::string(text) + "'");
    co_return true;
  }

  asio::awaitable<bool> scram(const scram_options& o) {
    scram_server s(o);
    for (int lines = 0; lines < 8; ++lines) {
      std::string line;
      if (!co_await read_line(line)) co_return false;
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      auto out = s.on_line(line);
      for (auto& e : out.events) rec_.event(std::move(e));
      for (auto& m : out.mismatches) rec_.mismatch(std::move(m));
      for (const auto& bytes : out.send)
        if (!co_await write(bytes)) co_return false;
      if (out.done) co_return true;
    }
    co_return true;
  }

  // The smtp_mta action: commands until QUIT (bounded), each DATA read to its end of data.
  asio::awaitable<bool> mta(const action& a) {
    int messages = 0;
    for (int n = 0; n < 1000; ++n) {
      std::string line;
      if (!co_await read_line(line)) co_return false;
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      auto r = command_reply(line, a.mta);
      if (!co_await write(r.text)) co_return false;
      if (r.quit) {
        close_socket();
        co_return false;
      }
      if (r.tls && !co_await handshake(a.tls)) co_return false;
      if (!r.data) continue;
      std::string content;
      if (!co_await read_data(a.mta, content)) co_return false;
      std::string reply = data_reply(content, a.mta, ++messages);
      rec_.event("smtp_mta: message " + std::to_string(messages) + ": " + reply.substr(0, reply.size() - 2));
      if (!co_await write(reply)) co_return false;
    }
    co_return true;
  }

  asio::awaitable<bool> read_data(const mta_options& o, std::string& content) {
    auto deadline = clock::now() + opt_.io_timeout;
    for (;;) {
      if (auto end = find_data_end(pending_, o)) {
        content = pending_.substr(0, end->content);
        pending_.erase(0, end->consumed);
        co_return true;
      }
      if (pending_.size() >= max_line) {
        rec_.event("smtp_mta: message over the size bound");
        co_return false;
      }
      error_code ec;
      std::size_t n = co_await read_some(deadline, ec);
      pending_.append(buf_, n);
      if (ec && n == 0) {
        rec_.event("smtp_mta: " + ec.message());
        co_return false;
      }
    }
  }

  asio::awaitable<void> read_until(clock::time_point deadline) {
    for (;;) {
      error_code ec;
      std::size_t n = co_await read_some(deadline, ec);
      if (ec && n == 0) co_return;
    }
  }

  asio::awaitable<bool> handshake(const tls_server_options& o) {
    if (!o.buffered_plaintext_carried_over && !pending_.empty()) {
      rec_.event("starttls: discarded " + std::to_string(pending_.size()) + " plaintext bytes");
      pending_.clear();
    } else if (!pending_.empty()) {
      rec_.event("starttls: carried over " + std::to_string(pending_.size()) + " plaintext bytes");
    }
    if (o.alert) co_return co_await send_alert();
    std::string error;
    ctx_ = make_server_context(o, ca_, error);
    if (!ctx_) {
      rec_.event("tls setup failed: " + error);
      co_return false;
    }
    tls_.emplace(std::move(*tcp_), *ctx_);
    tcp_.reset();
    lowest().expires_after(opt_.io_timeout);
    error_code ec;
    co_await tls_->async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      rec_.event("handshake failed: " + ec.message());
      co_return false;
    }
    rec_.event(std::string("tls ") + SSL_get_version(tls_->native_handle()));
    if (o.request_client_cert || o.require_client_cert) record_client_cert();
    co_return true;
  }

  void record_client_cert() {
    X509* peer = SSL_get1_peer_certificate(tls_->native_handle());
    if (!peer) return rec_.event("no client certificate");
    char name[256] = {0};
    X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof name - 1);
    X509_free(peer);
    rec_.event(std::string("client certificate ") + name);
  }

  // Reads the ClientHello, answers a fatal handshake_failure alert and closes.
  asio::awaitable<bool> send_alert() {
    error_code ec;
    co_await read_some(clock::now() + opt_.io_timeout, ec);
    static const char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    co_await write(std::string_view(alert, sizeof alert));
    rec_.event("tls alert sent");
    close_socket();
    co_return false;
  }

  asio::awaitable<bool> pause(int ms) {
    asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::use_awaitable);
    co_return true;
  }

  asio::awaitable<bool> repeat(std::string_view bytes, std::uint64_t count) {
    for (std::uint64_t i = 0; count == 0 || i < count; ++i)
      if (!co_await write(bytes)) co_return false;
    co_return true;
  }

  asio::awaitable<bool> stream(const action& a) {
    std::string block;
    std::string chunk = a.bytes.empty() ? std::string("x") : a.bytes;
    while (block.size() < 65536) block += chunk;
    for (std::uint64_t left = a.count; left > 0;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
      if (!co_await write(std::string_view(block).substr(0, n))) co_return false;
      left -= n;
    }
    co_return a.tail.empty() || co_await write(a.tail);
  }

  asio::awaitable<bool> step(const action& a) {
    switch (a.kind) {
      case action_kind::send: co_return co_await write(a.bytes);
      case action_kind::expect_line: co_return co_await expect(a.bytes);
      case action_kind::read_line: {
        std::string line;
        co_return co_await read_line(line);
      }
      case action_kind::starttls: co_return co_await handshake(a.tls);
      case action_kind::sleep: co_return co_await pause(a.ms);
      case action_kind::trickle:
        for (char c : a.bytes) {
          if (!co_await write(std::string_view(&c, 1))) co_return false;
          co_await pause(a.ms);
        }
        co_return true;
      case action_kind::send_repeat: co_return co_await repeat(a.bytes, a.count);
      case action_kind::send_stream: co_return co_await stream(a);
      case action_kind::close: close_socket(); co_return false;
      case action_kind::reset: {
        error_code ec;
        lowest().socket().set_option(asio::socket_base::linger(true, 0), ec);
        close_socket();
        co_return false;
      }
      case action_kind::read_until_close: co_await read_until(clock::time_point::max()); co_return false;
      case action_kind::scram: co_return co_await scram(a.scram);
      case action_kind::smtp_mta: co_return co_await mta(a);
      case action_kind::drain:
        co_await read_until(a.ms ? clock::now() + std::chrono::milliseconds(a.ms) : clock::time_point::max());
        co_return false;
    }
    co_return false;
  }

  std::optional<beast::tcp_stream> tcp_;
  std::unique_ptr<ssl::context> ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  const server_options& opt_;
  const test_ca_paths& ca_;
  recorder& rec_;
  std::string pending_;  // received, not yet taken by a line read
  char buf_[4096];
};

}  // namespace

asio::awaitable<void> run_connection(asio::ip::tcp::socket socket, const script& s, const server_options& opt,
                                     const test_ca_paths& ca, recorder& rec) {
  {
    runner r(std::move(socket), opt, ca, rec);
    co_await r.run(s);
  }
  rec.done();
}

}  // namespace mailspec::fake
