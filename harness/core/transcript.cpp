#include "core/transcript.hpp"

#include <cstdio>

#include "core/text.hpp"

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

// Invalid UTF-8 is escaped here, where server bytes become report text: a JSON writer would
// otherwise replace each bad byte with U+FFFD and the evidence would be lost.
std::string visible(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 16);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(raw[i]);
    if (ch >= 0x80) {
      if (std::size_t n = utf8_sequence_length(raw, i)) {
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
