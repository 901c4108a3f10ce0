#include "server/dialogue.hpp"

#include "core/text.hpp"

namespace mailspec::server {

namespace {

constexpr std::size_t max_verbs = 200;  // verbs kept per session and channel in the facts

std::string chomp(const std::string& l) {
  std::string s = l;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A fatal handshake_failure alert (TLS 1.2 record layer): the answer of a port that refuses TLS.
const std::string handshake_failure_alert("\x15\x03\x03\x00\x02\x02\x28", 7);

}  // namespace

dialogue::dialogue(test_state& t, conn& c, int session) : t_(t), c_(c), session_(session), s_(t.test.s) {}

std::unique_ptr<dialogue> make_dialogue(test_state& t, conn& c, int session) {
  if (t.test.base == "smtp") return make_smtp(t, c, session);
  if (t.test.base == "imap") return make_imap(t, c, session);
  return make_pop3(t, c, session);
}

asio::awaitable<void> dialogue::run() {
  t_.facts.sessions.emplace_back();
  me().tls = "none";
  if (co_await start()) {
    while (auto cmd = co_await next())
      if (!co_await handle(*cmd)) break;
  }
  const std::string why = c_.end().empty() ? std::string("server ended the session") : c_.end();
  c_.close(why);
  me().end = c_.end();
}

asio::awaitable<bool> dialogue::start() {
  if (t_.test.port == port_kind::implicit) co_return co_await implicit_start();
  co_return co_await say(greeting());
}

asio::awaitable<bool> dialogue::implicit_start() {
  // A plaintext client waits for a greeting; a TLS client sends its ClientHello at once. Tests
  // that serve a fallback greet after greet_wait; the others wait for TLS until the deadline.
  const bool fallback = s_.hello != on_hello::handshake;
  auto first = co_await c_.first_bytes(fallback ? t_.greet_wait : std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                      c_.deadline() - clock::now()));
  switch (first) {
    case conn::first::closed: co_return false;
    case conn::first::none:
      if (!fallback) {
        c_.close("no TLS ClientHello before the deadline");
        co_return false;
      }
      me().tls = "none: no ClientHello, greeted in plaintext";
      t_.rec.meta("no ClientHello within " + std::to_string(t_.greet_wait.count()) + " ms: greeted in plaintext");
      co_return co_await say(greeting());
    case conn::first::plain:
      me().tls = "none: the client spoke plaintext on an Implicit TLS port";
      t_.rec.meta("the client sent plaintext instead of a TLS ClientHello");
      co_return co_await say(greeting());
    case conn::first::tls: break;
  }
  if (s_.hello == on_hello::alert) {
    me().tls = "refused by the test: handshake_failure alert";
    co_await c_.send_raw(handshake_failure_alert, "ClientHello answered with a TLS handshake_failure alert");
    c_.close("TLS refused by the test");
    co_return false;
  }
  if (s_.hello == on_hello::plaintext) {
    me().tls = "plaintext answer to the ClientHello";
    c_.drop_buffered("the client's TLS ClientHello, answered in plaintext");
    co_return co_await say(greeting());
  }
  if (!co_await upgrade()) co_return false;
  co_return co_await say(greeting());
}

asio::awaitable<bool> dialogue::upgrade() {
  tls_facts f;
  const std::string mode = t_.test.port == port_kind::implicit ? "implicit" : "starttls";
  const bool ok = co_await c_.handshake(t_.ctx, mode, f);
  me().tls = ok ? "ok " + f.version + " (" + std::string(to_string(s_.cert)) + " certificate)"
                : "failed: " + f.handshake_error + " (" + std::string(to_string(s_.cert)) + " certificate)";
  t_.tls.push_back(std::move(f));
  if (ok) on_tls();
  co_return ok;
}

int dialogue::record_client(const std::string& raw, const std::string& verb) {
  const int index = t_.rec.add(direction::client, c_.chan(), raw);
  t_.rec.command(session_, c_.chan(), t_.rec.secrets.redact(chomp(raw)), verb, index);
  auto& verbs = c_.tls() ? me().secure : me().plain;
  if (verbs.size() < max_verbs) verbs.push_back(verb.empty() ? "(sasl)" : verb);
  return index;
}

void dialogue::credential(const server::credential& k) {
  t_.rec.secrets.add("credential", k.secret);
  for (const auto& f : k.forms)
    if (f.size() >= 2) t_.rec.secrets.add_derived("credential", f);
  t_.facts.credentials.push_back({k.mechanism, c_.chan(), session_, fingerprint(t_.key, k.secret)});
}

asio::awaitable<std::optional<command>> dialogue::next() {
  auto raw = co_await c_.line(base() == "imap");
  if (!raw) co_return std::nullopt;
  command cmd = parse_command(base(), *raw);
  // Credentials are registered before the line is recorded: the transcript never holds them.
  if (auto k = command_credential(base(), cmd)) credential(*k);
  if (auto sa = sasl_of(base(), cmd); sa && !sa->initial.empty())
    if (auto k = sasl_credential((base() == "imap" ? "AUTHENTICATE " : "AUTH ") + sa->mechanism, sa->mechanism, sa->initial, 0))
      credential(*k);
  record_client(*raw, cmd.verb);
  if (hold_next_) {
    // The injected bytes answered this command already: a client that took them sends its
    // next command without waiting for the server's own answer.
    hold_next_ = false;
    if (co_await c_.more_within(clock::now() + t_.hold) && t_.facts.injection.empty())
      t_.facts.injection = "after " + held_after_ + ", the client sent " + cmd.verb + " and then more before the server had "
                           "answered it (" + std::to_string(t_.hold.count()) + " ms held): it took the injected bytes "
                           "as the answer";
  }
  co_return cmd;
}

asio::awaitable<bool> dialogue::starttls(const command& cmd, const starttls_replies& r) {
  switch (s_.starttls) {
    case on_starttls::refuse:
      co_return co_await say(r.refusal);
    case on_starttls::inject_after_refusal:
      hold_next_ = true;
      held_after_ = "the refused " + cmd.verb + " with answers appended";
      co_return co_await say(r.refusal + r.injected_refusal);
    case on_starttls::plaintext_after_ok: {
      if (!co_await say(r.ok)) co_return false;
      // Whatever the client sends now (its ClientHello) gets a plaintext answer, and the
      // connection goes on in plaintext: a client that follows has lost TLS.
      if (!co_await c_.more_within(c_.deadline())) co_return false;
      c_.drop_buffered("the client's TLS ClientHello, answered in plaintext");
      me().tls = "plaintext answer to the ClientHello after " + cmd.verb + " OK";
      co_return co_await say(not_tls_reply(cmd));
    }
    case on_starttls::inject_after_ok:
      if (!co_await say(r.ok + r.injected_ok)) co_return false;
      hold_next_ = true;
      held_after_ = "the TLS handshake (answers were appended to the " + cmd.verb + " OK)";
      break;
    case on_starttls::upgrade:
      if (!co_await say(r.ok)) co_return false;
      break;
  }
  // Bytes after the STARTTLS line, before the handshake: the client did not wait (RFC 9051 §6.2.1).
  if (auto early = c_.take_buffered(); !early.empty()) {
    if (t_.facts.pipelined_starttls.empty())
      t_.facts.pipelined_starttls = t_.rec.secrets.redact(early.substr(0, 200));
    t_.rec.meta("the client sent " + std::to_string(early.size()) + " bytes after " + cmd.verb +
                " before the TLS handshake (dropped)");
  }
  co_return co_await upgrade();
}

asio::awaitable<std::optional<std::string>> dialogue::sasl_response(const std::string& label, std::string_view mech, int step) {
  auto raw = co_await c_.line(false);
  if (!raw) co_return std::nullopt;
  if (auto k = sasl_credential(label, mech, *raw, step)) credential(*k);
  record_client(*raw, "");
  co_return chomp(*raw);
}

asio::awaitable<bool> dialogue::sasl(const sasl_start& start, const std::string& label) {
  const std::string& m = start.mechanism;
  if (m != "PLAIN" && m != "LOGIN") co_return false;
  int step = 0;
  if (start.initial.empty()) {
    // PLAIN: an empty challenge; LOGIN: "Username:".
    const std::string prompt = challenge(m == "PLAIN" ? "" : "VXNlcm5hbWU6");
    if (!co_await say(prompt)) co_return false;
    auto r = co_await sasl_response(label, m, step);
    if (!r || *r == "*") co_return false;
  }
  if (m == "LOGIN") {
    step = 1;
    if (!co_await say(challenge("UGFzc3dvcmQ6"))) co_return false;  // "Password:"
    auto r = co_await sasl_response(label, m, step);
    if (!r || *r == "*") co_return false;
  }
  co_return true;
}

void dialogue::cached(const std::string& what) {
  if (t_.facts.cached_capabilities.empty()) t_.facts.cached_capabilities = what;
}

}  // namespace mailspec::server
