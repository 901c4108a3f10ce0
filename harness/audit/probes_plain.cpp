// The plaintext probe families: plaintext-login exposure (random canary) and STARTTLS injection.
#include <openssl/rand.h>

#include <algorithm>

#include "audit/probes.hpp"
#include "core/text.hpp"
#include "protocol/imap.hpp"

namespace mailspec::audit::detail {

namespace {

using std::chrono::milliseconds;

std::string random_chars(std::size_t n, std::string_view alphabet) {
  std::string out;
  unsigned char buf[64];
  while (out.size() < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) {
      for (auto& b : buf) b = static_cast<unsigned char>(std::rand());
    }
    for (unsigned char b : buf)
      if (out.size() < n && b < 256 - 256 % alphabet.size()) out += alphabet[b % alphabet.size()];
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// What the plaintext channel advertises for logging in (empty = nothing).
std::vector<std::string> advertised_login(const port_spec& port, const std::vector<std::string>& caps) {
  std::vector<std::string> seen;
  bool logindisabled = false;
  for (const auto& c : caps) {
    if (port.protocol == protocol_kind::smtp && (starts_with(c, "AUTH ") || starts_with(c, "AUTH="))) seen.push_back(c);
    if (port.protocol == protocol_kind::imap && starts_with(c, "AUTH=")) seen.push_back(c);
    if (port.protocol == protocol_kind::imap && c == "LOGINDISABLED") logindisabled = true;
    if (port.protocol == protocol_kind::pop3 && (c == "USER" || starts_with(c, "SASL "))) seen.push_back(c);  // "SASL" alone: none
  }
  if (port.protocol == protocol_kind::imap && !logindisabled) seen.insert(seen.begin(), "LOGIN (no LOGINDISABLED)");
  return seen;
}

struct login_result {
  login_outcome outcome = login_outcome::inconclusive;
  std::string reply;
};

constexpr auto evaluated = login_outcome::evaluated;
constexpr auto refused = login_outcome::refused;
constexpr auto accepted = login_outcome::accepted;
constexpr auto inconclusive = login_outcome::inconclusive;

asio::awaitable<login_result> smtp_login(probe& p, const canary& k, const std::vector<std::string>& caps) {
  bool login_only = false;
  for (const auto& c : caps)
    if (starts_with(c, "AUTH") && c.find("PLAIN") == std::string::npos && c.find("LOGIN") != std::string::npos)
      login_only = true;
  cmd_result r;
  bool sent_password = !login_only;
  if (login_only) {
    r = co_await p.command("AUTH LOGIN");
    if (!p.ex(r.ex).smtp.empty() && p.ex(r.ex).smtp.front().code == 334) {
      r = co_await p.command(base64_encode(k.user));
      if (!p.ex(r.ex).smtp.empty() && p.ex(r.ex).smtp.front().code == 334) {
        r = co_await p.command(base64_encode(k.password), false, p.login_timeout());
        sent_password = true;
      }
    }
  } else {
    r = co_await p.command("AUTH PLAIN " + base64_encode(std::string(1, '\0') + k.user + '\0' + k.password), false,
                           p.login_timeout());
  }
  const auto& e = p.ex(r.ex);
  if (e.smtp.empty()) co_return login_result{inconclusive, r.io.message};
  int code = e.smtp.front().code;
  std::string text = reply_text(e);
  if (code == 535) co_return login_result{evaluated, text};
  if (code == 235) co_return login_result{accepted, text};
  if (code == 530 || code == 538 || code == 503 || code == 502) co_return login_result{refused, text};
  // A temporary failure after the credentials were sent (Postfix: "454 4.7.0 Temporary
  // authentication failure: Connection lost to authentication server") means the server took
  // them over plaintext and handed them to its authentication backend: evaluation, not an all-clear.
  if (code == 454 && sent_password) co_return login_result{evaluated, text + " (a temporary failure after the password was sent)"};
  co_return login_result{inconclusive, text};
}

// A NO that says the credentials themselves were judged (RFC 5530 §3).
bool credentials_code(std::string_view code) {
  return code == "AUTHENTICATIONFAILED" || code == "AUTHORIZATIONFAILED" || code == "EXPIRED";
}

// A refusal that asks for TLS instead of judging the password ("NO Plaintext logins are not
// allowed, use STARTTLS", "-ERR TLS required to log in"): servers that do not advertise
// LOGINDISABLED (or POP3 servers that take USER first) still refuse before evaluating.
bool asks_for_tls(std::string text) {
  for (auto& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* w : {"tls", "ssl", "starttls", "stls", "encrypt", "plaintext", "cleartext", "secure connection",
                        "privacy"})
    if (text.find(w) != std::string::npos) return true;
  return false;
}

asio::awaitable<login_result> imap_login(probe& p, const canary& k, const std::vector<std::string>& caps) {
  // With LOGINDISABLED advertised the server has said it does not permit LOGIN (RFC 9051
  // §6.2.3), so a NO without a credentials code is that refusal (Cyrus 3.6: "NO Login only
  // available under a layer"), not a judgement of the password.
  const bool logindisabled = std::find(caps.begin(), caps.end(), "LOGINDISABLED") != caps.end();
  auto r = co_await p.command("LOGIN " + protocol::imap_quote(k.user) + " " + protocol::imap_quote(k.password), false,
                              p.login_timeout());
  const auto& e = p.ex(r.ex);
  for (const auto& resp : e.imap) {
    if (resp.kind != protocol::imap_kind::tagged || resp.tag != e.tag) continue;
    std::string text = first_line(resp.raw);
    if (resp.status == "OK") co_return login_result{accepted, text};
    if (resp.status == "BAD" || resp.code_name() == "PRIVACYREQUIRED") co_return login_result{refused, text};
    if (resp.status == "NO" && logindisabled && !credentials_code(resp.code_name()))
      co_return login_result{refused, text + " (LOGINDISABLED advertised)"};
    if (resp.status == "NO" && !credentials_code(resp.code_name()) && asks_for_tls(resp.text))
      co_return login_result{refused, text + " (the reply asks for TLS)"};
    if (resp.status == "NO") co_return login_result{evaluated, text};
    co_return login_result{inconclusive, text};
  }
  co_return login_result{inconclusive, e.imap.empty() ? r.io.message : first_line(e.imap.back().raw)};
}

asio::awaitable<login_result> pop3_login(probe& p, const canary& k) {
  auto r = co_await p.command("USER " + k.user);
  const auto* e = &p.ex(r.ex);
  if (e->pop3.empty()) co_return login_result{inconclusive, r.io.message};
  if (p.check_throttle(*e)) co_return login_result{inconclusive, reply_text(*e)};
  if (e->pop3.front().status != protocol::pop3_status::ok) co_return login_result{refused, reply_text(*e)};
  r = co_await p.command("PASS " + k.password, false, p.login_timeout());
  e = &p.ex(r.ex);
  if (e->pop3.empty()) co_return login_result{inconclusive, r.io.message};
  if (e->pop3.front().status == protocol::pop3_status::ok) co_return login_result{accepted, reply_text(*e)};
  // -ERR [AUTH] (RFC 3206) says the credentials were judged; a reply asking for TLS says not.
  // A temporary failure after the password ([SYS/TEMP], [IN-USE], [LOGIN-DELAY]) means the
  // server took it over plaintext: evaluation too, never an all-clear.
  const std::string code = upper(e->pop3.front().code);
  if (code != "AUTH" && asks_for_tls(reply_text(*e))) co_return login_result{refused, reply_text(*e) + " (the reply asks for TLS)"};
  co_return login_result{evaluated, reply_text(*e)};
}

}  // namespace

canary make_canary() {
  return canary{"mailspec-canary-" + random_chars(10, "0123456789abcdef"),
                random_chars(16, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")};
}

asio::awaitable<session::record> probe_plaintext_login(const options& opt, const port_spec& port) {
  auto ex = co_await asio::this_coro::executor;
  probe p(ex, opt, port, probe_family::plaintext_login);
  if (co_await p.open() && co_await p.greet()) {
    auto caps = co_await p.capabilities();
    p.rec.result.capabilities_before_tls = caps;
    p.facts.login_advertised = advertised_login(port, caps);
    if (!p.facts.throttled) {
      canary k = make_canary();
      p.facts.canary_user = k.user;
      p.facts.canary_password = k.password;
      p.meta("canary: random credentials that belong to no account, sent deliberately over plaintext to see "
             "whether the server evaluates them (not a secret): user \"" + k.user + "\" password \"" +
             k.password + "\"");
      login_result lr;
      if (port.protocol == protocol_kind::smtp) lr = co_await smtp_login(p, k, caps);
      else if (port.protocol == protocol_kind::imap) lr = co_await imap_login(p, k, caps);
      else lr = co_await pop3_login(p, k);
      // SMTP 421 or an IMAP * BYE instead of an answer ends the session: throttling, as the
      // session reads it. (POP3's temporary failures after PASS are evaluation: pop3_login.)
      if (port.protocol != protocol_kind::pop3 && !p.rec.exchanges.empty() && p.check_throttle(p.rec.exchanges.back()))
        lr.outcome = inconclusive;
      p.facts.login = lr.outcome;
      p.facts.login_reply = lr.reply;
      p.meta("plaintext login with the canary: " + std::string(to_string(lr.outcome)) + " (" + visible(lr.reply) + ")");
    }
  }
  co_await p.close();
  co_return p.take();
}

namespace {

// Whether the exchange holds a reply to the injected command, per protocol.
struct injected {
  std::vector<std::string> lines;  // STARTTLS + the injected command
  std::string injected_tag;        // IMAP
};

injected injection_lines(probe& p) {
  if (p.port.protocol == protocol_kind::smtp) return {{"STARTTLS", "XMAILSPEC-INJECTED"}, ""};
  if (p.port.protocol == protocol_kind::pop3) return {{"STLS", "XMAILSPEC-INJECTED"}, ""};
  std::string t1 = p.next_tag();
  std::string t2 = p.next_tag();
  return {{t1 + " STARTTLS", t2 + " NOOP"}, t2};
}

bool go_ahead(const probe& p, const session::exchange& e) {
  if (!e.smtp.empty()) return e.smtp.front().code == 220;
  if (!e.pop3.empty()) return e.pop3.front().status == protocol::pop3_status::ok;
  for (const auto& r : e.imap)
    if (r.kind == protocol::imap_kind::tagged && r.tag == e.tag) return r.status == "OK";
  return false;
}

// After the handshake: our own command, then whether the server answered the injected one too.
asio::awaitable<injection_outcome> judge_after_tls(probe& p, const injected& inj) {
  if (p.port.protocol == protocol_kind::imap) {
    auto r = co_await p.command("NOOP");
    for (const auto& resp : p.ex(r.ex).imap)
      if (resp.kind == protocol::imap_kind::tagged && resp.tag == inj.injected_tag) {
        p.facts.injection_evidence = first_line(resp.raw);
        co_return injection_outcome::vulnerable;
      }
    co_return r.ok() ? injection_outcome::not_vulnerable : injection_outcome::inconclusive;
  }
  bool smtp = p.port.protocol == protocol_kind::smtp;
  auto r = co_await p.command(smtp ? "NOOP" : "CAPA", !smtp);
  const auto& e = p.ex(r.ex);
  if (!r.ok() && e.smtp.empty() && e.pop3.empty()) co_return injection_outcome::inconclusive;
  // A first answer that fits our own command settles it without waiting.
  if (smtp && !e.smtp.empty() && e.smtp.front().code == 250) co_return injection_outcome::not_vulnerable;
  if (!smtp && !e.pop3.empty() && e.pop3.front().status == protocol::pop3_status::ok)
    co_return injection_outcome::not_vulnerable;
  std::string first = reply_text(e);
  auto more = co_await p.read_more(r.ex, std::chrono::milliseconds(std::min<std::int64_t>(1000, p.reply_timeout().count())));
  if (more.ok()) {
    p.facts.injection_evidence = first;
    co_return injection_outcome::vulnerable;
  }
  co_return injection_outcome::not_vulnerable;
}

}  // namespace

asio::awaitable<session::record> probe_injection(const options& opt, const port_spec& port) {
  auto ex = co_await asio::this_coro::executor;
  probe p(ex, opt, port, probe_family::injection);
  injection_outcome outcome = injection_outcome::inconclusive;
  if (co_await p.open() && co_await p.greet()) {
    if (port.protocol == protocol_kind::smtp) co_await p.capabilities();
    if (!p.facts.throttled) {
      auto inj = injection_lines(p);
      p.meta("probe: STARTTLS and \"" + inj.lines[1] + "\" in one write; a server that answers the second "
             "command after the TLS handshake executes plaintext injected ahead of TLS (CVE-2011-0411)");
      auto r = co_await p.pipelined(inj.lines);
      if (!go_ahead(p, p.ex(r.ex))) {
        outcome = injection_outcome::refused;
        p.facts.injection_evidence = reply_text(p.ex(r.ex));
      } else if (co_await p.handshake(p.tls_defaults(tls_mode::starttls))) {
        outcome = co_await judge_after_tls(p, inj);
      } else {
        // The upgrade works on its own (the main probe saw it), so the server took the injected
        // bytes as TLS data and gave up: the command was not executed (Dovecot does this).
        outcome = injection_outcome::refused;
        p.facts.injection_evidence = "the TLS handshake failed after the pipelined command (" +
                                     p.rec.result.tls.back().handshake_error +
                                     "): the server read the injected bytes as TLS data, not as a command";
      }
    }
  }
  p.facts.injection = outcome;
  co_await p.close();
  co_return p.take();
}

}  // namespace mailspec::audit::detail
