// RFC 4954 (SMTP AUTH): advertisement before TLS, keyword syntax, reply codes and sequencing.
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

std::vector<std::string> auth_mechanisms(const protocol::smtp_reply& ehlo) {
  for (const auto& line : protocol::smtp_ehlo_lines(ehlo)) {
    auto w = split_ws(line);
    if (!w.empty() && upper(w.front()) == "AUTH") return {w.begin() + 1, w.end()};
  }
  return {};
}

void auth_plain_before_tls(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!is_ehlo(ex) || ex.chan != channel::plain || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    auto mechs = auth_mechanisms(ex.smtp.front());
    if (has_word(mechs, "PLAIN") || has_word(mechs, "LOGIN"))
      c.broken(&ex, "no PLAIN or LOGIN mechanism offered before TLS", ex.smtp.front().raw(),
               "passwords would cross the network in the clear");
    else c.held(&ex);
  }
}

bool mech_name_ok(std::string_view m) {
  if (m.empty() || m.size() > 20) return false;
  for (char ch : m)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) return false;
  return true;
}

void auth_keyword_syntax(context& c) {
  for (const auto& l : smtp_ehlo_lines_all(c.rec)) {
    auto w = split_ws(l.line);
    if (w.empty() || upper(w.front()) != "AUTH") continue;
    bool ok = w.size() > 1;
    for (std::size_t i = 1; i < w.size(); ++i) ok = ok && mech_name_ok(w[i]);
    if (ok) c.held(l.ex, l.line);
    else c.broken(l.ex, "AUTH followed by one or more SASL mechanism names (1-20 of A-Z 0-9 - _)", l.line);
  }
}

void auth_after_success(context& c) {
  bool authed = false;
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb == "STARTTLS" && cmd.reply && cmd.reply->code == 220) authed = false;
    if (cmd.verb != "AUTH" || !cmd.reply) continue;
    if (authed) {
      if (cmd.reply->code == 503) c.held(cmd.ex);
      else c.broken(cmd.ex, "503 to a second AUTH after a successful one", cmd.reply->raw());
    }
    if (cmd.reply->code == 235) authed = true;
  }
}

void auth_in_transaction(context& c) {
  smtp_transaction t;
  for (const auto& cmd : smtp_commands(c.rec)) {
    const int code = cmd.reply ? cmd.reply->code : -1;
    if (cmd.verb == "AUTH" && cmd.reply && t.open() && !t.in_data) {
      if (code == 503) c.held(cmd.ex);
      else c.broken(cmd.ex, "503 to AUTH during a mail transaction", cmd.reply->raw());
    }
    if (code >= 0) t.after(cmd.verb, code);
  }
}

void no_538_over_tls(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb != "AUTH" || !cmd.reply || cmd.reply->code < 0) continue;
    if (cmd.ex->chan == channel::tls && cmd.reply->code == 538)
      c.broken(cmd.ex, "538 only when the channel is not encrypted", cmd.reply->raw());
    else c.held(cmd.ex);
  }
}

}  // namespace

void add_smtp_rfc4954(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc4954/4/auth-plain-before-tls", "smtp", "RFC 4954 §4, §9", level::should,
                  "Summary: Server sites SHOULD NOT use any configuration which permits a plaintext password mechanism "
                  "without such a protection mechanism against password snooping. (§4) ... If an implementation "
                  "supports SASL mechanisms that are vulnerable to passive eavesdropping attacks (such as [PLAIN]), "
                  "then the implementation MUST support at least one configuration where these SASL mechanisms are "
                  "not advertised or used without the presence of an external security layer such as [TLS]. (§9)",
                  auth_plain_before_tls, severity::medium));
  v.push_back(row("smtp/rfc4954/3/auth-keyword-syntax", "smtp", "RFC 4954 §3; RFC 4422 §3.1", level::must,
                  "Summary: The AUTH EHLO keyword contains as a parameter a space-separated list of the names of available "
                  "[SASL] mechanisms. (RFC 4954 §3) sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "
                  "HYPHEN / UNDERSCORE (RFC 4422 §3.1)",
                  auth_keyword_syntax));
  v.push_back(row("smtp/rfc4954/4/auth-after-success", "smtp", "RFC 4954 §4", level::must,
                  "Summary: After a successful AUTH command completes, a server MUST reject any further AUTH commands with "
                  "a 503 reply.",
                  auth_after_success));
  v.push_back(row("smtp/rfc4954/4/auth-in-transaction", "smtp", "RFC 4954 §4", level::must,
                  "Summary: The AUTH command is not permitted during a mail transaction. An AUTH command issued during a "
                  "mail transaction MUST be rejected with a 503 reply.",
                  auth_in_transaction));
  v.push_back(row("smtp/rfc4954/6/538-only-without-tls", "smtp", "RFC 4954 §6", level::should,
                  "Summary: 538 5.7.11 Encryption required for requested authentication mechanism ... This response to the "
                  "AUTH command indicates that the selected authentication mechanism may only be used when the "
                  "underlying SMTP connection is encrypted.",
                  no_538_over_tls));
}

}  // namespace mailspec::rules::detail
