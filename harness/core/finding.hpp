// A finding: one rule applied to one case (docs/architecture.md).
#pragma once
#include <string>

#include "core/verdict.hpp"

namespace mailspec {

struct finding {
  std::string rule;         // path-shaped id, e.g. "smtp/rfc5321/4.2/reply-code-syntax"
  std::string spec;         // "RFC 5321 §4.2.1"
  level lvl = level::must;
  verdict result = verdict::pass;
  severity sev = severity::none;
  std::string requirement;  // the RFC sentence, quoted
  std::string expected;
  std::string actual;       // redacted
  int step = -1;            // scenario step that shows it (-1: whole case)
  int transcript_index = -1;  // transcript entry that shows it (-1: none)
  std::string message;      // short human explanation (optional)
};

// --baseline marks a finding it covers by starting its message with this: such a finding keeps
// its verdict (the report stays honest) but fails neither the exit code nor the JUnit testcase.
inline constexpr const char* baseline_known_prefix = "baseline: known";
inline bool baseline_known(const finding& f) { return f.message.rfind(baseline_known_prefix, 0) == 0; }

}  // namespace mailspec
