// Judging one step's responses against its `expect` (docs/architecture.md).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "scenario/model.hpp"
#include "session/record.hpp"

namespace mailspec::session {

struct expect_outcome {
  bool ok = true;
  std::string expected;  // human-readable
  std::string actual;    // closest thing that came back (visible CR/LF)
  std::string message;   // what differed
};

// The default expectation of a step without `expect`: auth expects success, others accept
// any well-formed response.
expect_outcome check_smtp(const scenario::smtp_expect* e, const exchange& ex, bool default_success,
                          std::map<std::string, std::string>& captures);
expect_outcome check_imap(const scenario::imap_expect* e, const exchange& ex, bool default_success,
                          std::map<std::string, std::string>& captures);
expect_outcome check_pop3(const scenario::pop3_expect* e, const exchange& ex, bool default_success,
                          std::map<std::string, std::string>& captures);

// Capability atoms a response announces (EHLO keywords with AUTH=MECH forms, IMAP CAPABILITY
// atoms, POP3 CAPA tags with SASL=MECH forms), upper-cased.
std::vector<std::string> capabilities_of(scenario::protocol_kind p, const exchange& ex);

// Text lines of a response without line endings (for matchers).
std::vector<std::string> smtp_lines(const exchange& ex);
std::vector<std::string> imap_untagged_lines(const exchange& ex);

}  // namespace mailspec::session
