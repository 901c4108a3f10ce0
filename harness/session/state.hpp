// Internal: the state one running scenario carries between steps.
#pragma once
#include <map>
#include <memory>
#include <optional>
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

// A step that passed, or held only through an alternative that deviates from a SHOULD (a warn),
// lets the case go on; anything else ends it.
inline step_end end_of(const step_result& r) {
  return r.result == verdict::pass || r.result == verdict::warn ? step_end::next : step_end::stop;
}

// One connection of the scenario (or of the fixtures' setup and cleanup).
struct conn_state {
  conn_state(asio::any_io_executor ex, std::string name, int port, scenario::tls_mode tls, record& rec,
             const secret_registry& secrets, const options& opt, std::chrono::steady_clock::time_point start,
             std::uint64_t* bytes_read);

  std::string name;               // "" for a one-connection scenario
  int port = 0;                   // after --port mapping
  scenario::tls_mode tls = scenario::tls_mode::none;
  net::connection conn;
  wire w;
  std::string outstanding_tag;    // IMAP tag still awaiting its completion
  bool tls_verified = false;      // the current TLS channel passed the verification it asked for
  bool opened = false;            // connected (and implicit TLS done)
  bool closed = false;            // expect_close passed, or dropped by the data-safety check
  bool had_exchange = false;      // the next response is not the greeting
  std::int64_t cap_ms = 0;        // every timeout at most this (the fixtures' cleanup); 0: none
  std::string greeting;            // POP3: the greeting's text (its APOP timestamp, RFC 1939 §7)
  // POP3 data safety: the maildrop (STAT "count size") before this connection's first DELE.
  std::optional<std::string> maildrop_before;
};

struct run_state {
  run_state(const scenario::scenario& sc_, const scenario::resolved_vars& vars_, const options& opt_, record& rec_,
            secret_registry& secrets_, asio::any_io_executor ex)
      : sc(sc_), vars(vars_), opt(opt_), rec(rec_), secrets(secrets_), start(std::chrono::steady_clock::now()),
        executor(std::move(ex)) {}

  const scenario::scenario& sc;
  const scenario::resolved_vars& vars;
  const options& opt;
  record& rec;
  secret_registry& secrets;
  std::chrono::steady_clock::time_point start;
  asio::any_io_executor executor;
  std::uint64_t bytes_read = 0;                      // every connection's, against options::max_session_bytes
  std::map<std::string, std::unique_ptr<conn_state>> conns;
  conn_state* c = nullptr;                           // the current step's connection
  std::map<std::string, std::string> captures;
  int tag_counter = 0;                               // tags are unique across the case's connections
  std::vector<std::string> caps_seen;                // union of every saved capability set
  std::string scratch_mailbox;                       // ${scratch.mailbox}, once the fixtures created it
  std::vector<net::connection*>* watched = nullptr;  // cancelled on SIGINT (all but the fixtures' cleanup)

  std::string next_tag();
  scenario::expand_context context(const std::string& tag) const;
  // Expands a template, registering derived secret forms. Throws std::invalid_argument.
  scenario::expanded expand(const std::string& text, const std::string& tag);
  // "" when a secret may be sent now on connection c; otherwise why not.
  std::string secret_refusal() const;
  // Keeps an exchange of connection c in the record (its connection named, the greeting known).
  void record_exchange(exchange&& ex);
  // A new exchange of step s on connection c.
  exchange new_exchange(const scenario::step& s) const;
  // A connection object for `name` (not yet connected).
  conn_state& make_connection(const std::string& name, int port, scenario::tls_mode tls);
};

// Connects (and does implicit TLS) for connection c; false with the reason in `why`.
asio::awaitable<bool> open_connection(run_state& st, conn_state& c, bool primary, std::string& why);
// One step: performs its action and judges its expectation into `result`.
asio::awaitable<step_end> run_step(run_state& st, const scenario::step& s, step_result& result);
// The auth action (SASL in the protocol's own form).
asio::awaitable<step_end> run_auth(run_state& st, const scenario::step& s, const scenario::auth_action& a,
                                   exchange& ex, step_result& result);
// The auth step's APOP (RFC 1939 §7), with the timestamp of connection c's greeting.
asio::awaitable<step_end> run_apop(run_state& st, const scenario::step& s, const scenario::auth_action& a,
                                   exchange& ex, step_result& result);
// Reads the response(s) a command gets, per protocol.
asio::awaitable<read_outcome> read_response(run_state& st, exchange& ex, const scenario::step& s,
                                            int commands);
// Applies the step's expectation (or the default) to the exchange; fills result.
void judge_step(run_state& st, const scenario::step& s, const exchange& ex, const read_outcome& io,
                bool default_success, step_result& result);

// Data safety of a scenario without "mutates" (docs/scenario-format.md): before `bytes` go out on
// connection c. IMAP: refuses expunge, move and delete commands. POP3: records STAT before the
// first DELE; before a QUIT after a DELE, STAT again: when the maildrop is not what it was, the
// connection is dropped without QUIT. Returns step_end::next to send, stop when refused (result set).
asio::awaitable<step_end> guard_send(run_state& st, const scenario::step& s, const std::string& bytes, bool raw,
                                     step_result& result);

// Message fixtures (docs/scenario-format.md, "Fixtures"): set up before the first step, cleaned
// up afterwards on a connection of their own, also when the case failed or was interrupted.
struct fixture_state {
  bool mailbox_created = false;  // only a mailbox this case created is deleted
  std::string mailbox;
};
asio::awaitable<bool> setup_fixtures(run_state& st, fixture_state& fx);
asio::awaitable<void> cleanup_fixtures(run_state& st, fixture_state& fx);

}  // namespace mailspec::session
