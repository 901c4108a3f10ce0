// RFC 5321 (SMTP), the state model's rules (docs/architecture.md, "The state model"): the mail
// transaction as the server's own replies built it (MAIL, RCPT, DATA accepted or not) and what
// ended it (RSET, EHLO, STARTTLS, a delivered message), per connection; and commands no server
// can know.
#include <algorithm>
#include <set>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

bool positive(int code) { return code >= 200 && code < 400; }

struct transaction {
  bool mail = false, rcpt = false, in_data = false;
  bool unknown = false;  // a reply left the state unclear (DATA or RSET refused): judge nothing
  txn_cleared why = txn_cleared::never;
  // Ends the transaction. Only a transaction that was open names what ended it: RSET or EHLO with
  // nothing open change nothing (RFC 5321 §4.1.1.5: then "effectively equivalent to a NOOP").
  void clear(txn_cleared w) { *this = transaction{false, false, false, false, mail || in_data ? w : why}; }
};

// The state change a reply makes (RFC 5321 §4.1.1, §4.1.4; RFC 3207 §4.2).
void advance(transaction& t, const smtp_cmd& cmd, int code) {
  const bool ok = code >= 200 && code < 300;
  const std::string& v = cmd.verb;
  if (t.in_data) {
    t.clear(txn_cleared::message_done);  // the message's reply ends the transaction, whatever it says
  } else if (v == "MAIL" && ok) {
    t.mail = true;
    t.unknown = false;
  } else if (v == "RCPT" && ok && t.mail) {
    t.rcpt = true;
  } else if (v == "DATA") {
    t.in_data = code == 354;
    t.unknown = t.unknown || code >= 400;  // a refused DATA may or may not end the transaction
  } else if (v == "RSET") {
    if (ok) t.clear(txn_cleared::rset);
    else t.unknown = true;
  } else if ((v == "EHLO" || v == "HELO") && ok) {
    t.clear(txn_cleared::ehlo);
  } else if (v == "STARTTLS" && code == 220) {
    t.clear(txn_cleared::starttls);
  }
}

}  // namespace

void judge_transaction(context& c, const std::vector<txn_cleared>& causes) {
  auto judged = [&](txn_cleared w) { return std::find(causes.begin(), causes.end(), w) != causes.end(); };
  const auto all = smtp_commands(c.rec);
  for (const auto& group : by_connection(c.rec)) {
    const std::set<std::size_t> mine(group.begin(), group.end());
    transaction t;
    for (const auto& cmd : all) {
      if (!mine.count(cmd.ex_index)) continue;
      const int code = cmd.reply ? cmd.reply->code : -1;
      const bool rcpt = cmd.verb == "RCPT", data = cmd.verb == "DATA" && !t.in_data;
      if ((rcpt || data) && code >= 200 && !t.unknown) {
        // DATA after MAIL without an accepted RCPT is the command sequence's case, whatever ended
        // an earlier transaction.
        const txn_cleared why = data && t.mail ? txn_cleared::never : t.why;
        const bool in_order = rcpt ? t.mail : t.rcpt;
        if (!in_order && judged(why)) {
          if (!positive(code)) c.held(cmd.ex, cmd.reply->raw());
          else
            c.broken(cmd.ex,
                     rcpt ? "503 to RCPT without an accepted MAIL" : "503 (or 554) to DATA without an accepted RCPT",
                     cmd.reply->raw(), "\"" + cmd.line + "\" was accepted " + describe(why));
        } else if (in_order && positive(code) && judged(txn_cleared::never)) {
          c.held(cmd.ex);
        }
      }
      if (code >= 0 || t.in_data) advance(t, cmd, code);
    }
  }
}

std::string describe(txn_cleared w) {
  switch (w) {
    case txn_cleared::never: return "with no mail transaction open";
    case txn_cleared::message_done: return "after the previous message ended the transaction";
    case txn_cleared::rset: return "after RSET discarded the transaction";
    case txn_cleared::ehlo: return "after EHLO reset the session";
    case txn_cleared::starttls: return "after STARTTLS reset the session (a MAIL sent before TLS does not count)";
  }
  return {};
}

namespace {

// Verbs a server may know: RFC 5321, its extensions in use, and X-commands (private, §4.1.5).
bool known_verb(const std::string& v) {
  static const std::set<std::string> verbs = {
      "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "EXPN", "HELP", "NOOP", "QUIT", "STARTTLS",
      "AUTH", "BDAT", "ETRN", "ATRN", "TURN", "SEND", "SOML", "SAML", "VERB", "ONEX", "LHLO", "DATA-BODY"};
  return verbs.count(v) || v.front() == 'X';
}

bool command_word(const std::string& v) {
  if (v.empty() || v.size() > 32) return false;
  for (char ch : v)
    if (ch < 'A' || ch > 'Z') return false;
  return true;
}

void unrecognized_refused(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    // A pipelined write may hold message text; only single commands are judged.
    if (cmd.ex->pipelined || !cmd.reply || cmd.reply->code < 0 || !command_word(cmd.verb) || known_verb(cmd.verb))
      continue;
    auto kw = smtp_ehlo_before(c.rec, cmd.ex_index);
    if (kw && has_word(*kw, cmd.verb)) continue;  // an extension the server announced
    if (!positive(cmd.reply->code)) c.held(cmd.ex, cmd.reply->raw());
    else
      c.broken(cmd.ex, "500 (command not recognized) to \"" + cmd.verb + "\"", cmd.reply->raw(),
               "the server accepted a command no SMTP server defines");
  }
}

}  // namespace

void add_smtp_rfc5321_state(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc5321/4.1.4/command-sequence", "smtp", "RFC 5321 §4.1.4 (§3.3 on the transaction)", level::must,
                  "If the commands in a transaction are out of order to the degree that they cannot be processed "
                  "by the server, a 503 failure reply MUST be returned and the SMTP server MUST stay in the same "
                  "state. (RCPT without an accepted MAIL, DATA without an accepted RCPT; after RSET, EHLO and "
                  "STARTTLS their own rules judge)",
                  [](context& c) { judge_transaction(c, {txn_cleared::never, txn_cleared::message_done}); }));
  v.push_back(row("smtp/rfc5321/4.1.1.5/rset-clears-transaction", "smtp", "RFC 5321 §4.1.1.5", level::must,
                  "This command specifies that the current mail transaction will be aborted. Any stored sender, "
                  "recipients, and mail data MUST be discarded, and all buffers and state tables cleared. (RCPT or "
                  "DATA after RSET without a new MAIL is out of sequence)",
                  [](context& c) { judge_transaction(c, {txn_cleared::rset}); }));
  v.push_back(row("smtp/rfc5321/4.1.4/ehlo-clears-transaction", "smtp", "RFC 5321 §4.1.4", level::must,
                  "An EHLO command MAY be issued by a client later in the session. If it is issued after the "
                  "session begins and the EHLO command is acceptable to the SMTP server, the SMTP server MUST clear "
                  "all buffers and reset the state exactly as if a RSET command had been issued.",
                  [](context& c) { judge_transaction(c, {txn_cleared::ehlo}); }));
  v.push_back(row("smtp/rfc5321/4.2.4/unrecognized-command-refused", "smtp", "RFC 5321 §4.2.4", level::should,
                  "502 SHOULD be used when the command is actually recognized by the SMTP server, but not "
                  "implemented. If the command is not recognized, code 500 SHOULD be returned. (A command no SMTP "
                  "specification defines, not an X-command and not announced in EHLO, answered with 2xx or 3xx is "
                  "judged; 502 is taken as a refusal)",
                  unrecognized_refused));
}

}  // namespace mailspec::rules::detail
