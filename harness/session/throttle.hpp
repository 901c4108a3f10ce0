// Replies by which a server refuses service for now: docs/architecture.md makes a throttled reply an
// `error` (the harness could not test), never a pass or a fail. Shared by the session (step
// results) and the rules (greeting rules), so both read a throttle the same way.
#pragma once
#include <cctype>
#include <string>

#include "session/record.hpp"

namespace mailspec::session {

// The refusing line (without CRLF), or "" when the exchange holds none:
//   SMTP: any 421 reply ("421 Too many concurrent SMTP connections", RFC 5321 §4.2.3), and 454
//         to STARTTLS ("TLS not available due to temporary reason", RFC 3207 §4: TLS could not
//         start, which docs/architecture.md names an error);
//   IMAP: a `* BYE` greeting, or a `* BYE` with no tagged completion to any command but LOGOUT
//         (RFC 9051 §7.1.5);
//   POP3: -ERR [IN-USE], [SYS/TEMP] or [LOGIN-DELAY] (RFC 2449 §8.1, RFC 3206 §4).
inline std::string throttle_signal(const exchange& ex) {
  auto line = [](const std::string& raw) { return raw.substr(0, raw.find_first_of("\r\n")); };
  for (const auto& r : ex.smtp)
    if (r.code == 421 || (r.code == 454 && ex.verb == "STARTTLS")) return line(r.raw());
  if (ex.greeting && !ex.imap.empty() && ex.imap.front().kind == protocol::imap_kind::untagged &&
      ex.imap.front().status == "BYE")
    return line(ex.imap.front().raw);
  // A `* BYE` instead of the answer to a command other than LOGOUT (no tagged completion): the
  // server ended the session (shutdown, overload, autologout), it did not answer the command.
  if (!ex.greeting && ex.verb != "LOGOUT") {
    const protocol::imap_response* bye = nullptr;
    for (const auto& r : ex.imap) {
      if (r.kind == protocol::imap_kind::tagged) return "";
      if (!bye && r.kind == protocol::imap_kind::untagged && r.status == "BYE") bye = &r;
    }
    if (bye) return line(bye->raw);
  }
  for (const auto& r : ex.pop3) {
    if (r.status != protocol::pop3_status::err) continue;
    std::string code = r.code;
    for (auto& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (code == "IN-USE" || code == "SYS/TEMP" || code == "LOGIN-DELAY") return line(r.status_line);
  }
  return "";
}

}  // namespace mailspec::session
