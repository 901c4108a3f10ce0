// settings::run: discovery, the discovery/policy cases, the server and MX cases, rule refs.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "audit/audit.hpp"
#include "discovery/detail.hpp"
#include "discovery/facts.hpp"
#include "discovery/policy.hpp"

namespace mailspec::discovery {

namespace detail {

namespace {

case_result base_case(const std::string& id, const std::string& title, const std::string& protocol, const found& f,
                      const char* role) {
  case_result c;
  c.kind = "settings";
  c.scenario_id = id;
  c.title = title;
  c.protocol = protocol;
  c.started = iso8601_now();
  c.target.host = f.who.domain;
  c.result = verdict::pass;
  c.extra[fact::role] = role;
  return c;
}

std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

void meta_lines(case_result& c, const std::vector<std::string>& v) {
  for (const auto& s : v) c.log.add(0, direction::meta, channel::plain, -1, s);
}

std::string dns_status_text(const dns_answer<std::string>& a) { return a.ok() ? "ok" : to_string(a.status); }

}  // namespace

case_result discovery_case(const settings_options& opt, const found& f) {
  case_result c = base_case("settings/discovery", "What " + f.who.domain + " publishes for mail clients, and where",
                            "settings", f, "discovery");
  c.extra[fact::input] = opt.input;
  c.extra[fact::resolver] = f.resolver;
  c.extra[fact::sources] = lines(f.sources);
  c.extra[fact::autoconfig_source] = f.autoconfig_source;
  if (!f.autoconfig_errors.empty()) c.extra[fact::autoconfig_error] = lines(f.autoconfig_errors);
  if (!f.https_errors.empty()) c.extra[fact::autoconfig_https] = lines(f.https_errors);
  if (!f.redirects_refused.empty()) c.extra[fact::autoconfig_redirect] = lines(f.redirects_refused);
  if (!f.autoconfig_unanswered.empty()) c.extra[fact::autoconfig_unanswered] = lines(f.autoconfig_unanswered);
  c.extra[fact::srv] = lines(f.srv_lines);
  if (!f.srv_mismatch.empty()) c.extra[fact::srv_mismatch] = lines(f.srv_mismatch);
  std::vector<std::string> servers, access, submission;
  for (const auto& s : f.servers) {
    servers.push_back(server_line(s));
    auto& v = s.type == "smtp" ? submission : access;
    if (std::find(v.begin(), v.end(), s.socket_type) == v.end()) v.push_back(s.socket_type);
  }
  c.extra[fact::servers] = lines(servers);
  auto words = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
  };
  if (!access.empty()) c.extra[fact::access_types] = words(access);
  if (!submission.empty()) c.extra[fact::submission_types] = words(submission);
  if (f.config) {
    c.extra["autoconfig.provider"] = f.config->provider_id;
    c.extra["autoconfig.display_name"] = f.config->display_name;
  }
  c.log.add(0, direction::meta, channel::plain, -1, "resolver: " + f.resolver);
  meta_lines(c, f.sources);
  meta_lines(c, f.srv_lines);
  for (const auto& s : servers) c.log.add(0, direction::meta, channel::plain, -1, "published: " + s);
  judge_settings_case(c, opt);
  return c;
}

case_result mta_sts_case(const settings_options& opt, const found& f) {
  case_result c = base_case("policy/mta-sts", "MTA-STS policy of " + f.who.domain + " (RFC 8461)", "smtp", f, "mta-sts");
  c.extra[fact::sts_txt_status] = dns_status_text(f.sts_txt);
  c.extra[fact::sts_txt] = lines(f.sts_txt.records);
  std::vector<std::string> mx;
  if (f.mx.ok())
    for (const auto& m : f.mx.records)
      if (m.host != ".") mx.push_back(m.host);
  std::string mx_words;
  for (const auto& m : mx) mx_words += (mx_words.empty() ? "" : " ") + m;
  c.extra[fact::mx_hosts] = mx_words;
  c.log.add(0, direction::meta, channel::plain, -1, "TXT _mta-sts." + f.who.domain + ": " + dns_status_text(f.sts_txt));
  for (const auto& t : f.sts_txt.records) c.log.add(0, direction::server, channel::plain, -1, t);
  if (f.sts_policy) {
    const auto& p = *f.sts_policy;
    c.extra[fact::sts_url] = f.sts_url;
    c.extra[fact::sts_fetch] = p.ok ? "ok" : p.error;
    c.extra[fact::sts_ctype] = p.content_type;
    if (p.ok) c.extra[fact::sts_body] = p.body;
    c.log.add(0, direction::meta, channel::tls, -1, "GET " + f.sts_url + " -> " + (p.ok ? "200" : p.error));
    if (p.ok) c.log.add(0, direction::server, channel::tls, -1, p.body);
  }
  judge_settings_case(c, opt);
  return c;
}

case_result tls_rpt_case(const settings_options& opt, const found& f) {
  case_result c = base_case("policy/tls-rpt", "TLS-RPT record of " + f.who.domain + " (RFC 8460)", "smtp", f, "tls-rpt");
  c.extra[fact::rpt_status] = dns_status_text(f.rpt_txt);
  c.extra[fact::rpt_txt] = lines(f.rpt_txt.records);
  c.log.add(0, direction::meta, channel::plain, -1, "TXT _smtp._tls." + f.who.domain + ": " + dns_status_text(f.rpt_txt));
  for (const auto& t : f.rpt_txt.records) c.log.add(0, direction::server, channel::plain, -1, t);
  judge_settings_case(c, opt);
  return c;
}

}  // namespace detail

namespace {

void add_rule_refs(run_report& r) {
  std::map<std::string, const rules::rule*> by_id;
  for (const auto& rule : rules::catalogue()) by_id[rule.id] = &rule;
  for (const auto& rule : audit::catalogue()) by_id[rule.id] = &rule;
  for (const auto& rule : catalogue()) by_id[rule.id] = &rule;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      if (auto it = by_id.find(f.rule); it != by_id.end())
        r.rules[f.rule] = {it->second->spec, it->second->requirement, std::string(to_string(it->second->lvl)),
                           it->second->protocol};
}

}  // namespace

std::vector<std::string> preset_names(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".xml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

run_report run(const settings_options& opt, const progress_fn& progress) {
  email_address who;
  std::string why;
  if (!parse_email_or_domain(opt.input, who, why)) throw std::invalid_argument("settings: " + why);
  if (!opt.preset.empty() && !opt.autoconfig.empty())
    throw std::invalid_argument("settings: --preset and --autoconfig exclude each other");
  if (!opt.preset.empty()) {
    auto names = preset_names(opt.preset_dir);
    if (std::find(names.begin(), names.end(), opt.preset) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw std::invalid_argument("--preset " + opt.preset + ": unknown (presets: " + (list.empty() ? "none found in " + opt.preset_dir : list) + ")");
    }
  }
  resolver_options ro;
  ro.server = opt.resolver;
  if (opt.timeout_ms > 0) ro.timeout = std::chrono::milliseconds(std::min<std::int64_t>(opt.timeout_ms, 10000));
  resolver res(ro);  // throws std::invalid_argument for a bad --resolver

  run_report r;
  r.command = "settings";
  r.started = iso8601_now();
  r.targets = {who.domain};
  auto t0 = std::chrono::steady_clock::now();
  auto found = detail::discover(opt, who, res);
  int done = 0;
  int total = static_cast<int>(found.servers.size()) + 3 +
              (opt.probe_mx && found.mx.ok() ? std::min(5, static_cast<int>(found.mx.records.size())) : 0);
  auto push = [&](case_result c) {
    ++done;  // the total grows when a port needs an exploratory second probe
    if (progress) progress(c, done, std::max(total, done));
    r.cases.push_back(std::move(c));
  };
  push(detail::discovery_case(opt, found));
  auto servers = detail::verify_servers(opt, found, res, progress, done, total);
  for (auto& c : servers) r.cases.push_back(std::move(c));
  push(detail::mta_sts_case(opt, found));
  push(detail::tls_rpt_case(opt, found));
  if (opt.stop && opt.stop->load()) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted";
  }
  add_rule_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mailspec::discovery
