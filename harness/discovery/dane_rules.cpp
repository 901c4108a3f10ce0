// The policy/dane rules: DANE for SMTP (RFC 7672, RFC 6698, RFC 7671) on the MX cases. They read
// the settings facts (DNSSEC status of the MX, address and TLSA answers, the TLSA records) and
// the TLS facts of the handshake, which OpenSSL's DANE verification filled (tls_facts.dane).
#include <ctime>
#include <sstream>

#include "core/text.hpp"
#include "discovery/rules_detail.hpp"
#include "rules/detail.hpp"

namespace mailspec::discovery {

namespace {

using namespace detail;
using rules::context;
using rules::row;

struct parsed {
  int usage = -1, selector = -1, matching = -1;
  std::string text;
};

parsed parse(const std::string& t) {
  parsed p;
  p.text = t;
  std::istringstream in(t);
  in >> p.usage >> p.selector >> p.matching;
  return p;
}

bool bogus(const settings_facts& f) {
  return f.dnssec_mx == "bogus" || f.dnssec_address == "bogus" || f.dnssec_tlsa == "bogus";
}

bool validated(const settings_facts& f) { return !f.dnssec_tlsa.empty() && f.dnssec_tlsa != "not validated"; }

// The TLSA records a DANE sender uses (RFC 7672 §2.2, §3.1.3): a secure TLSA RRset of a host
// whose addresses are secure, usages DANE-TA(2) and DANE-EE(3) only.
std::vector<parsed> usable(const settings_facts& f) {
  std::vector<parsed> out;
  if (f.dnssec_tlsa != "secure" || f.dnssec_address != "secure" || f.tlsa_status != "ok") return out;
  for (const auto& t : f.tlsa) {
    auto p = parse(t);
    if (p.usage == 2 || p.usage == 3) out.push_back(p);
  }
  return out;
}

// The MX case's facts when DANE applies to it, else nullptr.
const settings_facts* dane_mx(const context& c) {
  const auto* f = facts(c, settings_role::mx);
  return f && !usable(*f).empty() ? f : nullptr;
}

// The last handshake of the case that was given TLSA records.
const tls_facts* dane_handshake(const context& c) {
  const auto& tls = c.rec.result.tls;
  for (auto it = tls.rbegin(); it != tls.rend(); ++it)
    if (it->dane) return &*it;
  return nullptr;
}

std::string where(const settings_facts& f) {
  return f.mx_host + (f.connected_address.empty() ? "" : " at " + f.connected_address);
}

void dnssec_valid(context& c) {
  const auto* f = facts(c, settings_role::mx);
  if (!f || !validated(*f)) return;
  std::string answers = "MX: " + f->dnssec_mx + "; A/AAAA " + f->mx_host + ": " + f->dnssec_address + "; TLSA " +
                        f->tlsa_name + ": " + f->dnssec_tlsa;
  if (!bogus(*f)) return c.held_case(answers);
  c.broken_case("secure or provably insecure DNSSEC answers for the MX, its addresses and its TLSA records",
                answers + (f->why_bogus.empty() ? "" : " (" + f->why_bogus + ")"),
                "bogus: validation failed where a chain of trust should exist; DANE senders defer mail to this MX "
                "(bogus is never treated as insecure)");
}

void dane_published(context& c) {
  const auto* f = facts(c, settings_role::mx);
  if (!f || f->dnssec_tlsa.empty()) return;
  if (!validated(*f))
    return c.emit_case(verdict::info, "DNSSEC-validated TLSA records at " + f->tlsa_name,
                       "not validated (no trust anchor: --trust-anchor FILE); TLSA lookup: " + f->tlsa_status,
                       "DANE not checked");
  if (bogus(*f)) return;  // dnssec-valid reports it
  if (!usable(*f).empty()) return c.held_case(join(f->tlsa, "\n"));
  std::string actual = "TLSA " + f->tlsa_name + ": " + f->tlsa_status + " (" + f->dnssec_tlsa + ")";
  if (!f->tlsa.empty()) actual += ": " + join(f->tlsa, "; ");
  if (f->dnssec_address != "secure") actual += "; A/AAAA " + f->mx_host + ": " + f->dnssec_address;
  c.broken_case("a DNSSEC-secure TLSA RRset with a DANE-TA(2) or DANE-EE(3) record at " + f->tlsa_name, actual,
                "no DANE: senders use opportunistic, unauthenticated TLS with this MX");
}

void tlsa_match(context& c) {
  const auto* f = dane_mx(c);
  if (!f) return;
  std::vector<std::string> records;
  for (const auto& p : usable(*f)) records.push_back(p.text);
  const std::string expected = "the chain presented by " + where(*f) + " matches a TLSA record: " + join(records, "; ");
  const auto* p = c.probe();
  if (p && p->untested())
    return c.emit_case(verdict::error, expected, p->unreachable ? *p->unreachable : *p->throttled, "the MX could not be probed");
  const auto* t = dane_handshake(c);
  if (!t || !t->handshake_ok) {
    std::string why = !p || !p->starttls ? "no STARTTLS"
                      : p->starttls->ok() ? "no handshake recorded"
                                          : (p->starttls->result == starttls_outcome::refused ? "STARTTLS refused: "
                                                                                               : "TLS handshake failed: ") +
                                                p->starttls->detail;
    return c.broken_case(expected, why + " at " + f->connected_address,
                         "with usable TLSA records a DANE sender requires TLS and defers mail to this address");
  }
  const auto& d = *t->dane;
  if (d.authenticated) return c.held_case("matched " + d.matched + " at depth " + std::to_string(d.depth) + " (" + where(*f) + ")");
  std::string leaf = t->leaf ? "; leaf " + t->leaf->subject + ", SHA-256 " + t->leaf->sha256_fingerprint : "";
  c.broken_case(expected, "no TLSA record matches the chain of " + where(*f) + ": " + d.verify_error + leaf,
                "DANE senders refuse the certificate of " + f->connected_address + " and defer mail");
}

void records_advice(context& c) {
  const auto* f = facts(c, settings_role::mx);
  if (!f || f->dnssec_tlsa != "secure" || f->tlsa.empty()) return;
  bool bad = false;
  for (const auto& t : f->tlsa) {
    auto p = parse(t);
    std::string why;
    if (p.usage == 0 || p.usage == 1) why = "PKIX-TA(0)/PKIX-EE(1): SMTP clients treat it as unusable (RFC 7672 §3.1.3)";
    else if (p.usage != 2 && p.usage != 3) why = "unknown certificate usage";
    else if (p.selector != 0 && p.selector != 1) why = "unknown selector";
    else if (p.matching == 0) why = "matching type Full(0): publish a SHA2-256(1) digest instead (RFC 7671 §10.1.2)";
    else if (p.matching != 1 && p.matching != 2) why = "unknown matching type";
    else if (p.usage == 3 && p.selector == 0) why = "DANE-EE with Cert(0): every re-issued certificate breaks it; SPKI(1) survives re-issue with the same key (RFC 7671 §5.1)";
    if (why.empty()) continue;
    bad = true;
    c.broken_case("DANE-EE(3) SPKI(1) SHA2-256(1) or DANE-TA(2) SPKI(1) SHA2-256(1) records", t, why);
  }
  if (!bad) c.held_case(join(f->tlsa, "\n"));
}

void rollover(context& c) {
  const auto* f = dane_mx(c);
  const auto* t = f ? dane_handshake(c) : nullptr;
  if (!t || !t->handshake_ok || !t->dane->authenticated) return;
  const auto& d = *t->dane;
  std::vector<std::string> next;
  for (std::size_t i = 0; i < d.records.size() && i < d.match_depth.size(); ++i)
    if (d.match_depth[i] < 0) next.push_back(d.records[i]);
  if (!next.empty()) return c.held_case("records for another key: " + join(next, "; "));
  c.broken_case("besides the records for the current key, one for the next key (published before the key changes)",
                "every record matches the current chain: " + join(d.records, "; "),
                "publish a TLSA record for the next key at least two TTLs before the change, or a key rollover "
                "breaks delivery from DANE senders");
}

void expiry(context& c) {
  const auto* f = dane_mx(c);
  const auto* t = f ? dane_handshake(c) : nullptr;
  if (!t || !t->handshake_ok || !t->leaf || !t->leaf->not_after_epoch || f->days <= 0) return;
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  if (auto s = rules::detail::parse_iso8601(c.rec.result.started)) now = *s;
  const std::int64_t horizon = now + static_cast<std::int64_t>(f->days) * 86400;
  const bool ee = t->dane->authenticated && !t->dane->matched.empty() && t->dane->matched[0] == '3';
  const std::string v = t->leaf->subject + " valid until " + t->leaf->not_after;
  if (t->leaf->not_after_epoch > horizon) return c.held_case(v);
  std::string expected = "a certificate valid for at least " + std::to_string(f->days) + " more days (--days)";
  if (ee)
    return c.emit_case(verdict::info, expected, v,
                       "DANE-EE(3) senders ignore the expiry date (RFC 7672 §3.1.1), but senders without DANE do not");
  c.broken_case(expected, v, "the certificate expires within the look-ahead: renew it and publish its TLSA record first");
}

}  // namespace

void detail::add_dane_rules(std::vector<rules::rule>& v) {
  v.push_back(row("policy/dane/dnssec-valid", "smtp", "RFC 7672 §2.1.1; RFC 4035 §4.3", level::must,
                  "Summary: the MX, A/AAAA and TLSA answers of a DNSSEC-signed domain validate (secure); a bogus "
                  "answer (a chain of trust that should exist and does not validate) is a failure, never insecure.",
                  dnssec_valid, severity::high));
  v.push_back(row("policy/dane/published", "smtp", "RFC 7672 §2.2; RFC 6698 §2", level::info,
                  "Summary: the MX host publishes a DNSSEC-secure TLSA RRset at _25._tcp.HOST with at least one "
                  "DANE-TA(2) or DANE-EE(3) record (otherwise senders use unauthenticated opportunistic TLS: no DANE).",
                  dane_published));
  v.push_back(row("policy/dane/tlsa-match", "smtp", "RFC 7672 §2.2, §3; RFC 6698 §2.1", level::must,
                  "Summary: with usable TLSA records, every address of the MX offers STARTTLS and the certificate "
                  "chain it presents matches at least one of the records (OpenSSL's DANE verification).",
                  tlsa_match, severity::high));
  v.push_back(row("policy/dane/records", "smtp", "RFC 7672 §3.1; RFC 7671 §5.1, §10.1", level::should,
                  "Summary: TLSA records for SMTP use DANE-EE(3) SPKI(1) SHA2-256(1) or DANE-TA(2) SPKI(1) SHA2-256(1); "
                  "PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP clients and Full(0) data is discouraged.",
                  records_advice, severity::low));
  v.push_back(row("policy/dane/rollover", "smtp", "RFC 7671 §8.1; RFC 7672 §3.1", level::info,
                  "Summary: a key rollover publishes the TLSA record of the next key alongside the current one "
                  "before the key changes (advice when every record matches the current chain).",
                  rollover));
  v.push_back(row("policy/dane/expiry", "smtp", "RFC 7672 §3.1.1, §3.1.2", level::should,
                  "Summary: the certificate the TLSA records authenticate stays valid for the --days look-ahead "
                  "(DANE-EE(3) senders ignore its dates; others do not).",
                  expiry, severity::medium));
}

}  // namespace mailspec::discovery
