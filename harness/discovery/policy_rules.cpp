// The policy/mta-sts and policy/tls-rpt rules: RFC 8461 and RFC 8460 records and policy, read
// from the raw DNS strings and policy body the discovery stored, parsed by policy.hpp.
#include <optional>

#include "discovery/policy.hpp"
#include "discovery/rules_detail.hpp"

namespace mailspec::discovery {

namespace {

using namespace detail;
using rules::context;
using rules::row;

bool absent(const std::string& status) { return status == "NXDOMAIN" || status == "no record"; }

// The single v=STSv1 record, or nullopt (with the reason in why).
std::optional<std::string> sts_txt(const settings_facts& f, std::string& why) {
  auto cands = sts_candidates(f.sts_txt);
  if (cands.size() == 1) return cands[0];
  why = cands.empty() ? "no TXT string starts with v=STSv1" : std::to_string(cands.size()) + " v=STSv1 records";
  return std::nullopt;
}

void txt_record(context& c) {
  const auto* f = facts(c, settings_role::mta_sts);
  if (!f) return;
  const std::string& st = f->sts_txt_status;
  if (absent(st)) return c.emit_case(verdict::info, "", "_mta-sts: " + st, "the domain publishes no MTA-STS policy");
  if (st != "ok") return c.emit_case(verdict::error, "an answer for _mta-sts", st, "the DNS lookup failed");
  std::string why;
  auto rec = sts_txt(*f, why);
  if (!rec) return c.broken_case("exactly one TXT record starting with v=STSv1", join(f->sts_txt, "\n") + " (" + why + ")");
  auto r = parse_sts_record(*rec);
  if (!r.ok) return c.broken_case("v=STSv1; id=<1-32 letters and digits>", *rec + " (" + join(r.errors, "; ") + ")");
  c.held_case(*rec);
}

void policy_fetch(context& c) {
  const auto* facts_ = facts(c, settings_role::mta_sts);
  if (!facts_ || !facts_->sts_fetch) return;
  const std::string* f = &*facts_->sts_fetch;
  const std::string& url = facts_->sts_url;
  if (*f == "ok") return c.held_case(url);
  const std::string expected = "HTTP 200 from " + url + " over TLS with a certificate valid for the mta-sts host";
  auto has = [&](std::string_view s) { return f->find(s) != std::string::npos; };
  // No answer (a timeout, a DNS lookup that failed) says nothing about the policy.
  bool dns_absent = f->rfind("resolve ", 0) == 0 && (has("NXDOMAIN") || has("no record"));
  if (has("deadline expired") || (f->rfind("resolve ", 0) == 0 && !dns_absent))
    return c.emit_case(verdict::error, expected, *f, "could not fetch the policy: nothing judged");
  std::string why = f->rfind("TLS handshake", 0) == 0 ? "senders refuse a policy from a host whose certificate does not verify"
                    : has("redirect")                 ? "senders must not follow redirects for the policy"
                    : has("body over")                ? "the policy body is over the 64 KiB bound mailspec reads"
                    : has("header limit")             ? "the HTTP response header is over the 64 KiB bound mailspec reads"
                    : dns_absent                      ? "the TXT record announces a policy, but the policy host has no address"
                    : f->rfind("HTTP ", 0) == 0       ? "the TXT record announces a policy that is not at the well-known URL"
                                                      : "senders cannot get the policy";
  c.broken_case(expected, *f, why);
}

// The mta-sts case's facts when the policy was fetched, else nullptr.
const settings_facts* fetched(const context& c) {
  const auto* f = facts(c, settings_role::mta_sts);
  return f && f->sts_fetch && *f->sts_fetch == "ok" ? f : nullptr;
}

void content_type(context& c) {
  const auto* f = fetched(c);
  if (!f) return;
  const std::string& ct = f->sts_content_type;
  if (!is_text_plain(ct)) return c.broken_case("Content-Type: text/plain", ct.empty() ? "no Content-Type" : ct);
  c.held_case(ct);
}

void policy_syntax(context& c) {
  const auto* f = fetched(c);
  if (!f) return;
  auto p = parse_sts_policy(f->sts_body);
  if (!p.ok()) return c.broken_case("version: STSv1, mode: enforce|testing|none, max_age: <seconds>, mx: <pattern> lines",
                                    join(p.errors, "; "));
  c.held_case("mode " + p.mode + ", max_age " + p.max_age_text + ", mx " + join(p.mx, " "));
}

void max_age(context& c) {
  const auto* f = fetched(c);
  if (!f) return;
  auto p = parse_sts_policy(f->sts_body);
  if (!p.max_age) return;  // policy-syntax reports it
  std::string v = "max_age: " + p.max_age_text;
  if (*p.max_age > sts_max_age_limit)
    return c.broken_case("max_age from 0 to 31557600 (one year)", v, "out of the range RFC 8461 allows");
  if (*p.max_age < sts_max_age_recommended && p.mode != "none")
    return c.emit_case(verdict::warn, "max_age of weeks or more (at least 604800)", v,
                  "a short max_age lets an attacker who blocks the policy fetch strip MTA-STS soon after the cache expires");
  c.held_case(v);
}

void mx_match(context& c) {
  const auto* f = fetched(c);
  if (!f) return;
  auto p = parse_sts_policy(f->sts_body);
  if (p.mode != "enforce" && p.mode != "testing") return;
  const auto& hosts = f->mx_hosts;
  if (hosts.empty()) return c.emit_case(verdict::info, "", "no MX records", "no MX to match against the policy");
  auto missing = unmatched_mx(p.mx, hosts);
  if (!missing.empty())
    return c.broken_case("every MX host matches an mx pattern: " + join(p.mx, " "), "not matched: " + join(missing, " "),
                         p.mode == "enforce" ? "senders that enforce the policy refuse to deliver to these MX hosts"
                                             : "in enforce mode senders would refuse these MX hosts");
  c.held_case(join(hosts, " ") + " matched by " + join(p.mx, " "));
}

// The STARTTLS outcome of the MX probe as text ("" = not probed).
std::string starttls_text(const context& c) {
  const auto* p = c.probe();
  if (!p || !p->starttls) return "";
  switch (p->starttls->result) {
    case starttls_outcome::ok: return "ok";
    case starttls_outcome::refused: return "refused: " + p->starttls->detail;
    case starttls_outcome::handshake_failed: return "handshake failed: " + p->starttls->detail;
  }
  return "";
}

void mx_starttls(context& c) {
  const auto* f = facts(c, settings_role::mx);
  if (!f) return;
  const std::string& mode = f->sts_mode;
  if (mode != "enforce" && mode != "testing") return;
  const std::string& host = f->mx_host;
  const std::string st = starttls_text(c);
  const auto& tls = c.rec.result.tls;
  bool ok = st == "ok" && !tls.empty() && tls.back().chain_ok && tls.back().hostname_ok;
  std::string actual = st.empty() ? "not probed" : "STARTTLS: " + st;
  if (!tls.empty()) actual += "; certificate: chain " + std::string(tls.back().chain_ok ? "ok" : tls.back().verify_error) +
                              ", name " + (tls.back().hostname_ok ? "matches " : "does not match ") + host;
  if (ok) return c.held_case(actual);
  std::string expected = "STARTTLS with a certificate valid for " + host + " (policy mode " + mode + ")";
  if (mode == "testing") return c.emit_case(verdict::warn, expected, actual, "senders would report (testing) or refuse (enforce) this MX");
  c.broken_case(expected, actual, "senders that enforce the policy refuse to deliver to this MX");
}

void tlsrpt(context& c) {
  const auto* f = facts(c, settings_role::tls_rpt);
  if (!f) return;
  const std::string& st = f->rpt_status;
  if (absent(st)) return c.emit_case(verdict::info, "", "_smtp._tls: " + st, "the domain publishes no TLS-RPT record");
  if (st != "ok") return c.emit_case(verdict::error, "an answer for _smtp._tls", st, "the DNS lookup failed");
  auto cands = tlsrpt_candidates(f->rpt_txt);
  if (cands.size() != 1)
    return c.broken_case("exactly one TXT record starting with v=TLSRPTv1", join(f->rpt_txt, "\n") + " (" +
                         std::to_string(cands.size()) + " v=TLSRPTv1 records)");
  auto r = parse_tlsrpt_record(cands[0]);
  if (!r.ok) return c.broken_case("v=TLSRPTv1; rua=mailto:...|https://...", cands[0] + " (" + join(r.errors, "; ") + ")");
  c.held_case(cands[0]);
}

}  // namespace

void detail::add_policy_rules(std::vector<rules::rule>& v) {
  v.push_back(row("policy/mta-sts/txt-record", "smtp", "RFC 8461 §3.1", level::must,
                  "Summary: The _mta-sts TXT record: \"v=STSv1\" first, then \"id=\" 1*32(ALPHA / DIGIT); if the number of "
                  "resulting records is not one, senders must assume the domain has no policy.",
                  txt_record));
  v.push_back(row("policy/mta-sts/policy-fetch", "smtp", "RFC 8461 §3.3", level::must,
                  "Summary: The policy is served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt with HTTP 200; the certificate "
                  "must be valid for the mta-sts host name (chain and DNS-ID).",
                  policy_fetch, severity::high));
  v.push_back(row("policy/mta-sts/content-type", "smtp", "RFC 8461 §3.2", level::must,
                  "Summary: The policy is returned with media type \"text/plain\".", content_type));
  v.push_back(row("policy/mta-sts/policy-syntax", "smtp", "RFC 8461 §3.2", level::must,
                  "Summary: The policy has \"version: STSv1\", \"mode\" enforce, testing or none, \"max_age\" (1*10DIGIT) and, "
                  "unless mode is none, one or more \"mx\" patterns; lines end in CRLF or LF.",
                  policy_syntax, severity::medium));
  v.push_back(row("policy/mta-sts/max-age", "smtp", "RFC 8461 §3.2", level::must,
                  "Summary: max_age: \"Max lifetime of the policy (plain-text non-negative integer seconds, maximum value of "
                  "31557600).\" Values of weeks or greater are recommended (shorter ones warn).",
                  max_age));
  v.push_back(row("policy/mta-sts/mx-match", "smtp", "RFC 8461 §4.1", level::must,
                  "Summary: Every MX host of the domain matches an \"mx\" pattern of the policy (\"*.\" matches one leftmost "
                  "label): senders applying the policy refuse MX hosts that do not.",
                  mx_match, severity::high));
  v.push_back(row("policy/mta-sts/mx-starttls", "smtp", "RFC 8461 §4.2, §5", level::must,
                  "Summary: With a policy in enforce (or testing) mode, each MX must offer STARTTLS with a certificate that chains "
                  "to a trusted root and is valid for the MX host name.",
                  mx_starttls, severity::high));
  v.push_back(row("policy/tls-rpt/record", "smtp", "RFC 8460 §3", level::must,
                  "Summary: The _smtp._tls TXT record: \"v=TLSRPTv1\" first, then \"rua=\" with one or more mailto: or https: "
                  "URIs; if the number of v=TLSRPTv1 records is not one, senders assume no TLS-RPT.",
                  tlsrpt));
}

}  // namespace mailspec::discovery
