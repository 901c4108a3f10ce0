// One probe family's case: the passive protocol rules its row names, the audit's own rules, the
// case verdict. Both tables go through the one rules::judge().
#include <algorithm>

#include "audit/families.hpp"
#include "core/transcript.hpp"

namespace mailspec::audit {

const rules::book& book() {
  static const rules::book b{&rules::catalogue(), &catalogue()};
  return b;
}

case_result detail::judge_case(session::record&& rec, const options& opt) {
  const probe_facts facts = rec.result.probe ? *rec.result.probe : probe_facts{};
  rules::judge_options jo;
  jo.strict = opt.strict;
  jo.only = opt.only;
  jo.within = family_of(facts.family).passive;
  std::vector<finding> found = rules::judge(rec, rules::catalogue(), jo);
  jo.within.clear();
  for (auto& f : rules::judge(rec, catalogue(), jo)) found.push_back(std::move(f));

  case_result c = std::move(rec.result);
  if (c.result != verdict::error) c.result = verdict::pass;
  // A throttled or unreachable probe judged nothing: its other findings would only echo the
  // refusal (e.g. a 421 greeting failing a greeting rule), so the case is an error, never a fail.
  const bool untested = facts.untested();
  // A port that answers another protocol (an SSH banner on 25) has one finding, "does not speak
  // smtp"; the protocol's grammar rules failing on the foreign banner would only repeat it.
  const bool foreign = facts.wrong_protocol.has_value();
  for (auto& f : found) {
    if (foreign && f.result != verdict::pass && !find_rule(f.rule)) continue;
    if (!untested || f.result == verdict::error || f.rule == "audit/throttled" || f.rule == "audit/reachable")
      c.findings.push_back(std::move(f));
  }
  if (c.message.empty()) {
    if (facts.unreachable) c.message = "unreachable: " + visible(*facts.unreachable);
    if (facts.throttled) c.message = "throttled: " + visible(*facts.throttled);
  }
  c.result = untested ? verdict::error : combine_case_verdict(c);
  // A probe whose every finding is a skip (the smuggling probe's envelope refused) tested nothing.
  const bool all_skip = !c.findings.empty() && std::all_of(c.findings.begin(), c.findings.end(),
                                                           [](const finding& f) { return f.result == verdict::skip; });
  if (all_skip && c.result == verdict::pass) {
    c.result = verdict::skip;
    if (c.message.empty()) c.message = c.findings.front().message;
  }
  // With --only, a probe none of whose selected rules applied checked nothing: not a pass.
  if (!opt.only.empty() && c.findings.empty() && c.result == verdict::pass) {
    c.result = verdict::skip;
    if (c.message.empty()) c.message = "no rule selected by --only applies to this probe";
  }
  return c;
}

}  // namespace mailspec::audit
