#include "server/conn.hpp"

#include <poll.h>

#include <algorithm>

#include "net/io_status.hpp"
#include "net/tls_inspect.hpp"

namespace mailspec::server {

namespace {

constexpr auto poll_step = std::chrono::milliseconds(20);

// "{12}" or "{12+}" at the end of a line (CRLF/LF removed): the literal's size; -1 when none.
long literal_size(std::string_view l, bool& sync) {
  if (l.size() < 3 || l.back() != '}') return -1;
  std::size_t open = l.rfind('{');
  if (open == std::string_view::npos) return -1;
  std::string_view n = l.substr(open + 1, l.size() - open - 2);
  sync = true;
  if (!n.empty() && (n.back() == '+' || n.back() == '-')) {  // LITERAL+ / LITERAL-: no continuation
    sync = false;
    n.remove_suffix(1);
  }
  if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string_view::npos) return -1;
  return std::stol(std::string(n));
}

std::string_view without_eol(std::string_view l) {
  while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
  return l;
}

}  // namespace

int recorder::add(direction d, channel c, std::string_view bytes) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0_).count();
  return log.add(ms, d, c, -1, secrets.redact(bytes));
}

const session::exchange& recorder::command(int session, channel c, std::string redacted, std::string verb, int index) {
  session::exchange ex;
  ex.step = session - 1;
  ex.command = std::move(redacted);
  ex.verb = std::move(verb);
  ex.chan = c;
  ex.transcript_index = index;
  exchanges.push_back(std::move(ex));
  return exchanges.back();
}

conn::conn(asio::ip::tcp::socket s, recorder& rec, clock::time_point deadline)
    : rec_(rec), deadline_(deadline), tcp_(std::in_place, std::move(s)) {}

conn::~conn() { close(end_.empty() ? "session ended" : end_); }

bool conn::open() const {
  if (tls_) return beast::get_lowest_layer(*tls_).socket().is_open();
  return tcp_ && tcp_->socket().is_open();
}

void conn::close(const std::string& why) {
  if (end_.empty()) end_ = why;
  if (!tcp_ && !tls_) return;
  boost::system::error_code ec;
  auto& sock = lowest().socket();
  if (sock.is_open()) {
    sock.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }
}

asio::awaitable<bool> conn::send(std::string_view bytes) {
  if (!open()) co_return false;
  rec_.add(direction::server, chan(), bytes);
  lowest().expires_at(deadline_);
  boost::system::error_code ec;
  auto b = asio::buffer(bytes.data(), bytes.size());
  if (tls_) co_await asio::async_write(*tls_, b, asio::redirect_error(asio::use_awaitable, ec));
  else co_await asio::async_write(*tcp_, b, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) close(net::make_result(ec, "write").message);
  co_return !ec;
}

asio::awaitable<bool> conn::send_raw(std::string_view bytes, const std::string& note) {
  if (!open()) co_return false;
  rec_.meta(note);
  lowest().expires_at(deadline_);
  boost::system::error_code ec;
  co_await asio::async_write(lowest(), asio::buffer(bytes.data(), bytes.size()), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

asio::awaitable<bool> conn::fill() {
  if (!open()) co_return false;
  lowest().expires_at(deadline_);
  boost::system::error_code ec;
  auto b = asio::buffer(buf_, sizeof buf_);
  std::size_t n = tls_ ? co_await tls_->async_read_some(b, asio::redirect_error(asio::use_awaitable, ec))
                       : co_await tcp_->async_read_some(b, asio::redirect_error(asio::use_awaitable, ec));
  pending_.append(buf_, n);
  if (ec && n == 0) {
    auto r = net::make_result(ec, "read");
    close(r.status == net::io_status::eof ? "client closed" : r.status == net::io_status::timeout ? "timeout" : r.message);
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> conn::literal(std::string& cmd, std::size_t n, bool sync) {
  if (n > max_literal || cmd.size() + n > max_command) {
    close("IMAP literal over the bound");
    co_return false;
  }
  if (sync && pending_.size() < n && !co_await send("+ Ready for literal data\r\n")) co_return false;
  while (pending_.size() < n)
    if (!co_await fill()) co_return false;
  cmd.append(pending_, 0, n);
  pending_.erase(0, n);
  co_return true;
}

asio::awaitable<std::optional<std::string>> conn::line(bool imap) {
  std::string cmd;
  for (;;) {
    std::size_t lf = pending_.find('\n');
    while (lf == std::string::npos) {
      if (pending_.size() > max_line) {
        close("client line over " + std::to_string(max_line) + " bytes");
        co_return std::nullopt;
      }
      if (!co_await fill()) {
        // A last line without its end (the client closed after it) is still a command.
        if (pending_.empty() && cmd.empty()) co_return std::nullopt;
        cmd += std::exchange(pending_, {});
        co_return cmd;
      }
      lf = pending_.find('\n');
    }
    std::string l = pending_.substr(0, lf + 1);
    pending_.erase(0, lf + 1);
    cmd += l;
    bool sync = false;
    long n = imap ? literal_size(without_eol(l), sync) : -1;
    if (n < 0) co_return cmd;
    if (!co_await literal(cmd, static_cast<std::size_t>(n), sync)) co_return std::nullopt;
  }
}

asio::awaitable<bool> conn::more_within(clock::time_point until) {
  until = std::min(until, deadline_);
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (;;) {
    if (!pending_.empty()) co_return true;
    if (!open()) co_return false;
    if (tls_ && SSL_pending(tls_->native_handle()) > 0) co_return co_await fill() && !pending_.empty();
    // Readable: data, or the client closed. Reading tells which (EOF ends the session anyway).
    pollfd p{lowest().socket().native_handle(), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) co_return co_await fill() && !pending_.empty();
    if (clock::now() >= until) co_return false;
    boost::system::error_code ec;
    t.expires_after(std::min<clock::duration>(poll_step, until - clock::now()));
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

std::string conn::take_buffered() { return std::exchange(pending_, {}); }

void conn::drop_buffered(const std::string& note) {
  if (!pending_.empty()) rec_.meta(note + " (" + std::to_string(pending_.size()) + " bytes, not shown)");
  pending_.clear();
}

asio::awaitable<conn::first> conn::first_bytes(std::chrono::milliseconds wait) {
  if (!co_await more_within(clock::now() + wait)) co_return open() ? first::none : first::closed;
  if (pending_.empty() && !co_await fill()) co_return first::closed;
  auto type = static_cast<unsigned char>(pending_[0]);
  co_return type == 0x16 ? first::tls : first::plain;  // 22: a TLS handshake record
}

asio::awaitable<bool> conn::handshake(ssl::context& ctx, const std::string& mode, tls_facts& facts) {
  facts.mode = mode;
  facts.verify_mode = "none";
  facts.handshake_ok = false;
  if (tls_ || !open()) co_return false;
  const std::string already = std::exchange(pending_, {});
  tls_.emplace(std::move(*tcp_), ctx);  // the TLS stream owns the socket now
  tcp_.reset();
  lowest().expires_at(deadline_);
  const auto start = clock::now();
  boost::system::error_code ec;
  co_await tls_->async_handshake(ssl::stream_base::server, asio::buffer(already),
                                 asio::redirect_error(asio::use_awaitable, ec));
  facts.handshake_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start).count();
  SSL* s = tls_->native_handle();
  if (X509* cert = SSL_get_certificate(s)) facts.leaf = net::inspect_certificate(cert);
  if (const char* sni = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name)) facts.sni = sni;
  if (ec) {
    auto r = net::make_result(ec, "handshake");
    facts.handshake_error = r.status == net::io_status::eof ? "handshake: the client closed the connection" : r.message;
    rec_.meta("TLS handshake failed: " + facts.handshake_error);
    close(facts.handshake_error);
    co_return false;
  }
  facts.handshake_ok = true;
  facts.version = SSL_get_version(s);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(s)) {
    facts.cipher = SSL_CIPHER_get_name(c);
    facts.cipher_bits = SSL_CIPHER_get_bits(c, nullptr);
  }
  rec_.meta("TLS handshake completed: " + facts.version + " " + facts.cipher +
            (facts.sni.empty() ? ", no SNI" : ", SNI " + facts.sni));
  co_return true;
}

}  // namespace mailspec::server
