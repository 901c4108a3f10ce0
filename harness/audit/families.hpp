// Internal: the probe families as one table. A family is one kind of connection the audit makes
// to a port; each row says which ports it applies to, when it runs (from what the port's main
// probe found), what it runs, which passive protocol rules judge its record and which rules it
// exists for. Adding a probe = a row here plus its probe function and its rules
// (docs/architecture.md).
#pragma once
#include <string>
#include <vector>

#include "audit/probes.hpp"

namespace mailspec::audit::detail {

struct family {
  probe_family id;
  bool main = false;            // the port's first probe; the others are planned from its facts
  bool on_starttls_ports = false;
  bool on_implicit_ports = false;
  // Whether it runs on this port, given what the port's main probe found (unused for main rows).
  bool (*wanted)(const port_spec&, const probe_facts& main) = nullptr;
  // One connection per variant ({""}: one connection); the variant is handed to `run`.
  std::vector<std::string> variants;
  asio::awaitable<session::record> (*run)(const options&, const port_spec&, const std::string& variant) = nullptr;
  // The protocol rules that judge its record (empty: all of them). Probes that break the usual
  // flow on purpose (injection, one-version handshakes) are judged only on what they probe.
  std::vector<std::string> passive;
  // The rules it exists for: with --only selecting none of them, it does not run.
  std::vector<std::string> rules;
  // Opt-in families (they send mail): run only when this says the user asked (nullptr: always).
  bool (*enabled)(const options&) = nullptr;

  bool on(const port_spec& p) const { return p.tls == tls_mode::implicit ? on_implicit_ports : on_starttls_ports; }
};

// Every family, in report order (the order of a port's cases).
const std::vector<family>& families();
const family& family_of(probe_family id);
// The main family of a port: starttls (STARTTLS ports) or tls (implicit TLS).
probe_family main_family(const port_spec& p);
// Not held back by its opt-in (families::enabled).
inline bool family_enabled(const family& f, const options& o) { return !f.enabled || f.enabled(o); }
// Runs with these --only prefixes: a main family always; another when one of its rules is selected.
bool family_selected(const family& f, const std::vector<std::string>& only);

}  // namespace mailspec::audit::detail
