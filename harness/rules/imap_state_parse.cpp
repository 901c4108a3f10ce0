// Parsers of the IMAP state model (imap_state.hpp): sequence sets, FETCH data, SEARCH/ESEARCH hits
// and commands. Bounded and forgiving: what does not parse is reported as not parsed, never thrown.
#include <algorithm>

#include "rules/imap_state.hpp"

namespace mailspec::rules::detail::imap {
namespace {

constexpr std::size_t max_ranges = 10000;
constexpr char literal_mark = '\x01';  // stands for a literal's payload inside a response's text

std::optional<std::uint64_t> number(std::string_view s) {
  if (!all_digits(s) || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

// Splits at spaces outside quoted strings, parentheses and brackets.
std::vector<std::string> split_top(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      cur += c;
      if (c == '\\' && i + 1 < s.size()) cur += s[++i];
      else if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') quoted = true;
    if (c == '(' || c == '[') ++depth;
    if ((c == ')' || c == ']') && depth > 0) --depth;
    if (c == ' ' && depth == 0) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The text of a data response after its keyword, with each literal replaced by one mark.
std::string data_text(const protocol::imap_response& r) {
  std::string s = r.text;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {
    if (!s.empty() && s.back() == '}') {
      const auto open = s.rfind('{');
      if (open != std::string::npos) s.erase(open);
    }
    s += literal_mark;
    s += r.lines[i];
  }
  return s;
}

}  // namespace

bool number_set::contains(std::uint64_t n) const {
  if (star) return true;
  return std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return n >= r.first && n <= r.second; });
}

bool number_set::all() const { return valid && star && ranges.size() == 1 && ranges.front().first == 1; }

number_set parse_set(std::string_view s) {
  number_set out;
  if (s.empty()) return out;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find(',', i);
    if (j == std::string_view::npos) j = s.size();
    const auto part = s.substr(i, j - i);
    const auto colon = part.find(':');
    const auto a = part.substr(0, colon);
    const auto b = colon == std::string_view::npos ? a : part.substr(colon + 1);
    const bool a_star = a == "*", b_star = b == "*";
    const auto na = number(a), nb = number(b);
    if ((!a_star && !na) || (!b_star && !nb) || out.ranges.size() >= max_ranges) return number_set{};
    if (a_star || b_star) {
      out.star = true;
      const std::uint64_t lo = a_star ? (b_star ? 0 : *nb) : *na;
      if (lo > 0) out.ranges.emplace_back(lo, lo);
    } else {
      out.ranges.emplace_back(std::min(*na, *nb), std::max(*na, *nb));
    }
    i = j + 1;
  }
  out.valid = true;
  return out;
}

std::uint64_t search_data::lowest() const {
  std::uint64_t lo = 0;
  for (const auto& r : ranges) lo = lo == 0 ? r.first : std::min(lo, r.first);
  return lo;
}

std::uint64_t search_data::highest() const {
  std::uint64_t hi = 0;
  for (const auto& r : ranges) hi = std::max(hi, r.second);
  return hi;
}

bool fetch_data::has(std::string_view item) const {
  const std::string u = upper(item);
  return std::find(items.begin(), items.end(), u) != items.end();
}

std::vector<std::string> list_words(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') s = s.substr(1, s.size() - 2);
  return split_top(s);
}

bool same_flag(std::string_view a, std::string_view b) { return upper(a) == upper(b); }

fetch_data parse_fetch(const protocol::imap_response& r) {
  fetch_data out;
  if (r.keyword != "FETCH" || !r.number) return out;
  const std::string text = data_text(r);
  const std::string_view s = trim(text);
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return out;
  const auto tokens = split_top(s.substr(1, s.size() - 2));
  if (tokens.size() % 2 != 0) return out;
  for (std::size_t i = 0; i + 1 < tokens.size(); i += 2) {
    std::string name = upper(tokens[i]);
    const std::string& value = tokens[i + 1];
    if (name == "UID") {
      out.uid = number(value);
      if (!out.uid) return out;
    } else if (name == "MODSEQ") {
      const auto w = list_words(value);
      if (w.size() == 1) out.modseq = number(w.front());
      if (!out.modseq) return out;
    } else if (name == "FLAGS") {
      if (value.empty() || value.front() != '(') return out;
      out.flags = list_words(value);
    }
    out.items.push_back(std::move(name));
  }
  out.parsed = true;
  return out;
}

std::optional<search_data> parse_search(const protocol::imap_response& r) {
  if (r.kind != protocol::imap_kind::untagged || r.number) return std::nullopt;
  search_data out;
  const auto tokens = split_top(data_text(r));
  if (r.keyword == "SEARCH") {
    for (const auto& t : tokens) {
      if (!t.empty() && t.front() == '(') break;  // CONDSTORE's (MODSEQ n)
      auto n = number(t);
      if (!n) return std::nullopt;
      out.ranges.emplace_back(*n, *n);
    }
    out.count = out.ranges.size();
    return out;
  }
  if (r.keyword != "ESEARCH") return std::nullopt;
  out.esearch = true;
  std::size_t i = 0;
  if (i < tokens.size() && !tokens[i].empty() && tokens[i].front() == '(') ++i;  // (TAG "a1")
  if (i < tokens.size() && upper(tokens[i]) == "UID") {
    out.uid = true;
    ++i;
  }
  for (; i + 1 < tokens.size(); i += 2) {
    const std::string name = upper(tokens[i]);
    if (name == "MIN" || name == "MAX") {
      auto n = number(tokens[i + 1]);
      if (!n) return std::nullopt;
      out.ranges.emplace_back(*n, *n);
    } else if (name == "ALL") {
      auto set = parse_set(tokens[i + 1]);
      if (!set.valid || set.star) return std::nullopt;
      out.ranges.insert(out.ranges.end(), set.ranges.begin(), set.ranges.end());
    } else if (name == "COUNT") {
      out.count = number(tokens[i + 1]);
    }
  }
  return out;
}

command parse_command(const session::exchange& ex) {
  command c;
  c.tag = ex.tag;
  auto w = split_top(ex.command);
  if (w.empty()) return c;
  if (ex.tag.empty() || w.front() != ex.tag) {
    c.continued = !ex.tag.empty();
    return c;
  }
  std::size_t i = 1;
  if (i < w.size()) c.verb = upper(w[i++]);
  if (c.verb == "UID" && i < w.size()) {
    c.uid = true;
    c.verb = upper(w[i++]);
  }
  c.args.assign(w.begin() + static_cast<std::ptrdiff_t>(std::min(i, w.size())), w.end());
  return c;
}

std::string mailbox_name(std::string_view arg) {
  std::string out;
  if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') {
    for (std::size_t i = 1; i + 1 < arg.size(); ++i) {
      if (arg[i] == '\\' && i + 2 < arg.size()) ++i;
      out += arg[i];
    }
  } else {
    out = std::string(arg);
  }
  if (upper(out) == "INBOX") out = "INBOX";
  return out;
}

bool mailbox::permanent(std::string_view flag) const {
  if (!permanent_flags) return true;
  const bool keyword = !flag.empty() && flag.front() != '\\';
  for (const auto& f : *permanent_flags)
    if (same_flag(f, flag) || (f == "\\*" && keyword)) return true;  // \* allows new keywords only
  return false;
}

}  // namespace mailspec::rules::detail::imap
