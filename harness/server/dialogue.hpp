// The scripted server's side of one connection: the part every protocol shares (reading and
// recording commands with their credentials redacted, the STARTTLS variants of the test, the
// Implicit TLS start, SASL exchanges, the injection hold) and the hooks each protocol fills
// (server/smtp.cpp, imap.cpp, pop3.cpp).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/case_result.hpp"
#include "server/commands.hpp"
#include "server/conn.hpp"
#include "server/serve.hpp"

namespace mailspec::server {

// What the sessions of one test share.
struct test_state {
  const test_def& test;
  client_facts& facts;
  recorder& rec;
  std::vector<tls_facts>& tls;  // one per handshake, as case_result.tls
  ssl::context& ctx;            // the test's certificate
  std::string key;              // the run's fingerprint key
  std::chrono::milliseconds hold{600};   // how long the server holds an answer to see whether the client waits
  std::chrono::milliseconds greet_wait{1500};  // Implicit TLS: how long to wait for a ClientHello before greeting
};

class dialogue {
 public:
  dialogue(test_state& t, conn& c, int session);
  virtual ~dialogue() = default;
  // The whole session: the start (greeting, or the Implicit TLS handshake), then commands until
  // the client leaves, the server ends the session or the deadline passes.
  asio::awaitable<void> run();

 protected:
  test_state& t_;
  conn& c_;
  const int session_;  // 1-based
  const script& s_;
  bool authed_ = false;

  // The protocol's greeting (plaintext or over TLS).
  virtual std::string greeting() = 0;
  // One command. False: the session is over (QUIT, LOGOUT, a failed handshake, ...).
  virtual asio::awaitable<bool> handle(const command& cmd) = 0;
  // TLS is up (STARTTLS or implicit): the protocol state before TLS is gone (RFC 3207 §4.2).
  virtual void on_tls() {}
  // "334 x\r\n" / "+ x\r\n": a SASL challenge.
  virtual std::string challenge(const std::string& b64) = 0;
  // Plaintext sent instead of a ServerHello (strip/error-after-ok).
  virtual std::string not_tls_reply(const command& starttls) = 0;

  client_session& me() { return t_.facts.sessions[static_cast<std::size_t>(session_ - 1)]; }
  const std::string& base() const { return t_.test.base; }
  asio::awaitable<bool> say(std::string text) { co_return co_await c_.send(text); }

  // The STARTTLS command, answered as the test says. ok/refusal: the protocol's replies;
  // injected_ok / injected_refusal: what the injection tests append in the same segment.
  struct starttls_replies {
    std::string ok, refusal, injected_ok, injected_refusal;
  };
  asio::awaitable<bool> starttls(const command& cmd, const starttls_replies& r);
  // A SASL exchange (PLAIN, LOGIN) after `start`; true when the client finished it. label: the
  // mechanism as reported ("AUTH PLAIN"). Other mechanisms: false, nothing read.
  asio::awaitable<bool> sasl(const sasl_start& start, const std::string& label);
  // The command used what only the tampered pre-TLS capabilities offered.
  void cached(const std::string& what);

 private:
  bool hold_next_ = false;       // the next command is the first after injected bytes
  std::string held_after_;       // what the injected bytes followed (for the evidence)

  asio::awaitable<bool> start();
  asio::awaitable<bool> implicit_start();
  asio::awaitable<std::optional<command>> next();
  asio::awaitable<std::optional<std::string>> sasl_response(const std::string& label, std::string_view mech, int step);
  void credential(const server::credential& k);
  int record_client(const std::string& raw, const std::string& verb);
  asio::awaitable<bool> upgrade();
};

// The dialogue of the test's protocol.
std::unique_ptr<dialogue> make_dialogue(test_state& t, conn& c, int session);
std::unique_ptr<dialogue> make_smtp(test_state& t, conn& c, int session);
std::unique_ptr<dialogue> make_imap(test_state& t, conn& c, int session);
std::unique_ptr<dialogue> make_pop3(test_state& t, conn& c, int session);

}  // namespace mailspec::server
