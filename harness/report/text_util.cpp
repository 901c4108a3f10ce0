// Text helpers shared by the report writers: UTF-8 repair, XML escaping, visible-form decoding,
// RFC links and timestamps.
#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/text.hpp"
#include "report/report.hpp"

namespace mailspec::report {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string from_visible(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '\\' || i + 1 >= t.size()) {
      out += t[i];
      continue;
    }
    char n = t[i + 1];
    if (n == 'r') {
      out += '\r';
      ++i;
    } else if (n == 'n') {
      out += '\n';
      ++i;
    } else if (n == '\\') {
      out += '\\';
      ++i;
    } else if (n == 'x' && i + 3 < t.size() && hex_value(t[i + 2]) >= 0 && hex_value(t[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(t[i + 2]) * 16 + hex_value(t[i + 3]));
      i += 3;
    } else {
      out += '\\';
    }
  }
  return out;
}

std::string utf8_sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string xml_escape(std::string_view raw) {
  std::string s = utf8_sanitize(raw);
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else if (c == 0xef && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xbf &&
                   (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xbe) {
          out += "\xef\xbf\xbd";  // U+FFFE / U+FFFF are not XML characters
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string spec_url(std::string_view spec) {
  // "RFC 5321 §4.2.1", "RFC5321 4.2.1", "RFC 8314 §A.1", "RFC 2595".
  std::size_t i = 0;
  while (i < spec.size() && spec[i] == ' ') ++i;
  if (spec.substr(i, 3) != "RFC" && spec.substr(i, 3) != "rfc") return "";
  i += 3;
  while (i < spec.size() && spec[i] == ' ') ++i;
  std::string number;
  while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') number += spec[i++];
  if (number.empty()) return "";
  std::string url = "https://www.rfc-editor.org/rfc/rfc" + number;
  while (i < spec.size() && (spec[i] == ' ' || spec[i] == ',')) ++i;
  if (spec.substr(i, 2) == "\xc2\xa7") i += 2;  // §
  else if (spec.substr(i, 8) == "section ") i += 8;
  std::string section;
  while (i < spec.size() && (std::isalnum(static_cast<unsigned char>(spec[i])) || spec[i] == '.')) section += spec[i++];
  while (!section.empty() && section.back() == '.') section.pop_back();
  if (section.empty()) return url;
  bool appendix = section[0] >= 'A' && section[0] <= 'Z' && (section.size() == 1 || section[1] == '.');
  bool numeric = section[0] >= '0' && section[0] <= '9';
  if (!appendix && !numeric) return url;
  return url + (appendix ? "#appendix-" : "#section-") + section;
}

std::int64_t parse_iso8601_ms(std::string_view t) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0, n = 0;
  std::string z(t);
  if (std::sscanf(z.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) return -1;
  if (static_cast<std::size_t>(n) < z.size() && z[n] == '.') {
    int digits = 0;
    for (std::size_t i = n + 1; i < z.size() && z[i] >= '0' && z[i] <= '9'; ++i, ++digits)
      if (digits < 3) ms = ms * 10 + (z[i] - '0');
    for (int k = digits; k < 3; ++k) ms *= 10;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t secs = timegm(&tm);
  return static_cast<std::int64_t>(secs) * 1000 + ms;
}

}  // namespace mailspec::report
