// The audit's own rules: rows of rules::rule whose checks read the typed probe facts
// (case_result.probe, filled by the probes). The one rules::judge() runs them (judge.cpp).
#include <algorithm>
#include <optional>

#include "audit/families.hpp"
#include "audit/smuggling.hpp"
#include "core/text.hpp"

namespace mailspec::audit {

namespace {

using rules::context;
using rules::rule;
using rules::row;

// The public MX role: RFC 3207 §4 forbids requiring STARTTLS there, so what a submission port
// must do is reported on it, not failed.
const std::string mx_note = "public MX port (RFC 3207 §4: a publicly-referenced server must not require STARTTLS): "
                            "reported, not failed. ";
// Credentials on the MX: RFC 3207 §4 forbids requiring STARTTLS to *deliver* mail, not refusing
// AUTH before it, and RFC 8314 covers submission only; RFC 4954 §4 says server sites SHOULD NOT
// permit a plaintext password mechanism without TLS. So a warning (a fail with --strict), not a
// mere observation: the audit answers "does any port accept a password before TLS?".
const std::string mx_login_note = "public MX port: RFC 4954 §4 (server sites SHOULD NOT permit a plaintext password "
                                  "mechanism without TLS; RFC 3207 §4 only forbids requiring STARTTLS for delivery). ";

// The probe facts of the case, when it is an audit probe of this family (any family: nullopt).
const probe_facts* facts(const context& c, std::optional<probe_family> family = std::nullopt) {
  const probe_facts* f = c.probe();
  return f && (!family || f->family == *family) ? f : nullptr;
}
bool is_main(const probe_facts& f) { return f.family == probe_family::starttls || f.family == probe_family::tls; }
bool is_mx(const context& c) { return c.rec.result.target.service == "smtp"; }
std::string text_or(const std::optional<std::string>& s, const char* none) { return s ? *s : none; }
std::string list_or(const std::vector<std::string>& v, const char* none) { return v.empty() ? none : join(v, ", "); }

void reachable(context& c) {
  const auto* f = facts(c);
  if (!f) return;
  if (f->unreachable)
    c.emit_case(verdict::error, "the port accepts a connection and greets", *f->unreachable, "the port could not be audited");
  else if (is_main(*f) && !f->throttled)
    c.held_case(c.rec.result.target.ip + ":" + std::to_string(c.rec.result.target.port));
}

void throttled(context& c) {
  const auto* f = facts(c);
  if (!f) return;
  if (f->throttled)
    c.emit_case(verdict::error, "a normal reply (no 421, * BYE, -ERR [IN-USE] or reset)", *f->throttled,
                "the server throttled or refused the audit connection: not a pass");
  else if (is_main(*f) && f->banner) c.held_case();
}

void greeting(context& c) {
  const auto* f = facts(c);
  if (!f) return;
  if (f->wrong_protocol)
    c.broken_case("the protocol's greeting (SMTP 220, IMAP * OK, POP3 +OK)", *f->wrong_protocol,
                  "the port does not speak " + c.rec.result.protocol);
  else if (is_main(*f) && f->banner && !f->throttled) c.held_case(*f->banner);
}

void banner(context& c) {
  const auto* f = facts(c);
  if (!f || !is_main(*f) || !f->banner) return;
  c.emit_case(verdict::info, "", *f->banner, "software: " + text_or(f->software, "unknown"));
}

void starttls_works(context& c) {
  const auto* f = facts(c, probe_family::starttls);
  if (!f || !f->starttls) return;
  const bool offered = f->starttls_offered.value_or(false);
  if (f->starttls->ok()) return c.held_case(std::string("STARTTLS offered: ") + (offered ? "yes" : "no"));
  const std::string what = std::string(f->starttls->result == starttls_outcome::refused ? "refused: " : "handshake failed: ") +
                           f->starttls->detail;
  const std::string expected = "STARTTLS offered, accepted and followed by a TLS handshake";
  const std::string actual = std::string(offered ? "offered; " : "not offered; ") + what;
  if (!offered && is_mx(c)) return c.emit_case(verdict::info, expected, actual, mx_note + "no working STARTTLS");
  c.broken_case(expected, actual, "no working STARTTLS");
}

void implicit_works(context& c) {
  const auto* f = facts(c, probe_family::tls);
  if (!f || !f->implicit_tls) return;
  if (f->implicit_tls->accepted()) return c.held_case();
  if (f->not_tls)
    return c.broken_case("a TLS handshake right after connecting", "the port answered in plaintext: " + *f->not_tls,
                         "the port does not speak implicit TLS");
  c.broken_case("a TLS handshake right after connecting", "handshake failed: " + f->implicit_tls->detail);
}

void required_before_auth(context& c) {
  const auto* f = facts(c, probe_family::plaintext_login);
  if (!f || !f->login_advertised) return;
  if (f->login_advertised->empty()) return c.held_case("no login offered before TLS");
  const std::string expected =
      "no login offered before TLS (SMTP: no AUTH before STARTTLS; IMAP: LOGINDISABLED; POP3: no USER/SASL)";
  const std::string actual = join(*f->login_advertised, ", ");
  if (is_mx(c)) return c.emit_case(verdict::warn, expected, actual, mx_login_note + "the plaintext channel invites credentials");
  c.broken_case(expected, actual, "the plaintext channel invites credentials");
}

void plaintext_login(context& c, std::string_view proto) {
  const auto* f = facts(c, probe_family::plaintext_login);
  if (!f || !f->login || c.rec.result.protocol != proto) return;
  const std::string evidence =
      f->login_reply + " -- canary user \"" + f->canary_user + "\" (random, not an account)";
  if (*f->login == login_outcome::refused) return c.held_case(evidence);
  if (*f->login == login_outcome::inconclusive)
    return c.emit_case(verdict::info, "a refusal before evaluation, or an evaluation", f->login_reply,
                       "could not tell whether the server evaluates plaintext credentials");
  const std::string expected =
      "a refusal before evaluating (IMAP BAD / NO [PRIVACYREQUIRED], POP3 -ERR to USER, SMTP 530/538)";
  std::string msg = *f->login == login_outcome::accepted
                        ? "the server ACCEPTED random canary credentials over plaintext"
                        : "the server evaluated credentials sent over plaintext: a real password would have been exposed";
  if (is_mx(c)) return c.emit_case(verdict::warn, expected, evidence, mx_login_note + msg);
  c.broken_case(expected, evidence, msg);
}

void injection(context& c, std::string_view proto) {
  const auto* f = facts(c, probe_family::injection);
  if (!f || !f->injection || c.rec.result.protocol != proto) return;
  switch (*f->injection) {
    case injection_outcome::not_vulnerable: return c.held_case("no answer to the injected command after TLS");
    case injection_outcome::refused:
      return c.held_case("the pipelined command was not executed: " + f->injection_evidence);
    case injection_outcome::inconclusive:
      if (f->untested()) return;  // reachable / throttled say why
      return c.emit_case(verdict::error, "STARTTLS, a TLS handshake, then one answer per command", f->injection_evidence,
                         "the injection probe could not complete");
    case injection_outcome::vulnerable:
      return c.broken_case("no answer to a command that arrived in plaintext with STARTTLS", f->injection_evidence,
                           "the server executed a command injected before the TLS handshake (CVE-2011-0411 family)");
  }
}

void capabilities(context& c) {
  const auto* f = facts(c, probe_family::starttls);
  if (!f || !f->starttls || !f->starttls->ok()) return;
  c.emit_case(verdict::info, "",
              "added after TLS: " + list_or(f->caps_added, "none") + "; removed after TLS: " + list_or(f->caps_removed, "none"),
              "capabilities before vs after TLS");
}

// The versions of the version probe by outcome; `unknown` = no answer or no TLS (not a refusal).
struct version_lists {
  std::vector<std::string> accepted, refused, unknown;
  bool has(const std::vector<std::string>& v, std::string_view x) const {
    return std::find(v.begin(), v.end(), x) != v.end();
  }
};
version_lists versions_of(const probe_facts& f) {
  version_lists l;
  for (const char* v : {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}) {
    auto it = f.versions.find(v);
    if (it == f.versions.end()) continue;
    auto r = it->second.result;
    (r == handshake_outcome::accepted ? l.accepted : r == handshake_outcome::refused ? l.refused : l.unknown).push_back(v);
  }
  return l;
}

void modern_supported(context& c) {
  const auto* f = facts(c, probe_family::tls_versions);
  if (!f) return;
  auto l = versions_of(*f);
  if (l.has(l.accepted, "TLSv1.2") || l.has(l.accepted, "TLSv1.3")) return c.held_case(join(l.accepted, " "));
  if (l.has(l.refused, "TLSv1.2") && l.has(l.refused, "TLSv1.3"))
    return c.broken_case("TLS 1.2 or TLS 1.3 accepted", "accepted: " + (l.accepted.empty() ? "none" : join(l.accepted, " ")));
  if (!l.unknown.empty())
    c.emit_case(verdict::error, "an answer to the TLS 1.2 and TLS 1.3 handshakes", "no answer or no TLS: " + join(l.unknown, " "),
                "could not tell which TLS versions the server accepts");
}

void versions_info(context& c) {
  const auto* f = facts(c, probe_family::tls_versions);
  if (!f) return;
  auto l = versions_of(*f);
  if (l.accepted.empty() && l.refused.empty() && l.unknown.empty()) return;
  c.emit_case(verdict::info, "",
              "accepted: " + (l.accepted.empty() ? "none" : join(l.accepted, " ")) + "; refused: " +
                  (l.refused.empty() ? "none" : join(l.refused, " ")) +
                  (l.unknown.empty() ? "" : "; no answer: " + join(l.unknown, " ")),
              "TLS versions");
}

void weak_ciphers(context& c) {
  const auto* f = facts(c, probe_family::tls_ciphers);
  if (!f || !f->weak_ciphers) return;
  if (!f->weak_ciphers->accepted()) return c.held_case("handshake refused");
  const std::string expected = "no handshake when only NULL, EXPORT, RC4, 3DES, DES or anonymous suites are offered";
  const std::string actual = "accepted: " + f->weak_ciphers->detail;
  const std::string msg = "the server negotiates a weak or unauthenticated suite when a client offers only those";
  if (is_mx(c)) return c.emit_case(verdict::info, expected, actual, mx_note + msg);
  c.broken_case(expected, actual, msg);
}

rules::table build();

}  // namespace

const rules::table& catalogue() {
  static const rules::table rows = build();
  return rows;
}

const rules::rule* find_rule(std::string_view id) {
  for (const auto& r : catalogue())
    if (r.id == id) return &r;
  return nullptr;
}

namespace {

rules::table build() {
  rules::table v;
  v.push_back(row("audit/reachable", "any", "RFC 5321 §3.1; RFC 1939 §4", level::must,
                  "Summary: each audited port accepts a TCP connection (and, for implicit TLS, a TLS handshake) "
                  "within the deadline and sends its opening message (RFC 5321 §3.1: \"An SMTP session is initiated "
                  "when a client opens a connection to a server and the server responds with an opening "
                  "message.\").",
                  reachable));
  v.push_back(row("audit/throttled", "any", "RFC 5321 §4.2.3 (421); RFC 9051 §7.1.5 (BYE); RFC 2449 §8.1.2 (IN-USE)",
                  level::must,
                  "Summary: a throttled or refused connection (421, * BYE, -ERR [IN-USE], reset) means the server "
                  "could not be audited: it is reported as an error with the reply, never as a pass.",
                  throttled));
  v.push_back(row("audit/protocol/greeting", "any", "RFC 5321 §3.1, §4.2; RFC 9051 §7.1; RFC 1939 §4", level::must,
                  "Summary: the server greets with the protocol's opening response: SMTP \"220\", IMAP \"* OK\" (or "
                  "PREAUTH), POP3 \"+OK\".",
                  greeting));
  v.push_back(row("audit/banner", "any", "RFC 5321 §4.2; RFC 9051 §7.1; RFC 1939 §4", level::info,
                  "Summary: the greeting (banner) and the server software it suggests (an observation, no "
                  "requirement).",
                  banner));
  v.push_back(row("audit/starttls/works", "tls", "RFC 3207 §4; RFC 2595 §3.1, §4; RFC 9051 §6.2.1; RFC 8314",
                  level::must,
                  "Summary: a cleartext mail port offers STARTTLS (STLS) and the upgrade completes, so that clients "
                  "can protect credentials and mail (a public MX is reported, not failed: RFC 3207 §4).",
                  starttls_works, severity::high));
  v.push_back(row("audit/implicit-tls/works", "tls", "RFC 8314 §3", level::must,
                  "Summary: on an Implicit TLS port the client starts the TLS handshake immediately after the TCP "
                  "connection; the server completes it.",
                  implicit_works, severity::high));
  v.push_back(row("tls/starttls/required-before-auth", "tls",
                  "RFC 9051 §6.2.3 (RFC 3501 §6.2.3 for IMAP4rev1); RFC 4954 §4; RFC 2595 §2.2, §2.3; RFC 8314",
                  level::should,
                  "Summary: the plaintext channel should not invite credentials: no AUTH before STARTTLS (SMTP, RFC "
                  "4954 §4), LOGINDISABLED (IMAP, RFC 9051 §6.2.3), no USER or SASL before STLS (POP3, RFC 2595 "
                  "§2.2, §2.3).",
                  required_before_auth, severity::medium));
  for (const char* p : {"smtp", "imap", "pop3"})
    v.push_back(row(std::string("audit/plaintext-login/") + p, p, "RFC 2595 §2.3; RFC 9051 §6.2.3 (RFC 3501 §6.2.3 for IMAP4rev1); RFC 4954 §4; RFC 8314",
                    level::must,
                    "Summary: credentials must not be evaluated on a plaintext channel: a server that checks a user "
                    "name and password received before TLS exposes every password a client sends there (RFC 2595 "
                    "§2.3, RFC 9051 §6.2.3, RFC 4954 §4). (Probed with a random canary account, never with real "
                    "credentials.)",
                    [p](context& c) { plaintext_login(c, p); }, severity::high));
  for (const char* p : {"smtp", "imap", "pop3"})
    v.push_back(row(std::string("audit/starttls-injection/") + p, p,
                    "RFC 9051 §6.2.1 (the same holds for SMTP, RFC 3207 §4.2, and POP3, RFC 2595 §4); CVE-2011-0411; "
                    "USENIX Security 2021",
                    level::must,
                    "... server implementations MUST do one of the following if any data is received in the same "
                    "TCP buffer after the CRLF that starts the STARTTLS command: ... Extra data from the TCP buffer "
                    "is interpreted as the beginning of the TLS handshake. ... Extra data from the TCP buffer is "
                    "thrown away. (So a command that arrived in plaintext together with STARTTLS must never be "
                    "answered after the handshake.)",
                    [p](context& c) { injection(c, p); }, severity::high));
  v.push_back(row("audit/capabilities/before-after-tls", "any", "RFC 3207 §4.2; RFC 2595 §3.1; RFC 9051 §6.2.1",
                  level::info,
                  "Summary: the capabilities advertised before and after TLS, compared (an observation: RFC 3207 "
                  "§4.2, RFC 2595 §3.1 and RFC 9051 §6.2.1 let them differ).",
                  capabilities));
  v.push_back(row("tls/version/modern-supported", "tls", "RFC 9325 §3.1.1; RFC 8996 §4, §5", level::must,
                  "Summary: Implementations MUST support TLS 1.2 [RFC5246]. (RFC 9325 §3.1.1; a server that accepts neither "
                  "TLS 1.2 nor TLS 1.3 leaves conforming clients no way to connect.)",
                  modern_supported, severity::high));
  v.push_back(row("audit/tls/versions", "tls", "RFC 9325 §3.1.1; RFC 8996 §4, §5", level::info,
                  "Summary: the TLS protocol versions the server accepts, each probed separately (an "
                  "observation).",
                  versions_info));
  v.push_back(row("audit/tls/weak-ciphers", "tls", "RFC 9325 §4.1; RFC 7465 §2; RFC 8446 §C.5 (RFC 5246 §A.5 for TLS 1.2)",
                  level::should,
                  "Summary: RFC 9325 §4.1: implementations MUST NOT negotiate NULL, RC4 or export-grade suites "
                  "and SHOULD NOT negotiate suites below 128 bits of security; offered only such suites (or "
                  "anonymous ones, RFC 8446 §C.5, RFC 5246 §A.5), the server should refuse the handshake.",
                  weak_ciphers, severity::medium));
  detail::add_smuggling_rules(v);  // opt-in (--smuggling): smuggling.cpp
  return v;
}

}  // namespace

}  // namespace mailspec::audit
