// --baseline FILE: findings already known (a previous report.json, or a waiver list with
// reasons) do not fail the run; new ones do; fixed ones are reported.
//
// Waiver list format:
//   {"waivers": [{"rule": "tls/cert/expired", "case": "imap/starttls", "target": "mx.example:993",
//                 "reason": "renewal scheduled"}]}
// "case" and "target" are optional (absent = any); "rule" is an id or an id prefix ending in "/".
#pragma once
#include <string>
#include <vector>

#include "core/run_report.hpp"

namespace mailspec::app {

struct baseline_entry {
  std::string rule, case_id, target, reason;
  std::string was;  // the finding's verdict in a baseline report; "" for a waiver
};

struct baseline_outcome {
  std::vector<std::string> known;      // "case target rule" of findings covered by the baseline
  std::vector<std::string> fresh;      // fail/warn/error findings not covered
  std::vector<std::string> fixed;      // baseline entries whose case ran and no longer fails or warns
  std::vector<std::string> not_rerun;  // baseline entries whose case did not run this time
};

// Throws std::runtime_error naming the file on unreadable or malformed input.
std::vector<baseline_entry> load_baseline(const std::string& path);

// Marks every fail/warn/error finding known or new (finding::baseline), records the fixed and
// not rerun entries in r.baseline (file: the baseline's path, for the reports), returns the lists.
baseline_outcome apply_baseline(run_report& r, const std::vector<baseline_entry>& base, const std::string& file = "");

// True when a finding of this case is covered by the baseline.
bool is_known(const baseline_entry& e, const case_result& c, const finding& f);

}  // namespace mailspec::app
