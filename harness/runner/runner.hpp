// Plans cases (scenarios x targets x repeats, filtered and sharded), runs them concurrently on
// one io_context while staying polite to each host, judges them with the rules.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/run_report.hpp"
#include "net/client_options.hpp"
#include "scenario/model.hpp"

namespace mailspec::runner {

struct shard_spec {
  int index = 1;  // K (1-based)
  int count = 1;  // N
};

struct run_options {
  std::vector<std::string> targets;
  std::map<std::string, int> port_map;  // "imap" -> 10143, "143" -> 10143
  int jobs = 4;
  int repeat = 1;
  std::vector<std::string> only;
  bool strict = false;
  bool allow_mutation = false;
  // --per-host and --rate (applied per host here), and what every session gets whole: --bind,
  // --sni, --ca-file, --client-cert/--client-key, --insecure, --helo, --timeout-ms.
  net::client_options connection;
  std::optional<shard_spec> shard;
};

// Well-known service names of docs/architecture.md and their default ports.
const std::map<std::string, int>& service_ports();
// Port to use for a scenario's port on the target after --port mapping.
int map_port(int scenario_port, const std::map<std::string, int>& port_map);

struct planned_case {
  const scenario::scenario* sc = nullptr;
  std::string host;
  int port = 0;
  int run = 0;
};

// Deterministic plan; --only selects scenarios whose id starts with a prefix (prefixes that
// match no scenario id are rule filters only); --shard K/N keeps every N-th case.
// --only prefixes that match no scenario id and no rule id (a typo would otherwise run every
// scenario with every rule, as if --only had not been given).
std::vector<std::string> unmatched_prefixes(const std::vector<scenario::scenario>& scenarios,
                                            const std::vector<std::string>& only);

// The scenarios --only selects (every one when no prefix matches a scenario id), in id order.
std::vector<const scenario::scenario*> select_scenarios(const std::vector<scenario::scenario>& scenarios,
                                                        const std::vector<std::string>& only);

std::vector<planned_case> plan(const std::vector<scenario::scenario>& scenarios, const run_options& opt);

using progress_fn = std::function<void(const case_result&, int done, int total)>;

// Open descriptors a run needs beyond its sessions (epoll, resolver, report files, stdio).
inline constexpr std::size_t fd_reserve = 64;

struct fd_limit {
  std::size_t soft = 0;  // RLIMIT_NOFILE soft limit after the call
  std::size_t hard = 0;
  bool raised = false;   // the soft limit was raised
};
// Raises the soft RLIMIT_NOFILE toward the hard limit when fewer than `wanted` descriptors are
// allowed (never lowers it). The caller caps its concurrency at soft - fd_reserve.
fd_limit ensure_fd_limit(std::size_t wanted);

// Sessions that can be open at once: --jobs, capped by --per-host x hosts and by the plan size.
std::size_t max_concurrency(const run_options& opt, std::size_t planned);

// Runs the plan; stop (SIGINT/SIGTERM) ends it early with report.incomplete set.
run_report execute(const std::vector<scenario::scenario>& scenarios, const run_options& opt,
                   const std::atomic<bool>& stop, const progress_fn& progress);

}  // namespace mailspec::runner
