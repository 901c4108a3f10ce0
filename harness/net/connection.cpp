// connection: deadlines, reads and writes, the TLS upgrade in place, close.
#include <openssl/bio.h>
#include <openssl/x509_vfy.h>

#include "core/transcript.hpp"

#include "net/connection_impl.hpp"
#include "net/io_status.hpp"
#include "net/dane.hpp"
#include "net/tls_inspect.hpp"

namespace mailspec::net {
namespace {

constexpr std::size_t plaintext_evidence_limit = 512;

// What OpenSSL reads from the socket during a handshake, as the server sent it (bounded). A
// handshake that fails on bytes that are not TLS records ("wrong version number") then shows
// those bytes: Exim's plaintext "421" on its implicit-TLS port, a plaintext greeting, HTTP.
long capture_reads(BIO* b, int oper, const char* argp, std::size_t, int, long, int ret, std::size_t* processed) {
  if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && argp && processed) {
    auto* cap = reinterpret_cast<std::string*>(BIO_get_callback_arg(b));
    if (cap && cap->size() < plaintext_evidence_limit)
      cap->append(argp, std::min(*processed, plaintext_evidence_limit - cap->size()));
  }
  return ret;
}

// TLS records start with a content type of 20-23 and a major version of 3.
bool looks_like_tls(const std::string& bytes) {
  if (bytes.empty()) return true;  // nothing seen: nothing to show
  auto type = static_cast<unsigned char>(bytes[0]);
  return type >= 20 && type <= 23 && (bytes.size() < 2 || static_cast<unsigned char>(bytes[1]) == 3);
}

std::string first_line_visible(const std::string& bytes) {
  const std::size_t n = std::min(bytes.find_first_of("\r\n"), bytes.size());
  return visible(bytes.substr(0, std::min<std::size_t>(n, 200))) + (n > 200 ? "..." : "");
}
constexpr std::chrono::milliseconds shutdown_budget{1000};

}  // namespace

connection::connection(asio::any_io_executor ex, std::size_t read_buffer)
    : p_(std::make_unique<impl>(std::move(ex), read_buffer)) {}

connection::~connection() = default;

void connection::set_deadline(clock::time_point when) {
  p_->deadline = when;
  if (p_->has_stream()) p_->arm();
}

void connection::clear_deadline() {
  p_->deadline.reset();
  if (p_->has_stream()) p_->arm();
}

bool connection::is_tls() const { return p_->tls_up; }

bool connection::is_open() const { return p_->has_stream() && p_->lowest().socket().is_open(); }

asio::awaitable<io_result> connection::write(std::string_view bytes) {
  auto& p = *p_;
  if (!is_open()) co_return fail(io_status::other, "write", "not connected");
  p.arm();
  boost::system::error_code ec;
  auto buffer = asio::buffer(bytes.data(), bytes.size());
  if (p.tls) co_await asio::async_write(*p.tls, buffer, asio::redirect_error(asio::use_awaitable, ec));
  else co_await asio::async_write(*p.tcp, buffer, asio::redirect_error(asio::use_awaitable, ec));
  co_return make_result(ec, "write");
}

asio::awaitable<read_result> connection::read_some() {
  auto& p = *p_;
  if (!is_open()) co_return read_result{fail(io_status::other, "read", "not connected"), {}};
  p.arm();
  boost::system::error_code ec;
  auto buffer = p.read_buffer(p.last_read);
  std::size_t n = p.tls ? co_await p.tls->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec))
                        : co_await p.tcp->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
  // Data that arrived with an error is delivered first; the error comes back on the next read.
  p.last_read = n;
  if (ec && n == 0) co_return read_result{make_result(ec, "read"), {}};
  co_return read_result{io_result{io_status::ok, "read", ""}, std::string_view(p.buf.get(), n)};
}

namespace {

// STARTTLS: bytes already waiting on the socket before our ClientHello were sent ahead of
// the handshake by the server. They are evidence, not handshake data: record and drop them.
void take_plaintext_ahead(beast::tcp_stream& tcp, tls_facts& facts) {
  boost::system::error_code ec;
  std::size_t avail = tcp.socket().available(ec);
  while (!ec && avail > 0) {
    char chunk[1024];
    std::size_t n = tcp.socket().read_some(asio::buffer(chunk, std::min(avail, sizeof chunk)), ec);
    facts.plaintext_bytes_before_handshake += n;
    std::size_t room = plaintext_evidence_limit - std::min(plaintext_evidence_limit, facts.plaintext_before_handshake.size());
    facts.plaintext_before_handshake.append(chunk, std::min(n, room));
    avail = ec ? 0 : tcp.socket().available(ec);
  }
}

}  // namespace

asio::awaitable<io_result> connection::start_tls(const tls_options& opt, const std::string& given_host, tls_facts& facts) {
  // "[::1]" (as a user may write an IPv6 target) is the address ::1: no SNI (RFC 6066 §3 allows
  // host names only) and the IP SAN checked, not a host name "[::1]" that no certificate has.
  const bool bracketed = given_host.size() > 2 && given_host.front() == '[' && given_host.back() == ']';
  const std::string host = bracketed ? given_host.substr(1, given_host.size() - 2) : given_host;
  auto& p = *p_;
  facts.mode = std::string(to_string(opt.mode));
  facts.verify_mode = std::string(to_string(opt.verify));
  facts.handshake_ok = false;
  if (p.tls) co_return fail(io_status::other, "handshake", "TLS already active");
  if (!is_open()) co_return fail(io_status::other, "handshake", "not connected");
  std::string error;
  auto ctx = shared_client_context(opt, error);
  if (!ctx) {
    facts.handshake_error = error;
    co_return fail(io_status::tls_error, "tls options", error);
  }
  if (opt.mode == tls_mode::starttls) take_plaintext_ahead(*p.tcp, facts);
  p.ctx = std::move(ctx);
  p.tls.emplace(std::move(*p.tcp), *p.ctx);  // upgrade in place: the TLS stream owns the socket now
  p.tcp.reset();
  SSL* ssl = p.tls->native_handle();
  facts.sni = sni_for(opt, host);
  if (!facts.sni.empty()) SSL_set_tlsext_host_name(ssl, facts.sni.c_str());
  facts.dane.reset();
  if (!opt.tlsa.empty()) dane_prepare(ssl, opt.verify_name.empty() ? host : opt.verify_name, opt.tlsa, facts.dane.emplace());
  p.verify = verify_state{};
  p.tls->set_verify_mode(ssl::verify_peer);
  p.tls->set_verify_callback([vs = &p.verify](bool preverified, ssl::verify_context& vc) {
    if (!preverified && vs->first_error == X509_V_OK) {
      vs->first_error = X509_STORE_CTX_get_error(vc.native_handle());
      vs->first_error_depth = X509_STORE_CTX_get_error_depth(vc.native_handle());
    }
    return true;  // recorded, never enforced: rules judge chain_ok / hostname_ok
  });
  const auto start = clock::now();
  p.lowest().expires_at(start + opt.timeout);
  std::string received;  // lives until the callback is removed below
  BIO* rbio = SSL_get_rbio(ssl);
  BIO_set_callback_arg(rbio, reinterpret_cast<char*>(&received));
  BIO_set_callback_ex(rbio, capture_reads);
  boost::system::error_code ec;
  co_await p.tls->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  facts.handshake_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start).count();
  if (ec) {
    // OpenSSL stops after the first record header; the rest of what arrived is still buffered.
    char sink[256];
    while (received.size() < plaintext_evidence_limit && BIO_pending(rbio) > 0 && BIO_read(rbio, sink, sizeof sink) > 0) {
    }
  }
  BIO_set_callback_ex(rbio, nullptr);
  BIO_set_callback_arg(rbio, nullptr);
  if (ec) {
    auto r = make_result(ec, "handshake");
    if (r.status == io_status::eof) r.message = "handshake: connection closed by the server";
    if (!looks_like_tls(received)) {
      facts.non_tls_reply = received;
      r.message += " (the server answered in plaintext, not TLS: \"" + first_line_visible(received) + "\")";
    }
    facts.handshake_error = r.message;
    close();  // a failed handshake leaves the stream unusable; nothing more is sent in plaintext
    co_return r;
  }
  facts.handshake_ok = true;
  p.tls_up = true;
  inspect_session(ssl, facts);
  record_verification(ssl, p.verify, opt, host, facts);
  p.arm();
  co_return io_result{io_status::ok, "handshake", ""};
}

asio::awaitable<void> connection::shutdown() {
  auto& p = *p_;
  if (p.tls && is_open()) {
    auto limit = clock::now() + shutdown_budget;
    p.lowest().expires_at(p.deadline ? std::min(*p.deadline, limit) : limit);
    boost::system::error_code ec;
    co_await p.tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    // Decision on ssl::error::stream_truncated (and eof, timeout) here: the server closed TCP
    // without answering our close_notify. RFC 8446 §6.1 allows closing without waiting, and the
    // mail protocol's own goodbye (QUIT/LOGOUT) already ended the exchange, so it is ignored.
    // During reads it is reported as io_status::eof (see io_status.cpp), never as a TLS error.
  }
  close();
}

void connection::cancel() {
  if (p_->has_stream()) p_->lowest().cancel();
}

void connection::close() {
  auto& p = *p_;
  if (!p.has_stream()) return;
  boost::system::error_code ec;
  auto& sock = p.lowest().socket();
  if (sock.is_open()) {
    sock.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }
}

}  // namespace mailspec::net
