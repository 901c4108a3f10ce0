#include "core/run_report.hpp"

#include <chrono>
#include <ctime>

namespace mailspec {

summary_counts summarize(const run_report& r) {
  summary_counts s;
  for (auto v : {verdict::pass, verdict::fail, verdict::warn, verdict::info, verdict::skip, verdict::error}) {
    s.cases[std::string(to_string(v))] = 0;
    s.findings[std::string(to_string(v))] = 0;
  }
  for (const auto& c : r.cases) {
    ++s.cases[std::string(to_string(c.result))];
    for (const auto& f : c.findings) ++s.findings[std::string(to_string(f.result))];
  }
  s.total_cases = static_cast<int>(r.cases.size());
  return s;
}

std::string iso8601_from_epoch_ms(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string iso8601_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return iso8601_from_epoch_ms(ms);
}

}  // namespace mailspec
