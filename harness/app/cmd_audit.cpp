#include "app/cmd_audit.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "app/cli.hpp"
#include "audit/audit.hpp"
#include "report/report.hpp"

#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.0.0"
#endif

namespace mailspec::app {

namespace {

// Applies --port NAME=PORT (service name or default port number) to the audited ports.
void apply_port_map(std::vector<audit::port_spec>& ports, const std::vector<std::string>& specs) {
  auto map = parse_port_map(specs);
  for (auto& p : ports) {
    auto by_name = map.find(std::string(to_string(p.service)));
    auto by_number = map.find(std::to_string(p.port));
    if (by_name != map.end()) p.port = by_name->second;
    else if (by_number != map.end()) p.port = by_number->second;
  }
}

void check_host(const std::string& host) { check_host_name("audit", host, "--ports (e.g. --ports imap=143)"); }

// An envelope address for the smuggling probe: local@domain, printable ASCII without spaces or
// angle brackets (it goes into MAIL FROM:<...> / RCPT TO:<...> and the test message's header).
void check_address(const char* flag, const std::string& a) {
  bool ok = a.size() <= 254 && a.find('@') != std::string::npos && a.front() != '@' && a.back() != '@';
  for (unsigned char ch : a) ok = ok && ch > 32 && ch < 127 && ch != '<' && ch != '>';
  if (!ok) throw std::invalid_argument(std::string(flag) + " \"" + a + "\": expected one address, local@domain");
}

std::string env_or(const std::string& given, const char* name) {
  if (!given.empty()) return given;
  const char* v = std::getenv(name);
  return v ? v : "";
}

void apply_smuggling(audit::options& a, const smuggling_args& s) {
  if (!s.enabled) {
    if (!s.rcpt.empty() || !s.from.empty())
      throw std::invalid_argument("--rcpt and --from are for --smuggling (the opt-in probe that sends test messages)");
    return;
  }
  a.smuggling_rcpt = env_or(s.rcpt, "MAILSPEC_RCPT");
  if (a.smuggling_rcpt.empty())
    throw std::invalid_argument("--smuggling sends test messages: give their recipient with --rcpt ADDR (or MAILSPEC_RCPT)");
  check_address("--rcpt", a.smuggling_rcpt);
  a.smuggling_from = env_or(s.from, "MAILSPEC_FROM");
  if (a.smuggling_from.empty()) a.smuggling_from = a.smuggling_rcpt;
  check_address("--from", a.smuggling_from);
}

audit::options to_audit_options(const std::string& host, const std::string& ports, const common_options& o) {
  check_host(host);
  audit::options a;
  a.host = host;
  a.ports = audit::parse_ports(ports);
  apply_port_map(a.ports, o.ports);
  check_connection_flags(o);
  a.connection = o.connection;
  a.connection.rate = parse_rate(o.rate_text);
  a.strict = o.strict;
  a.only = o.only;
  for (const auto& p : audit::book().unknown_prefixes(o.only))
    throw std::invalid_argument("--only " + p + ": no rule of the audit starts with it (mailspec rules lists them)");
  if (o.connection.per_host < 1) throw std::invalid_argument("--per-host must be at least 1");
  return a;
}

}  // namespace

void add_smuggling_options(CLI::App& cmd, smuggling_args& a) {
  cmd.add_flag("--smuggling", a.enabled,
               "Also probe SMTP smuggling (CVE-2023-51764 family): sends one test message per variant to --rcpt");
  cmd.add_option("--rcpt", a.rcpt, "Recipient of the --smuggling test messages (default: MAILSPEC_RCPT)");
  cmd.add_option("--from", a.from, "Sender of the --smuggling test messages (default: MAILSPEC_FROM, else --rcpt)");
}

int run_audit_command(int argc, char** argv, const std::string& host, const std::string& ports,
                      const smuggling_args& smuggling, common_options& o) {
  audit::options a;
  try {
    a = to_audit_options(host, ports, o);
    apply_smuggling(a, smuggling);
    checked_formats(o);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  const auto& stop = install_stop_signals();
  a.stop = &stop;
  bool tty = isatty(fileno(stdout));
  report::console con(stdout, tty);
  auto r = audit::run(a, [&](const case_result& c, int done, int total) { con.case_done(c, done, total); });
  r.tool_version = MAILSPEC_VERSION;
  for (int i = 0; i < argc; ++i) r.arguments.emplace_back(argv[i]);  // the audit takes no secrets
  if (stop.load() && !r.incomplete) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted";
  }
  int code = finish_report(r, o, tty);
  if (r.incomplete && code == exit_ok) code = exit_error;
  return code;
}

}  // namespace mailspec::app
