// SMTP reply framing (RFC 5321 §4.2) and enhanced status codes (RFC 3463, RFC 2034).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"
#include "protocol/line_reader.hpp"

namespace mailspec::protocol {

struct smtp_line {
  std::string raw;   // exactly as received, including the line ending (if any)
  int code = -1;     // the three digits, -1 if malformed
  char sep = 0;      // '-', ' ', or 0 when the line is just the code / malformed
  std::string text;  // after the separator, without the line ending
};

struct smtp_reply {
  int code = -1;            // code of the last line (the one that ends the reply); -1 malformed
  std::vector<smtp_line> lines;
  std::string enhanced;     // "2.1.0" when the first line's text starts with one, else ""
  std::vector<defect> defects;
  bool complete = false;    // false when returned by finish() for a stream that ended mid-reply
  // Lines not stored (over limits::max_lines_per_response or max_response_bytes); the line that
  // ends the reply is always stored, so `lines` = the first lines plus the last one.
  std::uint64_t lines_elided = 0;
  std::string raw() const;  // all lines concatenated
  std::vector<std::string> texts() const;  // text of every line
};

// Incremental framer: feed() arbitrary chunks, next() pops complete replies in order.
// Framing rule: a line continues the reply only when it starts with three digits and '-'
// ("ddd-text"). Any other line ends the reply: "ddd text", "ddd", and also malformed lines
// (`malformed_code`: not three digits, or first digit not 2-5; code -1 for that line) and
// lines with a bad separator (`bad_continuation`, e.g. "250_x"; sep 0, text from the 4th byte).
// A cut (over-long) line keeps its first limits::max_line bytes plus its line ending in raw.
class smtp_framer {
 public:
  explicit smtp_framer(limits lim = {});
  void feed(std::string_view bytes);
  std::optional<smtp_reply> next();
  // At end of stream: queues the partial reply, if any (including a last line without LF),
  // marked incomplete with an `unterminated` defect, then returns next().
  std::optional<smtp_reply> finish();
  // Bytes received but not yet part of a returned reply (evidence at a STARTTLS upgrade).
  std::string pending() const;
  void clear();
  // A bound was hit (the session should stop), including a line already over limits::max_line
  // whose LF has not arrived: waiting for it would only read on to the session bound.
  bool over_limit() const { return over_limit_ || reader_.cutting(); }
  bool line_over_limit() const { return reader_.cutting(); }  // that last case

 private:
  limits lim_;
  detail::line_reader reader_;
  detail::raw_line line_;
  smtp_reply current_;
  std::size_t current_lines_ = 0;   // lines seen in current_ (stored or not)
  std::size_t stored_bytes_ = 0;
  int first_code_ = -1;
  std::vector<smtp_reply> ready_;
  std::size_t ready_pos_ = 0;
  bool over_limit_ = false;
  void take_line(detail::raw_line& l);
  void end_reply();
};

// "2.1.0"-style code at the start of text (RFC 3463 §2: class.subject.detail), or "".
std::string parse_enhanced_code(std::string_view text);
// EHLO keywords (upper-cased first word of each line after the first), e.g. "STARTTLS", "AUTH".
std::vector<std::string> smtp_ehlo_keywords(const smtp_reply& r);
// Whole EHLO extension lines after the first, e.g. "AUTH PLAIN LOGIN", "SIZE 10240000".
std::vector<std::string> smtp_ehlo_lines(const smtp_reply& r);

}  // namespace mailspec::protocol
