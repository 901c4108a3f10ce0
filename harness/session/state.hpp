// Internal: the state one running scenario carries between steps.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/secret.hpp"
#include "net/connection.hpp"
#include "scenario/expand.hpp"
#include "session/expect.hpp"
#include "session/session.hpp"
#include "session/wire.hpp"

namespace mailspec::session {

enum class step_end { next, stop, skip_case };

struct run_state {
  const scenario::scenario& sc;
  const scenario::resolved_vars& vars;
  const options& opt;
  record& rec;
  net::connection& conn;
  secret_registry& secrets;
  wire& w;
  std::map<std::string, std::string> captures;
  int tag_counter = 0;
  std::string outstanding_tag;  // IMAP tag still awaiting its completion
  bool tls_verified = false;    // the current TLS channel passed the verification it asked for
  std::vector<std::string> caps_seen;  // union of every saved capability set

  std::string next_tag();
  scenario::expand_context context(const std::string& tag) const;
  // Expands a template, registering derived secret forms. Throws std::invalid_argument.
  scenario::expanded expand(const std::string& text, const std::string& tag);
  // "" when a secret may be sent now; otherwise why not.
  std::string secret_refusal() const;
};

// One step: performs its action and judges its expectation into `result`.
asio::awaitable<step_end> run_step(run_state& st, const scenario::step& s, step_result& result);
// The auth action (SASL in the protocol's own form).
asio::awaitable<step_end> run_auth(run_state& st, const scenario::step& s, const scenario::auth_action& a,
                                   exchange& ex, step_result& result);
// Reads the response(s) a command gets, per protocol.
asio::awaitable<read_outcome> read_response(run_state& st, exchange& ex, const scenario::step& s,
                                            int commands);
// Applies the step's expectation (or the default) to the exchange; fills result.
void judge_step(run_state& st, const scenario::step& s, const exchange& ex, const read_outcome& io,
                bool default_success, step_result& result);

}  // namespace mailspec::session
