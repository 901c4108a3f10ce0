#include "app/baseline.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace mailspec::app {

namespace {

std::string target_of(const case_result& c) { return c.target.host + ":" + std::to_string(c.target.port); }

std::string key_of(const case_result& c, const std::string& rule) {
  return c.scenario_id + " " + target_of(c) + " " + rule;
}

bool counts(verdict v) { return v == verdict::fail || v == verdict::warn || v == verdict::error; }

std::string str(const nlohmann::json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
}

}  // namespace

std::vector<baseline_entry> load_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("--baseline " + path + ": cannot read the file");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw std::runtime_error("--baseline " + path + ": not JSON: " + e.what());
  }
  std::vector<baseline_entry> out;
  if (j.is_object() && j.contains("waivers")) {
    if (!j["waivers"].is_array()) throw std::runtime_error("--baseline " + path + ": /waivers must be a list");
    for (std::size_t i = 0; i < j["waivers"].size(); ++i) {
      const auto& w = j["waivers"][i];
      if (!w.is_object() || str(w, "rule").empty())
        throw std::runtime_error("--baseline " + path + ": /waivers/" + std::to_string(i) + " needs a \"rule\"");
      out.push_back({str(w, "rule"), str(w, "case"), str(w, "target"), str(w, "reason")});
    }
    return out;
  }
  if (j.is_object() && j.contains("cases") && j["cases"].is_array()) {
    for (const auto& c : j["cases"]) {
      if (!c.is_object() || !c.contains("findings") || !c["findings"].is_array()) continue;
      std::string target;
      if (c.contains("target") && c["target"].is_object())
        target = str(c["target"], "host") + ":" +
                 (c["target"].contains("port") && c["target"]["port"].is_number() ? std::to_string(c["target"]["port"].get<int>()) : "");
      for (const auto& f : c["findings"]) {
        std::string v = str(f, "verdict");
        if (v == "fail" || v == "warn" || v == "error")
          out.push_back({str(f, "rule"), str(c, "id"), target, "in baseline report"});
      }
    }
    return out;
  }
  throw std::runtime_error("--baseline " + path + ": expected a mailspec report.json or {\"waivers\": [...]}");
}

bool is_known(const baseline_entry& e, const case_result& c, const finding& f) {
  bool rule_ok = e.rule == f.rule || (!e.rule.empty() && e.rule.back() == '/' && f.rule.rfind(e.rule, 0) == 0);
  return rule_ok && (e.case_id.empty() || e.case_id == c.scenario_id) && (e.target.empty() || e.target == target_of(c));
}

baseline_outcome apply_baseline(run_report& r, const std::vector<baseline_entry>& base) {
  baseline_outcome out;
  std::set<std::size_t> used;
  for (auto& c : r.cases)
    for (auto& f : c.findings) {
      if (!counts(f.result)) continue;
      bool known = false;
      for (std::size_t i = 0; i < base.size(); ++i)
        if (is_known(base[i], c, f)) {
          known = true;
          used.insert(i);
          f.message = baseline_known_prefix + (base[i].reason.empty() ? "" : " (" + base[i].reason + ")") +
                      (f.message.empty() ? "" : "; " + f.message);
        }
      (known ? out.known : out.fresh).push_back(key_of(c, f.rule));
    }
  for (std::size_t i = 0; i < base.size(); ++i)
    if (!used.count(i))
      out.fixed.push_back((base[i].case_id.empty() ? "*" : base[i].case_id) + " " +
                          (base[i].target.empty() ? "*" : base[i].target) + " " + base[i].rule);
  return out;
}

}  // namespace mailspec::app
