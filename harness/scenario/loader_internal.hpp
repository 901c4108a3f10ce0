// Internal to the scenario loader: source positions of JSON values and the error collector.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/loader.hpp"

namespace mailspec::scenario::detail {

using json = nlohmann::json;

struct json_pos {
  int line = 0, column = 0;          // where the value starts (1-based)
  int key_line = 0, key_column = 0;  // where the member's key starts (object members only)
};

struct position_map {
  std::map<std::string, json_pos> at;  // JSON pointer -> position
  std::vector<std::string> duplicate_keys;  // pointers of members given twice (second one kept)
};

// Maps every JSON pointer of a valid document to its position.
position_map scan_positions(std::string_view text);
// 1-based line and column (in code points) of a byte offset.
std::pair<int, int> offset_to_line_col(std::string_view text, std::size_t offset);
// Offset of the first bracket nesting deeper than max_depth, if any (works on invalid text too).
std::optional<std::size_t> find_excess_depth(std::string_view text, int max_depth);

std::string pointer_append(const std::string& base, std::string_view token);
std::string pointer_append(const std::string& base, std::size_t index);
// "a string \"OK\"" style description of what was found.
std::string got(const json& j);
// Closest allowed name by edit distance, or "" when none is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& allowed);

class checker {
 public:
  checker(std::string file, position_map pos, const load_options& opt, std::vector<load_error>& out)
      : file_(std::move(file)), pos_(std::move(pos)), opt_(opt), out_(out) {}

  void error(const std::string& ptr, std::string msg);      // at the value
  void key_error(const std::string& ptr, std::string msg);  // at the member's key
  source_pos pos(const std::string& ptr) const;
  std::size_t error_count() const { return count_; }
  const load_options& options() const { return opt_; }

  // Unknown members -> errors with a did-you-mean. obj must be an object.
  void check_fields(const json& obj, const std::string& ptr, const std::vector<std::string>& allowed,
                    const std::string& where = "");
  bool is_object(const json& j, const std::string& ptr, std::string_view what);
  bool is_array(const json& j, const std::string& ptr, std::string_view what);
  void missing(const std::string& obj_ptr, std::string_view name);
  std::optional<std::string> get_string(const json& j, const std::string& ptr, bool non_empty = false);
  std::optional<std::int64_t> get_int(const json& j, const std::string& ptr, std::int64_t min, std::int64_t max);
  std::optional<bool> get_bool(const json& j, const std::string& ptr);
  // A string template: syntax and references checked against the scenario's variables.
  std::optional<templ> get_templ(const json& j, const std::string& ptr);
  // The same checks for a template text found inside another value (a parsed pattern); false on errors.
  bool check_templ_text(const std::string& text, const std::string& ptr);
  const std::string& file() const { return file_; }
  // One of the given words (case-insensitive unless exact_case); returns the canonical word.
  std::optional<std::string> get_enum(const json& j, const std::string& ptr, const std::vector<std::string>& words,
                                      bool exact_case = false);

  // ${cap.NAME} references (pointer, name) and the named groups regexes define: a reference no
  // regex can bind is reported once the whole scenario is read.
  std::vector<std::pair<std::string, std::string>> capture_refs;
  std::vector<std::string> capture_defs;
  std::vector<std::string> known_vars;
  std::vector<std::string> secret_vars;  // the known_vars declared "secret": true
  std::optional<protocol_kind> protocol;
  std::optional<tls_mode> tls;  // of the connection the step being read runs on
  // Connections: names in the order given ("" alone for "connection") and their TLS modes.
  std::vector<std::string> conn_names;
  std::map<std::string, tls_mode> conn_tls;
  bool multi_conn = false;  // the scenario says "connections"
  bool scratch = false;     // IMAP fixtures: ${scratch.mailbox} exists

 private:
  json_pos lookup(const std::string& ptr) const;
  std::string file_;
  position_map pos_;
  const load_options& opt_;
  std::vector<load_error>& out_;
  std::size_t count_ = 0;
};

// Parts of the document, in loader_document.cpp, loader_connections.cpp, loader_fixtures.cpp,
// loader_steps.cpp, loader_expect.cpp, loader_assert.cpp and loader_safety.cpp.
std::optional<scenario> parse_document(checker& c, const json& doc);
void parse_connections(checker& c, const json& doc, scenario& s);
void parse_fixtures(checker& c, const json& j, scenario& s);
void parse_steps(checker& c, const json& steps, scenario& s);
std::optional<expectation> parse_expect(checker& c, const json& j, const std::string& ptr);
// allow_parsed: {"parsed": ...} (a structured IMAP pattern) is accepted here.
std::optional<matcher> parse_matcher(checker& c, const json& j, const std::string& ptr, bool allow_parsed = false);
std::vector<assertion> parse_assertions(checker& c, const json& j, const std::string& ptr);
// A scenario without "mutates" never deletes, moves or expunges (docs/scenario-format.md, "Data safety").
void check_data_safety(checker& c, const scenario& s);
// Command lines of a send_raw text: lines outside IMAP literals ({n} / {n+} skip n bytes).
std::vector<std::string> command_lines(std::string_view bytes, bool imap_literals);
// The words of a command line upper-cased, after an IMAP tag when `tagged`; "UID X" counts as one.
std::string command_verb(std::string_view line, bool tagged);

}  // namespace mailspec::scenario::detail
