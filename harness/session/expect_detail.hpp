// Internal to the expect_*.cpp files: shared helpers.
#pragma once
#include <string>
#include <vector>

#include "core/text.hpp"  // upper(), used by every expect_*.cpp
#include "session/expect.hpp"

namespace mailspec::session::detail {

std::string strip_eol(std::string s);
std::string bounded_visible(const std::string& s);
std::string join(const std::vector<std::string>& v, const std::string& sep);

// A line as a matcher sees it: the whole line, and (SMTP) the text after the code and separator.
struct match_line {
  std::string whole;
  std::string text;  // "" when there is no second form
  bool has_text = false;
};
bool line_matches(const scenario::matcher& m, const match_line& l, captures_map* caps);
std::vector<match_line> plain_lines(const std::vector<std::string>& lines);
std::vector<match_line> smtp_match_lines(const exchange& ex);
// Each matcher must match some line (any order); `missing` names the first that does not.
bool all_found(const std::vector<scenario::matcher>& ms, const std::vector<match_line>& lines, captures_map& caps,
               std::string& missing);
// Matchers in order, one per line, starting at the first line.
bool in_order(const std::vector<scenario::matcher>& ms, const std::vector<match_line>& lines, captures_map& caps,
              std::string& why);

}  // namespace mailspec::session::detail
