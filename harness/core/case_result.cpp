#include "core/case_result.hpp"

namespace mailspec {

verdict combine_case_verdict(const case_result& c) {
  if (c.result == verdict::skip && c.steps.empty() && c.findings.empty()) return verdict::skip;
  verdict v = verdict::pass;
  if (c.result == verdict::error || c.result == verdict::fail || c.result == verdict::skip) v = c.result;
  for (const auto& s : c.steps)
    if (s.result == verdict::fail || s.result == verdict::error || s.result == verdict::warn) v = worst(v, s.result);
  for (const auto& f : c.findings)
    if (f.result == verdict::fail || f.result == verdict::error || f.result == verdict::warn) v = worst(v, f.result);
  return v;
}

}  // namespace mailspec
