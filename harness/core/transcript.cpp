#include "core/transcript.hpp"

#include <cstdio>

namespace mailspec {

std::string_view to_string(direction d) {
  switch (d) {
    case direction::client: return "c";
    case direction::server: return "s";
    case direction::meta: return "meta";
  }
  return "meta";
}

std::string_view to_string(channel c) { return c == channel::tls ? "tls" : "plain"; }

namespace {

// Length of the well-formed UTF-8 sequence (RFC 3629) that starts at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(k) & 0xc0) != 0x80) return 0;
  if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xf0 && b(1) < 0x90)) return 0;  // overlong
  if (c == 0xed && b(1) >= 0xa0) return 0;                                  // UTF-16 surrogates
  if (c == 0xf4 && b(1) >= 0x90) return 0;                                  // above U+10FFFF
  return n;
}

}  // namespace

// Invalid UTF-8 is escaped here, where server bytes become report text: a JSON writer would
// otherwise replace each bad byte with U+FFFD and the evidence would be lost.
std::string visible(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 16);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(raw[i]);
    if (ch >= 0x80) {
      if (std::size_t n = utf8_length(raw, i)) {
        out.append(raw.substr(i, n));
        i += n - 1;
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", ch);
        out += buf;
      }
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\\') {
      out += "\\\\";
    } else if (ch < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

int transcript::add(std::int64_t t_ms, direction d, channel c, int step, std::string text, std::string conn) {
  transcript_entry e;
  e.conn = std::move(conn);
  e.t_ms = t_ms;
  e.dir = d;
  e.chan = c;
  e.step = step;
  e.text = std::move(text);
  return restore(std::move(e));
}

int transcript::restore(transcript_entry e) {
  if (entries_.size() >= max_entries) {
    ++dropped_;
    return -1;
  }
  if (e.text.size() > max_entry_bytes) {
    e.elided += e.text.size() - max_entry_bytes;
    e.text.resize(max_entry_bytes);
  }
  entries_.push_back(std::move(e));
  return static_cast<int>(entries_.size() - 1);
}

}  // namespace mailspec
