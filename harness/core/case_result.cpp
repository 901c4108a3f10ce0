#include "core/case_result.hpp"

namespace mailspec {

verdict combine_case_verdict(const case_result& c) {
  // A skipped case (a precondition absent: a missing capability, a mutating scenario) stays a
  // skip: that is the outcome of its scenario. Passive findings on what it did see keep their
  // own verdicts and count for the exit code through the findings (docs/architecture.md).
  if (c.result == verdict::skip) return verdict::skip;
  verdict v = verdict::pass;
  if (c.result == verdict::error || c.result == verdict::fail || c.result == verdict::skip) v = c.result;
  for (const auto& s : c.steps)
    if (s.result == verdict::fail || s.result == verdict::error || s.result == verdict::warn) v = worst(v, s.result);
  for (const auto& f : c.findings)
    if (f.result == verdict::fail || f.result == verdict::error || f.result == verdict::warn) v = worst(v, f.result);
  return v;
}

}  // namespace mailspec
