// SMTP reply framing (RFC 5321 §4.2) and enhanced status codes (RFC 3463, RFC 2034).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"

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
  std::string raw() const;  // all lines concatenated
  std::vector<std::string> texts() const;  // text of every line
};

// Incremental framer: feed() arbitrary chunks, next() pops complete replies in order.
class smtp_framer {
 public:
  explicit smtp_framer(limits lim = {});
  void feed(std::string_view bytes);
  std::optional<smtp_reply> next();
  // At end of stream: the partial reply, if any, marked incomplete with an `unterminated` defect.
  std::optional<smtp_reply> finish();
  // Bytes received but not yet part of a returned reply (evidence at a STARTTLS upgrade).
  std::string pending() const;
  void clear();
  bool over_limit() const { return over_limit_; }  // a bound was hit: the session should stop

 private:
  limits lim_;
  std::string partial_;        // current incomplete line
  bool discarding_ = false;    // inside an over-long line
  smtp_reply current_;
  std::vector<smtp_reply> ready_;
  std::size_t ready_pos_ = 0;
  bool over_limit_ = false;
  void take_line(std::string line, bool ended_with_crlf, bool bare_lf);
};

// "2.1.0"-style code at the start of text (RFC 3463 §2: class.subject.detail), or "".
std::string parse_enhanced_code(std::string_view text);
// EHLO keywords (upper-cased first word of each line after the first), e.g. "STARTTLS", "AUTH".
std::vector<std::string> smtp_ehlo_keywords(const smtp_reply& r);
// Whole EHLO extension lines after the first, e.g. "AUTH PLAIN LOGIN", "SIZE 10240000".
std::vector<std::string> smtp_ehlo_lines(const smtp_reply& r);

}  // namespace mailspec::protocol
