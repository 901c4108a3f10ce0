// The scenario's connections: state, opening (TCP and implicit TLS), the secret policy, redaction.
#include <algorithm>
#include <cstdio>

#include "core/transcript.hpp"
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
  if (auto a = std::get_if<scenario::bdat_action>(&s.act)) {
    if (a->data) t.push_back(a->data->text);
    for (const auto& l : a->lines) t.push_back(l.text);
  }
  return t;
}

std::int64_t effective(std::int64_t override_ms, std::int64_t ms, std::int64_t cap = 0) {
  std::int64_t v = override_ms > 0 ? override_ms : ms;
  return cap > 0 ? std::min(v, cap) : v;
}

struct channel_state {
  bool tls = false;
  bool verified = true;
};

}  // namespace

std::string check_secret_policy(const scenario::scenario& sc, const scenario::resolved_vars& vars, bool insecure) {
  if (sc.allow_plaintext_secrets && insecure) return "";
  std::map<std::string, channel_state> chans;  // per connection
  for (const auto& c : sc.connections) chans[c.name].tls = c.tls == scenario::tls_mode::implicit;
  if (sc.fixtures && sc.fixtures->pass && !secret_refs(sc.fixtures->pass->text, vars).empty() &&
      sc.tls == scenario::tls_mode::none)
    return "the fixtures would send secret \"" + secret_refs(sc.fixtures->pass->text, vars).front() +
           "\" over a plaintext connection; refused (allow with \"allow_plaintext_secrets\": true in the scenario and "
           "--insecure)";
  for (const auto& s : sc.steps) {
    auto& ch = chans[s.conn];
    if (auto st = std::get_if<scenario::starttls_action>(&s.act)) {
      ch.tls = true;
      ch.verified = st->verify != scenario::verify_mode::none;
    }
    for (const auto& t : templates_of(s)) {
      auto refs = secret_refs(t, vars);
      if (refs.empty()) continue;
      if (!ch.tls)
        return "step \"" + s.id + "\" would send secret \"" + refs.front() +
               "\" over a plaintext connection; refused (allow with \"allow_plaintext_secrets\": true in the "
               "scenario and --insecure)";
      if (!ch.verified)
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

conn_state::conn_state(asio::any_io_executor ex, std::string name_, int port_, scenario::tls_mode tls_, record& rec,
                       const secret_registry& secrets, const options& opt,
                       std::chrono::steady_clock::time_point start, std::uint64_t* bytes_read)
    : name(std::move(name_)),
      port(port_),
      tls(tls_),
      conn(std::move(ex)),
      w(conn, rec, secrets, opt.lim, opt.max_session_bytes, name, start, bytes_read) {}

std::string run_state::next_tag() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "A%03d", ++tag_counter);
  return buf;
}

scenario::expand_context run_state::context(const std::string& tag) const {
  scenario::expand_context x;
  x.vars = &vars.values;
  x.secret_vars = &vars.secret;
  x.captures = &captures;
  x.tag = tag;
  x.target_host = opt.host;
  x.target_helo = opt.connection.helo_name();
  x.run_id = opt.run_id;
  x.scratch_mailbox = scratch_mailbox;
  return x;
}

scenario::expanded run_state::expand(const std::string& text, const std::string& tag) {
  auto e = scenario::expand(text, context(tag));
  for (std::size_t i = 0; i < e.secret_values.size(); ++i)
    secrets.add_derived(e.secret_names.empty() ? "secret" : e.secret_names.front(), e.secret_values[i]);
  return e;
}

std::string run_state::secret_refusal() const {
  if (sc.allow_plaintext_secrets && opt.connection.insecure) return "";
  if (!c->conn.is_tls()) return "refusing to send a secret over a plaintext connection";
  if (!c->tls_verified) return "refusing to send a secret over TLS that failed verification (or was not verified)";
  return "";
}

void run_state::record_exchange(exchange&& ex) {
  ex.conn = c->name;
  if (ex.greeting && !ex.pop3.empty()) c->greeting = ex.pop3.front().text;
  c->had_exchange = true;
  rec.exchanges.push_back(std::move(ex));
}

exchange run_state::new_exchange(const scenario::step& s) const {
  exchange ex;
  ex.step = s.index;
  ex.step_id = s.id;
  ex.chan = c->w.chan();
  ex.conn = c->name;
  return ex;
}

conn_state& run_state::make_connection(const std::string& name, int port, scenario::tls_mode tls) {
  auto cs = std::make_unique<conn_state>(executor, name, port, tls, rec, secrets, opt, start, &bytes_read);
  if (watched != nullptr && name != "cleanup") watched->push_back(&cs->conn);
  auto& ref = *cs;
  conns[name] = std::move(cs);
  return ref;
}

namespace {

asio::awaitable<bool> connect_phase(run_state& st, conn_state& c, bool primary, std::int64_t connect_ms, std::string& why) {
  auto co = net::connect_options_for(st.opt.connection, st.opt.host, c.port, std::chrono::milliseconds(connect_ms));
  c.w.meta("connect " + st.opt.host + ":" + std::to_string(c.port) + (st.opt.connection.bind.empty() ? "" : " from " + st.opt.connection.bind));
  target_info other;
  target_info& into = primary ? st.rec.result.target : other;
  auto r = co_await c.conn.connect(co, into);
  if (!r.ok()) {
    c.w.meta("connect failed: " + r.message);
    why = r.message;
    co_return false;
  }
  c.w.meta("connected to " + into.ip + ":" + std::to_string(into.port));
  co_return true;
}

asio::awaitable<bool> implicit_tls_phase(run_state& st, conn_state& c, std::int64_t tls_ms, std::string& why) {
  net::tls_options to = net::tls_options_for(st.opt.connection, tls_mode::implicit);
  to.timeout = std::chrono::milliseconds(tls_ms);
  tls_facts facts;
  c.w.set_deadline_ms(tls_ms);
  auto r = co_await c.conn.start_tls(to, st.opt.host, facts);
  c.w.meta(r.ok() ? "TLS " + facts.version + " " + facts.cipher + ", verify: " + facts.verify_error
                  : "TLS handshake failed: " + r.message);
  c.tls_verified = r.ok() && facts.chain_ok && facts.hostname_ok;
  st.rec.result.tls.push_back(std::move(facts));
  if (!r.ok()) {
    why = "implicit TLS handshake failed: " + r.message;
    co_return false;
  }
  co_return true;
}

}  // namespace

asio::awaitable<bool> open_connection(run_state& st, conn_state& c, bool primary, std::string& why) {
  c.opened = co_await connect_phase(st, c, primary, effective(st.opt.connection.timeout_ms, st.sc.time.connect_ms, c.cap_ms), why);
  if (c.opened && c.tls == scenario::tls_mode::implicit)
    c.opened = co_await implicit_tls_phase(st, c, effective(st.opt.connection.timeout_ms, st.sc.time.tls_ms, c.cap_ms), why);
  co_return c.opened;
}

}  // namespace mailspec::session
