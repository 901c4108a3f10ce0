// The rule engine (docs/architecture.md): each rule is a data row {id, protocol, spec,
// level, requirement, check}. Rules are passive: they read a session::record and never do I/O.
// Every rule runs on every record; a rule whose precondition is absent emits nothing, a rule
// that applied and held emits one `pass`, a broken rule emits one finding per violation.
#pragma once
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/facts.hpp"
#include "core/finding.hpp"
#include "core/run_report.hpp"
#include "core/verdict.hpp"
#include "session/record.hpp"

namespace mailspec::rules {

struct rule;

// What a check sees: the record, its own row, and where to put what it found. A check never
// decides how a finding is counted (strict, bounds): judge() does, the same for every table.
class context {
 public:
  context(const session::record& rec, const rule& r, std::vector<finding>& out) : rec(rec), r(r), out_(out) {}
  const session::record& rec;
  const rule& r;

  // The typed facts of an audit probe / a settings case (nullptr when the case has none).
  const probe_facts* probe() const { return rec.result.probe ? &*rec.result.probe : nullptr; }
  const settings_facts* settings() const { return rec.result.settings ? &*rec.result.settings : nullptr; }
  // What a mail client did against `mailspec serve` (nullptr outside serve cases).
  const client_facts* client() const { return rec.result.client ? &*rec.result.client : nullptr; }

  // The rule applied and held. `actual` is optional evidence (raw bytes: made visible and bounded).
  void held(const session::exchange* ex, std::string_view actual = {});
  // The rule applied and was broken: fail for MUST, warn for SHOULD, info for INFO rules.
  void broken(const session::exchange* ex, std::string expected, std::string_view actual, std::string message = {});
  // A finding with an explicit verdict: `error` when the harness could not judge, `info` for an
  // observation, `warn` where the rule's own level does not apply (a public MX). judge() still
  // applies --strict to a `warn`.
  void emit(const session::exchange* ex, verdict v, std::string expected, std::string_view actual,
            std::string message = {});
  // Same without an exchange (TLS facts, probe and settings facts, whole-case facts).
  void held_case(std::string_view actual = {}) { held(nullptr, actual); }
  void broken_case(std::string expected, std::string_view actual, std::string message = {}) {
    broken(nullptr, std::move(expected), actual, std::move(message));
  }
  void emit_case(verdict v, std::string expected, std::string_view actual, std::string message = {}) {
    emit(nullptr, v, std::move(expected), actual, std::move(message));
  }

 private:
  std::vector<finding>& out_;
  finding make(const session::exchange* ex, verdict v, std::string_view actual) const;
};

struct rule {
  std::string id;        // path-shaped: "smtp/rfc5321/4.2/reply-code-syntax"
  // smtp | imap | pop3: judged on records of that protocol only; tls | sasl | any | settings:
  // on every record (their checks look for the facts they need).
  std::string protocol;
  std::string spec;      // "RFC 5321 §4.2.1"
  level lvl = level::must;
  severity sev = severity::none;
  // The RFC's own words, verbatim ("..." marks an elision); text in parentheses is mailspec's note
  // (which section, what is judged). A rule that rests on no single sentence starts "Summary:".
  std::string requirement;
  std::function<void(context&)> check;
};

// Builds a row (keeps the rule files tabular). Every table of every layer uses it.
rule row(std::string id, std::string protocol, std::string spec, level lvl, std::string requirement,
         std::function<void(context&)> check, severity sev = severity::none);

// One layer's rule table: the protocol/TLS/SASL rules here, the audit's and the settings' own in
// their folders. Built once, in an explicit order (no static self-registration).
using table = std::vector<rule>;

// The protocol, TLS and SASL rules, in the order of registry.cpp.
const table& catalogue();

struct judge_options {
  bool strict = false;             // SHOULD broken -> fail instead of warn
  std::vector<std::string> only;   // id prefixes the user selected (--only); empty = all rules
  std::vector<std::string> within; // id prefixes the caller restricts to as well; empty = no restriction
  std::size_t max_per_rule = 10;   // violations reported per rule and record (the rest are counted)
};

// True when the id matches one of the prefixes (or the list is empty). A prefix matches
// whole path segments or a leading part of one: "smtp/rfc5321" matches "smtp/rfc5321/4.2/x".
bool selected(std::string_view id, const std::vector<std::string>& only);

// The one judge, for every table: runs each selected rule that applies to the record's protocol.
// Per rule: its violations (bounded by max_per_rule, SHOULD -> fail with strict), else one pass.
// A check that throws yields one `error` finding for that rule (the harness could not judge).
std::vector<finding> judge(const session::record& rec, const table& rows, const judge_options& opt = {});
// The protocol rules (catalogue()).
inline std::vector<finding> judge(const session::record& rec, const judge_options& opt = {}) {
  return judge(rec, catalogue(), opt);
}

// The tables a command knows, in order (protocol rules, then the audit's, then the settings'):
// one lookup, one listing, one way to attach rule references to a report.
class book {
 public:
  book(std::initializer_list<const table*> tables) : tables_(tables) {}
  const rule* find(std::string_view id) const;
  std::vector<const rule*> all() const;
  // The --only prefixes that select no rule of the book (a typo would check nothing).
  std::vector<std::string> unknown_prefixes(const std::vector<std::string>& only) const;
  // report.rules: spec, requirement, level and protocol of every rule a finding names.
  void attach_refs(run_report& r) const;
  // `mailspec rules`: [{id, protocol, spec, level, severity, requirement}] / a text listing.
  nlohmann::json listing_json() const;
  std::string listing_text() const;

 private:
  std::vector<const table*> tables_;
};

// The book of `mailspec run`: the protocol rules.
const book& protocol_book();

// Bounded, CR/LF-visible form of server bytes for a finding's `actual` (about 300 chars).
std::string evidence(std::string_view raw, std::size_t max = 300);

}  // namespace mailspec::rules
