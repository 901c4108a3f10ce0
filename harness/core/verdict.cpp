#include "core/verdict.hpp"

namespace mailspec {

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::pass: return "pass";
    case verdict::fail: return "fail";
    case verdict::warn: return "warn";
    case verdict::info: return "info";
    case verdict::skip: return "skip";
    case verdict::error: return "error";
  }
  return "error";
}

std::string_view to_string(severity s) {
  switch (s) {
    case severity::none: return "none";
    case severity::low: return "low";
    case severity::medium: return "medium";
    case severity::high: return "high";
    case severity::critical: return "critical";
  }
  return "none";
}

std::string_view to_string(level l) {
  switch (l) {
    case level::must: return "MUST";
    case level::should: return "SHOULD";
    case level::info: return "INFO";
  }
  return "INFO";
}

std::optional<verdict> verdict_from_string(std::string_view s) {
  for (auto v : {verdict::pass, verdict::fail, verdict::warn, verdict::info, verdict::skip, verdict::error})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::optional<severity> severity_from_string(std::string_view s) {
  for (auto v : {severity::none, severity::low, severity::medium, severity::high, severity::critical})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::optional<level> level_from_string(std::string_view s) {
  for (auto v : {level::must, level::should, level::info})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

int verdict_rank(verdict v) {
  switch (v) {
    case verdict::fail: return 5;
    case verdict::error: return 4;
    case verdict::warn: return 3;
    case verdict::pass: return 2;
    case verdict::info: return 1;
    case verdict::skip: return 0;
  }
  return 0;
}

verdict worst(verdict a, verdict b) { return verdict_rank(a) >= verdict_rank(b) ? a : b; }

}  // namespace mailspec
