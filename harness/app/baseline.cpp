#include "app/baseline.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
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
      out.push_back({str(w, "rule"), str(w, "case"), str(w, "target"), str(w, "reason"), ""});
    }
    return out;
  }
  if (j.is_object() && j.contains("cases") && j["cases"].is_array()) {
    std::set<std::string> seen;  // --repeat runs give the same finding once per run
    for (const auto& c : j["cases"]) {
      if (!c.is_object() || !c.contains("findings") || !c["findings"].is_array()) continue;
      std::string target;
      if (c.contains("target") && c["target"].is_object())
        target = str(c["target"], "host") + ":" +
                 (c["target"].contains("port") && c["target"]["port"].is_number() ? std::to_string(c["target"]["port"].get<int>()) : "");
      for (const auto& f : c["findings"]) {
        std::string v = str(f, "verdict");
        if ((v == "fail" || v == "warn" || v == "error") && seen.insert(str(c, "id") + " " + target + " " + str(f, "rule")).second)
          out.push_back({str(f, "rule"), str(c, "id"), target, "", v});
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

namespace {

bool covers_case(const baseline_entry& e, const case_result& c) {
  return (e.case_id.empty() || e.case_id == c.scenario_id) && (e.target.empty() || e.target == target_of(c));
}

std::string entry_key(const baseline_entry& e) {
  return (e.case_id.empty() ? "*" : e.case_id) + " " + (e.target.empty() ? "*" : e.target) + " " + e.rule;
}

// An entry nothing matched: fixed when its case ran (with the rule's verdict now, if the rule
// still reported), not rerun otherwise: a case that did not run says nothing either way.
void unused_entry(const run_report& r, const baseline_entry& e, baseline_outcome& out, baseline_diff& diff) {
  bool ran = false;
  std::optional<verdict> now;
  for (const auto& c : r.cases) {
    if (!covers_case(e, c)) continue;
    ran = true;
    for (const auto& f : c.findings)
      if (is_known(e, c, f) && (!now || verdict_rank(f.result) > verdict_rank(*now))) now = f.result;
  }
  baseline_item item{e.case_id, e.target, e.rule, e.was, now ? std::string(to_string(*now)) : "", e.reason};
  (ran ? out.fixed : out.not_rerun).push_back(entry_key(e));
  (ran ? diff.fixed : diff.not_rerun).push_back(std::move(item));
}

}  // namespace

baseline_outcome apply_baseline(run_report& r, const std::vector<baseline_entry>& base, const std::string& file) {
  baseline_outcome out;
  std::vector<bool> used(base.size(), false);
  for (auto& c : r.cases)
    for (auto& f : c.findings) {
      if (!counts(f.result)) continue;
      f.baseline = baseline_mark::fresh;
      for (std::size_t i = 0; i < base.size(); ++i)
        if (is_known(base[i], c, f)) {
          if (f.baseline != baseline_mark::known) f.baseline_reason = base[i].reason;
          f.baseline = baseline_mark::known;
          used[i] = true;
        }
      (baseline_known(f) ? out.known : out.fresh).push_back(key_of(c, f.rule));
    }
  baseline_diff diff;
  diff.file = file;
  for (std::size_t i = 0; i < base.size(); ++i)
    if (!used[i]) unused_entry(r, base[i], out, diff);
  r.baseline = std::move(diff);
  return out;
}

}  // namespace mailspec::app
