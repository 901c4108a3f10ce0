#include "protocol/defect.hpp"

namespace mailspec::protocol {

std::string_view to_string(defect_kind k) {
  switch (k) {
    case defect_kind::bare_lf: return "bare_lf";
    case defect_kind::bare_cr: return "bare_cr";
    case defect_kind::nul_byte: return "nul_byte";
    case defect_kind::line_too_long: return "line_too_long";
    case defect_kind::malformed_code: return "malformed_code";
    case defect_kind::inconsistent_code: return "inconsistent_code";
    case defect_kind::bad_continuation: return "bad_continuation";
    case defect_kind::literal_too_large: return "literal_too_large";
    case defect_kind::malformed_literal: return "malformed_literal";
    case defect_kind::unterminated: return "unterminated";
    case defect_kind::invalid_utf8: return "invalid_utf8";
  }
  return "unknown";
}

std::string visible_bytes(std::string_view raw, std::size_t max_out) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  const std::size_t n = raw.size() < max_out ? raw.size() : max_out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < raw.size()) out += "...";
  return out;
}

}  // namespace mailspec::protocol
