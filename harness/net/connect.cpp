// connection::connect: resolve (every address recorded), then try each address in order; the
// options of a connection and a handshake made from a command's client_options.
#include <algorithm>

#include "net/connection_impl.hpp"
#include "net/io_status.hpp"
#include "net/tls_inspect.hpp"

namespace mailspec::net {

std::string strip_brackets(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

connect_options connect_options_for(const client_options& c, std::string host, int port,
                                    std::chrono::milliseconds timeout) {
  connect_options o;
  o.host = std::move(host);
  o.port = port;
  o.bind = c.bind;
  o.timeout = timeout;
  o.loopback_only = c.loopback_only;
  return o;
}

tls_options tls_options_for(const client_options& c, tls_mode mode) {
  tls_options o;
  o.verify = verify_mode::hostname;
  o.sni = c.sni;
  o.ca_file = c.ca_file;
  o.client_cert = c.client_cert;
  o.client_key = c.client_key;
  o.mode = mode;
  return o;
}

namespace {

using tcp = asio::ip::tcp;

// Resolution under the connect deadline: a timer cancels the resolver.
asio::awaitable<tcp::resolver::results_type> resolve(const std::string& host, int port,
                                                     clock::time_point deadline,
                                                     boost::system::error_code& ec) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex);
  timer.expires_at(deadline);
  timer.async_wait([&resolver](boost::system::error_code e) {
    if (!e) resolver.cancel();
  });
  auto flags = tcp::resolver::numeric_service;
  if (is_ip_literal(host)) flags |= tcp::resolver::numeric_host;
  auto results = co_await resolver.async_resolve(host, std::to_string(port), flags,
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::operation_aborted && clock::now() >= deadline) ec = beast::error::timeout;
  timer.cancel();
  co_return results;
}

// Opens the socket and binds it to the source address, when one is given.
io_result open_and_bind(beast::tcp_stream& s, const tcp::endpoint& ep, const std::string& bind) {
  boost::system::error_code ec;
  s.socket().open(ep.protocol(), ec);
  if (ec) return make_result(ec, "socket");
  if (bind.empty()) return {};
  auto src = asio::ip::make_address(strip_brackets(bind), ec);
  if (ec) return fail(io_status::other, "bind", "invalid source address '" + bind + "'");
  if (src.is_v4() != ep.address().is_v4())
    return fail(io_status::unreachable, "bind", "source " + bind + " and " + ep.address().to_string() +
                                                    " are not the same address family");
  s.socket().bind(tcp::endpoint(src, 0), ec);
  if (ec) return fail(io_status::other, "bind", bind + ": " + ec.message());
  return {};
}

}  // namespace

asio::awaitable<io_result> connection::connect(const connect_options& opt, target_info& target) {
  auto& p = *p_;
  close();
  p.tls.reset();
  p.ctx.reset();
  p.tcp.reset();
  p.tls_up = false;
  const std::string host = strip_brackets(opt.host);
  target.host = opt.host;
  target.port = opt.port;
  target.bind = opt.bind;
  target.addresses.clear();
  const auto deadline = clock::now() + opt.timeout;
  boost::system::error_code ec;
  auto results = co_await resolve(host, opt.port, deadline, ec);
  if (ec) co_return fail(classify(ec), "resolve", host + ": " + (classify(ec) == io_status::timeout
                                                                     ? std::string("deadline expired")
                                                                     : ec.message()));
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) {
    if (std::find(endpoints.begin(), endpoints.end(), entry.endpoint()) != endpoints.end()) continue;
    endpoints.push_back(entry.endpoint());
    target.addresses.push_back(entry.endpoint().address().to_string());
  }
  io_result last = fail(io_status::unreachable, "resolve", host + ": no address");
  for (const auto& ep : endpoints) {
    const std::string where = ep.address().to_string() + " port " + std::to_string(opt.port);
    if (opt.loopback_only && !ep.address().is_loopback()) {
      last = fail(io_status::refused, "connect", where + ": not a loopback address (loopback_only)");
      continue;
    }
    beast::tcp_stream stream(p.ex);
    if (auto r = open_and_bind(stream, ep, opt.bind); !r.ok()) {
      last = r;
      continue;
    }
    stream.expires_at(deadline);
    co_await stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      stream.socket().set_option(tcp::no_delay(true), ec);
      p.tcp.emplace(std::move(stream));
      p.arm();
      target.ip = ep.address().to_string();
      co_return io_result{io_status::ok, "connect", ""};
    }
    last = make_result(ec, "connect");
    last.message = "connect " + where + ": " + (last.status == io_status::timeout ? "deadline expired" : ec.message());
    if (last.status == io_status::timeout) break;  // one deadline for the whole step
  }
  co_return last;
}

}  // namespace mailspec::net
