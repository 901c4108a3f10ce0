// `mailspec settings EMAIL|DOMAIN` (docs/settings.md): what a provider publishes for mail clients
// (Thunderbird autoconfig, RFC 6186/8314 SRV records, MX, MTA-STS, TLS-RPT) against what its
// servers really do, each published server checked with the audit's main probe.
// Cases (kind "settings"): "settings/discovery" (what was found, from where), one per published
// server ("settings/imap:HOST:PORT"), one per MX ("settings/mx:HOST:PORT"), "policy/mta-sts"
// and "policy/tls-rpt". Rules: settings/..., policy/mta-sts/..., policy/tls-rpt/... .
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/run_report.hpp"
#include "net/client_options.hpp"
#include "rules/rules.hpp"
#include "session/record.hpp"

namespace mailspec::discovery {

struct settings_options {
  std::string input;        // EMAIL or DOMAIN
  std::string autoconfig;   // --autoconfig FILE or https URL ("" = the well-known URLs)
  std::string preset;       // --preset NAME: scenarios/providers/NAME.xml instead of autoconfig
  std::string preset_dir;   // where presets live
  std::string resolver;     // --resolver IP[:PORT] or [IPv6]:PORT ("" = the system resolver)
  std::string trust_anchor; // --trust-anchor FILE: DNSSEC trust anchor ("" = none: DNSSEC not validated)
  int days = 30;            // --days N: certificate expiry look-ahead (DANE)
  std::string ispdb = "https://autoconfig.thunderbird.net/v1.1/";  // --ispdb URL ("" = not asked)
  bool autodiscover = true; // Microsoft Autodiscover (POX and v2 JSON) is asked
  bool guess = true;        // guessed hosts (imap., smtp., mail., pop3., pop.) probed for plaintext login
  std::map<std::string, int> port_map;  // --port NAME=PORT: published port -> port connected
  // --ca-file, --client-cert/--client-key (presented to mail servers that ask), --bind, --helo,
  // --timeout-ms, loopback_only (tests: refuse every non-loopback connection, fetches included);
  // passed whole to the audit's probe of each server. --sni does not apply (each server is named
  // by the published settings).
  net::client_options connection;
  bool strict = false;
  std::vector<std::string> only;  // rule id prefixes
  bool probe_mx = true;           // connect to the MX hosts (port 25, or --port smtp=N)
  const std::atomic<bool>* stop = nullptr;
};

using progress_fn = std::function<void(const case_result&, int done, int total)>;

// Throws std::invalid_argument for bad options (input, --resolver, --preset, --autoconfig).
// Everything the network or the published documents do is a finding, never a throw.
run_report run(const settings_options& opt, const progress_fn& progress = {});

// The settings/ and policy/ rules (same row type as rules::catalogue()); their checks read the
// typed settings facts (case_result.settings) and, for server and MX cases, the probe facts.
const rules::table& catalogue();
// Every rule `mailspec settings` can report: protocol rules, the audit's and catalogue().
const rules::book& book();

// Names of the bundled presets in dir (NAME for NAME.xml), sorted.
std::vector<std::string> preset_names(const std::string& dir);

}  // namespace mailspec::discovery
