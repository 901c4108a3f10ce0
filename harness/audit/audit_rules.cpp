// The audit's own rules: rows of rules::rule whose checks read the probe facts in
// case_result.extra (see probe.hpp, namespace key). judge() runs them on one probe record.
#include <exception>

#include "audit/probe.hpp"

namespace mailspec::audit {

namespace {

using rules::context;
using rules::rule;
namespace key = detail::key;

// A check marks a broken rule as an harness error or a mere observation with these prefixes
// of the finding's message (context::broken only knows fail / warn / info by level).
constexpr std::string_view as_error = "[error] ";
constexpr std::string_view as_info = "[info] ";
const std::string mx_note = "[info] public MX port (RFC 3207 §4: a publicly-referenced server must not require "
                            "STARTTLS): reported, not failed. ";
// Credentials on the MX: RFC 3207 §4 forbids requiring STARTTLS to *deliver* mail, not refusing
// AUTH before it, and RFC 8314 covers submission only; RFC 4954 §4 says server sites SHOULD NOT
// permit a plaintext password mechanism without TLS. So a warning (a fail with --strict), not a
// mere observation: the audit answers "does any port accept a password before TLS?".
constexpr std::string_view as_warn = "[warn] ";
const std::string mx_login_note = "[warn] public MX port: RFC 4954 §4 (server sites SHOULD NOT permit a plaintext "
                                  "password mechanism without TLS; RFC 3207 §4 only forbids requiring STARTTLS for "
                                  "delivery). ";

const std::string* fact(const context& c, const std::string& k) {
  const auto& x = c.rec.result.extra;
  auto it = x.find(k);
  return it == x.end() ? nullptr : &it->second;
}
std::string fact_or(const context& c, const std::string& k) {
  auto f = fact(c, k);
  return f ? *f : "";
}
bool probe_is(const context& c, std::string_view name) { return fact_or(c, key::probe) == name; }
bool is_main(const context& c) { return probe_is(c, "starttls") || probe_is(c, "tls"); }
bool is_mx(const context& c) { return fact_or(c, key::service) == "smtp"; }

void reachable(context& c) {
  if (auto f = fact(c, key::unreachable)) c.broken_case("the port accepts a connection and greets", *f, std::string(as_error) + "the port could not be audited");
  else if (is_main(c) && !fact(c, key::throttled)) c.held_case(c.rec.result.target.ip + ":" + std::to_string(c.rec.result.target.port));
}

void throttled(context& c) {
  if (auto f = fact(c, key::throttled))
    c.broken_case("a normal reply (no 421, * BYE, -ERR [IN-USE] or reset)", *f,
                  std::string(as_error) + "the server throttled or refused the audit connection: not a pass");
  else if (is_main(c) && fact(c, key::banner)) c.held_case();
}

void greeting(context& c) {
  if (auto f = fact(c, key::wrong_protocol))
    c.broken_case("the protocol's greeting (SMTP 220, IMAP * OK, POP3 +OK)", *f, "the port does not speak " + c.rec.result.protocol);
  else if (is_main(c) && fact(c, key::banner) && !fact(c, key::throttled)) c.held_case(fact_or(c, key::banner));
}

void banner(context& c) {
  if (!is_main(c)) return;
  if (auto f = fact(c, key::banner)) {
    std::string sw = fact_or(c, key::software);
    c.broken_case("", *f, "software: " + (sw.empty() ? std::string("unknown") : sw));
  }
}

void starttls_works(context& c) {
  auto r = fact(c, key::starttls_result);
  if (!probe_is(c, "starttls") || !r) return;
  if (*r == "ok") return c.held_case("STARTTLS offered: " + fact_or(c, key::starttls_offered));
  bool offered = fact_or(c, key::starttls_offered) == "yes";
  std::string msg = !offered && is_mx(c) ? mx_note : "";
  c.broken_case("STARTTLS offered, accepted and followed by a TLS handshake",
                std::string(offered ? "offered; " : "not offered; ") + *r, msg + "no working STARTTLS");
}

void implicit_works(context& c) {
  auto r = fact(c, key::implicit_tls);
  if (!probe_is(c, "tls") || !r) return;
  if (*r == "ok") return c.held_case();
  if (auto p = fact(c, key::not_tls))
    return c.broken_case("a TLS handshake right after connecting", "the port answered in plaintext: " + *p,
                         "the port does not speak implicit TLS");
  c.broken_case("a TLS handshake right after connecting", *r);
}

void required_before_auth(context& c) {
  auto adv = fact(c, key::login_advertised);
  if (!probe_is(c, "plaintext-login") || !adv) return;
  if (adv->empty()) return c.held_case("no login offered before TLS");
  c.broken_case("no login offered before TLS (SMTP: no AUTH before STARTTLS; IMAP: LOGINDISABLED; POP3: no USER/SASL)",
                *adv, (is_mx(c) ? mx_login_note : "") + "the plaintext channel invites credentials");
}

void plaintext_login(context& c, std::string_view proto) {
  auto out = fact(c, key::login_outcome);
  if (!probe_is(c, "plaintext-login") || !out || c.rec.result.protocol != proto) return;
  std::string reply = fact_or(c, key::login_reply);
  std::string canary = "canary user \"" + fact_or(c, key::canary_user) + "\" (random, not an account)";
  if (*out == "refused") return c.held_case(reply + " -- " + canary);
  if (*out == "inconclusive")
    return c.broken_case("a refusal before evaluation, or an evaluation", reply,
                         std::string(as_info) + "could not tell whether the server evaluates plaintext credentials");
  std::string msg = *out == "accepted" ? "the server ACCEPTED random canary credentials over plaintext"
                                       : "the server evaluated credentials sent over plaintext: a real password "
                                         "would have been exposed";
  c.broken_case("a refusal before evaluating (IMAP BAD / NO [PRIVACYREQUIRED], POP3 -ERR to USER, SMTP 530/538)",
                reply + " -- " + canary, (is_mx(c) ? mx_login_note : "") + msg);
}

void injection(context& c, std::string_view proto) {
  auto out = fact(c, key::injection);
  if (!probe_is(c, "injection") || !out || c.rec.result.protocol != proto) return;
  std::string ev = fact_or(c, key::injection_evidence);
  if (*out == "not-vulnerable") return c.held_case("no answer to the injected command after TLS");
  if (*out == "refused") return c.held_case("the pipelined command was not executed: " + ev);
  if (*out == "inconclusive") {
    if (fact(c, key::unreachable) || fact(c, key::throttled)) return;  // reachable / throttled say why
    return c.broken_case("STARTTLS, a TLS handshake, then one answer per command", ev,
                         std::string(as_error) + "the injection probe could not complete");
  }
  c.broken_case("no answer to a command that arrived in plaintext with STARTTLS", ev,
                "the server executed a command injected before the TLS handshake (CVE-2011-0411 family)");
}

void capabilities(context& c) {
  if (!probe_is(c, "starttls") || fact_or(c, key::starttls_result) != "ok") return;
  std::string added = fact_or(c, key::caps_added), removed = fact_or(c, key::caps_removed);
  c.broken_case("", "added after TLS: " + (added.empty() ? "none" : added) +
                        "; removed after TLS: " + (removed.empty() ? "none" : removed),
                "capabilities before vs after TLS");
}

// Versions by outcome of their probe; `unknown` = no answer or no TLS at all (not a refusal).
void version_list(const context& c, std::string& accepted, std::string& refused, std::string* unknown = nullptr) {
  for (const char* v : {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}) {
    std::string f = fact_or(c, std::string("tls.version.") + v);
    std::string* into = f.rfind("accepted", 0) == 0 ? &accepted : f.rfind("refused", 0) == 0 ? &refused : unknown;
    if (into && !f.empty()) *into += (into->empty() ? "" : " ") + std::string(v);
  }
}

void modern_supported(context& c) {
  if (!probe_is(c, "tls-versions")) return;
  std::string accepted, refused, unknown;
  version_list(c, accepted, refused, &unknown);
  if (accepted.find("TLSv1.2") != std::string::npos || accepted.find("TLSv1.3") != std::string::npos)
    return c.held_case(accepted);
  if (refused.find("TLSv1.2") != std::string::npos && refused.find("TLSv1.3") != std::string::npos)
    return c.broken_case("TLS 1.2 or TLS 1.3 accepted", "accepted: " + (accepted.empty() ? "none" : accepted));
  if (!unknown.empty())
    c.broken_case("an answer to the TLS 1.2 and TLS 1.3 handshakes", "no answer or no TLS: " + unknown,
                  std::string(as_error) + "could not tell which TLS versions the server accepts");
}

void versions_info(context& c) {
  if (!probe_is(c, "tls-versions")) return;
  std::string accepted, refused, unknown;
  version_list(c, accepted, refused, &unknown);
  if (accepted.empty() && refused.empty() && unknown.empty()) return;
  c.broken_case("", "accepted: " + (accepted.empty() ? "none" : accepted) + "; refused: " + (refused.empty() ? "none" : refused) +
                        (unknown.empty() ? "" : "; no answer: " + unknown),
                "TLS versions");
}

void weak_ciphers(context& c) {
  auto f = fact(c, key::weak_ciphers);
  if (!probe_is(c, "tls-ciphers") || !f) return;
  if (f->rfind("refused", 0) == 0) return c.held_case("handshake refused");
  c.broken_case("no handshake when only NULL, EXPORT, RC4, 3DES, DES or anonymous suites are offered", *f,
                (is_mx(c) ? mx_note : "") + "the server negotiates a weak or unauthenticated suite when a client offers only those");
}

rule row(std::string id, std::string protocol, std::string spec, level lvl, std::string requirement,
         std::function<void(context&)> check, severity sev = severity::none) {
  return rule{std::move(id), std::move(protocol), std::move(spec), lvl, sev, std::move(requirement), std::move(check)};
}

std::vector<rule> build();

}  // namespace

const std::vector<rules::rule>& catalogue() {
  static const std::vector<rule> rows = build();
  return rows;
}

const rules::rule* find_rule(std::string_view id) {
  for (const auto& r : catalogue())
    if (r.id == id) return &r;
  return nullptr;
}

std::vector<std::string> unknown_only_prefixes(const std::vector<std::string>& only) {
  std::vector<std::string> out;
  for (const auto& p : only) {
    bool any = false;
    for (const auto* table : {&rules::catalogue(), &catalogue()})
      for (const auto& r : *table) any = any || rules::selected(r.id, {p});
    if (!any) out.push_back(p);
  }
  return out;
}

std::vector<finding> judge(const session::record& rec, const rules::judge_options& opt) {
  std::vector<finding> out;
  for (const auto& r : catalogue()) {
    if (!rules::selected(r.id, opt.only)) continue;
    // The probe facts are stored in visible form (first_line).
    auto raw = rules::run_check(r, rec, true);
    bool bad = false;
    for (auto& f : raw) {
      if (f.message.rfind(as_error, 0) == 0) f.result = verdict::error, f.message.erase(0, as_error.size());
      else if (f.message.rfind(as_info, 0) == 0) f.result = verdict::info, f.message.erase(0, as_info.size());
      else if (f.message.rfind(as_warn, 0) == 0)
        f.result = opt.strict || f.result != verdict::fail ? f.result : verdict::warn, f.message.erase(0, as_warn.size());
      if (opt.strict && f.result == verdict::warn) f.result = verdict::fail;
      if (f.result == verdict::info || f.result == verdict::error) f.sev = f.result == verdict::error ? severity::none : f.sev;
      bad = bad || f.result != verdict::pass;
    }
    for (auto& f : raw)
      if (!bad || f.result != verdict::pass) out.push_back(std::move(f));
  }
  return out;
}

namespace {

std::vector<rule> build() {
  std::vector<rule> v;
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
                  "The greeting (banner) and the server software it suggests (observation).", banner));
  v.push_back(row("audit/starttls/works", "tls", "RFC 3207 §4; RFC 2595 §3.1, §4; RFC 9051 §6.2.1; RFC 8314",
                  level::must,
                  "Summary: a cleartext mail port offers STARTTLS (STLS) and the upgrade completes, so that clients "
                  "can protect credentials and mail (a public MX is reported, not failed: RFC 3207 §4).",
                  starttls_works, severity::high));
  v.push_back(row("audit/implicit-tls/works", "tls", "RFC 8314 §3", level::must,
                  "Summary: on an Implicit TLS port the client starts the TLS handshake immediately after the TCP "
                  "connection; the server completes it.",
                  implicit_works, severity::high));
  v.push_back(row("tls/starttls/required-before-auth", "tls", "RFC 3501 §6.2.3; RFC 4954 §4; RFC 2595 §2.2, §2.3; RFC 8314",
                  level::should,
                  "Summary: the plaintext channel should not invite credentials: no AUTH before STARTTLS (SMTP, RFC "
                  "4954 §4), LOGINDISABLED (IMAP, RFC 3501 §6.2.3), no USER or SASL before STLS (POP3, RFC 2595 "
                  "§2.2, §2.3).",
                  required_before_auth, severity::medium));
  for (const char* p : {"smtp", "imap", "pop3"})
    v.push_back(row(std::string("audit/plaintext-login/") + p, p, "RFC 2595 §2.3; RFC 3501 §6.2.3; RFC 4954 §4; RFC 8314",
                    level::must,
                    "Summary: credentials must not be evaluated on a plaintext channel: a server that checks a user "
                    "name and password received before TLS exposes every password a client sends there (RFC 2595 "
                    "§2.3, RFC 3501 §6.2.3, RFC 4954 §4). (Probed with a random canary account, never with real "
                    "credentials.)",
                    [p](context& c) { plaintext_login(c, p); }, severity::high));
  for (const char* p : {"smtp", "imap", "pop3"})
    v.push_back(row(std::string("audit/starttls-injection/") + p, p,
                    "RFC 3207 §6; RFC 9051 §6.2.1; RFC 2595 §3.1; CVE-2011-0411; USENIX Security 2021", level::must,
                    "... clients and servers MUST discard any knowledge obtained prior to the start of the TLS "
                    "handshake upon completion of the TLS handshake. (RFC 3207 §6; RFC 9051 §6.2.1: data after the "
                    "STARTTLS command line is read as the start of the handshake or thrown away) So a command that "
                    "arrived in plaintext together with STARTTLS must not be answered after the handshake.",
                    [p](context& c) { injection(c, p); }, severity::high));
  v.push_back(row("audit/capabilities/before-after-tls", "any", "RFC 3207 §4.2; RFC 2595 §3.1; RFC 9051 §6.2.1",
                  level::info, "Capabilities advertised before and after TLS, compared (observation).", capabilities));
  v.push_back(row("tls/version/modern-supported", "tls", "RFC 9325 §3.1.1; RFC 8996 §4, §5", level::must,
                  "Implementations MUST support TLS 1.2 [RFC5246]. (RFC 9325 §3.1.1; a server that accepts neither "
                  "TLS 1.2 nor TLS 1.3 leaves conforming clients no way to connect.)",
                  modern_supported, severity::high));
  v.push_back(row("audit/tls/versions", "tls", "RFC 9325 §3.1.1; RFC 8996 §4, §5", level::info,
                  "The TLS protocol versions the server accepts, each probed separately (observation).", versions_info));
  v.push_back(row("audit/tls/weak-ciphers", "tls", "RFC 9325 §4.1; RFC 7465 §2; RFC 5246 §A.5", level::should,
                  "Summary of RFC 9325 §4.1: implementations MUST NOT negotiate NULL, RC4 or export-grade suites "
                  "and SHOULD NOT negotiate suites below 128 bits of security; offered only such suites (or "
                  "anonymous ones, RFC 5246 §A.5), the server should refuse the handshake.",
                  weak_ciphers, severity::medium));
  return v;
}

}  // namespace

}  // namespace mailspec::audit
