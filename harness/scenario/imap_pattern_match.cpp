// Matching a compiled structured IMAP pattern against a parsed response.
#include <cctype>
#include <stdexcept>

#include "scenario/imap_pattern.hpp"
#include "scenario/matcher.hpp"

namespace mailspec::scenario {
namespace {

using value = protocol::imap_value;
using vt = protocol::imap_value::type;
using captures = std::map<std::string, std::string>;
using pk = pattern_node::kind;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

std::string_view strip_zeros(std::string_view s) {
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  return s;
}

// Numbers by value, everything else case-insensitively.
bool same_text(std::string_view a, std::string_view b) {
  if (digits(a) && digits(b)) return strip_zeros(a) == strip_zeros(b);
  return iequal(a, b);
}

// An atom or string in the pattern against a scalar value (astring forms are equivalent).
bool scalar_equals(const std::string& want, const value& v) {
  if (v.kind == vt::atom || v.kind == vt::number || v.kind == vt::string) return same_text(want, v.text);
  return false;
}

class matching {
 public:
  explicit matching(const expand_context& ctx) : ctx_(ctx) {}

  bool items(const std::vector<pattern_node>& ps, const std::vector<value>& vs, const pattern_node* list, captures& c,
             bool top) {
    if (list != nullptr && !list->ordered) return unordered(*list, vs, c);
    const bool extra = list != nullptr && list->extra;
    std::size_t j = 0;
    for (const auto& p : ps) {
      if (p.k == pk::rest) {
        if (!p.text.empty()) bind_rest(p.text, vs, j, c);
        return true;
      }
      if (j >= vs.size()) {
        if (top && p.k == pk::text && glob_match(p.text, "")) continue;  // "* BYE *" against "* BYE"
        return false;
      }
      if (!one(p, vs[j], c)) return false;
      ++j;
    }
    if (j == vs.size() || extra) return true;
    // The human-readable text that ends a status response is data only when the pattern says so.
    return top && j + 1 == vs.size() && vs[j].kind == vt::text;
  }

 private:
  const expand_context& ctx_;

  void bind_rest(const std::string& name, const std::vector<value>& vs, std::size_t from, captures& c) {
    std::string joined;
    for (std::size_t k = from; k < vs.size(); ++k) {
      if (k > from) joined += ' ';
      joined += vs[k].to_imap();
    }
    c.emplace(name, joined);
  }

  bool one(const pattern_node& p, const value& v, captures& c) {
    switch (p.k) {
      case pk::any: return true;
      case pk::capture: {
        auto it = c.find(p.text);
        if (it != c.end()) return same_text(it->second, v.plain());
        c.emplace(p.text, v.plain());
        return true;
      }
      case pk::rest: return true;  // handled by items()
      case pk::nil: return v.kind == vt::nil;
      case pk::atom:
      case pk::string: return scalar_equals(p.text, v);
      case pk::templ: {
        expand_context x = ctx_;
        x.captures = &c;
        std::string want;
        try {
          want = expand(p.text, x).text;
        } catch (const std::invalid_argument&) {
          return false;  // a capture not bound yet: nothing to compare with
        }
        return v.kind == vt::text ? glob_match(want, v.text) : scalar_equals(want, v);
      }
      case pk::text: return v.kind == vt::text && glob_match(p.text, v.text);
      case pk::list: return v.kind == vt::list && items(p.items, v.items, &p, c, false);
      case pk::code: return v.kind == vt::code && items(p.items, v.items, &p, c, false);
    }
    return false;
  }

  bool chain_matches(const pattern_node& list, std::size_t pi, const std::vector<value>& vs, std::size_t vi, captures& c) {
    for (int k = 0; k < list.chain; ++k)
      if (!one(list.items[pi + static_cast<std::size_t>(k)], vs[vi + static_cast<std::size_t>(k)], c)) return false;
    return true;
  }

  bool ignored(const pattern_node& list, const std::vector<value>& vs, std::size_t vi) {
    if (list.chain != 1) return false;
    for (const auto& ig : list.ignore)
      if (scalar_equals(ig, vs[vi])) return true;
    return false;
  }

  // Each chain of the pattern takes the first unused chain of the value that matches it.
  bool unordered(const pattern_node& list, const std::vector<value>& vs, captures& c) {
    const auto n = static_cast<std::size_t>(list.chain);
    if (vs.size() % n != 0) return false;
    std::vector<bool> used(vs.size() / n, false);
    for (std::size_t pi = 0; pi < list.items.size(); pi += n) {
      bool found = false;
      for (std::size_t ci = 0; ci < used.size() && !found; ++ci) {
        if (used[ci]) continue;
        captures trial = c;
        if (chain_matches(list, pi, vs, ci * n, trial)) {
          c = std::move(trial);
          used[ci] = found = true;
        }
      }
      if (!found) return false;
    }
    if (list.extra) return true;
    for (std::size_t ci = 0; ci < used.size(); ++ci)
      if (!used[ci] && !ignored(list, vs, ci * n)) return false;
    return true;
  }
};

}  // namespace

bool imap_pattern::match(const protocol::imap_data& d, captures& c, const expand_context& ctx) const {
  captures trial = c;
  if (!matching(ctx).items(top_, d.items, nullptr, trial, true)) return false;
  c = std::move(trial);
  return true;
}

}  // namespace mailspec::scenario
