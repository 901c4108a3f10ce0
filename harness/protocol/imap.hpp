// IMAP response framing (RFC 9051 §7, RFC 3501 §7): tagged, untagged, continuation, literals.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"
#include "protocol/line_reader.hpp"

namespace mailspec::protocol {

enum class imap_kind { tagged, untagged, continuation, malformed };

struct imap_response {
  imap_kind kind = imap_kind::malformed;
  std::string tag;        // tagged: the tag; untagged: "*"; continuation: "+"
  std::string status;     // OK | NO | BAD | PREAUTH | BYE (upper-cased), or "" for data responses
  std::optional<std::uint64_t> number;  // "* 23 EXISTS" -> 23
  std::string keyword;    // upper-cased: "EXISTS", "FETCH", "CAPABILITY", "FLAGS", "LIST", or the status
  std::string code;       // response code without brackets, e.g. "CAPABILITY IMAP4rev1 STARTTLS", "UIDVALIDITY 3857529045"
  std::string text;       // the rest of the first line after tag/status/code (no line ending)
  std::string raw;        // the whole response as received, literals included (bounded; see raw_elided)
  std::uint64_t raw_elided = 0;
  std::vector<std::string> literals;  // literal payloads in order (each bounded by limits::max_literal);
                                      // a literal over a bound is skipped and stored as "" (keeps indices)
  // The response's lines around its literals, without line endings: lines[0] is the first line,
  // lines[i] the line that follows literals[i-1]. Bounded like SMTP lines.
  std::vector<std::string> lines;
  std::uint64_t literal_bytes_skipped = 0;  // bytes of literals over a bound, counted, never stored
  std::vector<defect> defects;
  bool complete = true;
  // Upper-cased code name only: "CAPABILITY", "UIDVALIDITY", "PRIVACYREQUIRED".
  std::string code_name() const;
};

// Incremental framer. A literal announcement "{n}" or "{n+}" at the end of a line of an untagged
// data response ("* 1 FETCH ...", "* LIST ...") makes the next n bytes (any content) a literal;
// the response then continues with the following line. Status responses (tagged, "* OK|NO|BAD|
// PREAUTH|BYE") and continuation requests carry no literals (RFC 9051 §7.1, resp-text).
// An over-long line keeps its first limits::max_line bytes; its last 32 bytes are still checked
// for a literal announcement so framing survives. Defect line numbers count the response's lines.
// finish() queues the partial response (complete = false, `unterminated`) and returns next().
class imap_framer {
 public:
  explicit imap_framer(limits lim = {});
  void feed(std::string_view bytes);
  std::optional<imap_response> next();
  std::optional<imap_response> finish();
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
  std::uint64_t literal_left_ = 0;  // bytes of literal still to read
  bool literal_skipping_ = false;   // literal over the bound: counting, not storing
  bool have_current_ = false;
  bool allow_literals_ = false;     // the current response is a data response
  std::size_t lines_seen_ = 0;
  std::size_t stored_bytes_ = 0;
  imap_response current_;
  std::vector<imap_response> ready_;
  std::size_t ready_pos_ = 0;
  bool over_limit_ = false;
  void take_line(detail::raw_line& l);
  void take_literal_bytes(std::string_view& bytes);
  bool start_literal(std::uint64_t n, std::size_t line_no);
  void end_response(bool clean);
};

// Capability atoms from "* CAPABILITY ..." or a "[CAPABILITY ...]" code, upper-cased.
std::vector<std::string> imap_capabilities(const imap_response& r);
// RFC 9051 quoted string or literal form for a value (for ${x|imap_quote}).
std::string imap_quote(std::string_view value);
// UIDs from "* n FETCH (... UID x ...)" responses; nullopt when absent.
std::optional<std::uint64_t> imap_fetch_uid(const imap_response& r);

}  // namespace mailspec::protocol
