// Reports of a run (docs/architecture.md): report.json ("mailspec-report/1"), report.html, junit.xml,
// report.sarif, and the console. Depends on core only.
//
// Text from servers may be anything (invalid UTF-8, NUL bytes, "</script>"): every writer here
// copes with it: JSON replaces invalid UTF-8 with U+FFFD, XML drops characters XML cannot carry,
// HTML embeds the data as JSON with "</" escaped and renders it with textContent only.
//
// SARIF mapping of verdicts (one result per finding that is not a pass):
//   fail  -> kind "fail", level "error"
//   warn  -> kind "fail", level "warning"
//   info  -> kind "informational", level "none"   (SARIF 2.1.0 §3.27.10: kind != fail => level none)
//   skip  -> kind "notApplicable", level "none"
//   error -> kind "open", level "none" (the harness could not judge; SARIF's "insufficient
//            information" kind), plus a tool execution notification of level "error".
// Every result also carries properties.mailspecVerdict with the mailspec verdict.
#pragma once
#include <cstdint>
#include <cstdio>
#include <iosfwd>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run_report.hpp"

namespace mailspec::report {

inline constexpr const char* report_format = "mailspec-report/1";

nlohmann::json to_json(const run_report& r);
// report.json in parts, for writers that go one case at a time: everything but the cases (with
// "cases": []), and one case as it appears in "cases".
nlohmann::json to_json_header(const run_report& r);
nlohmann::json to_json(const case_result& c);
// Writes the text of dump_json(to_json(r), indent) without building the whole tree: the memory
// of one case at a time beyond the run_report itself.
void write_json(std::ostream& out, const run_report& r, int indent = 2);
// Inverse of to_json. Throws std::runtime_error naming the JSON pointer on bad input.
run_report from_json(const nlohmann::json& j);
// Reads and parses a report.json file; throws std::runtime_error naming the file.
run_report read_json_file(const std::string& path);
// report.json text: invalid UTF-8 replaced, never throws on hostile text.
std::string dump_json(const nlohmann::json& j, int indent = 2);

struct write_options {
  std::set<std::string> formats;  // json, html, junit, sarif (json is always written)
};

// Writes report.json always plus the asked formats into dir (created); returns the paths written.
// Throws std::runtime_error when a file cannot be written or a format is unknown.
std::vector<std::string> write_reports(const run_report& r, const std::string& dir, const write_options& opts);

std::string to_html(const run_report& r);
std::string to_junit(const run_report& r);
std::string to_sarif(const run_report& r);

// Joins shard reports: cases concatenated in order, rules and targets united, started = earliest,
// duration = span from the earliest start to the latest end, incomplete when any input is.
run_report merge(std::vector<run_report> parts);

// Console output: a rewritten progress line on a TTY, one plain line per case otherwise;
// ANSI colours only on a TTY.
class console {
 public:
  console(std::FILE* out, bool tty);
  void case_done(const case_result& c, int done, int total);
  void summary(const run_report& r, const std::string& report_dir);
  // With --fail-on warn the summary also lists the warnings, since they decide the exit code.
  void list_warnings(bool on) { list_warnings_ = on; }

 private:
  std::FILE* out_;
  bool tty_;
  bool progress_shown_ = false;
  bool list_warnings_ = false;
  void clear_progress();
  void baseline_summary(const run_report& r);
  std::string paint(const std::string& text, verdict v) const;
};

// Helpers shared by the writers (exposed for tests).
// Inverse of core's visible(): "\\r" -> CR, "\\n" -> LF, "\\\\" -> "\\", "\\xNN" -> byte.
std::string from_visible(std::string_view text);
// Valid UTF-8 copy of text: invalid sequences become U+FFFD.
std::string utf8_sanitize(std::string_view text);
// Text safe inside XML 1.0 element content and attribute values: markup escaped, valid UTF-8,
// characters XML 1.0 cannot carry (NUL, other C0 controls but tab/CR/LF) written as "\\xNN".
std::string xml_escape(std::string_view text);
// "RFC 5321 §4.2.1" -> "https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1" ("" when not an RFC).
std::string spec_url(std::string_view spec);
// Milliseconds since the epoch of an ISO 8601 UTC timestamp ("2026-01-02T03:04:05.678Z"), or -1.
std::int64_t parse_iso8601_ms(std::string_view text);

}  // namespace mailspec::report
