// RFC 5321 (SMTP): replies per command (the §4.3.2 table), QUIT, closing, RSET and NOOP replies. The
// mail transaction (command sequence, RSET and EHLO clearing it) is judged in smtp_rfc5321_state.cpp.
#include <map>
#include <set>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

// RFC 5321 §4.3.2 "Command-Reply Sequences", plus RFC 3207 (STARTTLS) and RFC 4954 (AUTH),
// as data. Codes any command may get: 421 (§4.2.3), 500/501/502/503/504 (§4.2.4), 530
// (RFC 4954 §6, authentication required) and 554 (policy, §3.3 / §4.2.3).
const std::map<std::string, std::set<int>>& reply_table() {
  static const std::map<std::string, std::set<int>> t = {
      {"EHLO", {250, 504, 550, 502}},
      {"HELO", {250, 504, 550, 502}},
      {"MAIL", {250, 552, 451, 452, 550, 553, 503, 455, 555}},
      {"RCPT", {250, 251, 550, 551, 552, 553, 450, 451, 452, 503, 455, 555}},
      {"DATA", {354, 503, 554, 451, 452, 450, 550}},
      {"DATA-BODY", {250, 552, 554, 451, 452, 450, 550}},
      {"RSET", {250}},
      {"VRFY", {250, 251, 252, 550, 551, 553, 502, 504}},
      {"EXPN", {250, 252, 550, 500, 502, 504}},
      {"HELP", {211, 214, 502, 504}},
      {"NOOP", {250}},
      {"QUIT", {221}},
      {"STARTTLS", {220, 454, 501}},
      {"AUTH", {235, 334, 432, 454, 534, 535, 538}},
  };
  return t;
}

bool generic_code(int code) {
  return code == 421 || (code >= 500 && code <= 504) || code == 530 || code == 554;
}

void reply_codes_per_command(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    auto it = reply_table().find(cmd.verb);
    if (it == reply_table().end() || !cmd.reply || cmd.reply->code < 0) continue;
    int code = cmd.reply->code;
    if (it->second.count(code) || generic_code(code)) {
      c.held(cmd.ex);
      continue;
    }
    std::string allowed;
    for (int a : it->second) allowed += (allowed.empty() ? "" : ", ") + std::to_string(a);
    c.broken(cmd.ex, cmd.verb + ": one of " + allowed + " (or 421, 500-504, 530, 554)", cmd.reply->raw());
  }
}

void one_reply_per_command(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.command.empty() || ex.pipelined || ex.timed_out || ex.verb == "AUTH") continue;
    if (ex.smtp.empty() && ex.closed_after) continue;  // judged by the closing rule
    if (ex.smtp.size() == 1) {
      c.held(&ex);
      continue;
    }
    std::string raw;
    for (const auto& r : ex.smtp) raw += r.raw();
    c.broken(&ex, "exactly one reply to \"" + ex.command + "\"", raw, std::to_string(ex.smtp.size()) + " replies");
  }
}

void quit_221(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    // 421 may answer any command (§4.2.3): a server shutting down or throttling is untested
    // (docs/architecture.md), and the 421-then-close rule judges it.
    if (cmd.verb != "QUIT" || !cmd.reply || cmd.reply->code == 421) continue;
    if (cmd.reply->code == 221) c.held(cmd.ex);
    else c.broken(cmd.ex, "221", cmd.reply->raw());
  }
}

// After exchange i ended with a closing reply: did the server close, or keep answering?
// Returns 1 closed, 0 kept answering, -1 unknown.
int closed_after_reply(const record& rec, std::size_t i, std::string* evidence_out) {
  if (rec.exchanges[i].closed_after) return 1;
  for (std::size_t k = i + 1; k < rec.exchanges.size(); ++k) {
    const auto& ex = rec.exchanges[k];
    if (ex.conn != rec.exchanges[i].conn) continue;  // another connection of the scenario goes on
    if (!ex.smtp.empty()) {
      *evidence_out = ex.smtp.front().raw();
      return 0;
    }
    if (ex.closed_after) return 1;
    if (ex.command.empty() && ex.timed_out) {
      *evidence_out = "(connection still open)";
      return 0;
    }
  }
  return -1;
}

void quit_close(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb != "QUIT" || !cmd.reply || cmd.reply->code != 221) continue;
    std::string ev;
    int r = closed_after_reply(c.rec, cmd.ex_index, &ev);
    if (r == 1) c.held(cmd.ex);
    if (r == 0) c.broken(cmd.ex, "the server closes the connection after 221", ev);
  }
}

void after_421_close(context& c) {
  for (std::size_t i = 0; i < c.rec.exchanges.size(); ++i) {
    const auto& ex = c.rec.exchanges[i];
    if (ex.smtp.empty() || ex.smtp.back().code != 421) continue;
    std::string ev;
    int r = closed_after_reply(c.rec, i, &ev);
    if (r == 1) c.held(&ex);
    if (r == 0) c.broken(&ex, "the server closes the connection after 421", ev);
  }
}

void close_only_after_221_421(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!ex.closed_after || ex.command.empty()) continue;
    int code = ex.smtp.empty() ? -1 : ex.smtp.back().code;
    if (code == 221 || code == 421) c.held(&ex);
    else
      c.broken(&ex, "no close except after 221 (QUIT) or 421",
               ex.smtp.empty() ? std::string("(closed without a reply)") : ex.smtp.back().raw(),
               "the server closed the connection after \"" + ex.command + "\"");
  }
}

template <int Code>
void plain_command(context& c, const char* verb) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb != verb || !cmd.reply || cmd.reply->code == 421) continue;
    if (split_ws(cmd.line).size() != 1) continue;  // judged without arguments only
    if (cmd.reply->code == Code) c.held(cmd.ex);
    else c.broken(cmd.ex, std::to_string(Code), cmd.reply->raw());
  }
}

}  // namespace

void add_smtp_rfc5321_session(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc5321/4.3.2/reply-codes-per-command", "smtp", "RFC 5321 §4.3.2, §4.3.1, §4.2", level::should,
                  "An SMTP server SHOULD send only the reply codes listed in this document. (§4.2) ... The table "
                  "below lists alternative success and failure replies for each command. These SHOULD be strictly "
                  "adhered to. (§4.3.1; the table of each command with its usual possible replies is §4.3.2)",
                  reply_codes_per_command));
  v.push_back(row("smtp/rfc5321/4.2/one-reply-per-command", "smtp", "RFC 5321 §4.2", level::must,
                  "Every command MUST generate exactly one reply.", one_reply_per_command));
  v.push_back(row("smtp/rfc5321/4.1.1.10/quit-221", "smtp", "RFC 5321 §4.1.1.10", level::must,
                  "This command specifies that the receiver MUST send a \"221 OK\" reply, and then close the "
                  "transmission channel.", quit_221));
  v.push_back(row("smtp/rfc5321/4.1.1.10/quit-close", "smtp", "RFC 5321 §4.1.1.10", level::must,
                  "This command specifies that the receiver MUST send a \"221 OK\" reply, and then close the "
                  "transmission channel.", quit_close));
  v.push_back(row("smtp/rfc5321/4.2.3/421-then-close", "smtp", "RFC 5321 §4.2.3, §3.8", level::must,
                  "421 <domain> Service not available, closing transmission channel (This may be a reply to any "
                  "command if the service knows it must shut down)",
                  after_421_close));
  v.push_back(row("smtp/rfc5321/3.8/close-only-after-221-or-421", "smtp", "RFC 5321 §3.8", level::must,
                  "An SMTP server MUST NOT intentionally close the connection under normal operational "
                  "circumstances (see Section 7.8) except: ... After receiving a QUIT command and responding with a "
                  "221 reply. ... After detecting the need to shut down the SMTP service and returning a 421 "
                  "response code. ... (The third exception, a timeout waiting for the client, does not apply to a client that is "
                  "still talking.)",
                  close_only_after_221_421));
  v.push_back(row("smtp/rfc5321/4.1.1.5/rset-250", "smtp", "RFC 5321 §4.1.1.5", level::must,
                  "The receiver MUST send a \"250 OK\" reply to a RSET command with no arguments.",
                  [](context& c) { plain_command<250>(c, "RSET"); }));
  v.push_back(row("smtp/rfc5321/4.1.1.9/noop-250", "smtp", "RFC 5321 §4.1.1.9", level::must,
                  "This command does not affect any parameters or previously entered commands. It specifies no "
                  "action other than that the receiver send a \"250 OK\" reply.",
                  [](context& c) { plain_command<250>(c, "NOOP"); }));
}

}  // namespace mailspec::rules::detail
