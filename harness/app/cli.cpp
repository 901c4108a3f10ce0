#include "app/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "app/options.hpp"
#include "core/secret.hpp"
#include "report/report.hpp"
#include "rules/rules.hpp"
#include "runner/runner.hpp"
#include "scenario/loader.hpp"

#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.0.0"
#endif

namespace mailspec::app {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// Loads and validates; prints every error; returns false when any.
bool load_all(const std::vector<std::string>& paths, bool check_env, scenario::load_result& out) {
  scenario::load_options lo;
  lo.check_environment = check_env;
  out = scenario::load_paths(paths, lo);
  for (const auto& e : out.errors) std::fprintf(stderr, "%s\n", e.format().c_str());
  if (!out.errors.empty()) {
    std::fprintf(stderr, "mailspec: %zu error%s in scenario input; nothing was sent\n", out.errors.size(),
                 out.errors.size() == 1 ? "" : "s");
    return false;
  }
  return true;
}

// argv for the report, with every secret value (from the environment) removed.
std::vector<std::string> safe_arguments(int argc, char** argv, const std::vector<scenario::scenario>& scs) {
  secret_registry reg;
  for (const auto& s : scs)
    for (const auto& [name, v] : s.vars)
      if (v.secret && v.env)
        if (const char* val = std::getenv(v.env->c_str())) reg.add(name, val);
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) out.push_back(reg.redact(argv[i]));
  return out;
}

int cmd_run(int argc, char** argv, const std::vector<std::string>& paths, const std::vector<std::string>& targets,
            common_options& o) {
  runner::run_options ro;
  try {
    ro = to_run_options(o, targets);
    checked_formats(o);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  scenario::load_result loaded;
  if (!load_all(paths, true, loaded)) return exit_invalid_input;
  install_signal_handlers();
  bool tty = isatty(fileno(stdout));
  report::console con(stdout, tty);
  auto r = runner::execute(loaded.scenarios, ro, g_stop,
                           [&](const case_result& c, int done, int total) { con.case_done(c, done, total); });
  r.tool_version = MAILSPEC_VERSION;
  r.arguments = safe_arguments(argc, argv, loaded.scenarios);
  if (g_stop.load() && !r.incomplete) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted";
  }
  int code = finish_report(r, o, tty);
  if (r.incomplete && code == exit_ok) code = exit_error;
  return code;
}

int cmd_validate(const std::vector<std::string>& paths) {
  scenario::load_result loaded;
  if (!load_all(paths, false, loaded)) return exit_invalid_input;
  std::printf("ok: %zu scenario%s in %zu file%s\n", loaded.scenarios.size(), loaded.scenarios.size() == 1 ? "" : "s",
              loaded.files.size(), loaded.files.size() == 1 ? "" : "s");
  return exit_ok;
}

int cmd_rules(const std::string& format) {
  if (format == "json")
    std::printf("%s\n", rules::catalogue_json().dump(2).c_str());
  else
    std::printf("%s", rules::catalogue_text().c_str());
  return exit_ok;
}

int cmd_merge(const std::vector<std::string>& inputs, common_options& o) {
  std::vector<run_report> parts;
  for (const auto& p : inputs) {
    try {
      parts.push_back(report::read_json_file(p));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mailspec: %s: %s\n", p.c_str(), e.what());
      return exit_invalid_input;
    }
  }
  auto r = report::merge(parts);
  r.tool_version = MAILSPEC_VERSION;
  return finish_report(r, o, isatty(fileno(stdout)));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mailspec: conformance checker and test harness for mail servers (SMTP, IMAP, POP3, TLS)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", MAILSPEC_VERSION);

  common_options o;
  std::vector<std::string> paths, targets, merge_inputs;
  std::string rules_format = "text";

  auto* run = app.add_subcommand("run", "Replay scenarios against a target and judge every reply");
  run->add_option("scenarios", paths, "Scenario files or directories")->required();
  run->add_option("--target", targets, "Target host (repeatable)")->required();
  add_run_options(*run, o);
  add_tls_options(*run, o);
  add_report_options(*run, o);

  auto* validate = app.add_subcommand("validate", "Load and check scenarios only (no network)");
  validate->add_option("scenarios", paths, "Scenario files or directories")->required();

  auto* rules_cmd = app.add_subcommand("rules", "List the rule catalogue with spec references");
  rules_cmd->add_option("--format", rules_format, "text | json")->check(CLI::IsMember({"text", "json"}));

  auto* merge = app.add_subcommand("merge", "Join report.json files (e.g. shards) into one set of reports");
  merge->add_option("reports", merge_inputs, "report.json files")->required();
  add_report_options(*merge, o);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_ok : exit_usage;
  }
  if (*run) return cmd_run(argc, argv, paths, targets, o);
  if (*validate) return cmd_validate(paths);
  if (*rules_cmd) return cmd_rules(rules_format);
  if (*merge) return cmd_merge(merge_inputs, o);
  return exit_usage;
}

}  // namespace mailspec::app
