// Loading and validating scenario files: every error in every file, before any network I/O.
#pragma once
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenario/model.hpp"

namespace mailspec::scenario {

struct load_error {
  std::string file;
  int line = 0;
  int column = 0;
  std::string pointer;  // JSON pointer ("" for the whole document)
  std::string message;  // says what was expected and what was found
  // "file:line:col (pointer): message"; without a position (line 0, e.g. a missing path)
  // "file: message"; without a pointer (JSON syntax errors) "file:line:col: message".
  std::string format() const;
};

struct load_options {
  // Environment lookup for variables (default: getenv). Tests pass their own.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  bool check_environment = true;  // unset variables are load errors (validate may relax)
};

struct load_result {
  std::vector<scenario> scenarios;
  std::vector<load_error> errors;
  std::vector<std::string> files;  // every file looked at
};

// Loads every *.json file under the given files/directories (recursively, sorted, skipping
// directories named "schema"). A path that does not exist or cannot be read is an error, so is
// a directory without *.json files, a file over 10 MiB or JSON nested deeper than 64 levels.
// Every error of every file is collected; a file with errors contributes no scenario. A file
// reached twice is loaded once; a scenario id used again is an error at the later file.
load_result load_paths(const std::vector<std::string>& paths, const load_options& opt = {});
// Loads one document from text (file is used for messages only).
load_result load_text(const std::string& file, const std::string& text, const load_options& opt = {});

// Variables resolved for one run: values, and which of them are secret. A variable's "env"
// wins when set; otherwise its inline "value" (never for secrets); unset ones are absent.
struct resolved_vars {
  std::map<std::string, std::string> values;
  std::map<std::string, bool> secret;
};
// Secret: a "secret" variable, or one an auth step (or the fixtures' login) uses as its pass or token.
resolved_vars resolve_vars(const scenario& s, const load_options& opt = {});
// The variables an auth step uses as its pass or token, and the fixtures' pass.
std::set<std::string> credential_vars(const scenario& s);

}  // namespace mailspec::scenario
