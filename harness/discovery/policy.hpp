// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) record and policy parsing, MX pattern matching.
// Pure functions over text: the rules call them on the raw TXT strings and policy body the
// discovery stored in the case, so the report shows exactly what was judged.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::discovery {

struct sts_record {
  bool ok = false;
  std::string id;
  std::vector<std::string> errors;  // syntax errors (RFC 8461 §3.1)
};
// One TXT string of _mta-sts.DOMAIN.
sts_record parse_sts_record(std::string_view txt);

// Of all TXT strings at _mta-sts: the ones starting with "v=STSv1" (RFC 8461 §3.1: anything
// else is discarded; more than one means no policy).
std::vector<std::string> sts_candidates(const std::vector<std::string>& txts);

inline constexpr std::int64_t sts_max_age_limit = 31557600;   // RFC 8461 §3.2
inline constexpr std::int64_t sts_max_age_recommended = 604800;  // "weeks or greater": one week

struct sts_policy {
  std::string version;
  std::string mode;                 // enforce | testing | none
  std::optional<std::int64_t> max_age;
  std::string max_age_text;
  std::vector<std::string> mx;      // patterns as written
  std::vector<std::string> errors;  // MUST-level problems (RFC 8461 §3.2)
  std::vector<std::string> notes;   // tolerable oddities (duplicate keys, unknown keys are fine)
  bool ok() const { return errors.empty(); }
};
// The body of https://mta-sts.DOMAIN/.well-known/mta-sts.txt (CRLF or LF lines).
sts_policy parse_sts_policy(std::string_view body);

// RFC 8461 §4.1: "*.example.com" matches exactly one extra leftmost label; names compare
// case-insensitively, trailing dots ignored.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);
// The MX hosts no pattern matches.
std::vector<std::string> unmatched_mx(const std::vector<std::string>& patterns, const std::vector<std::string>& mx_hosts);

// Content-Type "text/plain" with optional parameters.
bool is_text_plain(std::string_view content_type);

struct tlsrpt_record {
  bool ok = false;
  std::vector<std::string> rua;     // the report URIs
  std::vector<std::string> errors;  // RFC 8460 §3
};
tlsrpt_record parse_tlsrpt_record(std::string_view txt);
std::vector<std::string> tlsrpt_candidates(const std::vector<std::string>& txts);

}  // namespace mailspec::discovery
