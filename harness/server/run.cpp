// `mailspec serve`: the listener, one test after another, and the report. A test waits for the
// client's first connection (--timeout-ms), runs every connection it gets (each bounded by the
// same timeout), and keeps accepting for --linger-ms after the last one ended: a client that
// retries after a refusal is still judged by the test that refused it.
#include <poll.h>

#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>

#include <openssl/rand.h>

#include "server/certs.hpp"
#include "server/dialogue.hpp"

namespace mailspec::server {

namespace {

using tcp = asio::ip::tcp;
constexpr auto slice = std::chrono::milliseconds(20);
constexpr int extra_sessions = 4;  // connections a test accepts beyond --sessions (retries)

tcp::endpoint parse_listen(const std::string& listen) {
  // ADDR:PORT or [V6]:PORT.
  std::string host, port;
  if (!listen.empty() && listen.front() == '[') {
    auto close = listen.find("]:");
    if (close != std::string::npos) host = listen.substr(1, close - 1), port = listen.substr(close + 2);
  } else if (auto c = listen.find(':'); c != std::string::npos && listen.find(':', c + 1) == std::string::npos) {
    host = listen.substr(0, c), port = listen.substr(c + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    throw std::invalid_argument("--listen expects ADDR:PORT (127.0.0.1:2525, [::1]:2525, port 0 = any free port), got \"" +
                                listen + "\"");
  if (!addr.is_loopback())
    throw std::invalid_argument("--listen " + listen + ": only loopback addresses (127.0.0.0/8, ::1): mailspec serve plays "
                                "an attacker's server and never listens on a network");
  return {addr, static_cast<unsigned short>(std::stoi(port))};
}

std::string where_of(const tcp::endpoint& e) {
  const std::string a = e.address().to_string();
  return (e.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(e.port());
}

std::unique_ptr<ssl::context> server_context(const pem_pair& p, leaf l) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
  boost::system::error_code ec;
  ctx->use_certificate_chain(asio::buffer(p.cert), ec);
  if (!ec) ctx->use_private_key(asio::buffer(p.key), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("the " + std::string(to_string(l)) + " certificate: " + ec.message());
  return ctx;
}

std::string random_key() {
  unsigned char k[32];
  if (RAND_bytes(k, sizeof k) != 1) throw std::runtime_error("no random bytes for the fingerprint key");
  return std::string(reinterpret_cast<char*>(k), sizeof k);
}

// Everything one run shares.
struct run_state {
  run_state(const options& o, tcp::acceptor& a) : opt(o), acceptor(a) {}
  const options& opt;
  tcp::acceptor& acceptor;
  std::map<leaf, std::unique_ptr<ssl::context>> ctx;
  secret_registry secrets;
  std::string key = random_key();
  tcp::endpoint local;
  bool stopped() const { return opt.stop && opt.stop->load(); }
};

// A connection waiting in the listen queue, taken without blocking.
std::optional<tcp::socket> take_connection(run_state& rs) {
  pollfd p{rs.acceptor.native_handle(), POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return std::nullopt;
  boost::system::error_code ec;
  tcp::socket s(rs.acceptor.get_executor());
  rs.acceptor.accept(s, ec);
  if (ec) return std::nullopt;
  return s;
}

case_result new_case(const test_def& t, const run_state& rs) {
  case_result c;
  c.scenario_id = t.id;
  c.title = t.title;
  c.protocol = t.base;
  c.kind = "serve";
  c.target.host = rs.opt.client;
  c.target.ip = rs.local.address().to_string();
  c.target.addresses = {c.target.ip};
  c.target.port = rs.local.port();
  c.target.tls_mode = t.port == port_kind::starttls ? "starttls" : "implicit";
  c.target.service = t.protocol;
  c.started = iso8601_now();
  c.refs = {t.spec, t.study};
  return c;
}

asio::awaitable<case_result> run_test(const test_def& t, run_state& rs) {
  const auto t0 = clock::now();
  case_result c = new_case(t, rs);
  client_facts facts;
  facts.certificate = std::string(to_string(t.s.cert));
  recorder rec(rs.secrets, t0);
  test_state st{t, facts, rec, c.tls, *rs.ctx.at(t.s.cert), rs.key, std::chrono::milliseconds(600),
                std::chrono::milliseconds(1500)};
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  int started = 0, active = 0;
  auto last_end = t0;
  std::vector<std::weak_ptr<conn>> conns;
  const int expected = rs.opt.sessions, most = rs.opt.sessions + extra_sessions;
  for (;;) {
    const auto now = clock::now();
    if (rs.stopped()) {
      for (auto& w : conns)
        if (auto p = w.lock()) p->close("interrupted");
      if (active == 0) break;
    } else if (active == 0) {
      const auto until = started < expected ? t0 + rs.opt.timeout : last_end + rs.opt.linger;
      if (started >= most || now >= until) break;
    }
    if (started < most && !rs.stopped())
      if (auto s = take_connection(rs)) {
        ++started;
        ++active;
        boost::system::error_code ec;
        auto peer = s->remote_endpoint(ec);
        rec.meta("session " + std::to_string(started) + ": connection from " + (ec ? "?" : where_of(peer)));
        auto cp = std::make_shared<conn>(std::move(*s), rec, clock::now() + rs.opt.timeout);
        conns.push_back(cp);
        asio::co_spawn(ex, [&, cp, n = started]() -> asio::awaitable<void> {
            try {
              auto d = make_dialogue(st, *cp, n);
              co_await d->run();
            } catch (const std::exception& e) {
              rec.meta("session " + std::to_string(n) + " ended by an internal error: " + e.what());
            }
            --active;
            last_end = clock::now();
          }, asio::detached);
        continue;
      }
    timer.expires_after(slice);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  c.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0).count();
  if (!facts.connected())
    c.message = rs.stopped() ? "interrupted" : "no connection within " + std::to_string(rs.opt.timeout.count()) + " ms";
  c.client = std::move(facts);
  c.log = std::move(rec.log);
  session::record r;
  r.result = std::move(c);
  r.exchanges = std::move(rec.exchanges);
  rules::judge_options jo;
  jo.within = {t.id};
  auto findings = rules::judge(r, catalogue(), jo);
  c = std::move(r.result);
  c.findings = std::move(findings);
  c.result = verdict::pass;  // a serve case is never skipped: its verdict is its findings'
  c.result = combine_case_verdict(c);
  co_return c;
}

// Every secret seen in the run is redacted in every case, also where it appeared before the
// command that revealed it was read.
void redact_all(run_report& r, const secret_registry& secrets) {
  for (auto& c : r.cases) {
    session::redact_case(c, secrets);
    transcript t;
    for (auto e : c.log.entries()) {
      e.text = secrets.redact(e.text);
      t.restore(std::move(e));
    }
    t.add_dropped(c.log.dropped_entries());
    c.log = std::move(t);
  }
}

}  // namespace

void check_options(const options& opt) {
  if (!is_protocol(opt.protocol))
    throw std::invalid_argument("--protocol " + opt.protocol + ": one of smtp, submission, submissions, imap, imaps, pop3, pop3s");
  parse_listen(opt.listen);
  if (opt.sessions < 1 || opt.sessions > 100) throw std::invalid_argument("--sessions must be 1-100");
  if (opt.cert_file.empty() != opt.key_file.empty()) throw std::invalid_argument("--cert and --key go together");
  for (const auto& p : opt.tests)
    if (select(opt.protocol, {p}).empty())
      throw std::invalid_argument("--test " + p + ": no test of --protocol " + opt.protocol +
                                  " starts with it (mailspec serve --list lists them)");
}

run_report run(const options& opt, const announce_fn& announce, const progress_fn& progress, const note_fn& note) {
  check_options(opt);
  const auto started = clock::now();
  cert_set certs = make_certs(opt.cert_file, opt.key_file);
  asio::io_context io;
  tcp::acceptor acceptor(io);
  run_state rs(opt, acceptor);
  for (const auto& [l, p] : certs.leaves) rs.ctx[l] = server_context(p, l);
  const auto endpoint = parse_listen(opt.listen);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + opt.listen + ": " + ec.message());
  rs.local = acceptor.local_endpoint();
  if (!opt.report_dir.empty()) {
    const std::string ca = opt.report_dir + "/serve-ca.pem";
    std::ofstream(ca) << certs.ca;
    if (note)
      note("CA certificate of this run (trust it in the client): " + ca +
           (certs.user_valid ? " (it signs the expired and wrong-host leaves; the valid one is --cert)" : ""));
  }
  run_report r;
  r.command = "serve";
  r.started = iso8601_now();
  r.targets = {opt.client};
  const auto selected = select(opt.protocol, opt.tests);
  if (note) note("listening on " + where_of(rs.local) + " (" + opt.protocol + "), " + std::to_string(selected.size()) + " tests");
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      for (std::size_t i = 0; i < selected.size(); ++i) {
        if (rs.stopped()) {
          r.incomplete = true;
          r.incomplete_reason = "interrupted";
          break;
        }
        if (announce) announce(*selected[i], where_of(rs.local));
        r.cases.push_back(co_await run_test(*selected[i], rs));
        if (progress) progress(r.cases.back(), static_cast<int>(i + 1), static_cast<int>(selected.size()));
      }
    }, asio::detached);
  io.run();
  redact_all(r, rs.secrets);
  rules::book({&catalogue()}).attach_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started).count();
  return r;
}

}  // namespace mailspec::server
