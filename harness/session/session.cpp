// Runs one scenario: its connections opened at their first step, the steps in order, the
// fixtures set up before and cleaned up after (docs/scenario-format.md).
#include "session/session.hpp"

#include <algorithm>
#include <cctype>

#include "core/run_report.hpp"
#include "core/text.hpp"
#include "session/state.hpp"

namespace mailspec::session {

namespace {

// The upgrade capability (STARTTLS, POP3's STLS) is a precondition of the upgrade itself, not of
// the session after it: a scenario that requires it must skip before asking for the upgrade,
// not fail on the server's refusal. Returns the missing capability, or "" to go on.
std::string missing_upgrade_capability(const run_state& st, const scenario::step& s) {
  const bool pop3 = st.sc.protocol == scenario::protocol_kind::pop3;
  const std::string cap = pop3 ? "STLS" : "STARTTLS";
  const auto& req = st.sc.required_capabilities;
  if (std::find(req.begin(), req.end(), cap) == req.end()) return "";
  bool upgrade = std::holds_alternative<scenario::starttls_action>(s.act);
  if (auto a = std::get_if<scenario::send_action>(&s.act)) {
    const std::string line = upper(a->line.text);
    auto words_from = line.find_first_not_of(' ');
    if (st.sc.protocol == scenario::protocol_kind::imap && words_from != std::string::npos)
      words_from = line.find_first_not_of(' ', line.find(' ', words_from));  // after the tag
    upgrade = words_from != std::string::npos && line.compare(words_from, std::string::npos, cap) == 0;
  }
  if (!upgrade) return "";
  // Judge only on capabilities actually saved before this step.
  bool saved = false;
  for (const auto& done : st.rec.result.steps)
    for (const auto& prior : st.sc.steps)
      if (prior.index == done.index && prior.expect && prior.expect->save_capabilities && done.result == verdict::pass)
        saved = true;
  if (!saved || std::find(st.caps_seen.begin(), st.caps_seen.end(), cap) != st.caps_seen.end()) return "";
  return cap;
}

int last_capability_step(const scenario::scenario& sc) {
  int last = -1;
  for (const auto& s : sc.steps)
    if (s.expect && s.expect->save_capabilities) last = s.index;
  return last;
}

void finish_case(record& rec) {
  auto& c = rec.result;
  verdict v = c.result == verdict::error ? verdict::error : verdict::pass;
  for (const auto& s : c.steps)
    if (s.result == verdict::fail || s.result == verdict::error || s.result == verdict::warn) v = worst(v, s.result);
  if (c.result == verdict::skip && v == verdict::pass) v = verdict::skip;
  c.result = v;
}

// SIGINT/SIGTERM only set an atomic flag (nothing else is safe in a signal handler), so a
// read waiting on a silent server would last until its step deadline. This watcher polls the
// flag and cancels the pending operations of the scenario's connections (never the fixtures'
// cleanup, which must still run); `alive` is cleared before the connections go away, and the
// watcher never touches them after that.
struct stop_watch {
  explicit stop_watch(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  std::vector<net::connection*> conns;
  bool alive = true;
};

asio::awaitable<void> watch_stop(std::shared_ptr<stop_watch> w, const std::atomic<bool>* stop) {
  using namespace std::chrono_literals;
  while (w->alive) {
    // Again every tick: a cancel that lands between two operations would otherwise be lost.
    if (stop->load())
      for (auto* c : w->conns) c->cancel();
    w->timer.expires_after(50ms);
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

bool interrupted(const run_state& st) { return st.opt.stop && st.opt.stop->load(); }

// The capability check after the last step that saves capabilities: a missing one skips the case.
bool required_missing(run_state& st) {
  for (const auto& req : st.sc.required_capabilities)
    if (std::find(st.caps_seen.begin(), st.caps_seen.end(), req) == st.caps_seen.end()) {
      st.rec.result.result = verdict::skip;
      st.rec.result.message = "server lacks required capability " + req;
      st.c->w.meta("skip: " + st.rec.result.message);
      return true;
    }
  return false;
}

// Opens the step's connection at its first step. False ends the case.
asio::awaitable<bool> enter_connection(run_state& st, const scenario::step& s) {
  auto it = st.conns.find(s.conn);
  if (it == st.conns.end()) {
    const auto* spec = st.sc.find_connection(s.conn);
    int port = spec == nullptr || spec->port == st.sc.port ? st.opt.port
               : st.opt.map_port                          ? st.opt.map_port(spec->port)
                                                          : spec->port;
    st.make_connection(s.conn, port, spec ? spec->tls : st.sc.tls);
    it = st.conns.find(s.conn);
  }
  st.c = it->second.get();
  if (st.c->opened || st.c->closed) co_return true;
  // The first step's connection: its failure to open is the case's (as with one connection).
  const bool primary = s.index == st.sc.steps.front().index;
  std::string why;
  if (co_await open_connection(st, *st.c, primary, why)) co_return true;
  if (primary) {
    st.rec.result.result = verdict::error;
    st.rec.result.message = why;
  } else {
    step_result sr;
    sr.index = s.index;
    sr.id = s.id;
    sr.action = "connect";
    sr.result = verdict::error;
    sr.message = "connection \"" + s.conn + "\": " + why;
    st.rec.result.steps.push_back(std::move(sr));
  }
  co_return false;
}

asio::awaitable<void> run_steps(run_state& st) {
  auto& c = st.rec.result;
  const int last_caps = last_capability_step(st.sc);
  for (const auto& s : st.sc.steps) {
    if (interrupted(st)) {
      c.result = verdict::error;
      c.message = "interrupted";
      if (st.c) st.c->w.meta("interrupted before step " + s.id);
      break;
    }
    if (!co_await enter_connection(st, s)) break;
    if (auto cap = missing_upgrade_capability(st, s); !cap.empty()) {
      c.result = verdict::skip;
      c.message = "server lacks required capability " + cap;
      st.c->w.meta("skip: " + c.message);
      break;
    }
    st.c->w.set_step(s.index);
    step_result sr;
    sr.index = s.index;
    sr.id = s.id;
    auto start = st.c->w.now_ms();
    step_end end = co_await run_step(st, s, sr);
    sr.duration_ms = st.c->w.now_ms() - start;
    const bool cut_short = interrupted(st) && end_of(sr) == step_end::stop;
    c.steps.push_back(std::move(sr));
    if (cut_short) {  // the signal cancelled this step's I/O: say so, not "cancelled" alone
      c.result = verdict::error;
      c.message = "interrupted";
      st.c->w.meta("interrupted during step " + s.id);
      break;
    }
    if (end == step_end::next && s.index == last_caps && !st.sc.required_capabilities.empty() && required_missing(st))
      break;
    if (end != step_end::next) break;
  }
}

}  // namespace

asio::awaitable<record> run_scenario(const scenario::scenario& sc, const scenario::resolved_vars& vars,
                                     options opt) {
  record rec;
  auto& c = rec.result;
  c.scenario_id = sc.id;
  c.scenario_file = sc.file;
  c.title = sc.title;
  c.protocol = std::string(scenario::to_string(sc.protocol));
  c.run = opt.run;
  c.refs = sc.refs;
  c.started = iso8601_now();
  c.target.host = opt.host;
  c.target.port = opt.port;
  c.target.tls_mode = std::string(scenario::to_string(sc.tls));
  c.target.bind = opt.connection.bind;
  // The role the scenario was written for, whatever --port maps it to: rules judge a port-25
  // (public MX) session by what RFC 3207 asks of relays, as they judge the audit's port-25 probes.
  if (sc.protocol == scenario::protocol_kind::smtp && sc.port == 25) c.target.service = "smtp";
  c.result = verdict::pass;

  secret_registry& secrets = rec.secrets;
  for (const auto& [name, value] : vars.values)
    if (auto it = vars.secret.find(name); it != vars.secret.end() && it->second) secrets.add(name, value);

  auto ex = co_await asio::this_coro::executor;
  run_state st(sc, vars, opt, rec, secrets, ex);
  auto watch = std::make_shared<stop_watch>(ex);
  if (opt.stop) asio::co_spawn(ex, watch_stop(watch, opt.stop), asio::detached);
  // Ends the watcher before the connections (in st) are destroyed, on every way out.
  struct unwatch {
    std::shared_ptr<stop_watch> w;
    ~unwatch() {
      w->alive = false;
      w->timer.cancel();
    }
  } unwatch_guard{watch};

  if (auto why = check_secret_policy(sc, vars, opt.connection.insecure); !why.empty()) {
    c.result = verdict::error;
    c.message = why;
    rec.result.log.add(0, direction::meta, channel::plain, -1, secrets.redact("not run: " + why));
    redact_case(c, secrets);
    co_return rec;
  }
  st.watched = &watch->conns;
  fixture_state fx;
  bool ready = true;
  if (sc.fixtures) ready = co_await setup_fixtures(st, fx);
  if (ready && !interrupted(st)) {
    co_await run_steps(st);
  } else if (ready) {
    c.result = verdict::error;
    c.message = "interrupted";
  }
  if (!st.conns.empty()) {
    const auto& primary = sc.steps.empty() ? std::string() : sc.steps.front().conn;
    if (auto it = st.conns.find(primary); it != st.conns.end()) rec.tls_active_at_end = it->second->conn.is_tls();
  }
  for (auto& [name, cs] : st.conns) {
    if (!cs->opened || name == "setup") continue;
    if (interrupted(st)) cs->conn.close();  // interrupted: no close_notify wait
    else co_await cs->conn.shutdown();
  }
  if (fx.mailbox_created) co_await cleanup_fixtures(st, fx);
  finish_case(rec);
  redact_case(c, secrets);
  c.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - st.start).count();
  co_return rec;
}

}  // namespace mailspec::session
