// Internal: the bounded line splitter shared by the SMTP, POP3 and IMAP framers.
// Lines end at LF. Bytes are kept exactly as received (line ending included); a line whose
// content exceeds max_line keeps its first max_line bytes plus its line ending, the rest is
// counted and dropped, so memory stays bounded whatever the peer sends.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"

namespace mailspec::protocol::detail {

struct raw_line {
  // Kept bytes, line ending included when one was seen. Points into the fed chunk or into
  // `store`: valid until the next consume()/flush() call, so framers copy what they keep.
  std::string_view bytes;
  std::string store;             // owned bytes for lines that span chunks or were cut
  std::size_t content_len = 0;   // bytes of `bytes` before the line ending
  bool ended = false;            // an LF was seen (false: flushed at end of stream)
  bool crlf = false;             // ended with CR LF
  bool cut = false;              // over max_line: the middle was dropped
  std::uint64_t dropped = 0;     // bytes dropped from a cut line
  std::string tail;              // cut lines: the last (up to 32) content bytes, for literal detection
  std::string_view content() const { return bytes.substr(0, content_len); }
};

class line_reader {
 public:
  explicit line_reader(std::size_t max_line) : max_line_(max_line) {}
  // Consumes bytes up to and including one LF. Returns the number of bytes consumed;
  // `done` is set when `out` holds a completed line.
  std::size_t consume(std::string_view data, raw_line& out, bool& done);
  // End of stream: the partial line, if any (ended = false).
  bool flush(raw_line& out);
  // Kept bytes of the current partial line (a cut line shows only its kept prefix).
  const std::string& partial() const { return buf_; }
  bool idle() const { return buf_.empty() && !cutting_; }
  // The current line is over max_line and its LF has not been seen yet.
  bool cutting() const { return cutting_; }
  void clear();

 private:
  std::size_t max_line_;
  std::string buf_;           // kept bytes of the current line, at most max_line + 1
  bool cutting_ = false;      // dropping the rest of an over-long line
  bool last_cr_ = false;      // last dropped byte was CR
  std::uint64_t dropped_ = 0;
  std::string tail_;
  void finish_line(raw_line& out, bool ended);
  void drop(std::string_view bytes);
};

// Appends `d` unless the per-response cap is reached (the first defect of each kind is always kept).
void add_defect(std::vector<defect>& list, std::size_t cap, defect_kind kind, std::size_t line,
                std::string detail);
// Records bare_lf, line_too_long, bare_cr, nul_byte and invalid_utf8 for one line.
void line_defects(const raw_line& l, std::size_t line_no, std::size_t cap, std::vector<defect>& out,
                  bool check_utf8 = true);
// Appends up to `cap` total bytes to `raw`, counting the rest in `elided`.
void append_bounded(std::string& raw, std::uint64_t& elided, std::size_t cap, std::string_view bytes);

}  // namespace mailspec::protocol::detail
