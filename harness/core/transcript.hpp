// The record of one connection: who said what, when, on which channel (docs/architecture.md).
// Text is stored as received/sent (CR and LF kept) and already redacted.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec {

enum class direction { client, server, meta };  // "c", "s", "meta" in reports
enum class channel { plain, tls };

std::string_view to_string(direction d);
std::string_view to_string(channel c);

struct transcript_entry {
  std::int64_t t_ms = 0;  // since the case started
  direction dir = direction::meta;
  channel chan = channel::plain;
  int step = -1;          // index of the scenario step, -1 before the first
  std::string text;       // redacted; CR/LF kept as bytes
  std::uint64_t elided = 0;  // bytes left out of text (over the per-entry bound)
  std::string conn;       // the scenario's connection name; "" for a one-connection scenario
};

// Makes CR and LF visible for display: "\r" -> "\\r", "\n" -> "\\n", "\\" -> "\\\\"; other control
// bytes and bytes that are not well-formed UTF-8 as \xNN. Valid UTF-8 is kept as it is.
std::string visible(std::string_view raw);

class transcript {
 public:
  // Bytes of one entry kept verbatim; the rest is counted in `elided`.
  static constexpr std::size_t max_entry_bytes = 64 * 1024;
  // Entries kept per transcript; later ones are counted, not stored.
  static constexpr std::size_t max_entries = 20000;

  // Returns the index of the entry added (or -1 when over max_entries).
  int add(std::int64_t t_ms, direction d, channel c, int step, std::string redacted_text, std::string conn = {});
  // Re-adds an entry read back from a report (merge, --baseline), keeping its elided count;
  // the same bounds apply. Returns its index or -1.
  int restore(transcript_entry e);
  // Counts entries that a report read back says were dropped.
  void add_dropped(std::uint64_t n) { dropped_ += n; }
  const std::vector<transcript_entry>& entries() const { return entries_; }
  std::uint64_t dropped_entries() const { return dropped_; }

 private:
  std::vector<transcript_entry> entries_;
  std::uint64_t dropped_ = 0;
};

}  // namespace mailspec
