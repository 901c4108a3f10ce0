// RFC 6152 (SMTP 8BITMIME): the keyword (shared with the PIPELINING row builder) and BODY=.
#include "rules/detail.hpp"

namespace mailspec::rules::detail {

void add_smtp_rfc6152_keyword(std::vector<rule>& v);

namespace {

void body_param_accepted(context& c) {
  for (const auto& cmd : smtp_commands(c.rec)) {
    if (cmd.verb != "MAIL" || !cmd.reply || cmd.reply->code < 0) continue;
    const std::string u = upper(cmd.line);
    if (u.find(" BODY=8BITMIME") == std::string::npos && u.find(" BODY=7BIT") == std::string::npos) continue;
    auto kw = smtp_ehlo_before(c.rec, cmd.ex_index + 1);
    if (!kw || !has_word(*kw, "8BITMIME")) continue;
    int code = cmd.reply->code;
    if (code == 555 || code == 501 || code == 504) c.broken(cmd.ex, "BODY= accepted as a MAIL parameter", cmd.reply->raw());
    else c.held(cmd.ex);
  }
}

}  // namespace

void add_smtp_rfc6152(std::vector<rule>& v) {
  add_smtp_rfc6152_keyword(v);
  v.push_back(row("smtp/rfc6152/2/body-param-accepted", "smtp", "RFC 6152 §2", level::must,
                  "Summary: one optional parameter using the keyword BODY is added to the MAIL command. The value associated "
                  "with this parameter is a keyword indicating whether a 7-bit message (in strict compliance with "
                  "[RFC5321]) or a MIME message (in strict compliance with [RFC2046] and [RFC2045]) with arbitrary "
                  "octet content is being sent. The syntax of the value is as follows, using the ABNF notation of "
                  "[RFC5234]: body-value = \"7BIT\" / \"8BITMIME\"",
                  body_param_accepted));
}

}  // namespace mailspec::rules::detail
