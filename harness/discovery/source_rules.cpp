// The rules on the other sources of settings: Microsoft Autodiscover, Thunderbird's ISPDB, every
// source side by side, and the host names auto-detecting clients guess.
#include "discovery/rules_detail.hpp"

namespace mailspec::discovery {

namespace {

using namespace detail;
using rules::context;
using rules::row;

void autodiscover_valid(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (!f->autodiscover_errors.empty())
    return c.broken_case("a well-formed Autodiscover response (MS-OXDSCLI) within 10 redirects", join(f->autodiscover_errors, "\n"),
                         "Outlook gets no usable settings from this Autodiscover answer");
  if (!f->autodiscover_source.empty()) c.held_case(f->autodiscover_source);
}

void ispdb_used(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (f->autoconfig_source.rfind("ISPDB ", 0) == 0)
    return c.broken_case("an autoconfig document published by the domain itself", f->autoconfig_source,
                         "Thunderbird's settings come from the central ISPDB, not from the domain: publish them at "
                         "autoconfig.DOMAIN to control them");
  if (!f->autoconfig_source.empty() && f->autoconfig_source.rfind("https://", 0) == 0) c.held_case(f->autoconfig_source);
}

void sources_agree(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f || f->comparison.empty()) return;
  if (f->disagreements.empty()) {
    // Only meaningful when at least two sources were compared.
    std::set<std::string> sources;
    for (const auto& l : f->comparison) sources.insert(l.substr(l.rfind(" | ") + 3));
    if (sources.size() > 1) c.held_case(join(f->comparison, "\n"));
    return;
  }
  for (const auto& d : f->disagreements)
    c.broken_case("the same servers (host, port, socket type, authentication) from every source", d,
                  "clients configured from different sources reach different servers or use different security");
}

void guessed_plaintext(context& c) {
  const auto* f = facts(c, settings_role::server);
  if (!f || !f->published || !is_guessed(*f->published)) return;
  const auto& before = c.rec.result.capabilities_before_tls;
  const auto* p = c.probe();
  if (p && p->untested()) return;
  if (before.empty() && (!p || !p->banner)) return;
  auto offered = offered_mechanisms(f->published->type, before);
  std::vector<std::string> clear;
  for (const auto& m : {"PLAIN", "LOGIN", "LOGIN command", "USER/PASS"})
    if (offered.count(m)) clear.push_back(m);
  const std::string host = f->published->hostname + ":" + std::to_string(f->published->port);
  if (clear.empty()) return c.held_case(host + ": no cleartext login before TLS");
  c.broken_case("no cleartext login offered before TLS on " + host, "offered on the plaintext channel: " + join(clear, " "),
                "a client that guesses this host name (as Thunderbird and Outlook do) can send the password in the clear");
}

}  // namespace

void detail::add_source_rules(std::vector<rules::rule>& v) {
  v.push_back(row("settings/autodiscover/valid", "settings", "RFC 6186 §1 (client configuration); MS-OXDISCO §3.1.5; MS-OXDSCLI §2.2.4", level::must,
                  "Summary: an Autodiscover endpoint that answers returns a well-formed Autodiscover response "
                  "(Account, Action settings, redirectAddr or redirectUrl), reached within 10 redirects.",
                  autodiscover_valid));
  v.push_back(row("settings/ispdb/used", "settings", "RFC 6186 §1 (client configuration); Thunderbird ISPDB", level::info,
                  "Summary: clients take settings from the domain's own autoconfig; Thunderbird falls back to its "
                  "central ISPDB only when the domain publishes none (an observation when that happens).",
                  ispdb_used));
  v.push_back(row("settings/consistency/sources", "settings", "RFC 6186 §3.1; RFC 8314 §5.1", level::should,
                  "Summary: every source (autoconfig or ISPDB, SRV, Autodiscover) names the same servers for a "
                  "service: host, port, socket type and authentication.",
                  sources_agree));
  v.push_back(row("settings/guessed/plaintext-login", "settings", "RFC 8314 §3; RFC 2595 §2.1; RFC 3207 §4", level::must,
                  "Summary: a host that clients find by guessing (imap., pop3., pop., mail., smtp.DOMAIN) offers no "
                  "cleartext login before TLS, or auto-detecting clients send passwords in the clear.",
                  guessed_plaintext, severity::high));
}

}  // namespace mailspec::discovery
