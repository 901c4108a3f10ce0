// RFC 5321 (SMTP): reply syntax, line endings, line length, greeting and EHLO forms.
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::defect_kind;

template <class F>
void each_reply(const record& rec, F f) {
  for (const auto& ex : rec.exchanges)
    for (const auto& r : ex.smtp) f(ex, r);
}

void reply_code_syntax(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    for (const auto& l : r.lines) {
      if (l.code < 200 || l.code > 599 || (l.code / 10) % 10 > 5 || has_defect(r.defects, defect_kind::malformed_code))
        return c.broken(&ex, "a three-digit reply code: first digit 2-5, second 0-5", l.raw);
    }
    c.held(&ex, r.raw());
  });
}

void multiline_continuation(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    if (has_defect(r.defects, defect_kind::bad_continuation))
      return c.broken(&ex, "'-' after the code on every line but the last, ' ' (or nothing) on the last",
                      r.raw(), defect_detail(r.defects, defect_kind::bad_continuation));
    for (std::size_t i = 0; i + 1 < r.lines.size(); ++i)
      if (r.lines[i].sep != '-') return c.broken(&ex, "'-' after the code on every line but the last", r.raw());
    if (!r.lines.empty() && r.lines.back().sep == '-' && r.complete)
      return c.broken(&ex, "the last line has ' ' after the code", r.raw());
    c.held(&ex);
  });
}

void multiline_same_code(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    if (r.lines.size() < 2) return;
    bool same = !has_defect(r.defects, defect_kind::inconsistent_code);
    for (const auto& l : r.lines) same = same && l.code == r.lines.front().code;
    if (same) return c.held(&ex);
    c.broken(&ex, "the same reply code on every line of a multi-line reply", r.raw());
  });
}

void crlf_endings(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    if (has_defect(r.defects, defect_kind::bare_lf) || has_defect(r.defects, defect_kind::bare_cr))
      return c.broken(&ex, "every reply line ends with CRLF; no bare CR or LF", r.raw());
    c.held(&ex);
  });
}

void line_length(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    for (const auto& l : r.lines)
      if (l.raw.size() > 512 || has_defect(r.defects, defect_kind::line_too_long))
        return c.broken(&ex, "at most 512 octets per reply line, CRLF included",
                        l.raw.substr(0, 200), std::to_string(l.raw.size()) + " octets");
    c.held(&ex);
  });
}

// Bytes the reply grammar never admits (textstring = 1*(%d09 / %d32-126)): NUL, control
// characters, bytes that are not even UTF-8. A MUST: such a reply is not an SMTP reply.
void reply_text_bytes(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    for (const auto& l : r.lines)
      if (auto bad = first_bad_text_byte(l.text, false))
        return c.broken(&ex, "reply text of HT, SP and printable US-ASCII (textstring)", l.raw,
                        bad->what + " at offset " + std::to_string(bad->at) + " of the reply text");
    c.held(&ex);
  });
}

// Well-formed UTF-8 (8-bit text) in a reply: outside ASCII, but readable; the grammar rule above
// takes every byte that is not even UTF-8.
void ascii_replies(context& c) {
  each_reply(c.rec, [&](const exchange& ex, const protocol::smtp_reply& r) {
    for (const auto& l : r.lines) {
      if (first_bad_text_byte(l.text, false)) return;
      for (unsigned char ch : l.text)
        if (ch >= 0x80) return c.broken(&ex, "US-ASCII reply text", l.raw, "8-bit (UTF-8) text");
    }
    c.held(&ex);
  });
}

void greeting_code(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!ex.greeting || ex.smtp.empty()) continue;
    int code = ex.smtp.front().code;
    if (code == 220 || code == 554) c.held(&ex, ex.smtp.front().raw());
    else if (code == 421)  // docs/architecture.md: a throttled connection is untested, never a fail
      c.emit(&ex, verdict::error, "220 (service ready) or 554 (no SMTP service here)", ex.smtp.front().raw(),
             "the server refused the connection for now (421: throttled or shutting down): not judged");
    else c.broken(&ex, "220 (service ready) or 554 (no SMTP service here)", ex.smtp.front().raw());
  }
}

bool first_token_domain(const protocol::smtp_reply& r) {
  if (r.lines.empty()) return false;
  auto w = split_ws(r.lines.front().text);
  return !w.empty() && smtp_domain_ok(w.front());
}

void greeting_domain(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!ex.greeting || ex.smtp.empty() || ex.smtp.front().code != 220) continue;
    if (first_token_domain(ex.smtp.front())) c.held(&ex);
    else c.broken(&ex, "\"220 \" then the server's domain or address literal", ex.smtp.front().raw());
  }
}

void ehlo_response_form(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if ((ex.verb != "EHLO" && ex.verb != "HELO") || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    const auto& r = ex.smtp.front();
    if (!first_token_domain(r)) {
      c.broken(&ex, "\"250\" then the server's domain on the first line", r.raw());
    } else if (ex.verb == "HELO" && r.lines.size() > 1) {
      c.broken(&ex, "a single-line 250 reply to HELO", r.raw());
    } else {
      c.held(&ex);
    }
  }
}

bool keyword_ok(std::string_view k) {
  if (k.empty() || !std::isalnum(static_cast<unsigned char>(k.front()))) return false;
  for (char ch : k)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') return false;
  return true;
}

void ehlo_keyword_syntax(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!is_ehlo(ex) || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    bool ok = true;
    for (const auto& line : protocol::smtp_ehlo_lines(ex.smtp.front())) {
      auto w = split_ws(line);
      if (w.empty() || !keyword_ok(w.front()) || line.front() == ' ') {
        c.broken(&ex, "ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / \"-\")", line);
        ok = false;
      }
    }
    if (ok) c.held(&ex);
  }
}

}  // namespace

void add_smtp_rfc5321(std::vector<rule>& v) {
  v.push_back(row("smtp/rfc5321/4.2/reply-code-syntax", "smtp", "RFC 5321 §4.2", level::must,
                  "An SMTP reply consists of a three digit number (transmitted as three numeric characters) "
                  "followed by some text unless specified otherwise in this document. "
                  "(Reply-code = %x32-35 %x30-35 %x30-39)",
                  reply_code_syntax));
  v.push_back(row("smtp/rfc5321/4.2.1/multiline-continuation", "smtp", "RFC 5321 §4.2.1", level::must,
                  "Summary: The format for multiline replies requires that every line, except the last, begin with the "
                  "reply code, followed immediately by a hyphen, \"-\" (also known as minus), followed by text. "
                  "The last line will begin with the reply code, followed immediately by <SP>, optionally some "
                  "text, and <CRLF>.",
                  multiline_continuation));
  v.push_back(row("smtp/rfc5321/4.2.1/multiline-same-code", "smtp", "RFC 5321 §4.2.1", level::must,
                  "Summary: In a multiline reply, the reply code on each of the lines MUST be the same.",
                  multiline_same_code));
  v.push_back(row("smtp/rfc5321/2.3.8/crlf-line-endings", "smtp", "RFC 5321 §2.3.8", level::must,
                  "Summary: Lines consist of zero or more data characters terminated by the sequence ASCII character "
                  "\"CR\" (hex value 0D) followed immediately by ASCII character \"LF\" (hex value 0A).",
                  crlf_endings));
  v.push_back(row("smtp/rfc5321/4.5.3.1.5/reply-line-length", "smtp", "RFC 5321 §4.5.3.1.5", level::must,
                  "Summary: The maximum total length of a reply line including the reply code and the <CRLF> is 512 "
                  "octets.",
                  line_length));
  v.push_back(row("smtp/rfc5321/4.2/reply-text-bytes", "smtp", "RFC 5321 §4.2", level::must,
                  "Reply-line = *( Reply-code \"-\" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF ... "
                  "textstring = 1*(%d09 / %d32-126) ; HT, SP, Printable US-ASCII (judged: NUL, other control "
                  "characters and bytes that are not UTF-8 break the grammar; well-formed UTF-8 is "
                  "smtp/rfc5321/2.4/ascii-replies)",
                  reply_text_bytes, severity::low));
  v.push_back(row("smtp/rfc5321/2.4/ascii-replies", "smtp", "RFC 5321 §2.4, §4.2", level::should,
                  "Summary: \"Commands and replies are composed of characters from the ASCII character set [6].\" "
                  "(§2.4) Well-formed UTF-8 (8-bit text) in a reply is outside textstring (§4.2) but stays "
                  "readable: mailspec reports it as a warning; bytes that are not even UTF-8 fail "
                  "smtp/rfc5321/4.2/reply-text-bytes.",
                  ascii_replies));
  v.push_back(row("smtp/rfc5321/4.3.2/greeting-code", "smtp", "RFC 5321 §4.3.2, §3.1", level::must,
                  "CONNECTION ESTABLISHMENT S: 220 E: 554",
                  greeting_code));
  v.push_back(row("smtp/rfc5321/4.2/greeting-domain", "smtp", "RFC 5321 §4.2", level::must,
                  "Greeting = ( \"220 \" (Domain / address-literal) [ SP textstring ] CRLF ) / "
                  "( \"220-\" (Domain / address-literal) [ SP textstring ] CRLF *( \"220-\" [ textstring ] CRLF ) "
                  "\"220\" [ SP textstring ] CRLF )",
                  greeting_domain));
  v.push_back(row("smtp/rfc5321/4.1.1.1/ehlo-response-form", "smtp", "RFC 5321 §4.1.1.1, §3.2", level::must,
                  "Summary: ehlo-ok-rsp = ( \"250\" SP Domain [ SP ehlo-greet ] CRLF ) / ( \"250-\" Domain [ SP ehlo-greet ] "
                  "CRLF *( \"250-\" ehlo-line CRLF ) \"250\" SP ehlo-line CRLF ) (§4.1.1.1) ... Servers MUST NOT "
                  "return the extended EHLO-style response to a HELO command. (§3.2)",
                  ehlo_response_form));
  v.push_back(row("smtp/rfc5321/4.1.1.1/ehlo-keyword-syntax", "smtp", "RFC 5321 §4.1.1.1", level::must,
                  "Summary: ehlo-line = ehlo-keyword *( SP ehlo-param ); ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "
                  "\"-\")",
                  ehlo_keyword_syntax));
}

}  // namespace mailspec::rules::detail
