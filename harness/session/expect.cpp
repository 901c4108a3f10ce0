#include "session/expect.hpp"

#include <algorithm>

#include "core/transcript.hpp"

namespace mailspec::session {

namespace {

std::string strip_eol(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string bounded_visible(const std::string& s) {
  std::string v = visible(s);
  if (v.size() > 2000) v = v.substr(0, 2000) + "…";
  return v;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// Each matcher must match some line (any order).
bool all_found(const std::vector<scenario::matcher>& ms, const std::vector<std::string>& lines,
               std::map<std::string, std::string>& caps, std::string& missing) {
  for (const auto& m : ms) {
    bool hit = std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return m.matches(l, &caps); });
    if (!hit) {
      missing = m.describe();
      return false;
    }
  }
  return true;
}

// Matchers in order, one per line, starting at the first line.
bool in_order(const std::vector<scenario::matcher>& ms, const std::vector<std::string>& lines,
              std::map<std::string, std::string>& caps, std::string& why) {
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (i >= lines.size()) {
      why = "line " + std::to_string(i + 1) + " missing, expected " + ms[i].describe();
      return false;
    }
    if (!ms[i].matches(lines[i], &caps)) {
      why = "line " + std::to_string(i + 1) + " does not match " + ms[i].describe();
      return false;
    }
  }
  return true;
}

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

std::vector<std::string> imap_untagged_lines(const exchange& ex) {
  std::vector<std::string> out;
  for (const auto& r : ex.imap)
    if (r.kind != protocol::imap_kind::tagged) {
      auto eol = r.raw.find('\n');
      out.push_back(strip_eol(eol == std::string::npos ? r.raw : r.raw.substr(0, eol + 1)));
    }
  return out;
}

expect_outcome check_smtp(const scenario::smtp_expect* e, const exchange& ex, bool default_success,
                          std::map<std::string, std::string>& caps) {
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
  if (!e->lines.empty() && !in_order(e->lines, lines, caps, why)) {
    o.ok = false;
    o.expected += ", lines in order";
    o.message = why;
    return o;
  }
  if (!e->contains.empty() && !all_found(e->contains, lines, caps, why)) {
    o.ok = false;
    o.expected += ", a line matching " + why;
    o.message = "no line matches " + why;
  }
  return o;
}

expect_outcome check_imap(const scenario::imap_expect* e, const exchange& ex, bool default_success,
                          std::map<std::string, std::string>& caps) {
  expect_outcome o;
  const protocol::imap_response* tagged = nullptr;
  for (const auto& r : ex.imap)
    if (r.kind == protocol::imap_kind::tagged && (ex.tag.empty() || r.tag == ex.tag)) tagged = &r;
  std::string all;
  for (const auto& r : ex.imap) all += r.raw;
  o.actual = bounded_visible(all);
  if (ex.imap.empty()) {
    o.ok = false;
    o.expected = "a response";
    o.actual = ex.timed_out ? "no complete response before the deadline" : "no response (connection closed)";
    o.message = o.actual;
    return o;
  }
  std::vector<std::string> want = e ? e->status : std::vector<std::string>{};
  if (want.empty() && default_success) want = {"OK"};
  if (!want.empty()) {
    o.expected = "tagged " + join(want, " or ");
    if (!tagged) {
      o.ok = false;
      o.message = ex.imap.back().kind == protocol::imap_kind::continuation
                      ? "expected a tagged " + join(want, "/") + ", got a continuation request"
                      : "no tagged response for " + ex.tag;
      return o;
    }
    if (std::find(want.begin(), want.end(), tagged->status) == want.end()) {
      o.ok = false;
      o.message = "expected " + join(want, "/") + ", got " + (tagged->status.empty() ? "?" : tagged->status);
      return o;
    }
  }
  if (!e) return o;
  if (e->code) {
    o.expected += ", code [" + *e->code + "]";
    std::string got = tagged ? tagged->code_name() : "";
    if (upper(got) != upper(*e->code)) {
      o.ok = false;
      o.message = "expected response code [" + *e->code + "], got " + (got.empty() ? "none" : "[" + got + "]");
      return o;
    }
  }
  auto lines = imap_untagged_lines(ex);
  std::string why;
  if (!e->untagged.empty() && !all_found(e->untagged, lines, caps, why)) {
    o.ok = false;
    o.expected += ", an untagged response matching " + why;
    o.message = "no untagged response matches " + why;
    return o;
  }
  if (e->extra_untagged_fail) {
    for (const auto& l : lines) {
      bool known = std::any_of(e->untagged.begin(), e->untagged.end(),
                               [&](const scenario::matcher& m) { return m.matches(l); });
      if (!known) {
        o.ok = false;
        o.expected += ", no other untagged responses";
        o.message = "unexpected untagged response: " + bounded_visible(l);
        return o;
      }
    }
  }
  return o;
}

expect_outcome check_pop3(const scenario::pop3_expect* e, const exchange& ex, bool default_success,
                          std::map<std::string, std::string>& caps) {
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
    if (!in_order(e->lines, lines, caps, why)) {
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
