// Matchers of docs/architecture.md: glob (case-insensitive), exact, regex (Boost.Regex, whole line), any.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::scenario {

class matcher {
 public:
  enum class kind { glob, exact, regex, any };

  static matcher glob(std::string pattern);
  static matcher exact(std::string text);
  // Throws std::invalid_argument with Boost.Regex's message when the pattern is invalid.
  static matcher regex(std::string pattern);
  static matcher any();

  // Matches a whole line (line endings must be stripped by the caller). Named groups of a
  // regex are stored into captures (first match binds; existing keys are not overwritten).
  bool matches(std::string_view line, std::map<std::string, std::string>* captures = nullptr) const;
  kind type() const { return kind_; }
  const std::string& pattern() const { return pattern_; }
  std::string describe() const;  // e.g. glob "* OK*", regex /.../, exact "..."
  // The named groups of a regex (what it can bind as ${cap.NAME}); empty for other kinds.
  std::vector<std::string> capture_names() const;

 private:
  kind kind_ = kind::any;
  std::string pattern_;
  std::shared_ptr<const void> compiled_;  // boost::regex, hidden to keep Boost out of this header
};

bool glob_match(std::string_view pattern, std::string_view text);  // case-insensitive, * and ?

}  // namespace mailspec::scenario
