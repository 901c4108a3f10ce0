// RFC 3463 enhanced status codes, as announced by RFC 2034 (ENHANCEDSTATUSCODES).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

// "x.y.z" at the start of a reply line, taken loosely (any digits) so bad forms can be judged.
struct loose_code {
  std::string text;
  std::string cls, subject, detail;
};

std::optional<loose_code> loose_enhanced(std::string_view t) {
  std::size_t i = 0;
  std::string parts[3];
  for (int p = 0; p < 3; ++p) {
    std::size_t s = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == s) return std::nullopt;
    parts[p] = std::string(t.substr(s, i - s));
    if (p < 2) {
      if (i >= t.size() || t[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i < t.size() && t[i] != ' ') return std::nullopt;
  return loose_code{std::string(t.substr(0, i)), parts[0], parts[1], parts[2]};
}

// Replies that RFC 2034 requires to carry a code: 2xx/4xx/5xx after the EHLO that advertised
// ENHANCEDSTATUSCODES, except the replies to HELO/EHLO (and the greeting).
template <class F>
void each_coded_reply(const record& rec, F f) {
  for (const auto& cmd : smtp_commands(rec)) {
    if (!cmd.reply || cmd.reply->code < 200 || cmd.reply->lines.empty()) continue;
    if (cmd.verb == "EHLO" || cmd.verb == "HELO" || cmd.reply->code / 100 == 3) continue;
    auto kw = smtp_ehlo_before(rec, cmd.ex_index);
    if (!kw || !has_word(*kw, "ENHANCEDSTATUSCODES")) continue;
    f(cmd);
  }
}

void code_present(context& c) {
  each_coded_reply(c.rec, [&](const smtp_cmd& cmd) {
    if (loose_enhanced(cmd.reply->lines.front().text)) c.held(cmd.ex);
    else c.broken(cmd.ex, "an enhanced status code (class.subject.detail) before the reply text", cmd.reply->raw());
  });
}

bool one_to_three_digits(const std::string& s) { return !s.empty() && s.size() <= 3 && (s.size() == 1 || s[0] != '0'); }

void code_syntax(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& r : ex.smtp) {
      for (const auto& l : r.lines) {
        auto e = loose_enhanced(l.text);
        if (!e) continue;
        bool ok = (e->cls == "2" || e->cls == "4" || e->cls == "5") && one_to_three_digits(e->subject) &&
                  one_to_three_digits(e->detail);
        if (ok) c.held(&ex);
        else c.broken(&ex, "class \"2\" / \"4\" / \"5\", subject and detail 1*3digit", l.raw);
      }
    }
  }
}

void class_matches(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& r : ex.smtp) {
      for (const auto& l : r.lines) {
        auto e = loose_enhanced(l.text);
        if (!e || l.code < 200 || l.code / 100 == 3) continue;
        if (e->cls == std::to_string(l.code / 100)) c.held(&ex);
        else c.broken(&ex, "enhanced class " + std::to_string(l.code / 100) + " for reply code " + std::to_string(l.code), l.raw);
      }
    }
  }
}

void subject_defined(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& r : ex.smtp) {
      if (r.lines.empty()) continue;
      auto e = loose_enhanced(r.lines.front().text);
      if (!e || e->subject.size() > 3) continue;
      int s = std::stoi(e->subject);
      if (s >= 0 && s <= 7) c.held(&ex);
      else c.broken(&ex, "a subject sub-code defined in RFC 3463 §3 (0-7)", r.lines.front().raw);
    }
  }
}

}  // namespace

void add_smtp_rfc3463(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc2034/3/enhanced-code-present", "smtp", "RFC 2034 §3, §4; RFC 3463 §2 (which obsoletes RFC 1893)", level::must,
                  "Summary: the text part of all 2xx, 4xx, and 5xx SMTP responses other than the initial greeting and any "
                  "response to HELO or EHLO are prefaced with a status code as defined in RFC 1893. This status "
                  "code is always followed by one or more spaces. (§3) ... These codes must appear in all 2xx, 4xx, "
                  "and 5xx response lines other than initial greeting and any response to HELO or EHLO. (§4)",
                  code_present));
  v.push_back(row("smtp/rfc3463/2/enhanced-code-syntax", "smtp", "RFC 3463 §2", level::must,
                  "Summary: status-code = class \".\" subject \".\" detail; class = \"2\"/\"4\"/\"5\"; subject = 1*3digit; "
                  "detail = 1*3digit",
                  code_syntax));
  v.push_back(row("smtp/rfc3463/2/enhanced-class-matches", "smtp", "RFC 3463 §2", level::must,
                  "Summary: The class sub-code provides a broad classification of the status. ... 2.XXX.XXX Success ... "
                  "4.XXX.XXX Persistent Transient Failure ... 5.XXX.XXX Permanent Failure (so the class agrees with "
                  "the first digit of the SMTP reply code it accompanies)",
                  class_matches));
  v.push_back(row("smtp/rfc3463/3/enhanced-subject-defined", "smtp", "RFC 3463 §2", level::should,
                  "Summary: The subject sub-code classifies the status. ... The enumerated values for the subject sub-code "
                  "are: X.0.XXX Other or Undefined Status, X.1.XXX Addressing Status, X.2.XXX Mailbox Status, "
                  "X.3.XXX Mail System Status, X.4.XXX Network and Routing Status, X.5.XXX Mail Delivery Protocol "
                  "Status, X.6.XXX Message Content or Media Status, X.7.XXX Security or Policy Status",
                  subject_defined));
}

}  // namespace mailspec::rules::detail
