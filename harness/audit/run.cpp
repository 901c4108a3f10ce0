// The audit run: probes scheduled on one io_context with at most --per-host connections at a
// time and at most --rate new connections per second, connections of one probe family merged
// into one case, every case judged by the passive rules (restricted per family) and by
// audit::catalogue(), and reported to `progress` as soon as its last connection is done.
#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <optional>

#include "audit/families.hpp"

namespace mailspec::audit {

namespace {

using namespace detail;

struct job {
  std::size_t port = 0;
  const family* fam = nullptr;
  std::string variant;
};

using case_key = std::pair<std::size_t, probe_family>;  // (port index, probe family)

// One queue for the whole audit: every port's main probe first; when one answers, its follow-up
// probes join the queue (no barrier between phases, so one slow port holds up no other).
struct scheduler {
  scheduler(const options& o, const progress_fn& p) : opt(o), progress(p), main_done(o.ports.size(), false) {}
  const options& opt;
  const progress_fn& progress;
  std::vector<job> jobs;
  std::vector<bool> taken, done;
  // Until the job's case is judged. A deque: adding jobs keeps references to records valid
  // (plan_followups reads the main probe's record while it queues that port's follow-ups).
  std::deque<std::optional<session::record>> out;
  std::vector<bool> main_done;             // per port: its follow-ups are planned
  std::map<case_key, int> unfinished;      // jobs of a case not done yet
  std::map<case_key, case_result> judged;  // finished cases, judged
  int reported = 0;
  std::chrono::steady_clock::time_point next_slot{};  // --rate: earliest next connection
  // Idle workers wait on this timer (it never expires); cancel() wakes them all: a job was
  // queued, or a main probe finished (perhaps the last one, which ends the idle workers).
  asio::steady_timer* wake = nullptr;

  bool stopped() const { return opt.stop && opt.stop->load(); }
  void add(job j) {
    ++unfinished[{j.port, j.fam->id}];
    jobs.push_back(std::move(j));
    taken.push_back(false);
    done.push_back(false);
    out.emplace_back();
    if (wake) wake->cancel();
  }
};

session::record internal_error(const options& opt, const port_spec& p, probe_family family, const std::string& what) {
  session::record rec;
  auto& c = rec.result;
  c.kind = "audit";
  c.scenario_id = "audit/" + p.label() + "/" + std::string(to_string(family));
  c.protocol = std::string(to_string(p.protocol));
  c.target.host = opt.host;
  c.target.port = p.port;
  c.target.tls_mode = std::string(to_string(p.tls));
  c.result = verdict::error;
  c.message = "internal error: " + what;
  c.probe.emplace().family = family;
  return rec;
}

// The facts of one more connection of the same family: what the first connection found stays;
// what only the later one found is added (the version probe's four handshakes, one each).
void merge_facts(probe_facts& a, probe_facts&& b) {
  auto keep = [](auto& x, auto& y) {
    if (!x && y) x = std::move(y);
  };
  keep(a.banner, b.banner);
  keep(a.software, b.software);
  keep(a.unreachable, b.unreachable);
  keep(a.throttled, b.throttled);
  keep(a.wrong_protocol, b.wrong_protocol);
  keep(a.starttls_offered, b.starttls_offered);
  keep(a.starttls, b.starttls);
  keep(a.implicit_tls, b.implicit_tls);
  keep(a.not_tls, b.not_tls);
  keep(a.login_advertised, b.login_advertised);
  keep(a.login, b.login);
  keep(a.injection, b.injection);
  keep(a.weak_ciphers, b.weak_ciphers);
  for (auto& [v, attempt] : b.smuggling) a.smuggling.emplace(v, std::move(attempt));
  for (auto& [v, attempt] : b.versions) a.versions.emplace(v, std::move(attempt));
}

// Appends the connection `from` to the case record `into` (steps, exchanges and transcript renumbered).
void merge_into(session::record& into, session::record&& from) {
  auto& a = into.result;
  auto& b = from.result;
  int step_offset = 0;
  for (const auto& s : a.steps) step_offset = std::max(step_offset, s.index + 1);
  int log_offset = static_cast<int>(a.log.entries().size());
  a.log.add(b.log.entries().empty() ? 0 : b.log.entries().front().t_ms, direction::meta, channel::plain, -1,
            "next connection of this probe");
  ++log_offset;
  for (const auto& e : b.log.entries()) a.log.add(e.t_ms, e.dir, e.chan, e.step < 0 ? e.step : e.step + step_offset, e.text);
  for (auto s : b.steps) {
    s.index += step_offset;
    a.steps.push_back(std::move(s));
  }
  for (auto e : from.exchanges) {
    e.step += step_offset;
    if (e.transcript_index >= 0) e.transcript_index += log_offset;
    into.exchanges.push_back(std::move(e));
  }
  for (auto& t : b.tls) a.tls.push_back(std::move(t));
  if (b.probe) {
    if (!a.probe) a.probe = std::move(b.probe);
    else merge_facts(*a.probe, std::move(*b.probe));
  }
  if (a.capabilities_before_tls.empty()) a.capabilities_before_tls = b.capabilities_before_tls;
  if (a.capabilities_after_tls.empty()) a.capabilities_after_tls = b.capabilities_after_tls;
  a.duration_ms += b.duration_ms;
}

}  // namespace

namespace {

// The follow-up probes of one port, decided from its main probe.
void plan_followups(scheduler& s, std::size_t i, const session::record& main) {
  const port_spec& p = s.opt.ports[i];
  const probe_facts none;
  const probe_facts& m = main.result.probe ? *main.result.probe : none;
  for (const auto& f : families()) {
    if (f.main || !f.on(p) || !family_enabled(f, s.opt) || !f.wanted(p, m) || !family_selected(f, s.opt.only)) continue;
    for (const auto& v : f.variants) s.add({i, &f, v});
  }
}

// Cases the audit will report: those planned, plus, for ports whose main probe has not answered
// yet, every family such a port can have (an upper bound until all main probes are done).
int expected_cases(const scheduler& s) {
  int n = static_cast<int>(s.unfinished.size());
  for (std::size_t i = 0; i < s.main_done.size(); ++i)
    if (!s.main_done[i])
      for (const auto& f : families()) n += !f.main && f.on(s.opt.ports[i]) && family_enabled(f, s.opt);
  return n;
}

// Merges the connections that ran for case k (in planning order), judges it, reports progress.
void finish_case(scheduler& s, const case_key& k) {
  std::optional<session::record> merged;
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    if (s.jobs[i].port != k.first || s.jobs[i].fam->id != k.second || !s.out[i]) continue;
    if (!merged) merged = std::move(*s.out[i]);
    else merge_into(*merged, std::move(*s.out[i]));
    s.out[i].reset();
  }
  if (!merged) return;
  auto& c = s.judged.emplace(k, judge_case(std::move(*merged), s.opt)).first->second;
  if (s.progress) {
    const int n = ++s.reported;
    s.progress(c, n, std::max(n, expected_cases(s)));
  }
}

// Job i has finished (its record is in out[i]).
void job_done(scheduler& s, std::size_t i) {
  const case_key k{s.jobs[i].port, s.jobs[i].fam->id};
  if (s.jobs[i].fam->main) {
    if (s.out[i]) plan_followups(s, k.first, *s.out[i]);
    s.main_done[k.first] = true;
    s.wake->cancel();
  }
  if (--s.unfinished[k] == 0) finish_case(s, k);
}

// Next job to start: plaintext-login probes first (servers delay failed logins, Dovecot by 2 s,
// so they should overlap the rest), otherwise in planning order.
std::optional<std::size_t> take_next(scheduler& s) {
  std::optional<std::size_t> pick;
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    if (s.taken[i]) continue;
    if (s.jobs[i].fam->id == probe_family::plaintext_login) {
      pick = i;
      break;
    }
    if (!pick) pick = i;
  }
  if (pick) s.taken[*pick] = true;
  return pick;
}

// --rate: reserves the next connection slot (evenly spaced, burst 1) and sleeps until it, in short
// steps so that a stop request is seen.
asio::awaitable<void> rate_slot(scheduler& s, asio::steady_timer& t) {
  if (s.opt.connection.rate <= 0) co_return;
  auto now = std::chrono::steady_clock::now();
  auto at = std::max(now, s.next_slot);
  s.next_slot = at + std::chrono::microseconds(static_cast<std::int64_t>(1e6 / s.opt.connection.rate));
  while (!s.stopped() && std::chrono::steady_clock::now() < at) {
    t.expires_at(std::min(at, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> worker(scheduler& s) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (!s.stopped()) {
    auto next = take_next(s);
    if (!next) {
      // Nothing queued: done unless a main probe still running may queue its port's follow-ups.
      if (std::all_of(s.main_done.begin(), s.main_done.end(), [](bool d) { return d; })) co_return;
      boost::system::error_code ec;
      co_await s.wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    const std::size_t i = *next;
    co_await rate_slot(s, t);
    if (s.stopped()) co_return;
    const job j = s.jobs[i];  // a copy: jobs may grow while this probe runs
    try {
      s.out[i] = co_await j.fam->run(s.opt, s.opt.ports[j.port], j.variant);
    } catch (const std::exception& e) {
      // A harness defect must not lose the audit: the probe becomes an error with the reason.
      s.out[i] = internal_error(s.opt, s.opt.ports[j.port], j.fam->id, e.what());
    }
    s.done[i] = true;
    job_done(s, i);
  }
}

}  // namespace

run_report run(const options& opt, const progress_fn& progress) {
  run_report r;
  r.command = "audit";
  r.started = iso8601_now();
  r.targets = {opt.host};
  auto t0 = std::chrono::steady_clock::now();

  scheduler s(opt, progress);
  std::size_t most_jobs = 0;  // connections a port can take, from the family table
  for (std::size_t i = 0; i < opt.ports.size(); ++i) {
    s.add({i, &family_of(main_family(opt.ports[i])), ""});
    for (const auto& f : families())
      if (f.on(opt.ports[i]) && family_enabled(f, opt)) most_jobs += f.variants.size();
  }
  {
    asio::io_context io(1);
    asio::steady_timer wake(io, std::chrono::steady_clock::time_point::max());
    s.wake = &wake;
    std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(std::max(1, opt.connection.per_host), most_jobs));
    for (std::size_t i = 0; i < workers; ++i)
      asio::co_spawn(io, worker(s), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
    io.run();
    s.wake = nullptr;
  }
  // Interrupted: the cases whose connections did not all run are judged on what did run.
  const std::size_t planned = s.jobs.size(), ran = static_cast<std::size_t>(std::count(s.done.begin(), s.done.end(), true));
  for (const auto& [k, left] : std::map<case_key, int>(s.unfinished))
    if (left > 0) finish_case(s, k);

  for (std::size_t i = 0; i < opt.ports.size(); ++i)
    for (const auto& f : families())
      if (auto it = s.judged.find({i, f.id}); it != s.judged.end()) r.cases.push_back(std::move(it->second));
  if (ran < planned) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted after " + std::to_string(ran) + " of " + std::to_string(planned) + " probe connections";
  }
  book().attach_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mailspec::audit
