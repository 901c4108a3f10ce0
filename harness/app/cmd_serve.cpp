#include "app/cmd_serve.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>

#include "app/cli.hpp"
#include "report/report.hpp"

#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.0.0"
#endif

namespace mailspec::app {

CLI::App* add_serve_command(CLI::App& app, serve_args& s, common_options& o) {
  auto* cmd = app.add_subcommand("serve", "Play a scripted mail server on loopback and judge the mail client pointed at it");
  cmd->add_option("--protocol", s.opt.protocol, "smtp | submission | submissions | imap | imaps | pop3 | pop3s")
      ->check(CLI::IsMember(server::protocols()));
  cmd->add_option("--listen", s.opt.listen, "ADDR:PORT to listen on, loopback only (port 0: any free port)")
      ->capture_default_str();
  one_value_each(cmd->add_option("--test", s.opt.tests, "Only tests whose id starts with this prefix (repeatable)"));
  cmd->add_option("--client", s.opt.client, "Name of the client under test (the report's target)")->capture_default_str();
  cmd->add_option("--cert", s.opt.cert_file, "Certificate (PEM chain) for the tests with a valid certificate");
  cmd->add_option("--key", s.opt.key_file, "Private key (PEM) of --cert");
  cmd->add_option("--sessions", s.opt.sessions, "Connections expected per test")->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_option("--timeout-ms", s.timeout_ms, "Wait for the client's connection, and bound each connection, this long")
      ->check(CLI::Range(100LL, 3600000LL))
      ->capture_default_str();
  cmd->add_option("--linger-ms", s.linger_ms, "After a test's last connection ends, further connections still belong to it for this long")
      ->check(CLI::Range(0LL, 60000LL))
      ->capture_default_str();
  cmd->add_flag("--list", s.list, "List the tests (ids, classes, RFC references) and exit");
  cmd->add_option("--report-dir", o.report_dir, "Directory for report.json, the other reports and serve-ca.pem")->capture_default_str();
  cmd->add_option("--format", o.format, "Comma-separated: json,html,junit,sarif,console (with --list: text | json)")
      ->capture_default_str();
  cmd->add_option("--fail-on", o.fail_on, "Exit 1 on: fail | warn")->check(CLI::IsMember({"fail", "warn"}))->capture_default_str();
  return cmd;
}

namespace {

int list_tests(const std::string& format) {
  if (format == "json") std::printf("%s\n", server::listing_json().dump(2).c_str());
  else if (format == "text" || format.empty()) std::printf("%s", server::listing_text().c_str());
  else {
    std::fprintf(stderr, "mailspec: serve --list --format %s: text or json\n", format.c_str());
    return exit_usage;
  }
  return exit_ok;
}

// One line a driver script can wait for before it starts the client.
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

int run_serve_command(int argc, char** argv, serve_args& s, common_options& o) {
  if (s.list) return list_tests(o.format == common_options{}.format ? "text" : o.format);
  s.opt.timeout = std::chrono::milliseconds(s.timeout_ms);
  s.opt.linger = std::chrono::milliseconds(s.linger_ms);
  s.opt.report_dir = o.report_dir;
  try {
    if (s.opt.protocol.empty()) throw std::invalid_argument("serve: --protocol is required (or --list)");
    server::check_options(s.opt);
    checked_formats(o);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  s.opt.stop = &install_stop_signals();
  report::console con(stdout, false);
  run_report r;
  try {
    r = server::run(
        s.opt, [](const server::test_def& t, const std::string& where) { say("ready " + t.id + " " + where); },
        [&](const case_result& c, int done, int total) { con.case_done(c, done, total); },
        [](const std::string& note) { say("note: " + note); });
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mailspec: serve: %s\n", e.what());
    return exit_error;
  }
  r.tool_version = MAILSPEC_VERSION;
  for (int i = 0; i < argc; ++i) r.arguments.emplace_back(argv[i]);  // serve takes no secrets
  int code = finish_report(r, o, false);
  if (r.incomplete && code == exit_ok) code = exit_error;
  return code;
}

}  // namespace mailspec::app
