// What a client's command is, read by the scripted server: its tag and verb, its role for the
// oracle, and the credentials it carries (the secret, and every form in which it is on the wire,
// so the transcript can be redacted before the line is recorded). Pure functions, no I/O.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::server {

struct command {
  std::string tag;   // IMAP only
  std::string verb;  // upper-cased
  std::string args;  // the rest, CRLF removed (IMAP literals included as they came)
};
// base: smtp | imap | pop3.
command parse_command(std::string_view base, std::string_view line);

// discovery: capability queries, NOOP; tls: STARTTLS/STLS; auth: anything that carries or
// starts credentials; quit: QUIT/LOGOUT; data: everything that reads or sends mail (or is unknown).
enum class role { discovery, tls, auth, quit, data };
role role_of(std::string_view base, std::string_view verb);

struct credential {
  std::string mechanism;           // LOGIN, USER/PASS, APOP, AUTHENTICATE PLAIN, AUTH LOGIN, ...
  std::string secret;              // what the fingerprint is made of: the password, else the blob
  std::vector<std::string> forms;  // exact byte strings to redact besides the secret (and its base64)
};

// IMAP `LOGIN user pass` (atoms, quoted strings, literals); POP3 `PASS x`, `APOP user digest`.
std::optional<credential> command_credential(std::string_view base, const command& c);
// An AUTH/AUTHENTICATE command: its mechanism (upper-cased) and initial response ("" = none;
// "=" = an empty one).
struct sasl_start {
  std::string mechanism;
  std::string initial;
};
std::optional<sasl_start> sasl_of(std::string_view base, const command& c);
// One SASL client response (base64) of `mechanism`, the step-th of the exchange (0-based; the
// initial response counts). LOGIN: step 0 is the user name (no secret), step 1 the password.
// nullopt when the response carries no secret (a user name, a "*" cancel, invalid base64 for a
// mechanism that needs decoding).
std::optional<credential> sasl_credential(const std::string& label, std::string_view mechanism, std::string_view response,
                                          int step);

// Keyed fingerprint of a secret: "hmac-sha256:" + the first 16 hex digits of HMAC-SHA256(key, secret).
std::string fingerprint(std::string_view key, std::string_view secret);

// "A001" -> "A002", "a9" -> "a10", "1" -> "2"; "" when the tag ends in no digit.
std::string next_tag(std::string_view tag);

}  // namespace mailspec::server
