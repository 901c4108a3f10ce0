// IMAP response framing (RFC 9051 §7, RFC 3501 §7): tagged, untagged, continuation, literals.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"

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
  std::vector<std::string> literals;  // literal payloads in order (each bounded by limits::max_literal)
  std::vector<defect> defects;
  bool complete = true;
  // Upper-cased code name only: "CAPABILITY", "UIDVALIDITY", "PRIVACYREQUIRED".
  std::string code_name() const;
};

class imap_framer {
 public:
  explicit imap_framer(limits lim = {});
  void feed(std::string_view bytes);
  std::optional<imap_response> next();
  std::optional<imap_response> finish();
  std::string pending() const;
  void clear();
  bool over_limit() const { return over_limit_; }

 private:
  limits lim_;
  std::string partial_;          // incomplete line
  bool discarding_ = false;
  std::uint64_t literal_left_ = 0;  // bytes of literal still to read
  bool literal_skipping_ = false;   // literal over the bound: counting, not storing
  bool have_current_ = false;
  imap_response current_;
  std::vector<imap_response> ready_;
  std::size_t ready_pos_ = 0;
  bool over_limit_ = false;
  void take_line(std::string line, bool crlf, bool bare_lf);
};

// Capability atoms from "* CAPABILITY ..." or a "[CAPABILITY ...]" code, upper-cased.
std::vector<std::string> imap_capabilities(const imap_response& r);
// RFC 9051 quoted string or literal form for a value (for ${x|imap_quote}).
std::string imap_quote(std::string_view value);
// UIDs from "* n FETCH (... UID x ...)" responses; nullopt when absent.
std::optional<std::uint64_t> imap_fetch_uid(const imap_response& r);

}  // namespace mailspec::protocol
