// report.sarif: SARIF 2.1.0. Verdict mapping documented in report.hpp.
#include <cctype>
#include <map>

#include "report/report.hpp"

namespace mailspec::report {

using nlohmann::json;

namespace {

constexpr const char* information_uri = "https://github.com/mailspec/mailspec";

// Percent-encodes what a URI reference cannot hold verbatim (keeps unreserved and '/').
std::string uri_path(const std::string& path) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out = path.size() && path[0] == '/' ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct rule_info {
  std::string spec, requirement, level;
};

json rule_json(const std::string& id, const rule_info& r) {
  std::string requirement = r.requirement.empty() ? id : r.requirement;
  json d = {{"id", id},
            {"shortDescription", {{"text", r.spec.empty() ? id : id + " (" + r.spec + ")"}}},
            {"fullDescription", {{"text", requirement}}},
            {"help", {{"text", (r.spec.empty() ? "" : r.spec + ": ") + requirement}}},
            {"properties", {{"level", r.level.empty() ? "MUST" : r.level}}}};
  std::string url = spec_url(r.spec);
  if (!url.empty()) d["helpUri"] = url;
  return d;
}

std::pair<std::string, std::string> kind_and_level(verdict v) {
  switch (v) {
    case verdict::fail: return {"fail", "error"};
    case verdict::warn: return {"fail", "warning"};
    case verdict::info: return {"informational", "none"};
    case verdict::skip: return {"notApplicable", "none"};
    case verdict::error: return {"open", "none"};
    case verdict::pass: return {"pass", "none"};
  }
  return {"open", "none"};
}

json location_json(const case_result& c) {
  std::string where = c.target.host + ":" + std::to_string(c.target.port);
  json logical = {{"name", c.scenario_id}, {"fullyQualifiedName", where + "/" + c.scenario_id}, {"kind", "module"}};
  json loc = {{"logicalLocations", json::array({logical})}};
  if (!c.scenario_file.empty())
    loc["physicalLocation"] = {{"artifactLocation", {{"uri", uri_path(c.scenario_file)}}}};
  return loc;
}

json result_json(const case_result& c, const finding& f, int rule_index) {
  auto [kind, lvl] = kind_and_level(f.result);
  std::string text = f.message.empty() ? (f.requirement.empty() ? f.rule : f.requirement) : f.message;
  if (!f.expected.empty()) text += " Expected: " + f.expected + ".";
  if (!f.actual.empty()) text += " Actual: " + f.actual + ".";
  json props = {{"mailspecVerdict", std::string(to_string(f.result))},
                {"target", c.target.host + ":" + std::to_string(c.target.port)},
                {"protocol", c.protocol},
                {"run", c.run}};
  if (f.sev != severity::none) props["severity"] = std::string(to_string(f.sev));
  if (f.step >= 0) props["step"] = f.step;
  json out = {{"ruleId", f.rule},     {"ruleIndex", rule_index}, {"kind", kind},
              {"level", lvl},         {"message", {{"text", text}}},
              {"locations", json::array({location_json(c)})}, {"properties", props}};
  // SARIF 2.1.0 §3.27.24: a finding --baseline covers is "unchanged", one it does not is "new".
  if (f.baseline != baseline_mark::none) out["baselineState"] = f.baseline == baseline_mark::known ? "unchanged" : "new";
  return out;
}

}  // namespace

std::string to_sarif(const run_report& r) {
  std::map<std::string, rule_info> catalogue;
  for (const auto& [id, ref] : r.rules) catalogue[id] = {ref.spec, ref.requirement, ref.level};
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      if (f.result != verdict::pass) catalogue.emplace(f.rule, rule_info{f.spec, f.requirement, std::string(to_string(f.lvl))});
  json rules = json::array();
  std::map<std::string, int> rule_index;
  for (const auto& [id, info] : catalogue) {
    rule_index[id] = static_cast<int>(rules.size());
    rules.push_back(rule_json(id, info));
  }
  json results = json::array(), notifications = json::array();
  for (const auto& c : r.cases) {
    for (const auto& f : c.findings)
      if (f.result != verdict::pass) results.push_back(result_json(c, f, rule_index[f.rule]));
    if (c.result == verdict::error)
      notifications.push_back({{"level", "error"},
                               {"message", {{"text", c.scenario_id + ": " + (c.message.empty() ? "harness error" : c.message)}}},
                               {"locations", json::array({location_json(c)})}});
  }
  // Assembled with moves: an initializer list would copy the results (one per finding) twice more.
  json invocation = json::object();
  invocation["executionSuccessful"] = !r.incomplete;
  invocation["toolExecutionNotifications"] = std::move(notifications);
  if (!r.arguments.empty()) invocation["arguments"] = r.arguments;
  json driver = json::object();
  driver["name"] = "mailspec";
  driver["informationUri"] = information_uri;
  driver["rules"] = std::move(rules);
  if (!r.tool_version.empty()) driver["version"] = r.tool_version;
  json run = json::object();
  run["tool"]["driver"] = std::move(driver);
  run["invocations"] = json::array();
  run["invocations"].push_back(std::move(invocation));
  run["results"] = std::move(results);
  json log = json::object();
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = json::array();
  log["runs"].push_back(std::move(run));
  std::string out = dump_json(log);
  out += '\n';
  return out;
}

}  // namespace mailspec::report
