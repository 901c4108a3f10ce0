// DANE lookups for an MX host (RFC 7672 §2.2): the DNSSEC status of the domain's MX RRset, of
// the host's address RRsets and of its TLSA RRset (_25._tcp.HOST), and the records a DANE
// sender would use. Bogus is bogus: never taken for insecure.
#include "discovery/detail.hpp"

namespace mailspec::discovery::detail {

namespace {

std::string status_text(dns_status st, const std::string& message) {
  return st == dns_status::ok ? "ok" : message.empty() ? to_string(st) : message;
}

}  // namespace

dane_info dane_lookup(const settings_options& opt, const found& f, resolver& r, const std::string& host) {
  dane_info d;
  d.days = opt.days;
  d.tlsa_name = "_25._tcp." + host;
  if (!r.validating()) {
    d.dnssec_mx = d.dnssec_address = d.dnssec_tlsa = to_string(dnssec::unchecked);
    auto t = r.tlsa(d.tlsa_name);  // not validated: shown, never used
    d.tlsa_status = status_text(t.status, t.message);
    for (const auto& x : t.records) d.tlsa.push_back(x.text());
    return d;
  }
  d.dnssec_mx = to_string(f.mx_validated.security);
  if (!f.mx_validated.why_bogus.empty()) d.why_bogus = "MX: " + f.mx_validated.why_bogus;
  auto a = r.addresses(host, true);
  d.dnssec_address = to_string(a.security);
  if (d.why_bogus.empty() && !a.why_bogus.empty()) d.why_bogus = "A/AAAA " + host + ": " + a.why_bogus;
  auto t = r.tlsa(d.tlsa_name);
  d.dnssec_tlsa = to_string(t.security);
  if (d.why_bogus.empty() && !t.why_bogus.empty()) d.why_bogus = "TLSA " + d.tlsa_name + ": " + t.why_bogus;
  d.tlsa_status = status_text(t.status, t.message);
  for (const auto& x : t.records) d.tlsa.push_back(x.text());
  // RFC 7672 §2.2: TLSA records are used only when they and the host's addresses are secure;
  // §3.1.3: PKIX-TA(0)/PKIX-EE(1) are not used by SMTP clients.
  if (t.ok() && t.security == dnssec::secure && a.security == dnssec::secure)
    for (const auto& x : t.records)
      if (x.usage == 2 || x.usage == 3) d.usable.push_back(x);
  return d;
}

void apply_dane(const dane_info& d, settings_facts& s) {
  s.dnssec_mx = d.dnssec_mx;
  s.dnssec_address = d.dnssec_address;
  s.dnssec_tlsa = d.dnssec_tlsa;
  s.tlsa_name = d.tlsa_name;
  s.tlsa_status = d.tlsa_status;
  s.tlsa = d.tlsa;
  s.why_bogus = d.why_bogus;
  s.days = d.days;
}

}  // namespace mailspec::discovery::detail
