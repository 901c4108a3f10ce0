// Joining shard reports into one (mailspec merge).
#include <algorithm>
#include <limits>

#include "report/report.hpp"

namespace mailspec::report {

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
  if (out.started.empty()) out.started = parts.front().started;
  out.duration_ms = last >= first ? last - first : 0;
  return out;
}

}  // namespace mailspec::report
