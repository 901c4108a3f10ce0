// The built-in audit (`mailspec audit HOST`, docs/architecture.md): per port, probes that find whether it
// answers and speaks its protocol, what TLS it accepts (versions, weak ciphers, certificate),
// whether STARTTLS is offered, works and is required before authentication, whether a plaintext
// login is evaluated (random canary only), and whether STARTTLS command injection works.
// Every probe is one case (kind "audit") judged by the passive rules and by audit::catalogue().
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/run_report.hpp"
#include "core/service.hpp"
#include "net/client_options.hpp"
#include "rules/rules.hpp"
#include "session/record.hpp"

namespace mailspec::audit {

struct port_spec {
  service_kind service = service_kind::smtp;
  protocol_kind protocol = protocol_kind::smtp;
  tls_mode tls = tls_mode::starttls;  // starttls or implicit
  int port = 0;
  // The public MX role (service smtp): RFC 3207 §4 forbids requiring STARTTLS there, so
  // plaintext-login and required-TLS findings are reported (info), never failed.
  bool mx() const { return service == service_kind::smtp; }
  std::string label() const;  // "imap:10143"
};

// The default --ports list of docs/architecture.md.
inline constexpr std::string_view default_ports =
    "smtp=25,submission=587,submissions=465,imap=143,imaps=993,pop3=110,pop3s=995";

// Parses "NAME=PORT,..." where NAME is one of the 7 services or a default port number of one
// ("143=10143" means imap on 10143). The list replaces the defaults; a service may appear more
// than once (two submission ports). Throws std::invalid_argument with a user-facing message.
std::vector<port_spec> parse_ports(std::string_view spec);

struct options {
  std::string host;
  std::vector<port_spec> ports;
  // Connect to this address instead of resolving host (mailspec settings resolves names through
  // its own --resolver); host stays the name for SNI, certificate checks and the report.
  std::string address;
  // --bind, --sni, --ca-file, --client-cert/--client-key, --helo, --timeout-ms (overrides every
  // connect / TLS / reply deadline when > 0), --per-host and --rate (to the host), loopback_only.
  net::client_options connection;
  bool strict = false;     // SHOULD-level findings fail
  std::vector<std::string> only;  // rule id prefixes for findings
  const std::atomic<bool>* stop = nullptr;  // SIGINT/SIGTERM: no new probes start
  // DANE (mailspec settings, RFC 7672): TLSA records every handshake of the main probe is
  // matched against (tls_facts.dane); empty = no DANE.
  std::vector<tlsa_record> tlsa;
  // The opt-in SMTP smuggling probe (`--smuggling`, docs/architecture.md): one test message per
  // variant on every SMTP port, from smuggling_from to smuggling_rcpt (envelope and header, the
  // same on every connection); an empty recipient means the probe does not run.
  std::string smuggling_rcpt;
  std::string smuggling_from;
};

// Called as each case finishes (its last connection done), in completion order; `total` is an
// upper bound until every port's first probe has answered (an unreachable port has one case).
using progress_fn = std::function<void(const case_result&, int done, int total)>;

// Runs the whole audit on a private io_context. Never throws for server behaviour.
run_report run(const options& opt, const progress_fn& progress = {});

// The main probe alone ("starttls" or "tls" family) of one port, judged like an audit case:
// for callers that check one port's behaviour without the whole audit (mailspec settings).
case_result probe_port(const options& opt, const port_spec& port);

// The audit's own rules (ids audit/..., tls/starttls/required-before-auth, ...), same row type
// as rules::catalogue(). Their checks read the typed probe facts (case_result.probe).
const rules::table& catalogue();
const rules::rule* find_rule(std::string_view id);  // in catalogue()

// The rules an audit can report: the protocol rules and catalogue(). Its unknown_prefixes()
// checks --only (a typo would otherwise give an all-pass audit that checked nothing).
const rules::book& book();

// A software guess from a greeting line ("Dovecot", "Postfix", ...), "" when unknown.
std::string guess_software(std::string_view banner);

}  // namespace mailspec::audit
