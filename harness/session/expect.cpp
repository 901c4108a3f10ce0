// SMTP and POP3 expectations, capabilities, and the matcher helpers the other expect files share.
#include <algorithm>

#include "core/text.hpp"
#include "core/transcript.hpp"
#include "session/expect.hpp"
#include "session/expect_detail.hpp"

namespace mailspec::session {

namespace detail {

std::string strip_eol(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string bounded_visible(const std::string& s) {
  std::string v = visible(s);
  if (v.size() > 2000) v = v.substr(0, 2000) + "…";
  return v;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += sep;
    out += v[i];
  }
  return out;
}

bool line_matches(const scenario::matcher& m, const match_line& l, captures_map* caps) {
  return m.matches(l.whole, caps) || (l.has_text && m.matches(l.text, caps));
}

std::vector<match_line> plain_lines(const std::vector<std::string>& lines) {
  std::vector<match_line> out;
  for (const auto& l : lines) out.push_back({l, {}, false});
  return out;
}

// RFC 5321 §4.2: "ddd-text" / "ddd text"; the text is what a keyword matcher means ("STARTTLS").
std::vector<match_line> smtp_match_lines(const exchange& ex) {
  std::vector<match_line> out;
  for (const auto& r : ex.smtp)
    for (const auto& l : r.lines) out.push_back({strip_eol(l.raw), strip_eol(l.text), l.code >= 0});
  return out;
}

bool all_found(const std::vector<scenario::matcher>& ms, const std::vector<match_line>& lines, captures_map& caps,
               std::string& missing) {
  for (const auto& m : ms) {
    bool hit = std::any_of(lines.begin(), lines.end(), [&](const match_line& l) { return line_matches(m, l, &caps); });
    if (!hit) {
      missing = m.describe();
      return false;
    }
  }
  return true;
}

bool in_order(const std::vector<scenario::matcher>& ms, const std::vector<match_line>& lines, captures_map& caps,
              std::string& why) {
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (i >= lines.size()) {
      why = "line " + std::to_string(i + 1) + " missing, expected " + ms[i].describe();
      return false;
    }
    if (!line_matches(ms[i], lines[i], &caps)) {
      why = "line " + std::to_string(i + 1) + " does not match " + ms[i].describe();
      return false;
    }
  }
  return true;
}

}  // namespace detail

using namespace detail;

namespace {

std::string describe_codes(const scenario::smtp_expect& e) {
  std::vector<std::string> parts;
  for (int c : e.codes) parts.push_back(std::to_string(c));
  for (int c : e.classes) parts.push_back(std::to_string(c) + "xx");
  return join(parts, " or ");
}

}  // namespace

std::vector<std::string> smtp_lines(const exchange& ex) {
  std::vector<std::string> out;
  for (const auto& r : ex.smtp)
    for (const auto& l : r.lines) out.push_back(strip_eol(l.raw));
  return out;
}

expect_outcome check_smtp(const scenario::smtp_expect* e, const exchange& ex, bool default_success,
                          captures_map& caps) {
  expect_outcome o;
  if (ex.smtp.empty()) {
    o.ok = false;
    o.expected = e && (!e->codes.empty() || !e->classes.empty()) ? "reply " + describe_codes(*e) : "a reply";
    o.actual = ex.timed_out ? "no complete reply before the deadline" : "no reply (connection closed)";
    o.message = o.actual;
    return o;
  }
  const auto& last = ex.smtp.back();
  auto lines = smtp_lines(ex);
  o.actual = bounded_visible(join(lines, "\n"));
  if (e && (!e->codes.empty() || !e->classes.empty())) {
    bool hit = std::find(e->codes.begin(), e->codes.end(), last.code) != e->codes.end() ||
               std::find(e->classes.begin(), e->classes.end(), last.code / 100) != e->classes.end();
    o.expected = "reply " + describe_codes(*e);
    if (!hit) {
      o.ok = false;
      o.message = "expected " + describe_codes(*e) + ", got " + std::to_string(last.code);
      return o;
    }
  } else if (default_success) {
    o.expected = "reply 2xx (success)";
    if (last.code < 200 || last.code >= 300) {
      o.ok = false;
      o.message = "expected success, got " + std::to_string(last.code);
      return o;
    }
  }
  if (!e) return o;
  if (e->enhanced) {
    o.expected += (o.expected.empty() ? "" : ", ") + std::string("enhanced ") + e->enhanced->describe();
    if (!e->enhanced->matches(last.enhanced, &caps)) {
      o.ok = false;
      o.message = "enhanced status code " + (last.enhanced.empty() ? std::string("missing") : last.enhanced) +
                  " does not match " + e->enhanced->describe();
      return o;
    }
  }
  std::string why;
  const auto match = smtp_match_lines(ex);
  if (!e->lines.empty() && !in_order(e->lines, match, caps, why)) {
    o.ok = false;
    o.expected += ", lines in order";
    o.message = why;
    return o;
  }
  if (!e->contains.empty() && !all_found(e->contains, match, caps, why)) {
    o.ok = false;
    o.expected += ", a line matching " + why;
    o.message = "no line matches " + why;
  }
  return o;
}

expect_outcome check_pop3(const scenario::pop3_expect* e, const exchange& ex, bool default_success,
                          captures_map& caps) {
  expect_outcome o;
  if (ex.pop3.empty()) {
    o.ok = false;
    o.expected = "a response";
    o.actual = ex.timed_out ? "no complete response before the deadline" : "no response (connection closed)";
    o.message = o.actual;
    return o;
  }
  const auto& r = ex.pop3.back();
  o.actual = bounded_visible(r.raw);
  std::optional<bool> want_ok = e ? e->ok : std::nullopt;
  if (!want_ok && default_success) want_ok = true;
  if (want_ok) {
    o.expected = *want_ok ? "+OK" : "-ERR";
    bool is_ok = r.status == protocol::pop3_status::ok;
    bool is_err = r.status == protocol::pop3_status::err;
    if ((*want_ok && !is_ok) || (!*want_ok && !is_err)) {
      o.ok = false;
      o.message = "expected " + o.expected + ", got " + bounded_visible(strip_eol(r.status_line));
      return o;
    }
  }
  if (!e) return o;
  if (e->multiline) {
    o.expected += *e->multiline ? ", a multi-line body" : ", a single line";
    if (*e->multiline != r.multiline) {
      o.ok = false;
      o.message = *e->multiline ? "no multi-line body" : "unexpected multi-line body";
      return o;
    }
    if (r.multiline && !r.terminated) {
      o.ok = false;
      o.message = "multi-line body not terminated by a \".\" line";
      return o;
    }
  }
  if (!e->lines.empty()) {
    std::vector<std::string> lines = r.multiline ? r.body.to_vector() : std::vector<std::string>{strip_eol(r.status_line)};
    std::string why;
    o.expected += ", lines in order";
    if (!in_order(e->lines, plain_lines(lines), caps, why)) {
      o.ok = false;
      o.message = why;
    }
  }
  return o;
}

std::vector<std::string> capabilities_of(scenario::protocol_kind p, const exchange& ex) {
  std::vector<std::string> caps;
  auto add_mechs = [&](const std::string& head, std::string_view rest) {
    std::size_t i = 0;
    while (i < rest.size()) {
      while (i < rest.size() && rest[i] == ' ') ++i;
      std::size_t j = rest.find(' ', i);
      if (j == std::string::npos) j = rest.size();
      if (j > i) caps.push_back(head + "=" + upper(std::string(rest.substr(i, j - i))));
      i = j;
    }
  };
  if (p == scenario::protocol_kind::smtp) {
    for (const auto& r : ex.smtp)
      for (const auto& line : protocol::smtp_ehlo_lines(r)) {
        auto sp = line.find(' ');
        std::string kw = upper(line.substr(0, sp));
        caps.push_back(kw);
        if (kw == "AUTH" && sp != std::string::npos) add_mechs("AUTH", line.substr(sp + 1));
      }
  } else if (p == scenario::protocol_kind::imap) {
    for (const auto& r : ex.imap)
      for (auto& c : protocol::imap_capabilities(r)) caps.push_back(c);
  } else {
    // RFC 1939 §7: "A POP3 server which implements the APOP command will include a timestamp in its
    // banner greeting" (a msg-id, <...@...>). No CAPA tag names APOP, so a greeting with one gives
    // the pseudo-capability APOP, which `requires` can name.
    if (ex.command.empty() && !ex.pop3.empty() && ex.pop3.front().status == protocol::pop3_status::ok &&
        protocol::pop3_apop_timestamp(ex.pop3.front().text))
      caps.push_back("APOP");
    for (const auto& r : ex.pop3)
      for (const std::string_view line : r.body) {
        auto sp = line.find(' ');
        std::string kw = upper(std::string(line.substr(0, sp)));
        caps.push_back(kw);
        if (kw == "SASL" && sp != std::string::npos) add_mechs("SASL", line.substr(sp + 1));
      }
  }
  std::sort(caps.begin(), caps.end());
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
  return caps;
}

}  // namespace mailspec::session
