// Structured IMAP matching (docs/scenario-format.md, "Structured IMAP matching"): a whole untagged
// response written in IMAP syntax, compared as parsed data. Atoms and strings compare
// case-insensitively, numbers by value; `$` matches any one item, `$name` captures it (or, once
// bound, must equal it), `$*` / `$*name` the rest of a list; `$!unordered[=n]`, `$!ordered`,
// `$!noextra`, `$!extra`, `$!ignore=x` at the start of a list set how it is compared; `${...}`
// references are expanded at match time; `$$` is a literal `$`.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap_data.hpp"
#include "scenario/expand.hpp"

namespace mailspec::scenario {

struct pattern_node {
  enum class kind { atom, string, nil, any, capture, rest, templ, list, code, text };
  kind k = kind::any;
  std::string text;   // atom / string / glob text, capture name, template
  std::vector<pattern_node> items;
  // How a list (or code) is compared.
  bool ordered = true;
  int chain = 1;      // unordered: items compared in chains of this many (FETCH pairs: 2)
  bool extra = false; // other items may be present
  std::vector<std::string> ignore;  // extra items allowed even without extra (e.g. \Recent)
  bool directives = false;          // `$!...` given: the defaults do not apply
};

class imap_pattern {
 public:
  // Throws std::invalid_argument saying what is wrong with the pattern.
  static imap_pattern compile(std::string_view source);

  // True when the response matches; captures bind only on a match.
  bool match(const protocol::imap_data& d, std::map<std::string, std::string>& captures,
             const expand_context& ctx) const;
  // Names `$name` and `$*name` bind.
  std::vector<std::string> capture_names() const;
  // Texts with ${...} references (for the loader's checks).
  std::vector<std::string> templates() const;

 private:
  std::vector<pattern_node> top_;
};

}  // namespace mailspec::scenario
