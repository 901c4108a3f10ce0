// The TLS probe families: the main probe (STARTTLS or implicit TLS), version probes, weak ciphers.
#include <algorithm>

#include "audit/families.hpp"

namespace mailspec::audit::detail {

namespace {

bool has_cap(const std::vector<std::string>& caps, std::string_view word) {
  for (const auto& c : caps) {
    auto w = c.substr(0, c.find(' '));
    if (w == word) return true;
  }
  return false;
}

std::vector<std::string> minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  return out;
}

// Up to the point where a handshake may start: greeting, EHLO (SMTP), STARTTLS go-ahead.
// Implicit ports: only the TCP connection. false: the port cannot be probed this way.
asio::awaitable<bool> reach_handshake(probe& p) {
  if (!co_await p.open(false)) co_return false;
  if (p.port.tls == tls_mode::implicit) co_return true;
  if (!co_await p.greet()) co_return false;
  if (p.port.protocol == protocol_kind::smtp) {
    auto caps = co_await p.capabilities();
    if (p.facts.throttled) co_return false;
  }
  if (!co_await p.starttls()) {
    p.facts.starttls = starttls_attempt{starttls_outcome::refused, reply_text(p.rec.exchanges.back())};
    co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<session::record> probe_main(const options& opt, const port_spec& port) {
  auto ex = co_await asio::this_coro::executor;
  probe p(ex, opt, port, main_family(port));
  auto& c = p.rec.result;
  if (!co_await p.open() || !co_await p.greet()) {
    co_await p.close();
    co_return p.take();
  }
  auto before = co_await p.capabilities();
  if (port.tls == tls_mode::implicit) {
    c.capabilities_after_tls = before;
    co_await p.close();
    co_return p.take();
  }
  c.capabilities_before_tls = before;
  bool offered = has_cap(before, port.protocol == protocol_kind::pop3 ? "STLS" : "STARTTLS");
  p.facts.starttls_offered = offered;
  if (p.facts.throttled) {
    co_await p.close();
    co_return p.take();
  }
  // Tried even when not advertised: a server that upgrades anyway is worth knowing about.
  if (!co_await p.starttls()) {
    p.facts.starttls = starttls_attempt{starttls_outcome::refused, reply_text(p.rec.exchanges.back())};
    co_await p.close();
    co_return p.take();
  }
  if (!co_await p.handshake(p.tls_defaults(tls_mode::starttls))) {
    p.facts.starttls = starttls_attempt{starttls_outcome::handshake_failed, c.tls.back().handshake_error};
    if (p.handshake_timed_out())
      p.facts.unreachable = "no answer to the TLS handshake after STARTTLS within " +
                            std::to_string(p.tls_timeout().count()) + " ms";
    co_await p.close();
    co_return p.take();
  }
  p.facts.starttls = starttls_attempt{starttls_outcome::ok, ""};
  auto after = co_await p.capabilities();
  c.capabilities_after_tls = after;
  p.facts.caps_added = minus(after, before);
  p.facts.caps_removed = minus(before, after);
  co_await p.close();
  co_return p.take();
}

asio::awaitable<session::record> probe_version(const options& opt, const port_spec& port, std::string version) {
  auto ex = co_await asio::this_coro::executor;
  probe p(ex, opt, port, probe_family::tls_versions);
  p.meta("probe: a handshake that offers only " + version);
  if (co_await reach_handshake(p)) {
    auto o = p.tls_defaults(port.tls);
    o.verify = verify_mode::none;  // the main probe judges the certificate; this one only the version
    o.min_version = version;
    o.max_version = version;
    o.legacy = version == "TLSv1" || version == "TLSv1.1";
    bool ok = co_await p.handshake(o);
    const auto& f = p.rec.result.tls.back();
    // Only an answer refuses a version: silence or plaintext says nothing about it.
    handshake_outcome what = ok                         ? handshake_outcome::accepted
                             : p.handshake_timed_out()  ? handshake_outcome::no_answer
                             : !f.non_tls_reply.empty() ? handshake_outcome::not_tls
                                                        : handshake_outcome::refused;
    p.facts.versions[version] = handshake_attempt{what, ok ? f.cipher : f.handshake_error};
  }
  co_await p.close();
  co_return p.take();
}

asio::awaitable<session::record> probe_weak_ciphers(const options& opt, const port_spec& port) {
  auto ex = co_await asio::this_coro::executor;
  probe p(ex, opt, port, probe_family::tls_ciphers);
  p.meta("probe: a TLS <= 1.2 handshake that offers only NULL, EXPORT, RC4, 3DES, DES and anonymous suites");
  if (co_await reach_handshake(p)) {
    auto o = p.tls_defaults(port.tls);
    o.verify = verify_mode::none;
    o.max_version = "TLSv1.2";
    o.legacy = true;
    o.cipher_list = "NULL:eNULL:aNULL:EXPORT:RC4:3DES:DES:@SECLEVEL=0";
    bool ok = co_await p.handshake(o);
    const auto& f = p.rec.result.tls.back();
    p.facts.weak_ciphers = handshake_attempt{ok ? handshake_outcome::accepted : handshake_outcome::refused,
                                             ok ? f.version + " " + f.cipher : f.handshake_error};
  }
  co_await p.close();
  co_return p.take();
}

}  // namespace mailspec::audit::detail
