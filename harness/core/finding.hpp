// A finding: one rule applied to one case (docs/architecture.md).
#pragma once
#include <string>

#include "core/verdict.hpp"

namespace mailspec {

// Where a finding stands against --baseline FILE: not compared (no baseline), covered by the
// baseline (known), or a fail/warn/error the baseline does not cover (fresh: "new" in reports).
enum class baseline_mark { none, known, fresh };

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
  baseline_mark baseline = baseline_mark::none;
  std::string baseline_reason;  // known: the waiver's reason, or where the baseline had it
};

// A finding --baseline covers keeps its verdict (the report stays honest) but fails neither the
// exit code nor the JUnit testcase.
inline bool baseline_known(const finding& f) { return f.baseline == baseline_mark::known; }

}  // namespace mailspec
