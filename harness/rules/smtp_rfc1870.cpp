// RFC 1870 (SMTP SIZE): the keyword's parameter, the reply to a declared oversize message and to a
// message over the advertised limit (the state model, docs/architecture.md).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

void size_param_syntax(context& c) {
  for (const auto& l : smtp_ehlo_lines_all(c.rec)) {
    auto w = split_ws(l.line);
    if (w.empty() || upper(w.front()) != "SIZE") continue;
    if (w.size() == 1 || (w.size() == 2 && all_digits(w[1]))) c.held(l.ex, l.line);
    else c.broken(l.ex, "SIZE with no parameter or one decimal number", l.line);
  }
}

// The SIZE=n parameter of a MAIL command, if any.
std::optional<unsigned long long> declared_size(std::string_view line) {
  for (const auto& w : split_ws(line)) {
    if (upper(w).rfind("SIZE=", 0) == 0 && all_digits(std::string_view(w).substr(5)) && w.size() < 25)
      return std::stoull(w.substr(5));
  }
  return std::nullopt;
}

// The SIZE maximum of the last EHLO reply before exchange `upto` (0: none or no fixed maximum).
unsigned long long advertised_max(const record& rec, std::size_t upto) {
  unsigned long long max = 0;
  for (std::size_t i = 0; i <= upto && i < rec.exchanges.size(); ++i) {
    const auto& ex = rec.exchanges[i];
    if (!is_ehlo(ex) || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    max = 0;
    for (const auto& line : protocol::smtp_ehlo_lines(ex.smtp.front())) {
      auto w = split_ws(line);
      if (w.size() == 2 && upper(w[0]) == "SIZE" && all_digits(w[1]) && w[1].size() < 20) max = std::stoull(w[1]);
    }
  }
  return max;
}

void size_exceeded(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb != "MAIL" || !cmd.reply || cmd.reply->code < 0) continue;
    auto n = declared_size(cmd.line);
    const auto max = advertised_max(c.rec, cmd.ex_index);
    if (!n || max == 0 || *n <= max) continue;
    // 452 (insufficient storage, §6.1) also refuses the transaction.
    if (cmd.reply->code / 100 == 5 || cmd.reply->code == 452) c.held(cmd.ex, cmd.reply->raw());
    else c.broken(cmd.ex, "552 to MAIL with SIZE=" + std::to_string(*n) + " over the advertised " + std::to_string(max),
                  cmd.reply->raw());
  }
}

// The bytes of a message step, from the exchange the session records ("<message body, N bytes>").
std::optional<unsigned long long> body_bytes(const exchange& ex) {
  const std::string prefix = "<message body, ";
  if (ex.verb != "DATA-BODY" || ex.command.rfind(prefix, 0) != 0) return std::nullopt;
  const auto digits = ex.command.substr(prefix.size(), ex.command.find(' ', prefix.size()) - prefix.size());
  if (!all_digits(digits) || digits.size() > 18) return std::nullopt;
  return std::stoull(digits);
}

void message_over_limit(context& c) {
  for (std::size_t i = 0; i < c.rec.exchanges.size(); ++i) {
    const auto& ex = c.rec.exchanges[i];
    const auto bytes = body_bytes(ex);
    const auto* r = last_reply(ex);
    const auto max = advertised_max(c.rec, i);
    // The bytes sent include the ".\r\n" terminator and dot-stuffing: judged with a margin.
    if (!bytes || !r || r->code < 0 || max == 0 || *bytes <= max + max / 100 + 8) continue;
    const std::string said = std::to_string(*bytes) + " bytes sent, SIZE " + std::to_string(max) + " advertised";
    if (r->code / 100 == 5) c.held(&ex, said);
    else c.broken(&ex, "552 (permanent failure) to a message over the advertised SIZE " + std::to_string(max),
                  r->raw(), said);
  }
}

}  // namespace

void add_smtp_rfc1870(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc1870/4/size-param-syntax", "smtp", "RFC 1870 §3", level::must,
                  "Summary: one optional parameter is allowed with this EHLO keyword value, a decimal number indicating the "
                  "fixed maximum message size in bytes that the server will accept. ... size-param ::= [1*DIGIT] A "
                  "parameter value of 0 (zero) indicates that no fixed maximum message size is in force.",
                  size_param_syntax));
  v.push_back(row("smtp/rfc1870/6/size-exceeded-552", "smtp", "RFC 1870 §6.1, §4", level::must,
                  "Summary: If the indicated size is larger than the server's fixed maximum message size, the server "
                  "responds with code \"552 message size exceeds fixed maximium message size\". (§6.1) ... Any "
                  "attempt by a client to transfer a message which is larger than this limit will be rejected with "
                  "a permanent failure (552) reply code. (§4)",
                  size_exceeded));
  v.push_back(row("smtp/rfc1870/4/message-over-limit", "smtp", "RFC 1870 §4", level::must,
                  "If a numeric parameter follows the SIZE keyword value of the EHLO response, it indicates the "
                  "size of the largest message that the server is willing to accept. Any attempt by a client to "
                  "transfer a message which is larger than this limit will be rejected with a permanent failure "
                  "(552) reply code. (Judged on the reply to the message text sent after DATA. A message larger "
                  "than its MAIL SIZE= but within the limit may be accepted, §6.1.)",
                  message_over_limit));
}

}  // namespace mailspec::rules::detail
