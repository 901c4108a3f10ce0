// Verdicts, levels and severities: the vocabulary every finding uses (docs/architecture.md).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mailspec {

enum class verdict { pass, fail, warn, info, skip, error };
enum class severity { none, low, medium, high, critical };
// RFC 2119 level of a rule: must -> fail, should -> warn (fail with --strict), info -> observation.
enum class level { must, should, info };

std::string_view to_string(verdict v);
std::string_view to_string(severity s);
std::string_view to_string(level l);
std::optional<verdict> verdict_from_string(std::string_view s);
std::optional<severity> severity_from_string(std::string_view s);
std::optional<level> level_from_string(std::string_view s);

// Rank used to combine verdicts into a case verdict: error and fail dominate.
// Order (worst first): fail > error > warn > pass > info > skip.
int verdict_rank(verdict v);
verdict worst(verdict a, verdict b);

}  // namespace mailspec
