// Framing defects: server misbehaviour recorded as data, never thrown.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::protocol {

enum class defect_kind {
  bare_lf,            // line ended with LF not preceded by CR
  bare_cr,            // CR not followed by LF inside a line
  nul_byte,           // NUL octet in a line
  line_too_long,      // line longer than limits::max_line (rest of the line discarded)
  malformed_code,     // SMTP: not three digits 2xx-5xx; POP3: not +OK/-ERR; IMAP: bad grammar
  inconsistent_code,  // SMTP: lines of one multi-line reply carry different codes
  bad_continuation,   // SMTP: character after the code is neither '-' nor ' ' (nor end of line)
  literal_too_large,  // IMAP literal over limits::max_literal
  malformed_literal,  // IMAP literal announcement not followed by CRLF, or bad digits
  unterminated,       // stream ended inside a reply / multi-line body
  invalid_utf8,       // non-UTF-8 octets in a line (recorded; SMTP/POP3 replies are 7-bit)
};

std::string_view to_string(defect_kind k);

struct defect {
  defect_kind kind;
  std::size_t line = 0;  // 0-based index of the line within the response
  std::string detail;    // short description with the offending bytes made visible
};

// Bounds applied by every framer. Over a bound is a defect plus an error for the session,
// never unbounded memory.
struct limits {
  std::size_t max_line = 1024 * 1024;            // bytes in one line before it is cut
  std::size_t max_literal = 32 * 1024 * 1024;    // IMAP literal size accepted
  std::size_t max_lines_per_response = 100000;   // multi-line SMTP reply / POP3 body / untagged burst
  // Additive bounds (see docs in framer headers):
  std::size_t max_raw = 1024 * 1024;             // bytes kept in a response's raw field (rest counted)
  std::size_t max_response_bytes = 64 * 1024 * 1024;  // content stored per response (lines, body, literals)
  std::size_t max_defects = 1000;                // defects kept per response (first of each kind always kept)
};

// Shows CR, LF and other control or 8-bit bytes visibly ("\r", "\n", "\xNN"), at most max_out bytes of input.
std::string visible_bytes(std::string_view raw, std::size_t max_out = 64);

}  // namespace mailspec::protocol
