// The RFC rule tables (DESIGN.md §2, §3): each rule is a data row {id, protocol, spec, level,
// requirement, check}. Rules are passive: they read a session::record and never do I/O.
// Every rule runs on every record; a rule whose precondition is absent emits nothing, a rule
// that applied and held emits one `pass`, a broken rule emits one finding per violation.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/finding.hpp"
#include "core/verdict.hpp"
#include "session/record.hpp"

namespace mailspec::rules {

struct rule;

// What a check sees: the record, its own row, and where to put what it found.
class context {
 public:
  context(const session::record& rec, const rule& r, std::vector<finding>& out) : rec(rec), r(r), out_(out) {}
  const session::record& rec;
  const rule& r;
  // The checks pass `actual` already in visible form (e.g. facts the audit stored visible):
  // bound it only, so a backslash or \xNN is not escaped twice.
  bool actual_is_visible = false;

  // The rule applied and held. `actual` is optional evidence (made visible and bounded).
  void held(const session::exchange* ex, std::string_view actual = {});
  // The rule applied and was broken: fail for MUST, warn for SHOULD, info for INFO rules.
  void broken(const session::exchange* ex, std::string expected, std::string_view actual, std::string message = {});
  // A finding with an explicit verdict (e.g. `error` when the harness could not judge, `skip`).
  // judge() still applies --strict to a `warn`.
  void emit(const session::exchange* ex, verdict v, std::string expected, std::string_view actual,
            std::string message = {});
  // Same without an exchange (TLS facts, whole-case facts).
  void held_case(std::string_view actual = {}) { held(nullptr, actual); }
  void broken_case(std::string expected, std::string_view actual, std::string message = {}) {
    broken(nullptr, std::move(expected), actual, std::move(message));
  }

 private:
  std::vector<finding>& out_;
  finding make(const session::exchange* ex, verdict v, std::string_view actual) const;
};

struct rule {
  std::string id;        // path-shaped: "smtp/rfc5321/4.2/reply-code-syntax"
  std::string protocol;  // smtp | imap | pop3 | tls
  std::string spec;      // "RFC 5321 §4.2.1"
  level lvl = level::must;
  severity sev = severity::none;
  // The RFC's own words, verbatim ("..." marks an elision); text in parentheses is mailspec's note
  // (which section, what is judged). A rule that rests on no single sentence starts "Summary:".
  std::string requirement;
  std::function<void(context&)> check;
};

// Every rule, built once, in the explicit order of registry.cpp.
const std::vector<rule>& catalogue();
// The rule with this id, or nullptr.
const rule* find_rule(std::string_view id);

struct judge_options {
  bool strict = false;             // SHOULD broken -> fail instead of warn
  std::vector<std::string> only;   // id prefixes; empty = all rules
  std::size_t max_per_rule = 10;   // violations reported per rule and record (the rest are counted)
};

// True when the id matches one of the prefixes (or the list is empty). A prefix matches
// whole path segments or a leading part of one: "smtp/rfc5321" matches "smtp/rfc5321/4.2/x".
bool selected(std::string_view id, const std::vector<std::string>& only);

// Runs one rule's check on the record: its raw findings. A check that throws yields one `error`
// finding (the harness could not judge). actual_is_visible: the record's facts are already in
// visible form (probe facts), so `actual` is not escaped again. Shared by every catalogue's judge.
std::vector<finding> run_check(const rule& r, const session::record& rec, bool actual_is_visible = false);

// Runs every selected rule on the record. Per rule: the violations (bounded), else one pass.
// A check that throws yields one `error` finding for that rule (the harness could not judge).
std::vector<finding> judge(const session::record& rec, const judge_options& opt = {});

// The catalogue for `mailspec rules`: [{id, protocol, spec, level, severity, requirement}].
nlohmann::json catalogue_json();
std::string catalogue_text();

// Bounded, CR/LF-visible form of server bytes for a finding's `actual` (about 300 chars).
std::string evidence(std::string_view raw, std::size_t max = 300);

}  // namespace mailspec::rules
