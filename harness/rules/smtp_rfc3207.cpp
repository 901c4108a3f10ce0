// RFC 3207 (SMTP STARTTLS): advertisement, the 220 reply, state reset after TLS, pre-TLS input.
#include <set>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

void starttls_advertised(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!is_ehlo(ex) || ex.chan != channel::plain || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    auto kw = protocol::smtp_ehlo_keywords(ex.smtp.front());
    if (has_word(kw, "STARTTLS")) c.held(&ex, "STARTTLS advertised");
    else c.broken(&ex, "STARTTLS among the EHLO keywords", ex.smtp.front().raw(), "STARTTLS is not offered");
  }
}

void starttls_reply(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb != "STARTTLS" || !cmd.reply) continue;
    int code = cmd.reply->code;
    // RFC 3207 binds servers that offer the extension: without STARTTLS in the EHLO reply in
    // force, 500/502/503 are RFC 5321's answers (OpenSMTPD: "503 5.5.1 Invalid command").
    auto kw = smtp_ehlo_before(c.rec, cmd.ex_index);
    if (code != 220 && !(kw && has_word(*kw, "STARTTLS"))) continue;
    if (code == 220 || code == 454 || code == 501 || code == 421) c.held(cmd.ex, cmd.reply->raw());
    else c.broken(cmd.ex, "220 Ready to start TLS (or 454 / 501)", cmd.reply->raw());
  }
}

void no_starttls_after_tls(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!is_ehlo(ex) || ex.chan != channel::tls || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    if (has_word(protocol::smtp_ehlo_keywords(ex.smtp.front()), "STARTTLS"))
      c.broken(&ex, "no STARTTLS keyword in the EHLO reply after TLS", ex.smtp.front().raw());
    else c.held(&ex);
  }
}

// After a completed STARTTLS upgrade the session is in its initial state again, so MAIL or AUTH
// before a new EHLO gets what it got before the first EHLO. RFC 5321 lets a server accept MAIL
// without EHLO (Postfix does), so acceptance is a fault only when the same connection showed the
// server refusing that command (503) before its first EHLO: it then kept the pre-TLS EHLO.
void fresh_ehlo_after_tls(context& c) {
  const auto all = smtp_commands(c.rec);
  for (const auto& group : by_connection(c.rec)) {
    const std::set<std::size_t> mine(group.begin(), group.end());
    std::set<std::string> refused_ungreeted;  // verbs refused with 503 before the first EHLO
    bool greeted = false, after_upgrade = false;
    for (const auto& cmd : all) {
      if (!mine.count(cmd.ex_index)) continue;
      const int code = cmd.reply ? cmd.reply->code : -1;
      if (cmd.verb == "STARTTLS" && code == 220) {
        after_upgrade = true;
        greeted = false;
        continue;
      }
      if (cmd.verb == "EHLO" || cmd.verb == "HELO") {
        greeted = greeted || (code >= 200 && code < 300);
        continue;
      }
      if (greeted || code < 0 || (cmd.verb != "MAIL" && cmd.verb != "AUTH")) continue;
      if (!after_upgrade) {
        if (code == 503 && cmd.ex->chan == channel::plain) refused_ungreeted.insert(cmd.verb);
        continue;
      }
      if (cmd.ex->chan != channel::tls) continue;
      const bool accepted = code >= 200 && code < 400;
      if (accepted && refused_ungreeted.count(cmd.verb))
        c.broken(cmd.ex, "503 (send EHLO first), as before the first EHLO: the SMTP state is reset after the TLS "
                         "handshake",
                 cmd.reply->raw(), "\"" + cmd.line + "\" was accepted before a new EHLO, refused before the first one");
      else c.held(cmd.ex, cmd.reply->raw());
      after_upgrade = false;  // the first such command only
    }
  }
}

void discard_pre_tls_input(context& c) {
  bool upgraded = false;
  for (const auto& t : c.rec.result.tls) {
    if (t.mode != "starttls") continue;
    upgraded = upgraded || t.handshake_ok;
    if (t.plaintext_bytes_before_handshake > 0) {
      c.broken_case("no server bytes between the 220 reply and the TLS handshake", t.plaintext_before_handshake,
                    std::to_string(t.plaintext_bytes_before_handshake) +
                        " plaintext bytes arrived before the handshake (answers to injected commands)");
      return;
    }
  }
  const auto& xs = c.rec.exchanges;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto& ex = xs[i];
    if (ex.verb != "STARTTLS" || ex.smtp.empty() || ex.smtp.front().code != 220) continue;
    if (ex.smtp.size() > 1) {
      return c.broken(&ex, "no reply to commands pipelined after STARTTLS", ex.smtp[1].raw(),
                      "the server answered a command sent in plaintext after STARTTLS");
    }
    if (i + 1 < xs.size()) {
      const auto& next = xs[i + 1];
      if (next.chan == channel::tls && next.smtp.size() > commands_in(c.rec, next))
        return c.broken(&next, "one reply per command sent after the handshake", next.smtp.front().raw(),
                        "an extra reply arrived over TLS: the server executed plaintext input received before "
                        "the handshake");
    }
  }
  if (upgraded) c.held_case();
}

}  // namespace

void add_smtp_rfc3207(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc3207/2/starttls-advertised", "smtp", "RFC 3207 §2", level::info,
                  "Summary: the EHLO keyword value associated with the extension is STARTTLS; (Observation: whether the "
                  "server offers STARTTLS on this port.)",
                  starttls_advertised));
  v.push_back(row("smtp/rfc3207/4/starttls-reply", "smtp", "RFC 3207 §4", level::must,
                  "Summary: After the client gives the STARTTLS command, the server responds with one of the following reply "
                  "codes: 220 Ready to start TLS / 501 Syntax error (no parameters allowed) / 454 TLS not available "
                  "due to temporary reason",
                  starttls_reply));
  v.push_back(row("smtp/rfc3207/4.2/no-starttls-after-tls", "smtp", "RFC 3207 §4.2", level::must,
                  "Summary: A server MUST NOT return the STARTTLS extension in response to an EHLO command received after "
                  "a TLS handshake has completed.",
                  no_starttls_after_tls, severity::low));
  v.push_back(row("smtp/rfc3207/4.2/fresh-ehlo-after-tls", "smtp", "RFC 3207 §4.2", level::must,
                  "Summary: Upon completion of the TLS handshake, the SMTP protocol is reset to the initial state (the state "
                  "in SMTP after a server issues a 220 service ready greeting). The server MUST discard any "
                  "knowledge obtained from the client, such as the argument to the EHLO command, which was not "
                  "obtained from the TLS negotiation itself. (MAIL or AUTH before a new EHLO is answered as before "
                  "the first EHLO: a server that refused it then and accepts it now kept the pre-TLS EHLO.)",
                  fresh_ehlo_after_tls, severity::medium));
  v.push_back(row("smtp/rfc3207/4.2/transaction-reset-after-tls", "smtp", "RFC 3207 §4.2", level::must,
                  "Upon completion of the TLS handshake, the SMTP protocol is reset to the initial state (the state "
                  "in SMTP after a server issues a 220 service ready greeting). The server MUST discard any "
                  "knowledge obtained from the client, such as the argument to the EHLO command, which was not "
                  "obtained from the TLS negotiation itself. (A MAIL accepted before STARTTLS opens no transaction "
                  "after it: RCPT or DATA without a new MAIL is out of sequence.)",
                  [](context& c) { judge_transaction(c, {txn_cleared::starttls}); }, severity::medium));
  v.push_back(row("smtp/rfc3207/4.2/discard-pre-tls-input", "smtp", "RFC 3207 §4.2, §6", level::must,
                  "Summary: The server MUST discard any knowledge obtained from the client, such as the argument to the EHLO "
                  "command, which was not obtained from the TLS negotiation itself. (§4.2) ... Before the TLS "
                  "handshake has begun, any protocol interactions are performed in the clear and may be modified by "
                  "an active attacker. For this reason, clients and servers MUST discard any knowledge obtained "
                  "prior to the start of the TLS handshake upon completion of the TLS handshake. (§6; so a command "
                  "received in plaintext before the handshake must not be executed)",
                  discard_pre_tls_input, severity::high));
}

}  // namespace mailspec::rules::detail
