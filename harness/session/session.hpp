// Runs one scenario over its connections as a C++20 coroutine (docs/scenario-format.md for
// connections, fixtures and data safety).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "net/asio.hpp"
#include "net/client_options.hpp"
#include "protocol/defect.hpp"
#include "scenario/loader.hpp"
#include "scenario/model.hpp"
#include "session/record.hpp"

namespace mailspec::session {

namespace asio = boost::asio;

// Framing bounds for a session: large enough for real mail (16 MiB literal or body), small
// enough that a hostile server cannot take more than a few tens of MB of memory.
inline protocol::limits default_limits() {
  protocol::limits l;
  l.max_literal = 16u * 1024 * 1024;
  l.max_response_bytes = 16u * 1024 * 1024;
  return l;
}

struct options {
  std::string host;            // target host as given
  int port = 0;                // resolved port of the scenario's port (after --port mapping)
  // --port mapping for the other ports of a scenario with several connections (none: as written).
  std::function<int(int)> map_port;
  // --bind, --sni, --ca-file, --client-cert/--client-key, --insecure, --helo (${target.helo}),
  // --timeout-ms (overrides every step / connect / TLS timeout when > 0), as the runner was given.
  net::client_options connection;
  std::string run_id;
  int run = 0;                 // repetition index
  protocol::limits lim = default_limits();
  std::uint64_t max_session_bytes = 64ull * 1024 * 1024;  // bytes read from the server per case
  const std::atomic<bool>* stop = nullptr;  // set on SIGINT/SIGTERM: end at the next step
};

// Never throws for server behaviour: every failure ends up in the record as data.
asio::awaitable<record> run_scenario(const scenario::scenario& sc, const scenario::resolved_vars& vars,
                                     options opt);

// The plaintext-secret policy checked before connecting: returns "" when the scenario may run,
// or the reason it is refused (docs/architecture.md).
std::string check_secret_policy(const scenario::scenario& sc, const scenario::resolved_vars& vars,
                                bool insecure);

}  // namespace mailspec::session
