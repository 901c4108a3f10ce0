#include "app/cmd_audit.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <csignal>
#include <cstdio>
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
    auto by_name = map.find(p.service);
    auto by_number = map.find(std::to_string(p.port));
    if (by_name != map.end()) p.port = by_name->second;
    else if (by_number != map.end()) p.port = by_number->second;
  }
}

void check_host(const std::string& host) { check_host_name("audit", host, "--ports (e.g. --ports imap=143)"); }

audit::options to_audit_options(const std::string& host, const std::string& ports, const common_options& o) {
  check_host(host);
  audit::options a;
  a.host = host;
  a.ports = audit::parse_ports(ports);
  apply_port_map(a.ports, o.ports);
  a.bind = o.bind;
  a.ca_file = o.ca_file;
  a.client_cert = o.client_cert;
  a.client_key = o.client_key;
  check_connection_flags(o);
  a.sni = o.sni;
  if (!o.helo.empty()) a.helo = o.helo;
  a.timeout_ms = o.timeout_ms;
  a.per_host = o.per_host;
  a.rate = parse_rate(o.rate);
  a.strict = o.strict;
  a.only = o.only;
  for (const auto& p : audit::book().unknown_prefixes(o.only))
    throw std::invalid_argument("--only " + p + ": no rule of the audit starts with it (mailspec rules lists them)");
  if (o.per_host < 1) throw std::invalid_argument("--per-host must be at least 1");
  return a;
}

}  // namespace

int run_audit_command(int argc, char** argv, const std::string& host, const std::string& ports, common_options& o) {
  audit::options a;
  try {
    a = to_audit_options(host, ports, o);
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
