#include "app/cmd_settings.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "app/cli.hpp"
#include "audit/audit.hpp"
#include "discovery/settings.hpp"
#include "report/report.hpp"

#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.0.0"
#endif
#ifndef MAILSPEC_SOURCE_DIR
#define MAILSPEC_SOURCE_DIR ""
#endif

namespace mailspec::app {

namespace {

discovery::settings_options to_settings_options(const settings_args& s, const common_options& o) {
  discovery::settings_options d;
  d.input = s.input;
  d.autoconfig = s.autoconfig;
  d.preset = s.preset;
  d.preset_dir = preset_dir();
  d.resolver = s.resolver;
  d.trust_anchor = s.trust_anchor;
  d.days = s.days;
  d.ispdb = s.no_ispdb ? "" : s.ispdb;
  if (!d.ispdb.empty() && d.ispdb.rfind("https://", 0) != 0) throw std::invalid_argument("--ispdb " + d.ispdb + ": an https URL");
  d.autodiscover = !s.no_autodiscover;
  d.guess = !s.no_guess;
  d.port_map = parse_port_map(o.ports);
  check_connection_flags(o);
  d.connection = o.connection;
  d.strict = o.strict;
  d.only = o.only;
  for (const auto& p : discovery::book().unknown_prefixes(o.only))
    throw std::invalid_argument("--only " + p + ": no rule of the settings check starts with it (mailspec rules lists them)");
  d.probe_mx = !s.skip_mx;
  if (!o.connection.sni.empty()) throw std::invalid_argument("settings: --sni does not apply (each server is named by the published settings)");
  return d;
}

}  // namespace

std::string preset_dir() {
  if (const char* env = std::getenv("MAILSPEC_PRESET_DIR"); env && *env) return env;
  return bundled_dir("scenarios/providers");
}

int run_settings_command(int argc, char** argv, const settings_args& s, common_options& o) {
  discovery::settings_options d;
  try {
    d = to_settings_options(s, o);
    checked_formats(o);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  const auto& stop = install_stop_signals();
  d.stop = &stop;
  bool tty = isatty(fileno(stdout));
  report::console con(stdout, tty);
  run_report r;
  try {
    r = discovery::run(d, [&](const case_result& c, int done, int total) { con.case_done(c, done, total); });
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  r.tool_version = MAILSPEC_VERSION;
  for (int i = 0; i < argc; ++i) r.arguments.emplace_back(argv[i]);  // settings takes no secrets
  if (stop.load() && !r.incomplete) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted";
  }
  int code = finish_report(r, o, tty);
  if (r.incomplete && code == exit_ok) code = exit_error;
  return code;
}

}  // namespace mailspec::app
