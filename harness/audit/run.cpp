// The audit run: probes scheduled on one io_context with at most --per-host connections at a
// time, connections of one probe family merged into one case, every case judged by the passive
// rules (restricted per family) and by audit::catalogue().
#include <algorithm>
#include <chrono>
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

struct scheduler {
  std::vector<job> jobs;
  std::size_t next = 0;
  std::vector<std::optional<session::record>> out;
  const std::atomic<bool>* stop = nullptr;
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

asio::awaitable<void> worker(scheduler& s, const options& opt) {
  while (s.next < s.jobs.size()) {
    if (s.stop && s.stop->load()) co_return;
    std::size_t i = s.next++;
    try {
      s.out[i] = co_await s.jobs[i].run();
    } catch (const std::exception& e) {
      // A harness defect must not lose the audit: the probe becomes an error with the reason.
      s.out[i] = internal_error(opt, opt.ports[s.jobs[i].port], s.jobs[i].family, e.what());
    }
  }
}

void run_jobs(scheduler& s, const options& opt) {
  s.out.resize(s.jobs.size());
  asio::io_context io(1);
  int workers = std::max(1, std::min<int>(opt.per_host, static_cast<int>(s.jobs.size())));
  for (int i = 0; i < workers; ++i)
    asio::co_spawn(io, worker(s, opt), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  io.run();
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
  for (auto& f : found)
    if (!untested || f.result == verdict::error || f.rule == "audit/throttled" || f.rule == "audit/reachable")
      c.findings.push_back(std::move(f));
  if (untested) c.result = verdict::error;
  if (c.message.empty()) {
    for (const char* k : {key::unreachable, key::throttled})
      if (auto it = c.extra.find(k); it != c.extra.end()) c.message = std::string(k) + ": " + it->second;
  }
  c.result = untested ? verdict::error : combine_case_verdict(c);
  return c;
}

namespace {

const std::string* fact(const session::record& r, const char* k) {
  auto it = r.result.extra.find(k);
  return it == r.result.extra.end() ? nullptr : &it->second;
}

// Phase 2 for one port, decided from its main probe.
void plan_followups(const options& opt, std::size_t i, const session::record& main, std::vector<job>& jobs) {
  const port_spec& p = opt.ports[i];
  bool greeted = fact(main, key::banner) && !fact(main, key::throttled) && !fact(main, key::wrong_protocol);
  bool connected = !fact(main, key::unreachable) && !fact(main, key::throttled);
  if (p.tls == "starttls" && greeted) {
    jobs.push_back({i, "plaintext-login", [&opt, &p] { return probe_plaintext_login(opt, p); }});
    auto st = fact(main, key::starttls_result);
    if (st && *st == "ok") jobs.push_back({i, "injection", [&opt, &p] { return probe_injection(opt, p); }});
  }
  auto st = fact(main, key::starttls_result);
  bool tls_reachable = p.tls == "implicit" ? connected : (greeted && st && st->rfind("refused", 0) != 0);
  if (!tls_reachable) return;
  for (const char* v : {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"})
    jobs.push_back({i, "tls-versions", [&opt, &p, v] { return probe_version(opt, p, v); }});
  jobs.push_back({i, "tls-ciphers", [&opt, &p] { return probe_weak_ciphers(opt, p); }});
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

}  // namespace

run_report run(const options& opt, const progress_fn& progress) {
  run_report r;
  r.command = "audit";
  r.started = iso8601_now();
  r.targets = {opt.host};
  auto t0 = std::chrono::steady_clock::now();

  scheduler first;
  first.stop = opt.stop;
  for (std::size_t i = 0; i < opt.ports.size(); ++i)
    first.jobs.push_back({i, main_probe_name(opt.ports[i]), [&opt, i] { return probe_main(opt, opt.ports[i]); }});
  run_jobs(first, opt);

  scheduler second;
  second.stop = opt.stop;
  for (std::size_t i = 0; i < first.jobs.size(); ++i)
    if (first.out[i]) plan_followups(opt, i, *first.out[i], second.jobs);
  // Plaintext-login probes first: servers delay failed logins (Dovecot: 2 s), so they overlap the rest.
  std::stable_sort(second.jobs.begin(), second.jobs.end(),
                   [](const job& a, const job& b) { return (a.family == "plaintext-login") > (b.family == "plaintext-login"); });
  run_jobs(second, opt);

  // (port, family) -> merged record, in port order then family order.
  std::map<std::pair<std::size_t, std::string>, session::record> merged;
  auto take = [&](scheduler& s) {
    for (std::size_t i = 0; i < s.jobs.size(); ++i) {
      if (!s.out[i]) continue;
      auto k = std::make_pair(s.jobs[i].port, s.jobs[i].family);
      auto it = merged.find(k);
      if (it == merged.end()) merged.emplace(k, std::move(*s.out[i]));
      else merge_into(it->second, std::move(*s.out[i]));
    }
  };
  take(first);
  take(second);
  std::size_t planned = first.jobs.size() + second.jobs.size(), ran = 0;
  for (auto* s : {&first, &second})
    for (const auto& o : s->out) ran += o.has_value();

  for (std::size_t i = 0; i < opt.ports.size(); ++i)
    for (const char* fam : family_order)
      if (auto it = merged.find({i, fam}); it != merged.end()) r.cases.push_back(judge_case(std::move(it->second), fam, opt));
  int done = 0;
  if (progress)
    for (const auto& c : r.cases) progress(c, ++done, static_cast<int>(r.cases.size()));
  if (ran < planned) {
    r.incomplete = true;
    r.incomplete_reason = "interrupted after " + std::to_string(ran) + " of " + std::to_string(planned) + " probe connections";
  }
  add_rule_refs(r);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mailspec::audit
