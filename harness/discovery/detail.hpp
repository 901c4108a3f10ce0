// Internal: what discovery found (before any server is contacted), and the verification.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "discovery/autoconfig.hpp"
#include "discovery/dns.hpp"
#include "discovery/https.hpp"
#include "discovery/settings.hpp"

namespace mailspec::discovery::detail {

struct found {
  email_address who;
  std::string resolver;
  std::vector<std::string> sources;  // "WHERE: OUTCOME", in the order tried
  std::string autoconfig_source;     // the document used ("" = none)
  std::optional<autoconfig> config;
  std::vector<std::string> autoconfig_errors, https_errors, redirects_refused;
  std::vector<std::string> autoconfig_unanswered;  // fetches that hit the deadline (nothing judged)
  std::vector<std::string> srv_lines, srv_mismatch;
  std::vector<published_server> servers;  // autoconfig + SRV + Autodiscover, same server merged
  // Each source's servers as it published them (autoconfig/ISPDB/preset, SRV, Autodiscover).
  std::vector<std::pair<std::string, std::vector<published_server>>> by_source;
  std::string ispdb;                      // "URL: OUTCOME" ("" = not asked)
  std::vector<std::string> autodiscover, autodiscover_errors;
  std::string autodiscover_source;
  std::vector<std::string> comparison, disagreements;
  std::vector<published_server> guessed;  // guessed hosts that resolve (not published)
  std::vector<std::string> guessed_lines;
  dns_answer<mx_record> mx;
  dns_answer<mx_record> mx_validated;  // the same MX lookup, validated (with a trust anchor)
  dns_answer<std::string> sts_txt;
  std::string sts_url;
  std::optional<fetch_result> sts_policy;
  dns_answer<std::string> rpt_txt;
};

// Every source's servers side by side, and where they disagree (consistency.cpp).
void compare_sources(found& f);
// imap., smtp., mail., pop3., pop. DOMAIN: the names auto-detecting clients guess, when they
// resolve and are not published (bounded).
void find_guessed(const settings_options& opt, found& f, resolver& r);
// The ISPDB's answer for the domain, then for the MX host's registrable domain (Thunderbird's order).
void find_ispdb(const settings_options& opt, found& f, resolver& r);
// "mx1.mail.example.co.uk" -> "example.co.uk" (no public-suffix list: two labels, three under a
// two-letter country code with a generic second level such as co, com, net, org, ac, gov, edu).
std::string registrable_domain(const std::string& host);

// The fetch options discovery uses (trust store, deadline, names through the resolver).
fetch_options fetch_defaults(const settings_options& opt, resolver& r, std::size_t max_bytes);

// Every source: preset / --autoconfig / the well-known URLs, SRV, MX, MTA-STS, TLS-RPT.
found discover(const settings_options& opt, const email_address& who, resolver& r);

// The cases of the published servers and the MX hosts, probed and judged.
std::vector<case_result> verify_servers(const settings_options& opt, const found& f, resolver& r,
                                        const progress_fn& progress, int& done, int total_hint);

// settings/discovery, policy/mta-sts and policy/tls-rpt cases from what was found.
case_result discovery_case(const settings_options& opt, const found& f);
case_result mta_sts_case(const settings_options& opt, const found& f);
case_result tls_rpt_case(const settings_options& opt, const found& f);

// The published port mapped through --port (service name by default port, or the number).
int mapped_port(const settings_options& opt, int published);

// Appends the settings findings (discovery::judge) and recombines the verdict.
void judge_settings_case(case_result& c, const settings_options& opt);

std::string server_line(const published_server& s);

// DANE for one MX host (RFC 7672): the DNSSEC status of its answers, its TLSA records, and the
// records a sender would use (DANE-TA(2)/DANE-EE(3) of a secure TLSA RRset, else none).
struct dane_info {
  std::string dnssec_mx, dnssec_address, dnssec_tlsa, tlsa_name, tlsa_status, why_bogus;
  std::vector<std::string> tlsa;
  std::vector<tlsa_record> usable;
  int days = 0;
};
dane_info dane_lookup(const settings_options& opt, const found& f, resolver& r, const std::string& host);
void apply_dane(const dane_info& d, settings_facts& s);

}  // namespace mailspec::discovery::detail
