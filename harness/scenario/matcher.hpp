// Matchers (docs/scenario-format.md): glob (case-insensitive), exact, regex (Boost.Regex, whole line), any;
// and parsed (a structured IMAP pattern, scenario/imap_pattern.hpp).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap_data.hpp"
#include "scenario/expand.hpp"

namespace mailspec::scenario {

class matcher {
 public:
  enum class kind { glob, exact, regex, any, parsed };

  static matcher glob(std::string pattern);
  static matcher exact(std::string text);
  // Throws std::invalid_argument with Boost.Regex's message when the pattern is invalid.
  static matcher regex(std::string pattern);
  static matcher any();
  // A structured IMAP pattern; throws std::invalid_argument saying what is wrong with it.
  static matcher parsed(std::string pattern);

  // Matches a whole line (line endings must be stripped by the caller). Named groups of a
  // regex are stored into captures (first match binds; existing keys are not overwritten).
  // A parsed matcher reads the line as IMAP data without literals and expands no ${...}.
  bool matches(std::string_view line, std::map<std::string, std::string>* captures = nullptr) const;
  // An IMAP response: parsed matchers compare its data (captures bind on a match; ${...} expanded
  // with ctx), the others its first line.
  bool matches_imap(const protocol::imap_data& data, std::string_view first_line,
                    std::map<std::string, std::string>& captures, const expand_context& ctx) const;
  kind type() const { return kind_; }
  const std::string& pattern() const { return pattern_; }
  std::string describe() const;  // e.g. glob "* OK*", regex /.../, exact "...", parsed "..."
  // What it can bind as ${cap.NAME}: a regex's named groups, a parsed pattern's $name captures.
  std::vector<std::string> capture_names() const;
  // A parsed pattern's texts with ${...} references (load-time checks); empty for other kinds.
  std::vector<std::string> templates() const;

 private:
  kind kind_ = kind::any;
  std::string pattern_;
  std::shared_ptr<const void> compiled_;  // boost::regex, hidden to keep Boost out of this header
};

bool glob_match(std::string_view pattern, std::string_view text);  // case-insensitive, * and ?

}  // namespace mailspec::scenario
