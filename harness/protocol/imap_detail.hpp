// Internal: IMAP first-line grammar and literal announcements, shared by imap.cpp.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/imap.hpp"

namespace mailspec::protocol::detail {

// Fills kind, tag, status, number, keyword, code, text from the first line's content and
// records malformed_code defects.
void parse_imap_first_line(std::string_view line, imap_response& r, const limits& lim);

enum class literal_check { none, literal, malformed };
struct literal_announcement {
  literal_check state = literal_check::none;
  std::uint64_t size = 0;
  bool non_sync = false;  // {n+} (RFC 7888)
};
// Looks for "{n}" / "{n+}" at the very end of `line_end` (the last bytes of a line's content).
// A brace group holding only digits and '+' that is not a valid size is `malformed`.
literal_announcement find_literal(std::string_view line_end);

}  // namespace mailspec::protocol::detail
