#include "session/session.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/run_report.hpp"

#include "session/state.hpp"

namespace mailspec::session {

namespace {

// Names of the secret variables a template refers to ("${var.NAME" or "${var.NAME|...").
std::vector<std::string> secret_refs(const std::string& text, const scenario::resolved_vars& vars) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = text.find("${var.", pos)) != std::string::npos) {
    pos += 6;
    std::size_t end = text.find_first_of("|}", pos);
    if (end == std::string::npos) break;
    std::string name = text.substr(pos, end - pos);
    auto it = vars.secret.find(name);
    if (it != vars.secret.end() && it->second) out.push_back(name);
  }
  return out;
}

std::vector<std::string> templates_of(const scenario::step& s) {
  std::vector<std::string> t;
  if (auto a = std::get_if<scenario::send_action>(&s.act)) t.push_back(a->line.text);
  if (auto a = std::get_if<scenario::send_raw_action>(&s.act)) t.push_back(a->bytes.text);
  if (auto a = std::get_if<scenario::auth_action>(&s.act)) {
    t.push_back(a->user.text);
    t.push_back(a->pass.text);
    if (a->token) t.push_back(a->token->text);
    if (a->authzid) t.push_back(a->authzid->text);
  }
  if (auto a = std::get_if<scenario::message_action>(&s.act))
    for (const auto& l : a->lines) t.push_back(l.text);
  return t;
}

std::int64_t effective(std::int64_t override_ms, std::int64_t ms) { return override_ms > 0 ? override_ms : ms; }

}  // namespace

std::string check_secret_policy(const scenario::scenario& sc, const scenario::resolved_vars& vars, bool insecure) {
  if (sc.allow_plaintext_secrets && insecure) return "";
  bool tls = sc.tls == scenario::tls_mode::implicit;
  bool verified = true;
  for (const auto& s : sc.steps) {
    if (auto st = std::get_if<scenario::starttls_action>(&s.act)) {
      tls = true;
      verified = st->verify != scenario::verify_mode::none;
    }
    for (const auto& t : templates_of(s)) {
      auto refs = secret_refs(t, vars);
      if (refs.empty()) continue;
      if (!tls)
        return "step \"" + s.id + "\" would send secret \"" + refs.front() +
               "\" over a plaintext connection; refused (allow with \"allow_plaintext_secrets\": true in the "
               "scenario and --insecure)";
      if (!verified)
        return "step \"" + s.id + "\" would send secret \"" + refs.front() +
               "\" over TLS that is not verified (verify: none); refused (allow with \"allow_plaintext_secrets\": "
               "true in the scenario and --insecure)";
    }
  }
  return "";
}

void redact_case(case_result& c, const secret_registry& secrets) {
  if (secrets.empty()) return;
  auto r = [&](std::string& text) {
    if (secrets.contains_secret(text)) text = secrets.redact(text);
  };
  r(c.message);
  for (auto& s : c.steps) {
    r(s.expected);
    r(s.actual);
    r(s.message);
    r(s.sent);
  }
  for (auto& f : c.findings) {
    r(f.expected);
    r(f.actual);
    r(f.message);
  }
  for (auto* caps : {&c.capabilities_before_tls, &c.capabilities_after_tls})
    for (auto& cap : *caps) r(cap);
  // Probe and settings facts never hold a scenario's secrets: the audit sends only its canary.
}

std::string run_state::next_tag() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "A%03d", ++tag_counter);
  return buf;
}

scenario::expand_context run_state::context(const std::string& tag) const {
  scenario::expand_context c;
  c.vars = &vars.values;
  c.secret_vars = &vars.secret;
  c.captures = &captures;
  c.tag = tag;
  c.target_host = opt.host;
  c.target_helo = opt.helo;
  c.run_id = opt.run_id;
  return c;
}

scenario::expanded run_state::expand(const std::string& text, const std::string& tag) {
  auto e = scenario::expand(text, context(tag));
  for (std::size_t i = 0; i < e.secret_values.size(); ++i)
    secrets.add_derived(e.secret_names.empty() ? "secret" : e.secret_names.front(), e.secret_values[i]);
  return e;
}

std::string run_state::secret_refusal() const {
  if (sc.allow_plaintext_secrets && opt.insecure) return "";
  if (!conn.is_tls()) return "refusing to send a secret over a plaintext connection";
  if (!tls_verified) return "refusing to send a secret over TLS that failed verification (or was not verified)";
  return "";
}

namespace {

asio::awaitable<bool> connect_phase(run_state& st, std::int64_t connect_ms) {
  net::connect_options co;
  co.host = st.opt.host;
  co.port = st.opt.port;
  co.bind = st.opt.bind;
  co.timeout = std::chrono::milliseconds(connect_ms);
  st.w.meta("connect " + st.opt.host + ":" + std::to_string(st.opt.port) +
            (st.opt.bind.empty() ? "" : " from " + st.opt.bind));
  auto r = co_await st.conn.connect(co, st.rec.result.target);
  if (!r.ok()) {
    st.w.meta("connect failed: " + r.message);
    st.rec.result.result = verdict::error;
    st.rec.result.message = r.message;
    co_return false;
  }
  st.w.meta("connected to " + st.rec.result.target.ip + ":" + std::to_string(st.rec.result.target.port));
  co_return true;
}

asio::awaitable<bool> implicit_tls_phase(run_state& st, std::int64_t tls_ms) {
  net::tls_options to;
  to.verify = "hostname";
  to.sni = st.opt.sni;
  to.ca_file = st.opt.ca_file;
  to.client_cert = st.opt.client_cert;
  to.client_key = st.opt.client_key;
  to.mode = "implicit";
  to.timeout = std::chrono::milliseconds(tls_ms);
  tls_facts facts;
  st.w.set_deadline_ms(tls_ms);
  auto r = co_await st.conn.start_tls(to, st.opt.host, facts);
  st.w.meta(r.ok() ? "TLS " + facts.version + " " + facts.cipher + ", verify: " + facts.verify_error
                   : "TLS handshake failed: " + r.message);
  st.tls_verified = r.ok() && facts.chain_ok && facts.hostname_ok;
  st.rec.result.tls.push_back(std::move(facts));
  if (!r.ok()) {
    st.rec.result.result = verdict::error;
    st.rec.result.message = "implicit TLS handshake failed: " + r.message;
    co_return false;
  }
  co_return true;
}

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
    std::string line = a->line.text;
    for (auto& ch : line) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
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
// flag and cancels the connection's pending operation; `alive` is cleared before the
// connection goes away, and the watcher never touches it after that.
struct stop_watch {
  explicit stop_watch(asio::any_io_executor ex) : timer(std::move(ex)) {}
  asio::steady_timer timer;
  net::connection* conn = nullptr;
  bool alive = true;
};

asio::awaitable<void> watch_stop(std::shared_ptr<stop_watch> w, const std::atomic<bool>* stop) {
  using namespace std::chrono_literals;
  while (w->alive) {
    // Again every tick: a cancel that lands between two operations would otherwise be lost.
    if (stop->load()) w->conn->cancel();
    w->timer.expires_after(50ms);
    boost::system::error_code ec;
    co_await w->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
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
  c.target.bind = opt.bind;
  // The role the scenario was written for, whatever --port maps it to: rules judge a port-25
  // (public MX) session by what RFC 3207 asks of relays, as they judge the audit's port-25 probes.
  if (sc.protocol == scenario::protocol_kind::smtp && sc.port == 25) c.target.service = "smtp";
  c.result = verdict::pass;

  secret_registry& secrets = rec.secrets;
  for (const auto& [name, value] : vars.values)
    if (auto it = vars.secret.find(name); it != vars.secret.end() && it->second) secrets.add(name, value);

  auto ex = co_await asio::this_coro::executor;
  net::connection conn(ex);
  auto watch = std::make_shared<stop_watch>(ex);
  watch->conn = &conn;
  if (opt.stop) asio::co_spawn(ex, watch_stop(watch, opt.stop), asio::detached);
  // Ends the watcher before conn is destroyed, on every way out of this coroutine.
  struct unwatch {
    std::shared_ptr<stop_watch> w;
    ~unwatch() {
      w->alive = false;
      w->timer.cancel();
    }
  } unwatch_guard{watch};
  wire w(conn, rec, secrets, opt.lim, opt.max_session_bytes);
  run_state st{sc, vars, opt, rec, conn, secrets, w, {}, 0, {}, false, {}};
  auto t0 = std::chrono::steady_clock::now();

  if (auto why = check_secret_policy(sc, vars, opt.insecure); !why.empty()) {
    c.result = verdict::error;
    c.message = why;
    w.meta("not run: " + why);
    redact_case(c, secrets);
    co_return rec;
  }
  bool up = co_await connect_phase(st, effective(opt.timeout_ms, sc.time.connect_ms));
  if (up && sc.tls == scenario::tls_mode::implicit) up = co_await implicit_tls_phase(st, effective(opt.timeout_ms, sc.time.tls_ms));
  if (up) {
    int last_caps = last_capability_step(sc);
    for (const auto& s : sc.steps) {
      if (opt.stop && opt.stop->load()) {
        c.result = verdict::error;
        c.message = "interrupted";
        w.meta("interrupted before step " + s.id);
        break;
      }
      if (auto cap = missing_upgrade_capability(st, s); !cap.empty()) {
        c.result = verdict::skip;
        c.message = "server lacks required capability " + cap;
        w.meta("skip: " + c.message);
        break;
      }
      w.set_step(s.index);
      step_result sr;
      sr.index = s.index;
      sr.id = s.id;
      auto start = w.now_ms();
      step_end end = co_await run_step(st, s, sr);
      sr.duration_ms = w.now_ms() - start;
      const bool cut_short = opt.stop && opt.stop->load() && sr.result != verdict::pass;
      c.steps.push_back(std::move(sr));
      if (cut_short) {  // the signal cancelled this step's I/O: say so, not "cancelled" alone
        c.result = verdict::error;
        c.message = "interrupted";
        w.meta("interrupted during step " + s.id);
        break;
      }
      if (end == step_end::next && s.index == last_caps && !sc.required_capabilities.empty()) {
        for (const auto& req : sc.required_capabilities)
          if (std::find(st.caps_seen.begin(), st.caps_seen.end(), req) == st.caps_seen.end()) {
            c.result = verdict::skip;
            c.message = "server lacks required capability " + req;
            w.meta("skip: " + c.message);
            end = step_end::skip_case;
            break;
          }
      }
      if (end != step_end::next) break;
    }
    rec.tls_active_at_end = conn.is_tls();
    if (opt.stop && opt.stop->load()) conn.close();  // interrupted: no close_notify wait
    else co_await conn.shutdown();
  }
  finish_case(rec);
  redact_case(c, secrets);
  c.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  co_return rec;
}

}  // namespace mailspec::session
