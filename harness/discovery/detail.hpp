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
  std::vector<published_server> servers;  // autoconfig + SRV, same server merged
  dns_answer<mx_record> mx;
  dns_answer<std::string> sts_txt;
  std::string sts_url;
  std::optional<fetch_result> sts_policy;
  dns_answer<std::string> rpt_txt;
};

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

}  // namespace mailspec::discovery::detail
