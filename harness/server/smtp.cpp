// The scripted SMTP / submission server (RFC 5321, RFC 3207 STARTTLS, RFC 4954 AUTH): enough of
// a mail transaction for a client to send a message, which is read and dropped.
#include "server/dialogue.hpp"

namespace mailspec::server {

namespace {

constexpr std::size_t max_data_lines = 100000;

class smtp : public dialogue {
 public:
  using dialogue::dialogue;

 private:
  bool ehlo_ = false;

  std::string greeting() override { return "220 mailspec.invalid ESMTP mailspec serve (a test server)\r\n"; }
  std::string challenge(const std::string& b64) override { return "334 " + b64 + "\r\n"; }
  std::string not_tls_reply(const command&) override { return "454 4.7.0 TLS not available due to temporary reason\r\n"; }
  void on_tls() override {
    ehlo_ = false;
    authed_ = false;
  }

  // The mechanisms offered on this channel ("" = none): none before TLS on a correct server.
  std::string mechanisms() const {
    if (c_.tls()) return s_.tampered_caps ? "PLAIN" : "PLAIN LOGIN";
    if (s_.tampered_caps) return "LOGIN";
    return s_.lure ? "PLAIN LOGIN" : "";
  }

  std::string ehlo_reply() const {
    std::vector<std::string> lines{"mailspec.invalid greets you", "SIZE 10485760", "8BITMIME", "ENHANCEDSTATUSCODES"};
    if (!c_.tls() && !s_.hide_starttls) lines.push_back("STARTTLS");
    if (auto m = mechanisms(); !m.empty()) lines.push_back("AUTH " + m);
    lines.push_back("HELP");
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) out += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
    return out;
  }

  asio::awaitable<bool> auth(const command& cmd) {
    if (authed_) co_return co_await say("503 5.5.1 Already authenticated\r\n");
    auto start = sasl_of("smtp", cmd);
    if (!start) co_return co_await say("501 5.5.4 Syntax: AUTH mechanism\r\n");
    if (c_.tls() && s_.tampered_caps && start->mechanism == "LOGIN")
      cached("AUTH LOGIN over TLS: only the EHLO reply before TLS offered LOGIN (over TLS: AUTH PLAIN)");
    if (!co_await sasl(*start, "AUTH " + start->mechanism)) {
      if (!c_.open()) co_return false;
      const bool known = start->mechanism == "PLAIN" || start->mechanism == "LOGIN";
      const std::string r = known ? "501 5.7.0 Authentication cancelled\r\n" : "504 5.5.4 Unrecognized authentication type\r\n";
      co_return co_await say(r);
    }
    authed_ = true;
    co_return co_await say("235 2.7.0 Authentication successful\r\n");
  }

  // DATA: the message up to the lone ".", recorded as one client entry and dropped.
  asio::awaitable<bool> data() {
    if (!co_await say("354 End data with <CR><LF>.<CR><LF>\r\n")) co_return false;
    std::string body;
    for (std::size_t n = 0; n < max_data_lines; ++n) {
      auto l = co_await c_.line(false);
      if (!l) co_return false;
      if (*l == ".\r\n" || *l == ".\n") {
        t_.rec.add(direction::client, c_.chan(), body + *l);
        co_return co_await say("250 2.0.0 OK: message accepted and dropped (mailspec serve)\r\n");
      }
      if (body.size() < transcript::max_entry_bytes) body += *l;
    }
    co_return false;
  }

  asio::awaitable<bool> handle(const command& cmd) override {
    const std::string& v = cmd.verb;
    if (v == "EHLO" || v == "LHLO") {
      ehlo_ = true;
      co_return co_await say(ehlo_reply());
    }
    if (v == "HELO") {
      ehlo_ = true;
      co_return co_await say("250 mailspec.invalid\r\n");
    }
    if (v == "STARTTLS") {
      if (c_.tls()) co_return co_await say("503 5.5.1 TLS already active\r\n");
      if (s_.hide_starttls) co_return co_await say("502 5.5.1 Command not implemented\r\n");
      starttls_replies r;
      r.ok = "220 2.0.0 Ready to start TLS\r\n";
      r.refusal = "454 4.7.0 TLS not available due to temporary reason\r\n";
      r.injected_ok = "250-mailspec.invalid injected\r\n250 AUTH PLAIN LOGIN\r\n235 2.7.0 Authentication successful\r\n";
      r.injected_refusal =
          "235 2.7.0 Authentication successful\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 Start mail "
          "input\r\n250 2.0.0 Accepted\r\n";
      co_return co_await starttls(cmd, r);
    }
    if (v == "AUTH") co_return co_await auth(cmd);
    if (v == "MAIL") co_return co_await say("250 2.1.0 Sender OK\r\n");
    if (v == "RCPT") co_return co_await say("250 2.1.5 Recipient OK\r\n");
    if (v == "DATA") co_return co_await data();
    if (v == "RSET" || v == "NOOP") co_return co_await say("250 2.0.0 OK\r\n");
    if (v == "VRFY") co_return co_await say("252 2.5.2 Cannot VRFY user\r\n");
    if (v == "HELP") co_return co_await say("214 2.0.0 mailspec serve: a test server\r\n");
    if (v == "QUIT") {
      co_await say("221 2.0.0 Bye\r\n");
      co_return false;
    }
    co_return co_await say("500 5.5.2 Command unrecognized\r\n");
  }
};

}  // namespace

std::unique_ptr<dialogue> make_smtp(test_state& t, conn& c, int session) { return std::make_unique<smtp>(t, c, session); }

}  // namespace mailspec::server
