#include "app/options.hpp"

#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <unistd.h>

#include "app/baseline.hpp"
#include "net/asio.hpp"
#include "net/connection.hpp"
#include "net/tls_client.hpp"
#include "report/report.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

namespace mailspec::app {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

}  // namespace

const std::atomic<bool>& install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

CLI::Option* one_value_each(CLI::Option* opt) {
  // CLI11's list options take every following word: `--target HOST scenarios/` took scenarios/
  // as a second host ("scenarios is required"), and a bare `--only` took none and ran all.
  return opt->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_report_options(CLI::App& cmd, common_options& o) {
  cmd.add_option("--report-dir", o.report_dir, "Directory for report.json and the other reports")->capture_default_str();
  cmd.add_option("--format", o.format, "Comma-separated: json,html,junit,sarif,console")->capture_default_str();
  cmd.add_option("--fail-on", o.fail_on, "Exit 1 on: fail | warn")->check(CLI::IsMember({"fail", "warn"}))->capture_default_str();
  cmd.add_option("--baseline", o.baseline, "Previous report.json or waiver list: known findings do not fail the run");
}

void add_tls_options(CLI::App& cmd, common_options& o) {
  cmd.add_option("--ca-file", o.connection.ca_file, "Trust these CA certificates (PEM) instead of the system store");
  cmd.add_option("--client-cert", o.connection.client_cert, "TLS client certificate (PEM) for servers that ask (SASL EXTERNAL)");
  cmd.add_option("--client-key", o.connection.client_key, "Private key (PEM, unencrypted) of --client-cert");
  cmd.add_flag("--insecure", o.connection.insecure, "Allow secrets over plaintext/unverified TLS where a scenario allows it");
  cmd.add_option("--sni", o.connection.sni, "Server name to send in TLS SNI");
  cmd.add_option("--helo", o.connection.helo, "Name for SMTP EHLO/HELO (${target.helo})");
  cmd.add_option("--bind", o.connection.bind, "Source address to connect from");
  cmd.add_option("--timeout-ms", o.connection.timeout_ms, "Override every connect/TLS/step timeout")->check(CLI::Range(1LL, 3600000LL));
  one_value_each(cmd.add_option("--port", o.ports, "Map a service to a port on the target: NAME=PORT (smtp, submission, submissions, imap, imaps, pop3, pop3s or a number)"));
}

void add_run_options(CLI::App& cmd, common_options& o) {
  cmd.add_option("--jobs", o.jobs, "Concurrent sessions in total")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd.add_option("--repeat", o.repeat, "Run every selected case N times")->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd.add_option("--per-host", o.connection.per_host, "Concurrent connections per target host")->check(CLI::Range(1, 100000))->capture_default_str();
  // An empty value would mean "not given": `--shard "$SHARD"` with SHARD unset would run the whole
  // plan in every CI job, `--rate ""` would drop the limit.
  auto not_empty = [](const std::string& v) { return v.empty() ? std::string("an empty value is not allowed") : std::string(); };
  cmd.add_option("--rate", o.rate_text, "New connections per second per host, e.g. 10/s")->check(not_empty);
  cmd.add_option("--shard", o.shard, "Run shard K of N (e.g. 2/4) of the planned cases")->check(not_empty);
  one_value_each(cmd.add_option("--only", o.only, "Only scenario ids / rule ids starting with this prefix (repeatable)"));
  cmd.add_flag("--strict", o.strict, "SHOULD-level rules fail instead of warn");
  cmd.add_flag("--allow-mutation", o.allow_mutation, "Run scenarios that change the mailbox (mutates: true)");
}

std::map<std::string, int> parse_port_map(const std::vector<std::string>& specs) {
  std::map<std::string, int> out;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw std::invalid_argument("--port expects NAME=PORT, got \"" + spec + "\"");
    std::string name = spec.substr(0, eq);
    bool numeric = name.find_first_not_of("0123456789") == std::string::npos;
    if (!numeric && !runner::service_ports().count(name))
      throw std::invalid_argument("--port: unknown service \"" + name +
                                  "\" (smtp, submission, submissions, imap, imaps, pop3, pop3s or a port number)");
    int port = 0;
    try {
      std::size_t used = 0;
      port = std::stoi(spec.substr(eq + 1), &used);
      if (used != spec.size() - eq - 1) port = 0;
    } catch (const std::exception&) {
      port = 0;
    }
    if (port < 1 || port > 65535) throw std::invalid_argument("--port " + spec + ": port must be 1-65535");
    out[name] = port;
  }
  return out;
}

double parse_rate(const std::string& s) {
  if (s.empty()) return 0;
  std::string num = s;
  if (auto slash = num.find("/s"); slash != std::string::npos && slash + 2 == num.size()) num.resize(slash);
  try {
    std::size_t used = 0;
    double v = std::stod(num, &used);
    // The slot spacing is 1/N s in microseconds: "inf" would mean no limit, and a tiny N overflowed
    // it into no limit at all. The floor is one connection a day.
    if (used == num.size() && std::isfinite(v) && v >= min_rate) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument("--rate expects N/s with N a number from 0.00001 (one connection a day) up, got \"" + s +
                              "\"");
}

void check_host_name(const std::string& who, const std::string& host, const std::string& port_hint) {
  if (host.empty()) throw std::invalid_argument(who + ": a HOST is required");
  const std::string inner = net::strip_brackets(host);
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(inner, ec);
  if (!ec && (inner == host || addr.is_v6())) return;
  if (host.find("://") != std::string::npos)
    throw std::invalid_argument(who + ": \"" + host + "\": HOST is a host name or an IP address, not a URL");
  if (host.find(':') != std::string::npos)
    throw std::invalid_argument(who + ": \"" + host + "\": HOST takes no port; give ports with " + port_hint);
  for (unsigned char ch : host)
    if (!(std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_'))
      throw std::invalid_argument(who + ": \"" + visible(host) + "\": expected a host name or an IP address");
}

void check_targets(const std::vector<std::string>& targets) {
  std::set<std::string> seen;
  for (const auto& t : targets) {
    check_host_name("--target", t, "--port (e.g. --port imap=10143)");
    // The same host twice would plan every case twice under one name (JUnit testcases and report
    // cases that cannot be told apart); --repeat is the way to run cases again.
    std::string key = net::strip_brackets(t);
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!seen.insert(key).second)
      throw std::invalid_argument("--target " + t + " is given twice (use --repeat N to run cases again)");
  }
}

namespace {

// --ca-file, --client-cert/--client-key are loaded now, as every handshake will load them: a file
// that is not PEM, or a key that does not match its certificate, is a usage error before any
// connection, not a failed handshake a report would blame on the server.
void check_tls_files(const net::client_options& c) {
  if (c.client_cert.empty() != c.client_key.empty())
    throw std::invalid_argument("--client-cert and --client-key go together");
  for (const auto* f : {&c.ca_file, &c.client_cert, &c.client_key}) {
    const char* flag = f == &c.ca_file ? "--ca-file " : f == &c.client_cert ? "--client-cert " : "--client-key ";
    if (!f->empty() && !std::filesystem::is_regular_file(*f)) throw std::invalid_argument(flag + *f + ": no such file");
  }
  if (c.ca_file.empty() && c.client_cert.empty()) return;
  net::tls_options t = net::tls_options_for(c, tls_mode::starttls);
  std::string why;
  if (net::make_client_context(t, why)) return;
  if (why.rfind("tls options: ", 0) == 0) why.erase(0, 13);
  if (c.client_cert.empty()) why = "--ca-file " + c.ca_file + ": not a PEM file of CA certificates (" + why + ")";
  throw std::invalid_argument(why);
}

}  // namespace

void check_connection_flags(const common_options& o) {
  // Values that are wrong for every case are usage errors, found before any connection, not
  // one `error` per case or per probe.
  check_tls_files(o.connection);
  if (!o.connection.bind.empty()) {
    // A source address is an address of this machine ([v6] allowed), never a name.
    boost::system::error_code ec;
    boost::asio::ip::make_address(net::strip_brackets(o.connection.bind), ec);
    if (ec) throw std::invalid_argument("--bind expects an IPv4 or IPv6 address of this machine, got \"" + o.connection.bind + "\"");
  }
  // Both go on the wire as they are (RFC 5321 §4.1.1.1: EHLO takes one word): a space or a
  // control byte (CR, LF) would put a second command on the wire.
  auto one_word = [](const std::string& flag, const std::string& v) {
    bool ok = !v.empty() && v.size() <= 255;
    for (unsigned char ch : v) ok = ok && ch > 0x20 && ch < 0x7f;
    if (!ok) throw std::invalid_argument(flag + " expects a host name (one word, printable ASCII), got \"" + visible(v) + "\"");
  };
  if (!o.connection.helo.empty()) one_word("--helo", o.connection.helo);
  if (!o.connection.sni.empty()) one_word("--sni", o.connection.sni);
}

namespace {

std::optional<runner::shard_spec> parse_shard(const std::string& s) {
  if (s.empty()) return std::nullopt;
  // Digits only: sscanf's %d took " 1/3" and "+1/3", and overflowed on "1/99999999999".
  auto number = [](const char* b, const char* e, int& v) {
    auto [p, ec] = std::from_chars(b, e, v);
    return b != e && std::isdigit(static_cast<unsigned char>(*b)) && ec == std::errc() && p == e;
  };
  int k = 0, n = 0;
  auto slash = s.find('/');
  const char* b = s.data();
  if (slash == std::string::npos || !number(b, b + slash, k) || !number(b + slash + 1, b + s.size(), n) || n < 1 ||
      k < 1 || k > n)
    throw std::invalid_argument("--shard expects K/N with 1 <= K <= N, got \"" + visible(s) + "\"");
  return runner::shard_spec{k, n};
}

}  // namespace

runner::run_options to_run_options(const common_options& o, const std::vector<std::string>& targets) {
  check_targets(targets);
  runner::run_options r;
  r.targets = targets;
  r.port_map = parse_port_map(o.ports);
  r.jobs = o.jobs;
  r.repeat = o.repeat;
  r.connection = o.connection;
  r.connection.rate = parse_rate(o.rate_text);
  r.shard = parse_shard(o.shard);
  r.only = o.only;
  r.strict = o.strict;
  r.allow_mutation = o.allow_mutation;
  check_connection_flags(o);
  return r;
}

namespace {

std::set<std::string> parse_formats(const std::string& s) {
  std::set<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string f = s.substr(i, j - i);
    if (!f.empty()) {
      if (f != "json" && f != "html" && f != "junit" && f != "sarif" && f != "console")
        throw std::invalid_argument("--format: unknown format \"" + f + "\" (json, html, junit, sarif, console)");
      out.insert(f);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

std::set<std::string> checked_formats(const common_options& o) {
  auto formats = parse_formats(o.format);
  // The report directory is made now: a run of an hour must not end in "cannot write reports".
  std::error_code ec;
  std::filesystem::create_directories(o.report_dir, ec);
  if (ec || !std::filesystem::is_directory(o.report_dir))
    throw std::invalid_argument("--report-dir " + o.report_dir + ": cannot create the directory" +
                                (ec ? ": " + ec.message() : ""));
  if (::access(o.report_dir.c_str(), W_OK | X_OK) != 0)
    throw std::invalid_argument("--report-dir " + o.report_dir + ": not writable");
  return formats;
}

namespace {

// Exit code when a baseline is in force: only findings it does not cover count.
int baseline_exit_code(const run_report& r, const common_options& o) {
  bool fail = false, warn = false, error = r.incomplete;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings) {
      if (baseline_known(f)) continue;
      fail = fail || f.result == verdict::fail;
      warn = warn || f.result == verdict::warn;
      error = error || f.result == verdict::error;
    }
  if (fail || (o.fail_on == "warn" && warn)) return exit_fail;
  return error ? exit_error : exit_ok;
}

// The console summary shows new and fixed (from the findings and r.baseline); this file lists them.
void write_baseline_summary(const baseline_outcome& b, const std::string& dir) {
  nlohmann::json j = {{"known", b.known}, {"new", b.fresh}, {"fixed", b.fixed}, {"not_rerun", b.not_rerun}};
  std::ofstream(dir + "/baseline.json") << j.dump(2) << "\n";
}

}  // namespace

std::string bundled_dir(const std::string& rel) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (const auto& p : {exe.parent_path() / rel, exe.parent_path().parent_path() / rel})
      if (fs::is_directory(p, ec)) return p.string();
  return std::string(MAILSPEC_SOURCE_DIR) + "/" + rel;
}

int finish_report(run_report& r, const common_options& o, bool tty) {
  auto formats = parse_formats(o.format);
  std::optional<baseline_outcome> base;
  if (!o.baseline.empty()) {
    try {
      base = apply_baseline(r, load_baseline(o.baseline), o.baseline);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mailspec: %s\n", e.what());
      return exit_usage;
    }
  }
  report::write_options wo;
  wo.formats = formats;
  try {
    report::write_reports(r, o.report_dir, wo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mailspec: cannot write reports to %s: %s\n", o.report_dir.c_str(), e.what());
    return exit_error;
  }
  report::console con(stdout, tty && formats.count("console"));
  con.list_warnings(o.fail_on == "warn");
  con.summary(r, o.report_dir);
  if (base) write_baseline_summary(*base, o.report_dir);
  // A merge of baselined reports keeps their known/new marks: the same exit code as each run's.
  if (r.baseline) return baseline_exit_code(r, o);
  // Cases and findings both count: a skipped case stays `skip`, but a rule its transcript broke
  // is still a real finding about the server.
  auto s = summarize(r);
  auto any = [&](const char* v) { return s.cases[v] > 0 || s.findings[v] > 0; };
  if (any("fail")) return exit_fail;
  if (o.fail_on == "warn" && any("warn")) return exit_fail;
  if (any("error") || r.incomplete) return exit_error;
  return exit_ok;
}

}  // namespace mailspec::app
