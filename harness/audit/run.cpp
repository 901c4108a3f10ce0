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

#include "audit/probes.hpp"

namespace mailspec::audit {

namespace {

using namespace detail;

struct job {
  std::size_t port = 0;
  std::string family;
  std::function<asio::awaitable<session::record>()> run;
};

using case_key = std::pair<std::size_t, std::string>;  // (port index, probe family)

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
    ++unfinished[{j.port, j.family}];
    jobs.push_back(std::move(j));
    taken.push_back(false);
    done.push_back(false);
    out.emplace_back();
    if (wake) wake->cancel();
  }
};

session::record internal_error(const options& opt, const port_spec& p, const std::string& family, const std::string& what) {
  session::record rec;
  auto& c = rec.result;
  c.kind = "audit";
  c.scenario_id = "audit/" + p.label() + "/" + family;
  c.protocol = p.protocol;
  c.target.host = opt.host;
  c.target.port = p.port;
  c.target.tls_mode = p.tls;
  c.result = verdict::error;
  c.message = "internal error: " + what;
  c.extra[key::probe] = family;
  return rec;
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
  for (auto& [k, v] : b.extra) a.extra.emplace(k, v);  // first connection's facts win
  if (a.capabilities_before_tls.empty()) a.capabilities_before_tls = b.capabilities_before_tls;
  if (a.capabilities_after_tls.empty()) a.capabilities_after_tls = b.capabilities_after_tls;
  a.duration_ms += b.duration_ms;
}

// Passive rules per family: the main and plaintext probes are ordinary sessions; the others
// deliberately break the usual flow, so only the rules about what they probe apply.
std::vector<std::string> family_rules(const std::string& family) {
  if (family == "injection")
    return {"tls/starttls/pre-tls-input", "smtp/rfc3207/4.2/discard-pre-tls-input", "smtp/rfc3207/4/starttls-reply",
            "pop3/rfc2595/4/stls-response"};
  if (family == "tls-versions") return {"tls/version/rfc8996-floor"};
  if (family == "tls-ciphers") return {"tls/cipher/null", "tls/cipher/export", "tls/cipher/rc4"};
  return {};
}

}  // namespace

case_result detail::judge_case(session::record&& rec, const std::string& family, const options& opt) {
  rules::judge_options jo;
  jo.strict = opt.strict;
  jo.only = family_rules(family);
  std::vector<finding> found;
  for (auto& f : rules::judge(rec, jo))
    if (rules::selected(f.rule, opt.only)) found.push_back(std::move(f));
  rules::judge_options ao;
  ao.strict = opt.strict;
  ao.only = opt.only;
  for (auto& f : audit::judge(rec, ao)) found.push_back(std::move(f));
  case_result c = std::move(rec.result);
  if (c.result != verdict::error) c.result = verdict::pass;
  // A throttled or unreachable probe judged nothing: its other findings would only echo the
  // refusal (e.g. a 421 greeting failing a greeting rule), so the case is an error, never a fail.
  bool untested = c.extra.count(key::throttled) || c.extra.count(key::unreachable);
  // A port that answers another protocol (an SSH banner on 25) has one finding, "does not speak
  // smtp"; the protocol's grammar rules failing on the foreign banner would only repeat it.
  bool foreign = c.extra.count(key::wrong_protocol) > 0;
  for (auto& f : found) {
    if (foreign && f.result != verdict::pass && !audit::find_rule(f.rule)) continue;
    if (!untested || f.result == verdict::error || f.rule == "audit/throttled" || f.rule == "audit/reachable")
      c.findings.push_back(std::move(f));
  }
  if (untested) c.result = verdict::error;
  if (c.message.empty()) {
    for (const char* k : {key::unreachable, key::throttled})
      if (auto it = c.extra.find(k); it != c.extra.end()) c.message = std::string(k) + ": " + it->second;
  }
  c.result = untested ? verdict::error : combine_case_verdict(c);
  // With --only, a probe none of whose selected rules applied checked nothing: not a pass.
  if (!opt.only.empty() && c.findings.empty() && c.result == verdict::pass) {
    c.result = verdict::skip;
    if (c.message.empty()) c.message = "no rule selected by --only applies to this probe";
  }
  return c;
}

namespace {

const std::string* fact(const session::record& r, const char* k) {
  auto it = r.result.extra.find(k);
  return it == r.result.extra.end() ? nullptr : &it->second;
}

// The rules each follow-up family exists for: with --only, a family none of whose rules is
// selected does not run (`--only tls/cert` sends no canary login and no version probes).
bool family_selected(const options& opt, const std::string& family) {
  static const std::map<std::string, std::vector<std::string>> own = {
      {"plaintext-login",
       {"audit/plaintext-login/smtp", "audit/plaintext-login/imap", "audit/plaintext-login/pop3",
        "tls/starttls/required-before-auth"}},
      {"injection",
       {"audit/starttls-injection/smtp", "audit/starttls-injection/imap", "audit/starttls-injection/pop3",
        "tls/starttls/pre-tls-input", "smtp/rfc3207/4.2/discard-pre-tls-input"}},
      {"tls-versions", {"tls/version/rfc8996-floor", "tls/version/modern-supported", "audit/tls/versions"}},
      {"tls-ciphers", {"tls/cipher/null", "tls/cipher/export", "tls/cipher/rc4", "audit/tls/weak-ciphers"}},
  };
  if (opt.only.empty()) return true;
  auto it = own.find(family);
  if (it == own.end()) return true;
  for (const auto& id : it->second)
    if (rules::selected(id, opt.only)) return true;
  return false;
}

// The follow-up probes of one port, decided from its main probe.
void plan_followups(scheduler& s, std::size_t i, const session::record& main) {
  const options& opt = s.opt;
  const port_spec& p = opt.ports[i];
  auto add = [&](job j) {
    if (family_selected(opt, j.family)) s.add(std::move(j));
  };
  bool greeted = fact(main, key::banner) && !fact(main, key::throttled) && !fact(main, key::wrong_protocol);
  // An implicit-TLS port that answered in plaintext speaks no TLS: version and cipher probes
  // would only record that again (and fail "TLS 1.2 or 1.3 accepted" on a port without TLS).
  bool connected = !fact(main, key::unreachable) && !fact(main, key::throttled) && !fact(main, key::not_tls);
  if (p.tls == "starttls" && greeted) {
    add({i, "plaintext-login", [&opt, &p] { return probe_plaintext_login(opt, p); }});
    auto st = fact(main, key::starttls_result);
    if (st && *st == "ok") add({i, "injection", [&opt, &p] { return probe_injection(opt, p); }});
  }
  auto st = fact(main, key::starttls_result);
  // A STARTTLS handshake that got no answer (main probe: unreachable) would only time out again.
  bool tls_reachable = p.tls == "implicit" ? connected : (greeted && connected && st && st->rfind("refused", 0) != 0);
  if (!tls_reachable) return;
  for (const char* v : {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"})
    add({i, "tls-versions", [&opt, &p, v] { return probe_version(opt, p, v); }});
  add({i, "tls-ciphers", [&opt, &p] { return probe_weak_ciphers(opt, p); }});
}

void add_rule_refs(run_report& r) {
  std::map<std::string, const rules::rule*> by_id;
  for (const auto& rule : rules::catalogue()) by_id[rule.id] = &rule;
  for (const auto& rule : catalogue()) by_id[rule.id] = &rule;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      if (auto it = by_id.find(f.rule); it != by_id.end())
        r.rules[f.rule] = {it->second->spec, it->second->requirement, std::string(to_string(it->second->lvl)),
                           it->second->protocol};
}

const char* family_order[] = {"starttls", "tls", "plaintext-login", "injection", "tls-versions", "tls-ciphers"};

// Cases the audit will report: those planned, plus, for ports whose main probe has not answered
// yet, every family such a port can have (an upper bound until all main probes are done).
int expected_cases(const scheduler& s) {
  int n = static_cast<int>(s.unfinished.size());
  for (std::size_t i = 0; i < s.main_done.size(); ++i)
    if (!s.main_done[i]) n += s.opt.ports[i].tls == "starttls" ? 4 : 2;
  return n;
}

// Merges the connections that ran for case k (in planning order), judges it, reports progress.
void finish_case(scheduler& s, const case_key& k) {
  std::optional<session::record> merged;
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    if (s.jobs[i].port != k.first || s.jobs[i].family != k.second || !s.out[i]) continue;
    if (!merged) merged = std::move(*s.out[i]);
    else merge_into(*merged, std::move(*s.out[i]));
    s.out[i].reset();
  }
  if (!merged) return;
  auto& c = s.judged.emplace(k, judge_case(std::move(*merged), k.second, s.opt)).first->second;
  if (s.progress) s.progress(c, ++s.reported, std::max(s.reported, expected_cases(s)));
}

// Job i has finished (its record is in out[i]).
void job_done(scheduler& s, std::size_t i) {
  const case_key k{s.jobs[i].port, s.jobs[i].family};
  if (k.second == main_probe_name(s.opt.ports[k.first])) {
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
    if (s.jobs[i].family == "plaintext-login") {
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
  if (s.opt.rate <= 0) co_return;
  auto now = std::chrono::steady_clock::now();
  auto at = std::max(now, s.next_slot);
  s.next_slot = at + std::chrono::microseconds(static_cast<std::int64_t>(1e6 / s.opt.rate));
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
    try {
      auto run = s.jobs[i].run;  // a copy: jobs may grow while this probe runs
      auto rec = co_await run();
      s.out[i] = std::move(rec);
    } catch (const std::exception& e) {
      // A harness defect must not lose the audit: the probe becomes an error with the reason.
      s.out[i] = internal_error(s.opt, s.opt.ports[s.jobs[i].port], s.jobs[i].family, e.what());
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
  std::size_t most_jobs = 0;  // a STARTTLS port has at most 8 connections, an implicit one 6
  for (std::size_t i = 0; i < opt.ports.size(); ++i) {
    s.add({i, main_probe_name(opt.ports[i]), [&opt, i] { return probe_main(opt, opt.ports[i]); }});
    most_jobs += opt.ports[i].tls == "starttls" ? 8 : 6;
  }
  {
    asio::io_context io(1);
    asio::steady_timer wake(io, std::chrono::steady_clock::time_point::max());
    s.wake = &wake;
    std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(std::max(1, opt.per_host), most_jobs));
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
    for (const char* fam : family_order)
      if (auto it = s.judged.find({i, fam}); it != s.judged.end()) r.cases.push_back(std::move(it->second));
  if (ran < planned) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted after " + std::to_string(ran) + " of " + std::to_string(planned) + " probe connections";
  }
  add_rule_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mailspec::audit
