// settings::run: discovery, the discovery/policy cases, the server and MX cases, rule refs.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "audit/audit.hpp"
#include "discovery/detail.hpp"
#include "discovery/policy.hpp"

namespace mailspec::discovery {

namespace detail {

namespace {

case_result base_case(const std::string& id, const std::string& title, const std::string& protocol, const found& f,
                      settings_role role) {
  case_result c;
  c.kind = "settings";
  c.scenario_id = id;
  c.title = title;
  c.protocol = protocol;
  c.started = iso8601_now();
  c.target.host = f.who.domain;
  c.result = verdict::pass;
  c.settings.emplace().role = role;
  return c;
}

void meta_lines(case_result& c, const std::vector<std::string>& v) {
  for (const auto& s : v) c.log.add(0, direction::meta, channel::plain, -1, s);
}

std::string dns_status_text(const dns_answer<std::string>& a) { return a.ok() ? "ok" : to_string(a.status); }

}  // namespace

case_result discovery_case(const settings_options& opt, const found& f) {
  case_result c = base_case("settings/discovery", "What " + f.who.domain + " publishes for mail clients, and where",
                            "settings", f, settings_role::discovery);
  auto& s = *c.settings;
  s.input = opt.input;
  s.resolver = f.resolver;
  s.sources = f.sources;
  s.autoconfig_source = f.autoconfig_source;
  s.autoconfig_errors = f.autoconfig_errors;
  s.https_errors = f.https_errors;
  s.redirects_refused = f.redirects_refused;
  s.unanswered = f.autoconfig_unanswered;
  s.srv = f.srv_lines;
  s.srv_mismatch = f.srv_mismatch;
  for (const auto& srv : f.servers) {
    s.servers.push_back(server_line(srv));
    auto& v = srv.type == "smtp" ? s.submission_types : s.access_types;
    if (std::find(v.begin(), v.end(), srv.socket_type) == v.end()) v.push_back(srv.socket_type);
  }
  s.ispdb = f.ispdb;
  s.autodiscover = f.autodiscover;
  s.autodiscover_source = f.autodiscover_source;
  s.autodiscover_errors = f.autodiscover_errors;
  s.comparison = f.comparison;
  s.disagreements = f.disagreements;
  s.guessed = f.guessed_lines;
  if (f.config) {
    s.provider_id = f.config->provider_id;
    s.display_name = f.config->display_name;
  }
  c.log.add(0, direction::meta, channel::plain, -1, "resolver: " + f.resolver);
  meta_lines(c, f.sources);
  meta_lines(c, f.srv_lines);
  meta_lines(c, f.autodiscover);
  meta_lines(c, f.guessed_lines);
  for (const auto& line : s.servers) c.log.add(0, direction::meta, channel::plain, -1, "published: " + line);
  judge_settings_case(c, opt);
  return c;
}

case_result mta_sts_case(const settings_options& opt, const found& f) {
  case_result c =
      base_case("policy/mta-sts", "MTA-STS policy of " + f.who.domain + " (RFC 8461)", "smtp", f, settings_role::mta_sts);
  auto& s = *c.settings;
  s.sts_txt_status = dns_status_text(f.sts_txt);
  s.sts_txt = f.sts_txt.records;
  if (f.mx.ok())
    for (const auto& m : f.mx.records)
      if (m.host != ".") s.mx_hosts.push_back(m.host);
  c.log.add(0, direction::meta, channel::plain, -1, "TXT _mta-sts." + f.who.domain + ": " + dns_status_text(f.sts_txt));
  for (const auto& t : f.sts_txt.records) c.log.add(0, direction::server, channel::plain, -1, t);
  if (f.sts_policy) {
    const auto& p = *f.sts_policy;
    s.sts_url = f.sts_url;
    s.sts_fetch = p.ok ? "ok" : p.error;
    s.sts_content_type = p.content_type;
    if (p.ok) s.sts_body = p.body;
    c.log.add(0, direction::meta, channel::tls, -1, "GET " + f.sts_url + " -> " + (p.ok ? "200" : p.error));
    if (p.ok) c.log.add(0, direction::server, channel::tls, -1, p.body);
  }
  judge_settings_case(c, opt);
  return c;
}

case_result tls_rpt_case(const settings_options& opt, const found& f) {
  case_result c =
      base_case("policy/tls-rpt", "TLS-RPT record of " + f.who.domain + " (RFC 8460)", "smtp", f, settings_role::tls_rpt);
  c.settings->rpt_status = dns_status_text(f.rpt_txt);
  c.settings->rpt_txt = f.rpt_txt.records;
  c.log.add(0, direction::meta, channel::plain, -1, "TXT _smtp._tls." + f.who.domain + ": " + dns_status_text(f.rpt_txt));
  for (const auto& t : f.rpt_txt.records) c.log.add(0, direction::server, channel::plain, -1, t);
  judge_settings_case(c, opt);
  return c;
}

}  // namespace detail

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
  ro.trust_anchor = opt.trust_anchor;
  if (opt.connection.timeout_ms > 0) ro.timeout = std::chrono::milliseconds(std::min<std::int64_t>(opt.connection.timeout_ms, 10000));
  resolver res(ro);  // throws std::invalid_argument for a bad --resolver

  run_report r;
  r.command = "settings";
  r.started = iso8601_now();
  r.targets = {who.domain};
  auto t0 = std::chrono::steady_clock::now();
  auto found = detail::discover(opt, who, res);
  int done = 0;
  int total = static_cast<int>(found.servers.size() + found.guessed.size()) + 3 +
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
  book().attach_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mailspec::discovery
