// Judging one step's responses against its `expect`: by protocol, capabilities, assertions,
// any_of and structured IMAP matching (docs/scenario-format.md).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "scenario/expand.hpp"
#include "scenario/model.hpp"
#include "session/record.hpp"

namespace mailspec::session {

struct expect_outcome {
  bool ok = true;
  bool error = false;    // the harness could not judge (a ${cap.NAME} not bound yet): an error, not a fail
  std::string expected;  // human-readable
  std::string actual;    // closest thing that came back (visible CR/LF)
  std::string message;   // what differed; for a passing any_of, which alternative held
  bool warn = false;     // it held through an alternative marked "warn" (a SHOULD-level deviation)
};

using captures_map = std::map<std::string, std::string>;

// The whole expectation of a step: the protocol's matchers, capabilities, assertions, and the
// first alternative of any_of that holds. Without `expect` (e == nullptr): auth expects success,
// other steps accept any well-formed response. Captures bind only from what held.
expect_outcome check_expectation(scenario::protocol_kind p, const scenario::expectation* e, const exchange& ex,
                                 bool default_success, captures_map& captures, const scenario::expand_context& ctx);

// The protocol parts alone.
expect_outcome check_smtp(const scenario::smtp_expect* e, const exchange& ex, bool default_success,
                          captures_map& captures);
expect_outcome check_imap(const scenario::imap_expect* e, const exchange& ex, bool default_success,
                          captures_map& captures, const scenario::expand_context& ctx);
expect_outcome check_pop3(const scenario::pop3_expect* e, const exchange& ex, bool default_success,
                          captures_map& captures);

// How many responses a matcher matches: IMAP untagged responses, SMTP reply lines (whole or the
// text after the code), POP3 body lines (or the status line of a single-line response).
std::size_t count_matches(scenario::protocol_kind p, const scenario::matcher& m, const exchange& ex,
                          const scenario::expand_context& ctx);

// Capability atoms a response announces (EHLO keywords with AUTH=MECH forms, IMAP CAPABILITY
// atoms, POP3 CAPA tags with SASL=MECH forms), upper-cased.
std::vector<std::string> capabilities_of(scenario::protocol_kind p, const exchange& ex);

// Text lines of a response without line endings (for matchers).
std::vector<std::string> smtp_lines(const exchange& ex);
std::vector<std::string> imap_untagged_lines(const exchange& ex);

}  // namespace mailspec::session
