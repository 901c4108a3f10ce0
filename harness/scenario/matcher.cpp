// Matchers of docs/architecture.md. Regexes use Boost.Regex (never std::regex on server input).
#include "scenario/matcher.hpp"

#include "scenario/imap_pattern.hpp"

#include <boost/regex.hpp>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace mailspec::scenario {
namespace {

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool is_group_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Names of the named groups of a Perl-syntax pattern: (?<name>...), (?P<name>...), (?'name'...).
std::vector<std::string> group_names(std::string_view p) {
  std::vector<std::string> names;
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') { ++i; continue; }
    if (in_class) { in_class = p[i] != ']'; continue; }
    if (p[i] == '[') { in_class = true; continue; }
    if (p[i] != '(' || p.compare(i, 2, "(?") != 0) continue;
    std::size_t j = i + 2;
    if (j < p.size() && p[j] == 'P') ++j;
    if (j >= p.size() || (p[j] != '<' && p[j] != '\'')) continue;
    std::size_t start = ++j;
    while (j < p.size() && is_group_name_char(p[j])) ++j;
    if (j > start && j < p.size() && (p[j] == '>' || p[j] == '\'')) names.emplace_back(p.substr(start, j - start));
  }
  return names;
}

struct compiled_regex {
  boost::regex re;
  std::vector<std::string> names;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice, no recursion.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || fold(pattern[p]) == fold(text[t])) && pattern[p] != '*') {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

matcher matcher::glob(std::string pattern) {
  matcher m;
  m.kind_ = kind::glob;
  m.pattern_ = std::move(pattern);
  return m;
}

matcher matcher::exact(std::string text) {
  matcher m;
  m.kind_ = kind::exact;
  m.pattern_ = std::move(text);
  return m;
}

matcher matcher::regex(std::string pattern) {
  auto c = std::make_shared<compiled_regex>();
  try {
    c->re.assign(pattern, boost::regex::perl);
  } catch (const boost::regex_error& e) {
    throw std::invalid_argument(e.what());
  }
  c->names = group_names(pattern);
  matcher m;
  m.kind_ = kind::regex;
  m.pattern_ = std::move(pattern);
  m.compiled_ = std::move(c);
  return m;
}

matcher matcher::any() { return matcher{}; }

matcher matcher::parsed(std::string pattern) {
  auto p = std::make_shared<imap_pattern>(imap_pattern::compile(pattern));
  matcher m;
  m.kind_ = kind::parsed;
  m.pattern_ = std::move(pattern);
  m.compiled_ = std::move(p);
  return m;
}

std::vector<std::string> matcher::capture_names() const {
  if (!compiled_) return {};
  if (kind_ == kind::parsed) return static_cast<const imap_pattern*>(compiled_.get())->capture_names();
  if (kind_ != kind::regex) return {};
  return static_cast<const compiled_regex*>(compiled_.get())->names;
}

std::vector<std::string> matcher::templates() const {
  if (kind_ != kind::parsed || !compiled_) return {};
  return static_cast<const imap_pattern*>(compiled_.get())->templates();
}

bool matcher::matches_imap(const protocol::imap_data& data, std::string_view first_line,
                           std::map<std::string, std::string>& captures, const expand_context& ctx) const {
  if (kind_ != kind::parsed) return matches(first_line, &captures);
  return static_cast<const imap_pattern*>(compiled_.get())->match(data, captures, ctx);
}

bool matcher::matches(std::string_view line, std::map<std::string, std::string>* captures) const {
  switch (kind_) {
    case kind::any: return true;
    case kind::exact: return line == pattern_;
    case kind::glob: return glob_match(pattern_, line);
    case kind::regex: break;
    case kind::parsed: {
      std::map<std::string, std::string> none;
      return static_cast<const imap_pattern*>(compiled_.get())
          ->match(protocol::parse_imap_line(line), captures != nullptr ? *captures : none, expand_context{});
    }
  }
  const auto* c = static_cast<const compiled_regex*>(compiled_.get());
  if (c == nullptr) return false;
  boost::match_results<std::string_view::const_iterator> m;
  try {
    if (!boost::regex_match(line.begin(), line.end(), m, c->re)) return false;
  } catch (const std::runtime_error&) {
    return false;  // too complex for this input (Boost's own limit): treated as no match
  }
  if (captures != nullptr) {
    for (const auto& name : c->names) {
      const auto& sub = m[name];
      if (sub.matched) captures->emplace(name, std::string(sub.first, sub.second));
    }
  }
  return true;
}

std::string matcher::describe() const {
  switch (kind_) {
    case kind::glob: return "glob \"" + pattern_ + "\"";
    case kind::exact: return "exact \"" + pattern_ + "\"";
    case kind::regex: return "regex /" + pattern_ + "/";
    case kind::parsed: return "parsed \"" + pattern_ + "\"";
    case kind::any: break;
  }
  return "any line";
}

}  // namespace mailspec::scenario
