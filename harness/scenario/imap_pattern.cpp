// Compiling a structured IMAP pattern from its IMAP-syntax text.
#include "scenario/imap_pattern.hpp"

#include <cctype>
#include <stdexcept>

#include "core/text.hpp"

namespace mailspec::scenario {
namespace {

using value = protocol::imap_value;
using vt = protocol::imap_value::type;

bool valid_binding_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

[[noreturn]] void bad(const std::string& why) { throw std::invalid_argument(why); }

bool has_reference(std::string_view s) { return s.find("${") != std::string_view::npos || s.find("$$") != std::string_view::npos; }

// `$`, `$name`, `$*`, `$*name` as a node; false when the text is not one of these.
bool wildcard(std::string_view t, pattern_node& n) {
  if (t.empty() || t[0] != '$' || (t.size() >= 2 && (t[1] == '$' || t[1] == '{' || t[1] == '!'))) return false;
  if (t == "$") {
    n.k = pattern_node::kind::any;
    return true;
  }
  bool rest = t[1] == '*';
  std::string_view name = t.substr(rest ? 2 : 1);
  if (!name.empty() && !valid_binding_name(name))
    bad("invalid capture name in \"" + std::string(t) + "\" (letters, digits, _ and -; write $$ for a literal $)");
  n.k = rest ? pattern_node::kind::rest : (name.empty() ? pattern_node::kind::any : pattern_node::kind::capture);
  n.text = std::string(name);
  return true;
}

void directive(const std::string& d, pattern_node& list) {
  std::string w = upper(d.substr(2));
  if (w == "ORDERED") {
    list.ordered = true;
  } else if (w == "UNORDERED") {
    list.ordered = false;
    list.extra = true;
  } else if (w.rfind("UNORDERED=", 0) == 0) {
    std::string n = w.substr(10);
    if (n.empty() || n.size() > 2 || n.find_first_not_of("0123456789") != std::string::npos || std::stoi(n) < 1)
      bad("\"" + d + "\": the chain length is a number from 1 to 99");
    list.ordered = false;
    list.extra = true;
    list.chain = std::stoi(n);
  } else if (w == "NOEXTRA") {
    list.extra = false;
  } else if (w == "EXTRA") {
    list.extra = true;
  } else if (w.rfind("IGNORE=", 0) == 0 && w.size() > 7) {
    list.ignore.push_back(d.substr(9));
  } else {
    bad("unknown directive \"" + d + "\" (expected $!ordered, $!unordered, $!unordered=N, $!noextra, $!extra or $!ignore=ITEM)");
  }
}

pattern_node convert(const value& v, int depth);

void convert_list(const value& v, pattern_node& n, int depth) {
  std::size_t i = 0;
  for (; i < v.items.size() && v.items[i].kind == vt::atom && v.items[i].text.rfind("$!", 0) == 0; ++i) {
    directive(v.items[i].text, n);
    n.directives = true;
  }
  for (; i < v.items.size(); ++i) {
    if (v.items[i].kind == vt::atom && v.items[i].text.rfind("$!", 0) == 0)
      bad("directive \"" + v.items[i].text + "\" must come first in its list");
    n.items.push_back(convert(v.items[i], depth + 1));
    if (n.items.back().k == pattern_node::kind::rest && i + 1 != v.items.size())
      bad("\"$*\" stands for the rest of a list: nothing may follow it");
  }
}

pattern_node convert(const value& v, int depth) {
  pattern_node n;
  switch (v.kind) {
    case vt::nil: n.k = pattern_node::kind::nil; break;
    case vt::number: n.k = pattern_node::kind::atom; n.text = v.text; break;
    case vt::atom:
      if (wildcard(v.text, n)) break;
      if (v.text.rfind("$!", 0) == 0) bad("directive \"" + v.text + "\" belongs at the start of a list");
      n.k = has_reference(v.text) ? pattern_node::kind::templ : pattern_node::kind::atom;
      n.text = v.text;
      break;
    case vt::string:
      n.k = has_reference(v.text) ? pattern_node::kind::templ : pattern_node::kind::string;
      n.text = v.text;
      break;
    case vt::text:
      if (!wildcard(v.text, n)) {
        n.k = pattern_node::kind::text;
        n.text = v.text;
      }
      break;
    case vt::list:
    case vt::code:
      n.k = v.kind == vt::list ? pattern_node::kind::list : pattern_node::kind::code;
      convert_list(v, n, depth);
      break;
  }
  return n;
}

bool is_atom(const pattern_node& n, const char* word) { return n.k == pattern_node::kind::atom && upper(n.text) == word; }

void set_unordered(pattern_node& l, int chain, bool extra) {
  l.ordered = false;
  l.chain = chain;
  l.extra = extra;
}

// imaptest's defaults for lists without directives: FETCH attributes in pairs, any order, others
// allowed; FLAGS and PERMANENTFLAGS any order, no others but \Recent; LIST / LSUB attributes any
// order; STATUS items in pairs, any order.
void defaults(std::vector<pattern_node>& items, bool top) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& n = items[i];
    if (n.k != pattern_node::kind::list && n.k != pattern_node::kind::code) continue;
    if (!n.directives && n.k == pattern_node::kind::list) {
      if (i > 0 && (is_atom(items[i - 1], "FLAGS") || is_atom(items[i - 1], "PERMANENTFLAGS"))) {
        set_unordered(n, 1, false);
        n.ignore.push_back("\\Recent");
      } else if (top && i == 3 && (is_atom(items[2], "FETCH") || is_atom(items[1], "STATUS"))) {
        set_unordered(n, 2, true);
      } else if (top && i == 2 && (is_atom(items[1], "LIST") || is_atom(items[1], "LSUB"))) {
        set_unordered(n, 1, true);
      }
    }
    if (!n.ordered) {
      for (const auto& m : n.items)
        if (m.k == pattern_node::kind::rest) bad("\"$*\" has no place in an unordered list (other items are allowed there already)");
      if (n.items.size() % static_cast<std::size_t>(n.chain) != 0)
        bad("an unordered list compared in chains of " + std::to_string(n.chain) + " needs a multiple of " +
            std::to_string(n.chain) + " items, this one has " + std::to_string(n.items.size()) +
            (n.chain == 2 ? " (FETCH and STATUS items come in name-value pairs)" : ""));
    }
    defaults(n.items, false);
  }
}

void collect(const std::vector<pattern_node>& items, std::vector<std::string>* names, std::vector<std::string>* texts) {
  for (const auto& n : items) {
    if (names && (n.k == pattern_node::kind::capture || n.k == pattern_node::kind::rest) && !n.text.empty())
      names->push_back(n.text);
    if (texts && (n.k == pattern_node::kind::templ || (n.k == pattern_node::kind::text && has_reference(n.text))))
      texts->push_back(n.text);
    collect(n.items, names, texts);
  }
}

}  // namespace

imap_pattern imap_pattern::compile(std::string_view source) {
  auto d = protocol::parse_imap_line(source);
  if (!d.ok()) bad("not IMAP data: " + d.error);
  if (d.items.empty() || d.items[0].kind != vt::atom || (d.items[0].text != "*" && d.items[0].text != "+"))
    bad("a parsed pattern is a whole untagged response, starting with \"*\" (or \"+\" for a continuation request)");
  imap_pattern p;
  for (std::size_t i = 0; i < d.items.size(); ++i) {
    const auto& v = d.items[i];
    if (v.kind == vt::atom && v.text.rfind("$!", 0) == 0) bad("directive \"" + v.text + "\" belongs at the start of a list");
    p.top_.push_back(convert(v, 0));
    if (p.top_.back().k == pattern_node::kind::rest && i + 1 != d.items.size())
      bad("\"$*\" stands for the rest of the response: nothing may follow it");
  }
  defaults(p.top_, true);
  return p;
}

std::vector<std::string> imap_pattern::capture_names() const {
  std::vector<std::string> out;
  collect(top_, &out, nullptr);
  return out;
}

std::vector<std::string> imap_pattern::templates() const {
  std::vector<std::string> out;
  collect(top_, nullptr, &out);
  return out;
}

}  // namespace mailspec::scenario
