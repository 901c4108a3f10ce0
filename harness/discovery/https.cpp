#include "discovery/https.hpp"

#include <openssl/x509_vfy.h>

#include "net/asio.hpp"

#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>

namespace mailspec::discovery {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

std::string url_parts::origin() const {
  bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  return scheme + "://" + h + (port == (scheme == "http" ? 80 : 443) ? "" : ":" + std::to_string(port));
}

bool parse_url(const std::string& url, url_parts& out, std::string& why, bool allow_http) {
  out = {};
  auto sep = url.find("://");
  if (sep == std::string::npos) return why = "\"" + url + "\" is not a URL", false;
  out.scheme = url.substr(0, sep);
  for (auto& c : out.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.scheme == "http" && allow_http) out.port = 80;
  else if (out.scheme != "https") return why = "\"" + url + "\": only https URLs are fetched", false;
  std::string rest = url.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (out.target.empty() || out.target[0] == '?') out.target = "/" + out.target;
  if (authority.find('@') != std::string::npos) return why = "\"" + url + "\": user information in a URL is refused", false;
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return why = "\"" + url + "\": unclosed [ in the host", false;
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return why = "\"" + url + "\": bad host", false;
      port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  for (auto& c : out.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.host.empty()) return why = "\"" + url + "\": no host", false;
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return why = "\"" + url + "\": space or control byte in the path", false;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535)
      return why = "\"" + url + "\": the port must be 1-65535", false;
    out.port = std::stoi(port);
  }
  return true;
}

namespace {

struct hop {
  int status = 0;
  std::string location, content_type, body, error, address, tls_version, verify_error;
  bool verified = false;
};

bool is_ip_literal(const std::string& h) {
  boost::system::error_code ec;
  asio::ip::make_address(h, ec);
  return !ec;
}

std::string verify_reason(SSL* s) {
  long v = SSL_get_verify_result(s);
  return v == X509_V_OK ? "" : X509_verify_cert_error_string(v);
}

// The HTTP request and response on a connected stream (TLS, or plain TCP for http URLs).
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const url_parts& u, const fetch_options& opt, hop& h) {
  boost::system::error_code ec;
  const bool post = opt.method == "POST";
  http::request<http::string_body> req{post ? http::verb::post : http::verb::get, u.target, 11};
  const int default_port = u.scheme == "http" ? 80 : 443;
  req.set(http::field::host, u.port == default_port ? u.host : u.host + ":" + std::to_string(u.port));
  req.set(http::field::user_agent, opt.user_agent);
  req.set(http::field::accept, "*/*");
  req.set(http::field::connection, "close");
  if (post) {
    req.set(http::field::content_type, opt.body_type);
    req.body() = opt.body;
    req.prepare_payload();
  }
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    h.error = "HTTP write: " + (ec == beast::error::timeout ? std::string("deadline expired") : ec.message());
    co_return;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(opt.max_bytes);
  co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (parser.is_header_done()) {
    const auto& res = parser.get();
    h.status = static_cast<int>(res.result_int());
    h.location = std::string(res[http::field::location]);
    h.content_type = std::string(res[http::field::content_type]);
  }
  if (ec && ec != http::error::end_of_stream) {
    if (ec == http::error::body_limit) h.error = "HTTP body over the " + std::to_string(opt.max_bytes) + "-byte limit";
    else if (ec == beast::error::timeout) h.error = "HTTP read: deadline expired";
    else h.error = "HTTP read: " + ec.message();
    co_return;
  }
  h.body = parser.get().body();
  beast::get_lowest_layer(stream).close();  // no close_notify wait: the body is complete
}

// One request/response under the fetch's deadline. Never throws.
asio::awaitable<void> get_once(const url_parts& u, const fetch_options& opt, clock::time_point deadline, hop& h) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::string> addrs;
  if (is_ip_literal(u.host)) addrs = {u.host};
  else if (opt.resolve) {
    auto ans = opt.resolve(u.host);
    if (!ans.ok()) {
      h.error = "resolve " + u.host + ": " + (ans.message.empty() ? to_string(ans.status) : ans.message);
      co_return;
    }
    addrs = ans.records;
  } else {
    h.error = "resolve " + u.host + ": no resolver";
    co_return;
  }
  boost::system::error_code ec;
  if (u.scheme == "http") {  // Autodiscover's redirect step: plain TCP, nothing but a GET
    beast::tcp_stream plain(ex);
    std::string last = "connect: no address for " + u.host;
    for (const auto& a : addrs) {
      auto ip = asio::ip::make_address(a, ec);
      if (ec) continue;
      plain.expires_at(deadline);
      co_await plain.async_connect(tcp::endpoint(ip, static_cast<unsigned short>(u.port)), asio::redirect_error(asio::use_awaitable, ec));
      h.address = (ip.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(u.port);
      if (!ec) break;
      last = "connect " + h.address + ": " + (ec == beast::error::timeout ? "deadline expired" : ec.message());
      plain.close();
    }
    if (!plain.socket().is_open()) {
      h.error = last;
      co_return;
    }
    co_await exchange(plain, u, opt, h);
    co_return;
  }
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (!opt.ca_file.empty()) ctx.load_verify_file(opt.ca_file, ec);
  else ctx.set_default_verify_paths(ec);
  if (ec) {
    h.error = "TLS: cannot load the trust store " + opt.ca_file + ": " + ec.message();
    co_return;
  }
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  // The name is checked by OpenSSL's own verification (not a callback), so a wrong name is
  // reported as "hostname mismatch" rather than an unspecified verification error.
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  if (is_ip_literal(u.host)) X509_VERIFY_PARAM_set1_ip_asc(param, u.host.c_str());
  else {
    SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
    SSL_set1_host(stream.native_handle(), u.host.c_str());
  }
  std::string last = "connect: no address for " + u.host;
  bool connected = false;
  for (const auto& a : addrs) {
    auto ip = asio::ip::make_address(a, ec);
    if (ec) continue;
    tcp::endpoint ep(ip, static_cast<unsigned short>(u.port));
    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.expires_at(deadline);
    co_await tcp_layer.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    h.address = (ip.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(u.port);
    if (!ec) {
      connected = true;
      break;
    }
    last = "connect " + h.address + ": " + (ec == beast::error::timeout ? "deadline expired" : ec.message());
    if (ec == beast::error::timeout) break;
    tcp_layer.close();
  }
  if (!connected) {
    h.error = last;
    co_return;
  }
  co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    h.verify_error = verify_reason(stream.native_handle());
    h.error = "TLS handshake with " + u.host + " (" + h.address + "): " +
              (h.verify_error.empty() ? ec.message() : "certificate not valid for " + u.host + ": " + h.verify_error);
    co_return;
  }
  h.verified = true;
  h.tls_version = SSL_get_version(stream.native_handle());
  co_await exchange(stream, u, opt, h);
}

// Location against the current URL: absolute https URLs and absolute paths.
bool resolve_location(const url_parts& base, const std::string& loc, url_parts& out, std::string& why) {
  if (loc.rfind("https://", 0) == 0 || loc.rfind("http://", 0) == 0 || loc.find("://") != std::string::npos)
    return parse_url(loc, out, why);
  if (loc.rfind("//", 0) == 0) return parse_url(base.scheme + ":" + loc, out, why);
  out = base;
  if (!loc.empty() && loc[0] == '/') out.target = loc;
  else out.target = base.target.substr(0, base.target.rfind('/') + 1) + loc;
  return true;
}

}  // namespace

fetch_result https_get(const std::string& url, const fetch_options& opt) {
  fetch_result r;
  r.url = url;
  url_parts u;
  std::string why;
  if (!parse_url(url, u, why, opt.allow_http)) {
    r.error = why;
    return r;
  }
  const auto deadline = clock::now() + opt.timeout;
  for (int hops = 0;; ++hops) {
    hop h;
    asio::io_context io(1);
    asio::co_spawn(io, get_once(u, opt, deadline, h), [&h](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        h.error = std::string("internal error: ") + x.what();
      }
    });
    io.run();
    r.final_url = u.origin() + u.target;
    r.address = h.address;
    r.status = h.status;
    r.content_type = h.content_type;
    r.tls_verified = h.verified;
    r.tls_version = h.tls_version;
    r.verify_error = h.verify_error;
    if (!h.error.empty()) {
      r.error = h.error;
      return r;
    }
    if (h.status >= 300 && h.status < 400 && !h.location.empty()) {
      url_parts next;
      r.location = h.location;
      std::string step = std::to_string(h.status) + " " + r.final_url + " -> " + h.location;
      bool resolved = resolve_location(u, h.location, next, why);
      bool same = resolved && next.host == u.host && next.port == u.port && next.scheme == u.scheme;
      if (!resolved || (!same && !(opt.cross_host_redirects && next.scheme == "https"))) {
        r.redirect_refused = step + (why.empty() ? " (another host: not followed)" : " (" + why + ")");
        r.error = "redirect not followed: " + r.redirect_refused;
        return r;
      }
      if (hops >= opt.max_redirects) {
        r.error = opt.max_redirects == 0 ? "redirect not followed (no redirects are followed here): " + step
                                         : "more than " + std::to_string(opt.max_redirects) +
                                               " redirects (a loop?), the last: " + step;
        return r;
      }
      r.redirects.push_back(step);
      u = next;
      continue;
    }
    if (h.status != 200) {
      r.error = "HTTP " + std::to_string(h.status) + " from " + r.final_url;
      return r;
    }
    r.body = std::move(h.body);
    r.ok = true;
    return r;
  }
}

}  // namespace mailspec::discovery
