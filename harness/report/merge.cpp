// Joining shard reports into one (mailspec merge).
#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "report/report.hpp"

namespace mailspec::report {

namespace {

auto key_of(const baseline_item& b) { return std::tie(b.case_id, b.target, b.rule); }

bool covers(const baseline_item& b, const case_result& c) {
  return (b.case_id.empty() || b.case_id == c.scenario_id) &&
         (b.target.empty() || b.target == c.target.host + ":" + std::to_string(c.target.port));
}

// Shards compared with one baseline: fixed in any shard is fixed; "not rerun" only when no shard
// ran the case (a shard that ran it has it fixed, or known on a finding).
void merge_baselines(run_report& out, const std::vector<run_report>& parts) {
  baseline_diff d;
  std::set<std::tuple<std::string, std::string, std::string>> fixed;
  for (const auto& p : parts) {
    if (!p.baseline) continue;
    if (d.file.empty()) d.file = p.baseline->file;
    else if (!p.baseline->file.empty() && d.file.find(p.baseline->file) == std::string::npos) d.file += ", " + p.baseline->file;
    for (const auto& b : p.baseline->fixed)
      if (fixed.insert(key_of(b)).second) d.fixed.push_back(b);
  }
  std::set<std::tuple<std::string, std::string, std::string>> listed;
  for (const auto& p : parts) {
    if (!p.baseline) continue;
    for (const auto& b : p.baseline->not_rerun) {
      if (fixed.count(key_of(b)) || !listed.insert(key_of(b)).second) continue;
      if (std::none_of(out.cases.begin(), out.cases.end(), [&](const case_result& c) { return covers(b, c); }))
        d.not_rerun.push_back(b);
    }
  }
  out.baseline = std::move(d);
}

}  // namespace

run_report merge(std::vector<run_report> parts) {
  run_report out;
  if (parts.empty()) return out;
  out.tool_version = parts.front().tool_version;
  out.command = parts.front().command;
  out.arguments = parts.front().arguments;
  std::int64_t first = std::numeric_limits<std::int64_t>::max(), last = std::numeric_limits<std::int64_t>::min();
  std::size_t total = 0;
  for (const auto& p : parts) total += p.cases.size();
  out.cases.reserve(total);
  for (auto& p : parts) {
    if (p.command != out.command) out.command = "merge";
    for (const auto& t : p.targets)
      if (std::find(out.targets.begin(), out.targets.end(), t) == out.targets.end()) out.targets.push_back(t);
    for (const auto& [id, ref] : p.rules) out.rules.emplace(id, ref);
    // Moved, not copied: merging large shards would hold every case twice.
    out.cases.insert(out.cases.end(), std::make_move_iterator(p.cases.begin()), std::make_move_iterator(p.cases.end()));
    p.cases.clear();
    if (p.incomplete) {
      out.incomplete = true;
      std::string reason = p.incomplete_reason.empty() ? "a shard was incomplete" : p.incomplete_reason;
      if (out.incomplete_reason.find(reason) == std::string::npos)
        out.incomplete_reason += (out.incomplete_reason.empty() ? "" : "; ") + reason;
    }
    std::int64_t start = parse_iso8601_ms(p.started);
    if (start < 0) continue;
    if (start < first) {
      first = start;
      out.started = p.started;
    }
    last = std::max(last, start + p.duration_ms);
  }
  if (std::any_of(parts.begin(), parts.end(), [](const run_report& p) { return p.baseline.has_value(); }))
    merge_baselines(out, parts);
  if (out.started.empty()) out.started = parts.front().started;
  out.duration_ms = last >= first ? last - first : 0;
  return out;
}

}  // namespace mailspec::report
