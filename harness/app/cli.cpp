#include "app/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <map>
#include <set>

#include "app/baseline.hpp"
#include "app/cmd_audit.hpp"
#include "app/cmd_serve.hpp"
#include "app/cmd_settings.hpp"
#include "app/options.hpp"
#include "audit/audit.hpp"
#include "core/secret.hpp"
#include "discovery/settings.hpp"
#include "report/report.hpp"
#include "rules/rules.hpp"
#include "runner/runner.hpp"
#include "scenario/loader.hpp"

#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.0.0"
#endif

namespace mailspec::app {

namespace {

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
  for (const auto& s : scs) {
    const auto credentials = scenario::credential_vars(s);
    for (const auto& [name, v] : s.vars)
      if ((v.secret || credentials.count(name)) && v.env)
        if (const char* val = std::getenv(v.env->c_str())) reg.add(name, val);
  }
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
    if (!o.baseline.empty()) load_baseline(o.baseline);  // a bad baseline fails before any I/O
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  // Every file is loaded and validated; the environment is required only by the scenarios that
  // will run (selected by --only, and not held back for want of --allow-mutation): checking a
  // greeting needs no password.
  scenario::load_result loaded;
  if (!load_all(paths, false, loaded)) return exit_invalid_input;
  if (auto miss = runner::unmatched_prefixes(loaded.scenarios, o.only); !miss.empty()) {
    std::fprintf(stderr, "mailspec: --only %s matches no scenario id and no rule id (mailspec rules lists the rules)\n",
                 miss.front().c_str());
    return exit_usage;
  }
  std::vector<std::string> will_run;
  for (const auto* s : runner::select_scenarios(loaded.scenarios, o.only))
    if (!s->mutates || o.allow_mutation) will_run.push_back(s->file);
  if (scenario::load_result env_checked; !will_run.empty() && !load_all(will_run, true, env_checked))
    return exit_invalid_input;
  const auto& stop = install_stop_signals();
  bool tty = isatty(fileno(stdout));
  report::console con(stdout, tty);
  auto r = runner::execute(loaded.scenarios, ro, stop,
                           [&](const case_result& c, int done, int total) { con.case_done(c, done, total); });
  r.tool_version = MAILSPEC_VERSION;
  r.arguments = safe_arguments(argc, argv, loaded.scenarios);
  if (stop.load() && !r.incomplete) {
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

// Every rule mailspec can report: the protocol, audit, settings and serve tables, in one listing.
int cmd_rules(const std::string& format) {
  static const rules::book all{&rules::catalogue(), &audit::catalogue(), &discovery::catalogue(), &server::catalogue()};
  if (format == "json") std::printf("%s\n", all.listing_json().dump(2).c_str());
  else std::printf("%s", all.listing_text().c_str());
  return exit_ok;
}

// "--shard K/N" (or "--shard=K/N") among a report's recorded arguments, as {K, N}; {0, 0} when none.
std::pair<int, int> shard_of(const run_report& r) {
  for (std::size_t i = 0; i < r.arguments.size(); ++i) {
    std::string v;
    if (r.arguments[i] == "--shard" && i + 1 < r.arguments.size()) v = r.arguments[i + 1];
    else if (r.arguments[i].rfind("--shard=", 0) == 0) v = r.arguments[i].substr(8);
    int k = 0, n = 0;
    if (!v.empty() && std::sscanf(v.c_str(), "%d/%d", &k, &n) == 2 && k >= 1 && k <= n) return {k, n};
  }
  return {0, 0};
}

// A merge of the same shard twice, or of shards with one missing, still gives a report: say so
// on stderr, since its counts are then not those of the planned run.
void warn_about_shards(const std::vector<run_report>& parts, const std::vector<std::string>& inputs) {
  std::map<std::string, std::string> seen;  // case key -> input
  for (std::size_t i = 0; i < parts.size(); ++i)
    for (const auto& c : parts[i].cases) {
      std::string key = c.scenario_id + " " + c.target.host + ":" + std::to_string(c.target.port) + " #" +
                        std::to_string(c.run) + " " + c.started;
      auto [it, fresh] = seen.emplace(key, inputs[i]);
      if (!fresh) {
        std::fprintf(stderr, "mailspec: warning: case %s (%s) is in both %s and %s: the same report merged twice?\n",
                     c.scenario_id.c_str(), c.started.c_str(), it->second.c_str(), inputs[i].c_str());
        break;
      }
    }
  std::map<int, std::set<int>> shards;  // N -> the K seen
  for (const auto& p : parts)
    if (auto [k, n] = shard_of(p); n > 0) shards[n].insert(k);
  for (const auto& [n, ks] : shards) {
    std::string missing;
    for (int k = 1; k <= n; ++k)
      if (!ks.count(k)) missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" + std::to_string(n);
    if (!missing.empty())
      std::fprintf(stderr, "mailspec: warning: shard%s %s not among the merged reports\n",
                   missing.find(',') == std::string::npos ? "" : "s", missing.c_str());
  }
}

int cmd_merge(const std::vector<std::string>& inputs, common_options& o) {
  try {
    checked_formats(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mailspec: %s\n", e.what());
    return exit_usage;
  }
  std::vector<run_report> parts;
  for (const auto& p : inputs) {
    try {
      parts.push_back(report::read_json_file(p));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mailspec: %s\n", e.what());  // the message names the file
      return exit_invalid_input;
    }
  }
  warn_about_shards(parts, inputs);
  auto r = report::merge(std::move(parts));
  r.tool_version = MAILSPEC_VERSION;
  return finish_report(r, o, isatty(fileno(stdout)));
}

// "run, audit, validate, rules, merge": the subcommands in the order --help shows them.
std::string command_list(const CLI::App& app) {
  std::string out;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    out += (out.empty() ? "" : ", ") + sub->get_name();
  return out;
}

// CLI11's own message for a word that is no subcommand is "A subcommand is required": say which
// word, which commands exist, and the nearest one when the word is a prefix or one edit away.
std::string unknown_command(const CLI::App& app, const std::string& word) {
  auto near = [&](const std::string& name) {
    if (name.rfind(word, 0) == 0 || word.rfind(name, 0) == 0) return true;
    if (name.size() != word.size()) return false;
    std::size_t diff = 0;
    for (std::size_t i = 0; i < name.size(); ++i) diff += name[i] != word[i];
    return diff == 1;
  };
  std::string msg = "mailspec: unknown command '" + word + "'";
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (near(sub->get_name())) {
      msg += " (did you mean '" + sub->get_name() + "'?)";
      break;
    }
  return msg + "; the commands are: " + command_list(app) + " (mailspec --help, mailspec COMMAND --help)";
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
  // docs/architecture.md: the scenarios are optional; without any, the bundled library runs.
  run->add_option("scenarios", paths, "Scenario files or directories (default: the bundled library, " +
                                          bundled_dir("scenarios") + ")");
  one_value_each(run->add_option("--target", targets, "Target host (repeatable)"))->required();
  add_run_options(*run, o);
  add_tls_options(*run, o);
  add_report_options(*run, o);

  std::string audit_host;
  std::string audit_ports = "smtp=25,submission=587,submissions=465,imap=143,imaps=993,pop3=110,pop3s=995";
  auto* audit_cmd = app.add_subcommand("audit", "Audit every standard mail port of a host: TLS, plaintext logins, STARTTLS injection");
  audit_cmd->add_option("host", audit_host, "Host to audit")->required();
  audit_cmd->add_option("--ports", audit_ports, "NAME=PORT list (smtp, submission, submissions, imap, imaps, pop3, pop3s)")
      ->capture_default_str();
  audit_cmd->add_option("--per-host", o.connection.per_host, "Concurrent connections to the host")->check(CLI::Range(1, 1000))->capture_default_str();
  audit_cmd->add_option("--rate", o.rate_text, "New connections per second to the host, e.g. 5/s");
  one_value_each(audit_cmd->add_option("--only", o.only, "Only rule ids starting with this prefix (repeatable)"));
  audit_cmd->add_flag("--strict", o.strict, "SHOULD-level rules fail instead of warn");
  smuggling_args audit_smuggling;
  add_smuggling_options(*audit_cmd, audit_smuggling);
  add_tls_options(*audit_cmd, o);
  add_report_options(*audit_cmd, o);

  settings_args set_args;
  auto* settings_cmd = app.add_subcommand("settings", "Check a domain's published mail settings (autoconfig, ISPDB, SRV, Autodiscover, MX, MTA-STS, TLS-RPT, DANE) against its servers");
  settings_cmd->add_option("email", set_args.input, "EMAIL (alice@example.net) or DOMAIN")->required();
  // An explicitly empty value would silently mean "not given" (for --resolver: the system
  // resolver, whose queries leave the machine): refused instead.
  auto not_empty = [](const std::string& v) { return v.empty() ? std::string("an empty value is not allowed") : std::string(); };
  settings_cmd->add_option("--autoconfig", set_args.autoconfig, "Use this config-v1.1.xml (FILE or https URL) instead of the well-known URLs")
      ->check(not_empty);
  settings_cmd->add_option("--preset", set_args.preset, "Use the bundled provider preset NAME (scenarios/providers/NAME.xml)")
      ->check(not_empty);
  settings_cmd->add_option("--resolver", set_args.resolver, "Send every DNS query to this server: IPv4[:PORT] or [IPv6]:PORT")->check(not_empty);
  settings_cmd->add_option("--trust-anchor", set_args.trust_anchor, "DNSSEC trust anchor FILE (DS or DNSKEY records): validate answers for DANE")
      ->check(not_empty);
  settings_cmd->add_option("--days", set_args.days, "Certificate expiry look-ahead in days for DANE (default 30)")->check(CLI::Range(0, 3650));
  settings_cmd->add_option("--ispdb", set_args.ispdb, "Thunderbird ISPDB base URL, asked when the domain publishes no autoconfig")
      ->check(not_empty);
  settings_cmd->add_flag("--no-ispdb", set_args.no_ispdb, "Do not ask the ISPDB");
  settings_cmd->add_flag("--no-autodiscover", set_args.no_autodiscover, "Do not ask Microsoft Autodiscover");
  settings_cmd->add_flag("--no-guess", set_args.no_guess, "Do not probe guessed host names (imap., smtp., mail., pop3., pop.)");
  settings_cmd->add_flag("--skip-mx", set_args.skip_mx, "Do not connect to the MX hosts");
  one_value_each(settings_cmd->add_option("--only", o.only, "Only rule ids starting with this prefix (repeatable)"));
  settings_cmd->add_flag("--strict", o.strict, "SHOULD-level rules fail instead of warn");
  add_tls_options(*settings_cmd, o);
  add_report_options(*settings_cmd, o);

  serve_args serve_opts;
  auto* serve_cmd = add_serve_command(app, serve_opts, o);

  auto* validate = app.add_subcommand("validate", "Load and check scenarios only (no network)");
  validate->add_option("scenarios", paths, "Scenario files or directories")->required();

  auto* rules_cmd = app.add_subcommand("rules", "List the rule catalogue with spec references");
  rules_cmd->add_option("--format", rules_format, "text | json")->check(CLI::IsMember({"text", "json"}));

  auto* merge = app.add_subcommand("merge", "Join report.json files (e.g. shards) into one set of reports");
  merge->add_option("reports", merge_inputs, "report.json files")->required();
  add_report_options(*merge, o);
  // docs/architecture.md: `merge REPORT.json ... --report-dir DIR`. A default would write the joined
  // reports into ./mailspec-report, where a shard's own report may already be.
  merge->get_option("--report-dir")->required();

  if (argc < 2) {
    std::fprintf(stderr, "mailspec: a command is required: %s (mailspec --help)\n", command_list(app).c_str());
    return exit_usage;
  }
  if (const std::string first = argv[1]; !first.empty() && first[0] != '-' && !app.get_subcommands([&](const CLI::App* c) { return c->check_name(first); }).size()) {
    std::fprintf(stderr, "%s\n", unknown_command(app, first).c_str());
    return exit_usage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_ok : exit_usage;
  }
  if (*run) {
    if (paths.empty()) paths.push_back(bundled_dir("scenarios"));
    return cmd_run(argc, argv, paths, targets, o);
  }
  if (*audit_cmd) return run_audit_command(argc, argv, audit_host, audit_ports, audit_smuggling, o);
  if (*settings_cmd) return run_settings_command(argc, argv, set_args, o);
  if (*serve_cmd) return run_serve_command(argc, argv, serve_opts, o);
  if (*validate) return cmd_validate(paths);
  if (*rules_cmd) return cmd_rules(rules_format);
  if (*merge) return cmd_merge(merge_inputs, o);
  return exit_usage;
}

}  // namespace mailspec::app
