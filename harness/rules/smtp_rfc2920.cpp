// RFC 2920 (SMTP PIPELINING): the keyword, and one reply per pipelined command, in order.
#include <map>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

void keyword_no_params(context& c, std::string_view keyword) {
  for (const auto& l : smtp_ehlo_lines_all(c.rec)) {
    auto w = split_ws(l.line);
    if (w.empty() || upper(w.front()) != keyword) continue;
    if (w.size() == 1) c.held(l.ex, l.line);
    else c.broken(l.ex, std::string(keyword) + " without parameters", l.line);
  }
}

// Whether a reply code can be the answer to this verb (used to see replies out of order).
bool plausible(std::string_view verb, int code) {
  if (code < 0) return false;
  if (code == 421 || (code >= 500 && code <= 504) || code == 530 || code == 554) return true;
  if (verb == "DATA") return code == 354 || code / 100 >= 4;
  if (verb == "QUIT") return code == 221;
  if (verb == "STARTTLS") return code == 220 || code / 100 >= 4;
  if (verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP" || verb == "EHLO" || verb == "HELO")
    return code / 100 == 2 || code / 100 >= 4;
  return true;
}

void pipelined_replies(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!ex.pipelined) continue;
    auto lines = sent_lines(c.rec, ex);
    std::string raw;
    for (const auto& r : ex.smtp) raw += r.raw();
    if (ex.smtp.size() != lines.size()) {
      if (ex.timed_out || ex.smtp.size() > lines.size() || ex.closed_after)
        c.broken(&ex, std::to_string(lines.size()) + " replies, one per pipelined command", raw,
                 std::to_string(ex.smtp.size()) + " replies");
      continue;
    }
    bool in_order = true;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      auto w = split_ws(lines[i]);
      in_order = in_order && plausible(w.empty() ? "" : upper(w.front()), ex.smtp[i].code);
    }
    if (in_order) c.held(&ex);
    else c.broken(&ex, "replies in the order of the commands", raw);
  }
}

}  // namespace

void add_smtp_rfc2920(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc2920/2/pipelining-no-params", "smtp", "RFC 2920 §2", level::must,
                  "Summary: RFC 2920 §2 lays out the extension: its EHLO keyword value is PIPELINING, and no "
                  "parameter is used with that keyword.",
                  [](context& c) { keyword_no_params(c, "PIPELINING"); }));
  v.push_back(row("smtp/rfc2920/3.2/pipelined-replies", "smtp", "RFC 2920 §3.2, §3.1", level::must,
                  "Summary: ... MUST respond to commands in the order they are received from the client. ... MUST NOT flush "
                  "or otherwise lose the contents of the TCP input buffer under any circumstances whatsoever. "
                  "(§3.2, the server's duties: one response per command, in order.)",
                  pipelined_replies));
}

void add_smtp_rfc6152_keyword(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc6152/2/8bitmime-no-params", "smtp", "RFC 6152 §2", level::must,
                  "Summary: the EHLO keyword value associated with the extension is 8BITMIME; no parameter is used with the "
                  "8BITMIME EHLO keyword;",
                  [](context& c) { keyword_no_params(c, "8BITMIME"); }));
}

}  // namespace mailspec::rules::detail
