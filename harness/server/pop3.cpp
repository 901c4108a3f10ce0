// The scripted POP3 server (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH): an empty
// maildrop, enough for a client to log in, check for mail and quit.
#include "server/dialogue.hpp"

namespace mailspec::server {

namespace {

class pop3 : public dialogue {
 public:
  using dialogue::dialogue;

 private:
  bool user_ = false;

  std::string greeting() override { return "+OK mailspec serve ready\r\n"; }
  std::string challenge(const std::string& b64) override { return "+ " + b64 + "\r\n"; }
  std::string not_tls_reply(const command&) override { return "-ERR TLS not available\r\n"; }
  void on_tls() override {
    user_ = false;
    authed_ = false;
  }

  // A correct server offers no login before TLS (RFC 2595 §2.2): no USER, no SASL. (USER is
  // not part of the tampering: RFC 1939 clients may try it unadvertised.)
  bool user_offered() const { return c_.tls() || s_.lure || s_.tampered_caps; }
  std::string sasl_offered() const {
    if (c_.tls()) return s_.tampered_caps ? "PLAIN" : "PLAIN LOGIN";
    return s_.tampered_caps ? "LOGIN" : s_.lure ? "PLAIN LOGIN" : "";
  }

  std::string capa() const {
    std::string c = "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n";
    if (!c_.tls() && !s_.hide_starttls) c += "STLS\r\n";
    if (user_offered()) c += "USER\r\n";
    if (auto m = sasl_offered(); !m.empty()) c += "SASL " + m + "\r\n";
    return c + ".\r\n";
  }

  asio::awaitable<bool> logged_in() {
    if (!c_.tls() && !user_offered() && sasl_offered().empty())
      co_return co_await say("-ERR [AUTH] Plaintext authentication disallowed without TLS\r\n");
    authed_ = true;
    co_return co_await say("+OK Logged in\r\n");
  }

  asio::awaitable<bool> auth(const command& cmd) {
    auto start = sasl_of("pop3", cmd);
    if (!start) co_return co_await say("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n");  // AUTH without a mechanism lists them
    if (c_.tls() && s_.tampered_caps && start->mechanism == "LOGIN")
      cached("AUTH LOGIN over TLS: only the CAPA list before TLS offered SASL LOGIN");
    if (!co_await sasl(*start, "AUTH " + start->mechanism)) {
      if (!c_.open()) co_return false;
      co_return co_await say("-ERR Authentication failed or mechanism not supported\r\n");
    }
    co_return co_await logged_in();
  }

  asio::awaitable<bool> transaction(const command& cmd) {
    const std::string& v = cmd.verb;
    if (v == "STAT") co_return co_await say("+OK 0 0\r\n");
    if (v == "LIST" || v == "UIDL") {
      if (!cmd.args.empty()) co_return co_await say("-ERR no such message\r\n");
      co_return co_await say("+OK 0 messages\r\n.\r\n");
    }
    if (v == "RSET" || v == "NOOP") co_return co_await say("+OK\r\n");
    co_return co_await say("-ERR no such message\r\n");  // RETR, TOP, DELE: the maildrop is empty
  }

  asio::awaitable<bool> handle(const command& cmd) override {
    const std::string& v = cmd.verb;
    if (v == "CAPA") co_return co_await say(capa());
    if (v == "QUIT") {
      co_await say("+OK Bye\r\n");
      co_return false;
    }
    if (v == "STLS") {
      if (c_.tls()) co_return co_await say("-ERR Command not permitted when TLS active\r\n");
      if (s_.hide_starttls || authed_) co_return co_await say("-ERR Unknown command\r\n");
      starttls_replies r;
      r.ok = "+OK Begin TLS negotiation\r\n";
      r.refusal = "-ERR TLS not available\r\n";
      r.injected_ok = "+OK Capability list follows\r\nUSER\r\nSASL PLAIN\r\n.\r\n+OK\r\n";
      r.injected_refusal = "+OK\r\n+OK Logged in\r\n";
      co_return co_await starttls(cmd, r);
    }
    if (authed_) co_return co_await transaction(cmd);
    if (v == "USER") {
      user_ = true;
      co_return co_await say("+OK\r\n");
    }
    if (v == "PASS") {
      if (!user_) co_return co_await say("-ERR USER first\r\n");
      co_return co_await logged_in();
    }
    if (v == "APOP") co_return co_await logged_in();
    if (v == "AUTH") co_return co_await auth(cmd);
    if (v == "NOOP") co_return co_await say("+OK\r\n");
    co_return co_await say("-ERR Not logged in\r\n");
  }
};

}  // namespace

std::unique_ptr<dialogue> make_pop3(test_state& t, conn& c, int session) { return std::make_unique<pop3>(t, c, session); }

}  // namespace mailspec::server
