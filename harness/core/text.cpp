#include "core/text.hpp"

namespace mailspec {

namespace {

char upper_ascii(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = upper_ascii(c);
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower_ascii(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper_ascii(a[i]) != upper_ascii(b[i])) return false;
  return true;
}

std::vector<std::string> split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t i = 0;
  while (true) {
    auto j = sep.empty() ? std::string_view::npos : s.find(sep, i);
    out.emplace_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + sep.size();
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

namespace {

// The sequence starting at s[i] (RFC 3629 table 3.1 ranges): its length when well-formed, 0 when
// not; `short_by` > 0 when the end of s cut a well-formed prefix short.
std::size_t utf8_at(std::string_view s, std::size_t i, std::size_t& short_by) {
  short_by = 0;
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      short_by = len - k;
      return 0;
    }
    const auto d = static_cast<unsigned char>(s[i + k]);
    if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xBF)) return 0;
  }
  return len;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  std::size_t short_by = 0;
  return i < s.size() ? utf8_at(s, i, short_by) : 0;
}

std::size_t invalid_utf8_at(std::string_view s, bool cut) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t short_by = 0;
    if (std::size_t n = utf8_at(s, i, short_by)) {
      i += n;
      continue;
    }
    return cut && short_by > 0 ? std::string_view::npos : i;
  }
  return std::string_view::npos;
}

}  // namespace mailspec
