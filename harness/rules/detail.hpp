// Internal helpers shared by the rule files (not part of the public API).
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "rules/rules.hpp"

namespace mailspec::rules::detail {

using session::exchange;
using session::record;

// The connection an exchange belongs to: "" in a one-connection record; the scenario's connection
// name once exchanges carry one (`exchange::conn`). Rules that keep state across exchanges (the
// state model, docs/architecture.md) keep it per connection: a second client has its own view.
template <class Exchange>
std::string_view connection_of(const Exchange& ex) {
  if constexpr (requires { ex.conn; }) return ex.conn;
  else return {};
}
// The record's exchange indices grouped by connection (in the order each connection first
// appears), each group in record order.
std::vector<std::vector<std::size_t>> by_connection(const record& rec);

// The add_* functions of the rule files, called in this order by registry.cpp.
void add_smtp_rfc5321(std::vector<rule>& v);
void add_smtp_rfc5321_session(std::vector<rule>& v);
void add_smtp_rfc3207(std::vector<rule>& v);
void add_smtp_rfc4954(std::vector<rule>& v);
void add_smtp_rfc1870(std::vector<rule>& v);
void add_smtp_rfc2920(std::vector<rule>& v);
void add_smtp_rfc6152(std::vector<rule>& v);
void add_smtp_rfc3463(std::vector<rule>& v);
void add_smtp_rfc5321_state(std::vector<rule>& v);
void add_pop3_rfc1939(std::vector<rule>& v);
void add_pop3_rfc2449(std::vector<rule>& v);
void add_pop3_rfc2595(std::vector<rule>& v);
void add_pop3_rfc1939_state(std::vector<rule>& v);
void add_imap_rfc9051(std::vector<rule>& v);
void add_imap_rfc9051_session(std::vector<rule>& v);
void add_imap_rfc5530(std::vector<rule>& v);
void add_imap_rfc9051_state(std::vector<rule>& v);
void add_imap_rfc7162_state(std::vector<rule>& v);
void add_tls_rfc8996(std::vector<rule>& v);
void add_tls_cipher(std::vector<rule>& v);
void add_tls_cert(std::vector<rule>& v);
void add_tls_starttls(std::vector<rule>& v);
void add_tls_rfc8314(std::vector<rule>& v);
void add_sasl_rfc5802(std::vector<rule>& v);
void add_sasl_rfc7677(std::vector<rule>& v);
// SASL rules: one finding per check the session's SASL client recorded with this id.
void sasl_checks(context& c, std::string_view check_id);

bool has_word(const std::vector<std::string>& words, std::string_view w);  // case-insensitive
std::vector<std::string> split_ws(std::string_view s);
bool all_digits(std::string_view s);  // non-empty, ASCII digits only
std::string num(std::uint64_t n);     // decimal, for messages
bool has_defect(const std::vector<protocol::defect>& d, protocol::defect_kind k);
std::string defect_detail(const std::vector<protocol::defect>& d, protocol::defect_kind k);

// The lines the client sent in this exchange: several for a pipelined send_raw (taken from the
// step's `sent`), else the one command. Empty for greetings and passive reads.
std::vector<std::string> sent_lines(const record& rec, const exchange& ex);
// Number of replies the exchange should have: one per command line (0 for passive reads).
std::size_t commands_in(const record& rec, const exchange& ex);

// The time the case started (epoch seconds), from case_result.started; nullopt if unparsable.
std::optional<std::int64_t> parse_iso8601(std::string_view s);

// SMTP
bool is_ehlo(const exchange& ex);
const protocol::smtp_reply* last_reply(const exchange& ex);
// The EHLO keywords advertised by the most recent 250 EHLO reply before exchange index `upto`
// (nullopt when none, or when a STARTTLS upgrade since then reset the session).
std::optional<std::vector<std::string>> smtp_ehlo_before(const record& rec, std::size_t upto);
// EHLO extension lines (after the first) of every 250 EHLO reply, with the exchange.
struct ehlo_line {
  const exchange* ex;
  std::string line;
};
std::vector<ehlo_line> smtp_ehlo_lines_all(const record& rec);

// Every SMTP command sent, with its reply (nullptr when none came): pipelined lines are
// paired with the replies in order. The message body of DATA appears with verb "DATA-BODY".
struct smtp_cmd {
  std::size_t ex_index;
  const exchange* ex;
  std::string line;
  std::string verb;
  const protocol::smtp_reply* reply;
};
std::vector<smtp_cmd> smtp_commands(const record& rec);
// Domain or address literal as in RFC 5321 §4.1.2 (Domain / address-literal).
bool smtp_domain_ok(std::string_view s);

// Tracks the SMTP mail transaction (RFC 5321 §3.3) across exchanges.
struct smtp_transaction {
  bool mail_ok = false;
  bool rcpt_ok = false;
  bool in_data = false;  // DATA got 354: the next exchange carries the message
  bool authed = false;
  // Call after judging an exchange, with its verb and final code.
  void after(std::string_view verb, int code);
  bool open() const { return mail_ok; }
};

// The first byte of server text that no reply grammar admits: NUL; a control character other than
// HT (when `controls` is false: SMTP textstring, RFC 5321 §4.2); a byte that is not part of
// well-formed UTF-8 (\xff, \xc3\x28, overlongs, surrogates). Well-formed UTF-8 is left to the
// ASCII rules. nullopt when the text is clean.
struct bad_byte {
  std::size_t at = 0;
  std::string what;  // "NUL (0x00)", "control character 0x1b", "invalid UTF-8 byte 0xff"
};
std::optional<bad_byte> first_bad_text_byte(std::string_view s, bool controls);
// The SMTP mail transaction as the server's replies built it, and what ended the last one. A RCPT
// or DATA accepted out of sequence is judged by the rule of what ended the transaction: the command
// sequence (none opened, or a message completed), RSET, EHLO, or STARTTLS (RFC 3207 §4.2).
enum class txn_cleared { never, message_done, rset, ehlo, starttls };
void judge_transaction(context& c, const std::vector<txn_cleared>& causes);
std::string describe(txn_cleared w);

// POP3 / IMAP
std::optional<std::vector<std::string>> pop3_capa(const exchange& ex);  // CAPA +OK body lines, upper-cased
std::vector<std::string> imap_caps_in(const exchange& ex);               // CAPABILITY atoms in an exchange

}  // namespace mailspec::rules::detail
