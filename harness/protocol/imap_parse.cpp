#include <cctype>

#include "core/text.hpp"
#include "protocol/imap_detail.hpp"

namespace mailspec::protocol::detail {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<std::uint64_t> to_number(std::string_view s) {
  if (!all_digits(s) || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

// Splits "word rest" at the first SP.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  const auto sp = s.find(' ');
  if (sp == std::string_view::npos) return {s, {}};
  return {s.substr(0, sp), s.substr(sp + 1)};
}

// RFC 9051 tag: astring-char except '+'.
bool valid_tag(std::string_view tag) {
  if (tag.empty()) return false;
  for (char ch : tag) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' ||
        c == '"' || c == '\\' || c == '+')
      return false;
  }
  return true;
}

void malformed(imap_response& r, const limits& lim, std::string what) {
  add_defect(r.defects, lim.max_defects, defect_kind::malformed_code, 0, std::move(what));
}

// resp-text after a status word: optional "[code]" then text.
void parse_resp_text(std::string_view s, imap_response& r, const limits& lim) {
  if (!s.empty() && s[0] == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos) {
      malformed(r, lim, "response code without ']': " + visible_bytes(s, 24));
    } else {
      r.code = std::string(s.substr(1, close - 1));
      s.remove_prefix(close + 1);
      if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    }
  }
  r.text = std::string(s);
}

bool is_untagged_status(std::string_view w) {
  return w == "OK" || w == "NO" || w == "BAD" || w == "PREAUTH" || w == "BYE";
}

void parse_untagged(std::string_view rest, imap_response& r, const limits& lim) {
  r.kind = imap_kind::untagged;
  r.tag = "*";
  auto [word, after] = split_word(rest);
  if (word.empty()) {
    malformed(r, lim, "untagged response without a keyword");
    r.text = std::string(after);
    return;
  }
  if (all_digits(word)) {
    r.number = to_number(word);
    if (!r.number) malformed(r, lim, "number out of range: " + visible_bytes(word, 24));
    auto [kw, text] = split_word(after);
    r.keyword = upper(kw);
    r.text = std::string(text);
    if (kw.empty()) malformed(r, lim, "untagged number without a keyword");
    return;
  }
  r.keyword = upper(word);
  if (is_untagged_status(r.keyword)) {
    r.status = r.keyword;
    parse_resp_text(after, r, lim);
  } else {
    r.text = std::string(after);
  }
}

}  // namespace

void parse_imap_first_line(std::string_view c, imap_response& r, const limits& lim) {
  if (!c.empty() && c[0] == '+') {
    r.kind = imap_kind::continuation;
    r.tag = "+";
    if (c.size() > 1 && c[1] != ' ') malformed(r, lim, "'+' not followed by SP: " + visible_bytes(c, 16));
    r.text = std::string(c.substr(c.size() > 1 ? (c[1] == ' ' ? 2 : 1) : 1));
    return;
  }
  if (c.size() >= 2 && c[0] == '*' && c[1] == ' ') {
    parse_untagged(c.substr(2), r, lim);
    return;
  }
  auto [tag, after] = split_word(c);
  auto [status, text] = split_word(after);
  const std::string st = upper(status);
  if (tag == "*" || (st != "OK" && st != "NO" && st != "BAD")) {
    r.kind = imap_kind::malformed;
    r.text = std::string(c);
    malformed(r, lim, "not a tagged, untagged or continuation response: " + visible_bytes(c, 24));
    return;
  }
  r.kind = imap_kind::tagged;
  r.tag = std::string(tag);
  r.status = st;
  r.keyword = st;
  if (!valid_tag(tag)) malformed(r, lim, "invalid tag: " + visible_bytes(tag, 24));
  parse_resp_text(text, r, lim);
}

literal_announcement find_literal(std::string_view s) {
  literal_announcement out;
  if (s.empty() || s.back() != '}') return out;
  const auto open = s.rfind('{');
  if (open == std::string_view::npos) return out;
  std::string_view inner = s.substr(open + 1, s.size() - open - 2);
  for (char c : inner)
    if ((c < '0' || c > '9') && c != '+') return out;  // not a literal announcement at all
  out.state = literal_check::malformed;
  if (!inner.empty() && inner.back() == '+') {
    out.non_sync = true;
    inner.remove_suffix(1);
  }
  const auto n = to_number(inner);
  if (!n) return out;
  out.state = literal_check::literal;
  out.size = *n;
  return out;
}

}  // namespace mailspec::protocol::detail
