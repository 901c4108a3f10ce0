// What a session hands to the rules: the case result plus every exchange, parsed.
// Rules are passive: they read this and never do I/O.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "core/secret.hpp"
#include "protocol/imap.hpp"
#include "protocol/pop3.hpp"
#include "protocol/sasl_client.hpp"
#include "protocol/smtp.hpp"

namespace mailspec::session {

// One client command (or none, for the greeting) and the server's responses to it.
struct exchange {
  int step = -1;               // scenario step index
  std::string step_id;
  // The connection it belongs to: "" in a one-connection scenario (and the audit), the name from
  // "connections" otherwise, "setup" / "cleanup" for mailspec's own fixtures connections. Rules
  // that keep state across exchanges keep it per connection.
  std::string conn;
  std::string command;         // the line sent, redacted, without CRLF ("" for greeting / passive reads)
  std::string verb;            // upper-cased first word of the command ("EHLO", "LOGIN", "STARTTLS"; IMAP: after the tag)
  std::string tag;             // IMAP tag used, if any
  channel chan = channel::plain;
  bool greeting = false;       // the server's opening response
  bool pipelined = false;      // sent in the same write as another command (send_raw with several lines)
  int transcript_index = -1;   // transcript entry of the first response
  std::vector<protocol::smtp_reply> smtp;
  std::vector<protocol::imap_response> imap;  // untagged + continuation + tagged, in order
  std::vector<protocol::pop3_response> pop3;
  std::uint64_t elided_responses = 0;  // untagged responses read but not kept (over wire's bound)
  bool closed_after = false;   // the server closed the connection after these responses
  bool timed_out = false;      // no complete response: deadline, a framing/session bound, or an I/O error
};

// One SASL exchange of an auth step, as the client saw it: what it checked about the server
// (SCRAM nonce, syntax, iteration count, server signature) for the rules to judge.
struct sasl_record {
  std::size_t exchange = 0;  // index in record::exchanges
  std::string mechanism;
  std::vector<protocol::sasl::check> checks;
  std::string server_error;  // SCRAM e=, the XOAUTH2/OAUTHBEARER JSON error ("" when none)
};

struct record {
  case_result result;
  std::vector<exchange> exchanges;
  std::vector<sasl_record> sasl;
  bool tls_active_at_end = false;
  // Bytes the server sent that answered no command (after the last tagged / unsolicited).
  std::vector<std::string> unsolicited;
  // Every secret form of the case (values, base64 forms, derived blobs). A server may echo a
  // secret back; whatever is made from the exchanges later (rule findings) is redacted with it.
  secret_registry secrets;
};

// Redacts every text field of a case result that can hold server or client bytes: case and
// step messages, expected/actual/sent, findings, capabilities.
void redact_case(case_result& c, const secret_registry& secrets);

}  // namespace mailspec::session
