// Scenario format v1 as a validated in-memory model (docs/architecture.md).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/service.hpp"
#include "scenario/matcher.hpp"

namespace mailspec::scenario {

// The protocol, TLS mode and verification of a scenario are the shared enums of core/service.hpp.
using mailspec::protocol_kind;
using mailspec::tls_mode;
using mailspec::verify_mode;
using mailspec::to_string;

struct variable {
  std::string name;
  std::optional<std::string> env;    // environment variable to read
  std::optional<std::string> value;  // inline value (never for secrets)
  bool secret = false;
};

// Something that may contain ${...} references; expanded at run time.
struct templ {
  std::string text;
};

struct starttls_action {
  verify_mode verify = verify_mode::hostname;
  std::string min_version;  // "" | "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3"
  std::optional<templ> sni;
};

struct auth_action {
  std::string mechanism;  // upper-cased, one of protocol::sasl::supported_mechanisms(), or APOP (POP3)
  templ user;             // empty for EXTERNAL
  templ pass;             // password mechanisms only (PLAIN, LOGIN, CRAM-MD5, SCRAM-*, APOP)
  std::optional<templ> token;    // OAuth 2.0 bearer token (XOAUTH2, OAUTHBEARER); always a secret
  std::optional<templ> authzid;
  // "initial_response": send the initial response with the command (SMTP: the default; IMAP:
  // SASL-IR, RFC 4959; POP3: RFC 5034 §4). nullopt: the protocol's default (SMTP yes, else no).
  std::optional<bool> initial_response;
};

struct send_action { templ line; };            // CRLF appended
struct send_raw_action { templ bytes; };       // exact bytes: the JSON string after JSON's own escapes
struct message_action { std::vector<templ> lines; };  // dot-stuffed, ended with CRLF.CRLF
struct sleep_action { std::int64_t ms = 0; };
struct expect_close_action {
  std::int64_t timeout_ms = 5000;
  bool no_data = false;  // "no_data": anything the server sends before it closes fails the step
};
// SMTP BDAT (RFC 3030): "BDAT <size>[ LAST]" and exactly <size> octets of data, one reply.
struct bdat_action {
  std::optional<templ> data;   // the chunk as it is (JSON escapes), or
  std::vector<templ> lines;    // lines, each ended with CRLF (no dot-stuffing)
  bool last = false;
};
struct expect_only_action {};

using action = std::variant<expect_only_action, send_action, send_raw_action, starttls_action, auth_action,
                            message_action, sleep_action, expect_close_action, bdat_action>;

struct smtp_expect {
  std::vector<int> codes;         // exact codes
  std::vector<int> classes;       // "2xx" -> 2
  std::optional<matcher> enhanced;
  std::vector<matcher> lines;     // in order, one per reply line
  std::vector<matcher> contains;  // any order, anywhere in the reply lines
};

struct imap_expect {
  std::vector<std::string> status;  // OK/NO/BAD (upper-cased); empty = any
  std::optional<std::string> code;  // response code name, e.g. "PRIVACYREQUIRED"
  std::vector<matcher> untagged;    // each must match some untagged line (any order)
  bool extra_untagged_fail = false; // extra_untagged: "fail"
};

struct pop3_expect {
  std::optional<bool> ok;           // +OK -> true, -ERR -> false
  std::optional<bool> multiline;
  std::vector<matcher> lines;       // body lines, in order (or the status line for single-line)
};

// "assert": a check over captured values or counts (docs/scenario-format.md, "Assertions").
struct assertion {
  enum class op { eq, ne, lt, le, gt, ge, in, matches };
  std::optional<templ> that;            // the subject: a template such as "${cap.hits|count}"
  std::optional<matcher> count;         // or: how many responses (IMAP untagged, SMTP/POP3 lines) match
  op oper = op::eq;
  std::vector<templ> operands;          // one; several for "in"
  std::string source;                   // the assertion as written, for messages
};

std::string_view to_string(assertion::op o);

struct expectation {
  std::optional<smtp_expect> smtp;
  std::optional<imap_expect> imap;
  std::optional<pop3_expect> pop3;
  bool save_capabilities = false;
  bool explicit_given = false;      // the step had an "expect" object
  std::vector<std::string> capabilities;  // must be advertised by this response (upper-cased)
  std::vector<assertion> asserts;   // "assert", judged after the matchers
  std::vector<expectation> any_of;  // alternatives: the first that holds decides (one level only)
  std::string label;                // an alternative's optional name
  bool warn = false;                // an alternative the RFC allows only against a SHOULD: a warn when it holds
};

struct source_pos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string pointer;  // JSON pointer, e.g. "/steps/3"
};

struct step {
  int index = 0;
  std::string id;                   // given id, or "step-N" (N = index, 0-based like /steps/N)
  std::string conn;                 // the connection it runs on ("" in a one-connection scenario)
  action act;
  std::optional<expectation> expect;
  std::optional<std::int64_t> timeout_ms;
  // send_raw: how many replies to read (default: one per LF in the bytes, i.e. pipelined command
  // lines); 1 for message data sent raw after a 354.
  std::optional<int> replies;
  source_pos pos;
};

struct timeouts {
  std::int64_t connect_ms = 5000;
  std::int64_t tls_ms = 10000;
  std::int64_t step_ms = 10000;
};

// One connection of a scenario: "connection" gives one named "", "connections" named ones.
struct connection_spec {
  std::string name;
  int port = 0;
  tls_mode tls = tls_mode::none;
};

// An RFC 5322 message file, read and checked at load time, stored with CRLF line ends.
struct fixture_message {
  std::string file;                 // as written in the scenario
  std::string path;                 // the file that was read
  std::string content;
  std::vector<std::string> flags;   // IMAP APPEND flags
};

// "fixtures": messages appended to a scratch mailbox (IMAP) or submitted (SMTP) before the steps.
struct fixtures_spec {
  std::vector<fixture_message> messages;
  std::optional<templ> user, pass;  // IMAP LOGIN; SMTP AUTH PLAIN (optional)
  std::optional<templ> from;        // SMTP envelope
  std::vector<templ> to;
};

struct scenario {
  int format = 1;
  std::string id;
  std::string title;
  protocol_kind protocol = protocol_kind::smtp;
  int port = 0;                     // the first step's connection (what --port maps and reports show)
  tls_mode tls = tls_mode::none;
  std::vector<connection_spec> connections;  // at least one; "" alone for "connection"
  std::optional<fixtures_spec> fixtures;
  std::vector<std::string> required_capabilities;  // upper-cased
  std::vector<std::string> refs;
  bool mutates = false;
  bool allow_plaintext_secrets = false;
  timeouts time;
  std::map<std::string, variable> vars;
  std::vector<step> steps;
  std::string file;  // path it was loaded from
  source_pos id_pos;  // where "id" is in the file (for duplicate-id errors)

  const connection_spec* find_connection(const std::string& name) const {
    for (const auto& c : connections)
      if (c.name == name) return &c;
    return nullptr;
  }
};

}  // namespace mailspec::scenario
