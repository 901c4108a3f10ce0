// POP3 response framing (RFC 1939 §3, RFC 2449 response codes).
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"
#include "protocol/line_list.hpp"
#include "protocol/line_reader.hpp"

namespace mailspec::protocol {

enum class pop3_status { ok, err, continuation, malformed };  // +OK, -ERR, "+ " (SASL), other

struct pop3_response {
  pop3_status status = pop3_status::malformed;
  std::string status_line;   // raw first line including its ending
  std::string text;          // after "+OK "/"-ERR "/"+ ", without the line ending
  std::string code;          // RFC 2449 response code in brackets at start of text, e.g. "IN-USE", "SYS/TEMP"
  bool multiline = false;    // a multi-line body followed (and was read)
  line_list body;            // body lines, dot-unstuffed, without line endings
  std::size_t body_bytes = 0;     // bytes after the status line as received, "." line included
  bool terminated = true;    // multi-line: the "." line was seen
  std::size_t stuffed_lines = 0;  // lines that began with ".." on the wire
  // Lines starting with a single "." that were not the terminator (RFC 1939 violation: the server
  // did not dot-stuff). They are kept as received in `body` too (first limits::max_defects here).
  std::vector<std::string> unstuffed_dot_lines;
  std::string raw;           // bounded raw bytes of the whole response (first limits::max_raw bytes)
  std::uint64_t raw_elided = 0;         // bytes of the response not kept in raw
  std::uint64_t body_lines_elided = 0;  // body lines not stored (over max_lines_per_response / max_response_bytes)
  std::vector<defect> defects;
};

// Incremental framer. Whether a +OK response has a multi-line body depends on the command,
// so the session announces it with expect_multiline() before the response arrives.
// Calls queue up, one per expected response, in order (so pipelined commands work); a
// response with nothing queued is single-line. Every response (+OK, -ERR, "+ ", malformed)
// consumes one entry; only +OK starts a body. Defect line numbers: 0 = status line, i = body line i.
// finish() queues the partial response (terminated = false, `unterminated`), then returns next().
// pending() is built from raw fields, so it is bounded like them.
class pop3_framer {
 public:
  explicit pop3_framer(limits lim = {});
  void expect_multiline(bool multiline);  // applies to the next response only
  void feed(std::string_view bytes);
  std::optional<pop3_response> next();
  std::optional<pop3_response> finish();  // end of stream: partial response, `unterminated`
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
  std::deque<bool> expect_;
  bool in_body_ = false;
  bool have_current_ = false;
  std::size_t body_lines_ = 0;
  std::size_t stored_bytes_ = 0;
  pop3_response current_;
  std::vector<pop3_response> ready_;
  std::size_t ready_pos_ = 0;
  bool over_limit_ = false;
  void take_line(detail::raw_line& l);
  void take_status(detail::raw_line& l);
  void take_body_line(detail::raw_line& l);
  void end_response(bool clean);
};

// Whether the POP3 command (as sent) gets a multi-line answer on +OK (RFC 1939, 2449):
// CAPA, LIST and UIDL without argument, RETR, TOP, and AUTH without argument.
bool pop3_command_is_multiline(std::string_view command);

// RFC 1939 §7: the timestamp a server that implements APOP puts in its greeting, a msg-id
// "<...@...>" (the first "<" with an "@" before the next ">"), brackets included; nullopt when
// the text has none.
std::optional<std::string> pop3_apop_timestamp(std::string_view greeting_text);
// RFC 1939 §7: the APOP digest, lower-case hex MD5 of the timestamp followed by the shared secret.
std::string pop3_apop_digest(std::string_view timestamp, std::string_view secret);

}  // namespace mailspec::protocol
