#include "runner/runner.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <sys/resource.h>
#include <unistd.h>

#include "core/service.hpp"
#include "net/asio.hpp"
#include "rules/rules.hpp"
#include "scenario/loader.hpp"
#include "session/session.hpp"

namespace mailspec::runner {

namespace asio = boost::asio;

const std::map<std::string, int>& service_ports() {
  static const std::map<std::string, int> ports = [] {
    std::map<std::string, int> m;
    for (const auto& s : service_rows()) m.emplace(to_string(s.service), s.default_port);
    return m;
  }();
  return ports;
}

int map_port(int scenario_port, const std::map<std::string, int>& port_map) {
  if (auto it = port_map.find(std::to_string(scenario_port)); it != port_map.end()) return it->second;
  for (const auto& [name, port] : service_ports())
    if (port == scenario_port)
      if (auto it = port_map.find(name); it != port_map.end()) return it->second;
  return scenario_port;
}

namespace {

bool starts_with_any(const std::string& id, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return id.rfind(p, 0) == 0; });
}

std::vector<std::string> scenario_prefixes(const std::vector<scenario::scenario>& scs, const std::vector<std::string>& only) {
  std::vector<std::string> out;
  for (const auto& p : only)
    if (std::any_of(scs.begin(), scs.end(), [&](const scenario::scenario& s) { return s.id.rfind(p, 0) == 0; }))
      out.push_back(p);
  return out;
}

std::vector<std::string> rule_prefixes(const std::vector<std::string>& only) {
  std::vector<std::string> out;
  for (const auto& p : only)
    for (const auto& r : rules::catalogue())
      if (r.id.rfind(p, 0) == 0) {
        out.push_back(p);
        break;
      }
  return out;
}

}  // namespace

std::vector<std::string> unmatched_prefixes(const std::vector<scenario::scenario>& scenarios,
                                            const std::vector<std::string>& only) {
  // The runner's own finding ids count as rules too.
  static const std::vector<std::string> own = {"scenario/expect", "scenario/run"};
  auto matched = rule_prefixes(only);
  auto by_scenario = scenario_prefixes(scenarios, only);
  std::vector<std::string> out;
  for (const auto& p : only) {
    bool hit = std::find(matched.begin(), matched.end(), p) != matched.end() ||
               std::find(by_scenario.begin(), by_scenario.end(), p) != by_scenario.end() ||
               starts_with_any(own[0], {p}) || starts_with_any(own[1], {p});
    if (!hit) out.push_back(p);
  }
  return out;
}

std::vector<const scenario::scenario*> select_scenarios(const std::vector<scenario::scenario>& scenarios,
                                                        const std::vector<std::string>& only) {
  auto prefixes = scenario_prefixes(scenarios, only);
  std::vector<const scenario::scenario*> chosen;
  for (const auto& s : scenarios)
    if (prefixes.empty() || starts_with_any(s.id, prefixes)) chosen.push_back(&s);
  std::sort(chosen.begin(), chosen.end(), [](auto* a, auto* b) { return a->id < b->id; });
  return chosen;
}

std::vector<planned_case> plan(const std::vector<scenario::scenario>& scenarios, const run_options& opt) {
  auto chosen = select_scenarios(scenarios, opt.only);
  std::vector<planned_case> out;
  std::size_t n = 0;
  for (const auto& host : opt.targets)
    for (auto* s : chosen)
      for (int run = 0; run < std::max(1, opt.repeat); ++run, ++n) {
        if (opt.shard && static_cast<int>(n % opt.shard->count) != opt.shard->index - 1) continue;
        out.push_back({s, host, map_port(s->port, opt.port_map), run});
      }
  return out;
}

namespace {

// Findings for the scenario's own expectations: one per step that did not pass. A step that held
// through an alternative marked "warn" is a SHOULD-level finding (--strict makes it a fail).
void add_expectation_findings(case_result& c, const scenario::scenario& sc, bool strict) {
  for (const auto& s : c.steps) {
    if (s.result == verdict::pass || s.result == verdict::skip) continue;
    finding f;
    f.rule = "scenario/expect";
    f.spec = sc.refs.empty() ? "scenario " + sc.id : sc.refs.front();
    f.lvl = s.result == verdict::warn ? level::should : level::must;
    f.result = strict && s.result == verdict::warn ? verdict::fail : s.result;
    f.requirement = "step \"" + s.id + "\" of " + sc.id + " (" + sc.file + ")";
    f.expected = s.expected;
    f.actual = s.actual;
    f.step = s.index;
    f.message = s.message;
    c.findings.push_back(std::move(f));
  }
  if (c.result == verdict::error && c.steps.empty()) {
    finding f;
    f.rule = "scenario/run";
    f.spec = "scenario " + sc.id;
    f.result = verdict::error;
    f.requirement = "the case could be run";
    f.actual = c.message;
    f.message = c.message;
    c.findings.push_back(std::move(f));
  }
}

struct host_gate {
  int active = 0;
  std::chrono::steady_clock::time_point next_slot{};
};

struct exec_state {
  const run_options& opt;
  const std::atomic<bool>& stop;
  const progress_fn& progress;
  std::vector<planned_case> cases;
  std::size_t next = 0;
  int done = 0;
  std::vector<std::optional<case_result>> results;
  std::map<std::string, host_gate> gates;
  rules::judge_options judge;
  std::map<const scenario::scenario*, scenario::resolved_vars> vars;
  std::string run_token;  // unique per run: ${run.id} = token-caseindex
};

// True when a connection slot was taken (the caller releases it), false when the run was
// stopped while waiting.
asio::awaitable<bool> acquire(exec_state& st, const std::string& host) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (;;) {
    auto& g = st.gates[host];
    auto now = std::chrono::steady_clock::now();
    if (g.active < std::max(1, st.opt.connection.per_host) && now >= g.next_slot) {
      ++g.active;
      if (st.opt.connection.rate > 0)
        g.next_slot = std::max(now, g.next_slot) +
                      std::chrono::microseconds(static_cast<std::int64_t>(1e6 / st.opt.connection.rate));
      co_return true;
    }
    if (st.stop.load()) co_return false;
    // Waiting for the rate's next slot: sleep until then, in short steps so that a stop request
    // (SIGINT) is seen at once even at a slow --rate; waiting for a free connection: poll.
    if (g.active < std::max(1, st.opt.connection.per_host)) t.expires_at(std::min(g.next_slot, now + std::chrono::milliseconds(100)));
    else t.expires_after(std::chrono::milliseconds(2));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

case_result skipped_mutation(const planned_case& pc) {
  const auto& sc = *pc.sc;
  case_result c;
  c.scenario_id = sc.id;
  c.scenario_file = sc.file;
  c.title = sc.title;
  c.protocol = std::string(scenario::to_string(sc.protocol));
  c.run = pc.run;
  c.target.host = pc.host;
  c.target.port = pc.port;
  c.target.tls_mode = std::string(scenario::to_string(sc.tls));
  c.started = iso8601_now();
  c.result = verdict::skip;
  c.message = "scenario changes the mailbox (mutates: true); run with --allow-mutation";
  return c;
}

// Runs case i once its host admits it and stores the result; false when stopped before it began.
// Kept out of worker() so the frames of the many idle workers of a large --jobs stay small.
asio::awaitable<bool> run_case(exec_state& st, std::size_t i) {
  const auto& pc = st.cases[i];
  const auto& sc = *pc.sc;
  const bool slot = co_await acquire(st, pc.host);
  if (!slot) co_return false;
  if (st.stop.load()) {
    --st.gates[pc.host].active;
    co_return false;
  }
  session::options so;
  so.host = pc.host;
  so.port = pc.port;
  so.map_port = [&map = st.opt.port_map](int port) { return map_port(port, map); };
  so.connection = st.opt.connection;
  so.run = pc.run;
  so.run_id = st.run_token + "-" + std::to_string(i);
  so.stop = &st.stop;
  try {
    auto rec = co_await session::run_scenario(sc, st.vars[pc.sc], std::move(so));
    auto findings = rules::judge(rec, st.judge);
    case_result& c = rec.result;
    add_expectation_findings(c, sc, st.opt.strict);
    for (auto& f : findings) c.findings.push_back(std::move(f));
    // Rules quote the server's replies, and a server may echo a secret back.
    session::redact_case(c, rec.secrets);
    c.result = combine_case_verdict(c);
    st.results[i] = std::move(c);
  } catch (const std::exception& e) {
    // A harness defect must not lose the run: the case is an error with the reason.
    case_result c;
    c.scenario_id = sc.id;
    c.scenario_file = sc.file;
    c.protocol = std::string(scenario::to_string(sc.protocol));
    c.target.host = pc.host;
    c.target.port = pc.port;
    c.result = verdict::error;
    c.message = std::string("internal error: ") + e.what();
    st.results[i] = std::move(c);
  }
  --st.gates[pc.host].active;
  co_return true;
}

asio::awaitable<void> worker(exec_state& st) {
  while (!st.stop.load() && st.next < st.cases.size()) {
    std::size_t i = st.next++;
    if (st.cases[i].sc->mutates && !st.opt.allow_mutation) st.results[i] = skipped_mutation(st.cases[i]);
    else if (!co_await run_case(st, i)) break;
    ++st.done;
    if (st.progress) st.progress(*st.results[i], st.done, static_cast<int>(st.cases.size()));
  }
}

}  // namespace

fd_limit ensure_fd_limit(std::size_t wanted) {
  fd_limit out;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return out;
  out.soft = static_cast<std::size_t>(rl.rlim_cur);
  out.hard = static_cast<std::size_t>(rl.rlim_max);
  if (rl.rlim_cur != RLIM_INFINITY && out.soft < wanted) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(wanted) : std::min<rlim_t>(rl.rlim_max, wanted);
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) {
      out.soft = static_cast<std::size_t>(want.rlim_cur);
      out.raised = true;
    }
  }
  return out;
}

std::size_t max_concurrency(const run_options& opt, std::size_t planned) {
  std::set<std::string> hosts(opt.targets.begin(), opt.targets.end());
  std::size_t by_host = static_cast<std::size_t>(std::max(1, opt.connection.per_host)) * std::max<std::size_t>(1, hosts.size());
  return std::max<std::size_t>(1, std::min({static_cast<std::size_t>(std::max(1, opt.jobs)), by_host, planned}));
}

run_report execute(const std::vector<scenario::scenario>& scenarios, const run_options& opt,
                   const std::atomic<bool>& stop, const progress_fn& progress) {
  exec_state st{opt, stop, progress, plan(scenarios, opt), 0, 0, {}, {}, {}, {}, {}};
  {
    char token[32];
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::snprintf(token, sizeof token, "%llx%04x",
                  static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::seconds>(now).count()),
                  static_cast<unsigned>(::getpid() & 0xffff));
    st.run_token = token;
  }
  st.results.resize(st.cases.size());
  st.judge.strict = opt.strict;
  st.judge.only = rule_prefixes(opt.only);
  for (const auto& s : scenarios) st.vars[&s] = scenario::resolve_vars(s);

  run_report r;
  r.command = "run";
  r.started = iso8601_now();
  r.targets = opt.targets;
  auto t0 = std::chrono::steady_clock::now();
  asio::io_context io(1);
  // One descriptor per open session: raise the soft limit if needed, else run fewer at a time
  // rather than fail sessions with EMFILE.
  std::size_t workers = max_concurrency(opt, st.cases.size());
  auto fds = ensure_fd_limit(workers + fd_reserve);
  if (fds.soft > 0 && fds.soft < workers + fd_reserve) {
    std::size_t fit = fds.soft > 2 * fd_reserve ? fds.soft - fd_reserve : 1;
    std::fprintf(stderr,
                 "mailspec: %zu concurrent sessions need about %zu file descriptors, but the limit is %zu "
                 "(hard %zu); running %zu at a time\n",
                 workers, workers + fd_reserve, fds.soft, fds.hard, fit);
    workers = std::min(workers, fit);
  }
  for (std::size_t i = 0; i < workers; ++i)
    asio::co_spawn(io, worker(st), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  io.run();
  for (auto& c : st.results)
    if (c) r.cases.push_back(std::move(*c));
  if (r.cases.size() < st.cases.size()) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted after " + std::to_string(r.cases.size()) + " of " +
                          std::to_string(st.cases.size()) + " cases";
  }
  rules::protocol_book().attach_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mailspec::runner
