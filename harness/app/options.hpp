// Options shared by the run, audit and settings commands, and how they become runner options.
#pragma once
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/run_report.hpp"
#include "net/client_options.hpp"
#include "runner/runner.hpp"

namespace CLI {
class App;
class Option;
}

namespace mailspec::app {

struct common_options {
  std::vector<std::string> ports;  // NAME=PORT
  std::string report_dir = "mailspec-report";
  std::string format = "json,html,junit,sarif,console";
  std::string fail_on = "fail";
  std::string baseline;
  // --ca-file, --client-cert/--client-key, --insecure, --sni, --helo, --bind, --timeout-ms,
  // --per-host: what every connection of the command gets, passed whole (rate from rate_text).
  net::client_options connection;
  int jobs = 4;
  int repeat = 1;
  std::string rate_text;  // --rate "N/s" or "N" ("" = unlimited), parse_rate() -> connection.rate
  std::string shard;  // "K/N"
  std::vector<std::string> only;
  bool strict = false;
  bool allow_mutation = false;
};

// A repeatable option that takes exactly one value per occurrence (--target, --port, --only).
CLI::Option* one_value_each(CLI::Option* opt);
void add_report_options(CLI::App& cmd, common_options& o);
void add_tls_options(CLI::App& cmd, common_options& o);
void add_run_options(CLI::App& cmd, common_options& o);

// Throws std::invalid_argument with a user-facing message (exit 64).
runner::run_options to_run_options(const common_options& o, const std::vector<std::string>& targets);
std::map<std::string, int> parse_port_map(const std::vector<std::string>& specs);
// --ca-file (a loadable PEM CA file), --client-cert/--client-key (both or neither, loadable, the
// key matching), --bind (an IP address), --helo and --sni (one word, no control bytes): throws
// std::invalid_argument (exit 64). run, audit and settings call it before any connection.
void check_connection_flags(const common_options& o);
// --rate "N/s" or "N" (finite, N >= min_rate) -> N; "" -> 0 (unlimited). Throws std::invalid_argument.
inline constexpr double min_rate = 1e-5;
double parse_rate(const std::string& s);
// HOST of audit / --target of run: a host name or an IP address ([v6] allowed), no port, no URL.
// Throws std::invalid_argument naming `who`; port_hint says how to give a port instead.
void check_host_name(const std::string& who, const std::string& host, const std::string& port_hint);
// Every --target a valid host, none given twice (case-insensitive). Throws std::invalid_argument.
void check_targets(const std::vector<std::string>& targets);

// The report options, checked before any work: the --format list (an unknown format throws
// std::invalid_argument) and --report-dir, created here and writable (else it throws too).
std::set<std::string> checked_formats(const common_options& o);

// SIGINT/SIGTERM set the returned flag (the command stops starting work and writes what ran);
// SIGPIPE is ignored. One flag for the process: run, audit and settings all use it.
const std::atomic<bool>& install_stop_signals();

// A directory of the source tree's bundled data (REL, e.g. "scenarios"): REL next to the binary
// or one level above it (build/mailspec in a checkout), else the source tree it was built from.
std::string bundled_dir(const std::string& rel);

// Writes the asked reports and prints the summary; returns the exit code for the report.
int finish_report(run_report& r, const common_options& o, bool tty);

}  // namespace mailspec::app
