// The result of one case: one scenario (or audit probe) run once against one target.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/facts.hpp"
#include "core/finding.hpp"
#include "core/tls_facts.hpp"
#include "core/transcript.hpp"
#include "core/verdict.hpp"

namespace mailspec {

struct target_info {
  std::string host;                    // as given on the command line
  std::string ip;                      // the address actually connected to
  std::vector<std::string> addresses;  // every address the name resolved to
  int port = 0;
  std::string tls_mode;                // none | implicit | starttls
  std::string bind;                    // source address, when --bind was given
  // The well-known service the port plays (smtp = the public MX, submission, imaps, ...) when
  // known: the audit's ports, a scenario on port 25. "" when unknown.
  std::string service;
};

struct step_result {
  int index = 0;
  std::string id;
  std::string action;    // send, send_raw, starttls, auth, message, sleep, expect_close, expect
  verdict result = verdict::pass;
  std::string expected;  // human-readable expectation
  std::string actual;    // what came back (redacted), the closest thing when it failed
  std::string message;   // why it failed / error text
  std::int64_t duration_ms = 0;
  std::string sent;      // the redacted command, when the step sent one
};

struct case_result {
  std::string scenario_id;
  std::string scenario_file;
  std::string title;
  std::string protocol;  // smtp | imap | pop3
  std::string kind = "scenario";  // scenario | audit | settings | serve
  int run = 0;           // repetition index (--repeat)
  target_info target;
  verdict result = verdict::skip;
  std::string message;   // why the case ended as it did (skip reason, error)
  std::string started;   // ISO 8601 UTC
  std::int64_t duration_ms = 0;
  std::vector<std::string> refs;
  std::vector<step_result> steps;
  std::vector<finding> findings;
  transcript log;
  std::vector<tls_facts> tls;  // one per handshake
  std::vector<std::string> capabilities_before_tls;
  std::vector<std::string> capabilities_after_tls;
  std::optional<probe_facts> probe;        // audit cases (and settings cases built on a probe)
  std::optional<settings_facts> settings;  // settings cases
  std::optional<client_facts> client;      // serve cases (a mail client tested by `mailspec serve`)
};

// Case verdict from its steps and findings: worst of them, where a case with only
// skip/info/pass findings and passed steps is a pass. A skipped case (c.result == skip) stays
// skip whatever its findings say: they keep their own verdicts.
verdict combine_case_verdict(const case_result& c);

}  // namespace mailspec
