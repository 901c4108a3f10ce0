// A whole run: metadata, cases, summary. report/ writes it; merge/baseline read it back.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/case_result.hpp"

namespace mailspec {

// --baseline FILE: what the findings themselves cannot say (they carry known/new, see
// finding::baseline): baseline findings that no longer fail or warn, and those whose case did not
// run this time (neither fixed nor known).
struct baseline_item {
  std::string case_id, target, rule;  // "" = any (a waiver without case or target)
  std::string was;     // the verdict in the baseline report (fail, warn, error); "" for a waiver
  std::string now;     // fixed: the rule's verdict in this run (pass, info, skip), "" when not reported
  std::string reason;  // a waiver's reason
};

struct baseline_diff {
  std::string file;
  std::vector<baseline_item> fixed;
  std::vector<baseline_item> not_rerun;
};

struct run_report {
  std::string format = "mailspec-report/1";
  std::string tool_version;
  std::string command;                 // run | audit | settings | merge
  std::string started;                 // ISO 8601 UTC
  std::int64_t duration_ms = 0;
  std::vector<std::string> arguments;  // argv with secrets removed
  std::vector<std::string> targets;
  bool incomplete = false;             // interrupted before every case ran
  std::string incomplete_reason;
  std::vector<case_result> cases;
  // Rule catalogue entries referenced by findings: id -> {spec, requirement, level}.
  struct rule_ref {
    std::string spec, requirement, level, protocol;
  };
  std::map<std::string, rule_ref> rules;
  std::optional<baseline_diff> baseline;  // set when the run compared itself with --baseline
};

struct summary_counts {
  std::map<std::string, int> cases;     // verdict -> count of cases
  std::map<std::string, int> findings;  // verdict -> count of findings
  int total_cases = 0;
};

summary_counts summarize(const run_report& r);

// ISO 8601 UTC timestamp for "now" and for an epoch-milliseconds value.
std::string iso8601_now();
std::string iso8601_from_epoch_ms(std::int64_t ms);

}  // namespace mailspec
