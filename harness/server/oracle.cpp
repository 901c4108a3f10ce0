// The serve rule table: one rule row per test (id = the test id), whose check is the test's
// oracle over the typed client_facts and the client's commands (record.exchanges):
//   fail  the client sent credentials in plaintext or over a TLS session it should have refused,
//         acted on injected bytes, or used capabilities an attacker could have set (severity of
//         the test); going on over a certificate it should have refused (submission, access);
//   warn  it went on without TLS, sending no credentials (an opportunistic client may), or went on
//         over a bad certificate on the public MX port (RFC 8314 covers submission and access);
//   pass  it refused, disconnected or upgraded correctly;
//   error it never connected within the timeout, or (baseline) never got as far as logging in.
#include "core/text.hpp"
#include "server/commands.hpp"
#include "server/serve.hpp"

namespace mailspec::server {

namespace {

using rules::context;

// The first command of the client on `chan` whose role is `r` (nullptr: none).
const session::exchange* first_of(const context& c, const std::string& base, channel chan, role r) {
  for (const auto& ex : c.rec.exchanges)
    if (ex.chan == chan && !ex.verb.empty() && role_of(base, ex.verb) == r) return &ex;
  return nullptr;
}

// The exchange that carried the first credential on `chan` (the command, or a SASL response).
const session::exchange* credential_exchange(const context& c, const client_facts& f, channel chan) {
  for (const auto& k : f.credentials) {
    if (k.chan != chan) continue;
    const session::exchange* last = nullptr;
    for (const auto& ex : c.rec.exchanges) {
      if (ex.step != k.session - 1 || ex.chan != chan) continue;
      if (ex.verb.empty() || role_of(c.rec.result.protocol, ex.verb) == role::auth) last = &ex;
      if (ex.command.find("\u2039secret:") != std::string::npos) return &ex;
    }
    return last;
  }
  return nullptr;
}

const client_credential* first_credential(const client_facts& f, channel chan) {
  for (const auto& k : f.credentials)
    if (k.chan == chan) return &k;
  return nullptr;
}

std::string credential_text(const client_credential& k) {
  return k.mechanism + " in session " + std::to_string(k.session) + " (" + k.fingerprint + ")";
}

std::string sessions_text(const client_facts& f) {
  std::vector<std::string> s;
  for (std::size_t i = 0; i < f.sessions.size(); ++i)
    s.push_back("session " + std::to_string(i + 1) + ": TLS " + f.sessions[i].tls + ", " + f.sessions[i].end);
  return join(s, "; ");
}

std::string actual_of(const session::exchange* ex, const std::string& fallback) {
  return ex && !ex->command.empty() ? ex->command : fallback;
}

// Common first verdicts: no connection (error), credentials in plaintext (fail). True when decided.
bool no_connection_or_plaintext_login(context& c, const client_facts& f) {
  if (!f.connected()) {
    c.emit_case(verdict::error, "a connection from the client within the timeout", "no connection",
                "the client never connected: point it at the address the test announced");
    return true;
  }
  if (const auto* k = first_credential(f, channel::plain)) {
    const auto* ex = credential_exchange(c, f, channel::plain);
    c.broken(ex, "no credentials before TLS", actual_of(ex, credential_text(*k)),
             "the client sent its credentials in plaintext: " + credential_text(*k));
    return true;
  }
  return false;
}

// Mail or mailbox commands without TLS: warn (no credentials went out).
bool plaintext_data(context& c, const client_facts& f, const std::string& what) {
  const auto* ex = first_of(c, c.rec.result.protocol, channel::plain, role::data);
  if (!ex) return false;
  c.emit(ex, verdict::warn, "no mail or mailbox commands without TLS", ex->command,
         "the client went on without TLS " + what + " (no credentials sent; right only for a client configured "
         "for opportunistic TLS)");
  return true;
}

void baseline(context& c) {
  const auto* f = c.client();
  if (!f || no_connection_or_plaintext_login(c, *f)) return;
  if (!f->pipelined_starttls.empty())
    return c.broken_case("no command between STARTTLS and the TLS handshake (RFC 9051 §6.2.1)", f->pipelined_starttls,
                         "the client sent commands after STARTTLS before the TLS handshake");
  const auto* login = first_credential(*f, channel::tls);
  const auto* data = first_of(c, c.rec.result.protocol, channel::tls, role::data);
  if (login || data) return c.held(credential_exchange(c, *f, channel::tls), login ? credential_text(*login) : data->command);
  if (plaintext_data(c, *f, "although STARTTLS was offered")) return;
  c.emit_case(verdict::error, "a login or a mail transaction over TLS", sessions_text(*f),
              "the client did not get as far as logging in against a correct server (does it trust the run's CA, "
              "serve-ca.pem in the report directory? is it configured for this address and protocol?): the other "
              "tests of this client cannot be trusted");
}

void downgrade(context& c) {
  const auto* f = c.client();
  if (!f || no_connection_or_plaintext_login(c, *f)) return;
  if (plaintext_data(c, *f, "after the attack")) return;
  c.held_case(sessions_text(*f));
}

void injection(context& c) {
  const auto* f = c.client();
  if (!f || no_connection_or_plaintext_login(c, *f)) return;
  if (!f->injection.empty())
    return c.broken_case("a client that ignores bytes that arrived with the STARTTLS answer", f->injection,
                         "the client acted on bytes injected before TLS");
  if (plaintext_data(c, *f, "after STARTTLS was refused")) return;
  c.held_case(sessions_text(*f));
}

void tampered(context& c) {
  const auto* f = c.client();
  if (!f || no_connection_or_plaintext_login(c, *f)) return;
  if (!f->cached_capabilities.empty())
    return c.broken_case("only the capabilities received over TLS used after TLS", f->cached_capabilities,
                         "the client kept using capabilities from before TLS, which an attacker could have set");
  c.held_case(sessions_text(*f));
}

void certificate(context& c, const test_def& t) {
  const auto* f = c.client();
  if (!f || no_connection_or_plaintext_login(c, *f)) return;
  const std::string cert = std::string(to_string(t.s.cert)) + " certificate";
  if (const auto* k = first_credential(*f, channel::tls)) {
    const auto* ex = credential_exchange(c, *f, channel::tls);
    return c.broken(ex, "the handshake refused (no credentials over a " + cert + ")", actual_of(ex, credential_text(*k)),
                    "the client accepted a " + cert + " and sent its credentials over it: " + credential_text(*k));
  }
  if (const auto* ex = first_of(c, c.rec.result.protocol, channel::tls, role::data)) {
    const std::string msg = "the client accepted a " + cert + " and went on over it";
    if (mx_role(t.protocol))
      return c.emit(ex, verdict::warn, "the handshake refused", ex->command,
                    msg + " (public MX port: relays often accept any certificate; RFC 8314 covers submission and access)");
    return c.broken(ex, "the handshake refused", ex->command, msg);
  }
  if (plaintext_data(c, *f, "after the certificate")) return;
  c.held_case(sessions_text(*f));
}

rules::table build_rule_table() {
  rules::table v;
  for (const auto& t : tests()) {
    std::function<void(context&)> check;
    switch (t.judge) {
      case oracle::baseline: check = baseline; break;
      case oracle::downgrade: check = downgrade; break;
      case oracle::injection: check = injection; break;
      case oracle::tampered: check = tampered; break;
      case oracle::certificate: check = [&t](context& c) { certificate(c, t); }; break;
    }
    // A serve case carries the id of its test: the rule judges only its own test's case.
    auto own = [id = t.id, check](context& c) {
      if (c.rec.result.scenario_id == id) check(c);
    };
    v.push_back(rules::row(t.id, t.base, t.spec, level::must, t.requirement + " (Study: " + t.study + ".)", own, t.sev));
  }
  return v;
}

}  // namespace

const rules::table& catalogue() {
  static const rules::table rows = build_rule_table();
  return rows;
}

}  // namespace mailspec::server
