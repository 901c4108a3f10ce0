// mailspec serve end to end over loopback, SMTP, POP3 and Implicit TLS: SASL credentials in
// continuation lines, USER/PASS, an auto-detecting client falling back to plaintext, sessions
// that outlast the test, and options refused before anything listens.
#include <catch2/catch.hpp>

#include "protocol/sasl.hpp"
#include "unit-server-client.hpp"

using namespace serve_test;
namespace srv = mailspec::server;
using mailspec::verdict;

namespace {

srv::options test_of(const std::string& id) {
  srv::options o;
  o.protocol = id.substr(6, id.find('/', 6) - 6);
  o.tests = {id};
  return o;
}

std::string b64(const std::string& s) { return mailspec::protocol::base64_encode(s); }

// Submission with AUTH LOGIN: EHLO, STARTTLS when offered (and, when refused, on in plaintext
// unless TLS is required), AUTH LOGIN with the user and password in continuation lines, a mail.
client_fn smtp_client(bool require_tls) {
  return [=](int port, std::string, std::string ca) -> asio::awaitable<void> {
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    co_await c.line();
    co_await c.send("EHLO client.example\r\n");
    co_await c.until("250 ");
    co_await c.send("STARTTLS\r\n");
    if ((co_await c.line()).rfind("220", 0) == 0) {
      mailspec::tls_facts f;
      if (!co_await c.tls(ca, f)) co_return;
      co_await c.send("EHLO client.example\r\n");
      co_await c.until("250 ");
    } else if (require_tls) {
      co_await c.send("QUIT\r\n");
      co_await c.line();
      co_return;
    }
    co_await c.send("AUTH LOGIN\r\n");
    co_await c.line();
    co_await c.send(b64("alice") + "\r\n");
    co_await c.line();
    co_await c.send(b64(canary) + "\r\n");
    co_await c.line();
    co_await c.send("MAIL FROM:<alice@example.com>\r\n");
    co_await c.line();
    co_await c.send("QUIT\r\n");
    co_await c.line();
  };
}

// POP3 with USER/PASS after STLS.
client_fn pop3_client() {
  return [](int port, std::string, std::string ca) -> asio::awaitable<void> {
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    co_await c.line();
    co_await c.send("STLS\r\n");
    if ((co_await c.line()).rfind("+OK", 0) != 0) co_return;
    mailspec::tls_facts f;
    if (!co_await c.tls(ca, f)) co_return;
    co_await c.send("USER alice\r\n");
    co_await c.line();
    co_await c.send("PASS " + canary + "\r\n");
    co_await c.line();
    co_await c.send("STAT\r\n");
    co_await c.line();
    co_await c.send("QUIT\r\n");
    co_await c.line();
  };
}

bool transcript_has(const mailspec::case_result& c, const std::string& s) {
  for (const auto& e : c.log.entries())
    if (e.text.find(s) != std::string::npos) return true;
  return false;
}

bool transcript_leaks(const mailspec::case_result& c) {
  mailspec::secret_registry forms;
  forms.add("canary", canary);
  for (const auto& e : c.log.entries())
    if (forms.contains_secret(e.text)) return true;
  return false;
}

}  // namespace

TEST_CASE("serve: SMTP AUTH LOGIN after a hidden STARTTLS: the password line is redacted") {
  auto s = serve_with(test_of("serve/submission/strip/capability-hidden"), smtp_client(false));
  REQUIRE(s.report.cases.size() == 1);
  const auto& c = s.report.cases[0];
  CHECK(c.result == verdict::fail);
  REQUIRE(c.client->credentials.size() == 1);
  CHECK(c.client->credentials[0].mechanism == "AUTH LOGIN");
  CHECK(transcript_has(c, b64("alice")));  // the user name is not a secret
  CHECK(transcript_has(c, "\u2039secret:credential\u203a"));
  CHECK_FALSE(transcript_leaks(c));
  REQUIRE(c.findings.size() == 1);
  CHECK(c.findings[0].actual.find("\u2039secret:credential\u203a") != std::string::npos);

  auto strict = serve_with(test_of("serve/submission/strip/capability-hidden"), smtp_client(true));
  REQUIRE(strict.report.cases.size() == 1);
  CHECK(strict.report.cases[0].result == verdict::pass);
}

TEST_CASE("serve: SMTP baseline and STARTTLS answered 454") {
  auto ok = serve_with(test_of("serve/submission/ok/starttls"), smtp_client(true));
  REQUIRE(ok.report.cases.size() == 1);
  CHECK(ok.report.cases[0].result == verdict::pass);
  auto refused = serve_with(test_of("serve/smtp/strip/starttls-454"), smtp_client(false));
  REQUIRE(refused.report.cases.size() == 1);
  CHECK(refused.report.cases[0].result == verdict::fail);
}

TEST_CASE("serve: POP3 USER/PASS over TLS passes the baseline, never shows the password") {
  auto s = serve_with(test_of("serve/pop3/ok/starttls"), pop3_client());
  REQUIRE(s.report.cases.size() == 1);
  const auto& c = s.report.cases[0];
  CHECK(c.result == verdict::pass);
  REQUIRE(c.client->credentials.size() == 1);
  CHECK(c.client->credentials[0].mechanism == "USER/PASS");
  CHECK(c.client->credentials[0].chan == mailspec::channel::tls);
  CHECK_FALSE(transcript_leaks(c));
}

TEST_CASE("serve: POP3 capabilities tampered before TLS: a mechanism only they offered, used over TLS, fails") {
  // The CAPA before TLS offers SASL LOGIN, the one over TLS only PLAIN.
  auto cached = [](int port, std::string, std::string ca) -> asio::awaitable<void> {
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    co_await c.line();
    co_await c.send("STLS\r\n");
    if ((co_await c.line()).rfind("+OK", 0) != 0) co_return;
    mailspec::tls_facts f;
    if (!co_await c.tls(ca, f)) co_return;
    co_await c.send("AUTH LOGIN\r\n");
    co_await c.line();
    co_await c.send(b64("alice") + "\r\n");
    co_await c.line();
    co_await c.send(b64(canary) + "\r\n");
    co_await c.line();
    co_await c.send("QUIT\r\n");
    co_await c.line();
  };
  auto s = serve_with(test_of("serve/pop3/caps/tampered"), cached);
  REQUIRE(s.report.cases.size() == 1);
  CHECK(s.report.cases[0].result == verdict::fail);
  CHECK(s.report.cases[0].client->cached_capabilities.find("SASL LOGIN") != std::string::npos);
  CHECK(s.report.cases[0].findings[0].sev == mailspec::severity::medium);
  // USER/PASS is not part of the tampering: a client that uses it passes.
  auto user_pass = serve_with(test_of("serve/pop3/caps/tampered"), pop3_client());
  REQUIRE(user_pass.report.cases.size() == 1);
  CHECK(user_pass.report.cases[0].result == verdict::pass);
}

TEST_CASE("serve: an auto-detecting client that falls back to plaintext after a refused implicit TLS fails") {
  // First connection: a ClientHello (refused with an alert). Second: plaintext, waits for the
  // greeting, logs in.
  auto autodetect = [](int port, std::string, std::string ca) -> asio::awaitable<void> {
    {
      line_client c(co_await asio::this_coro::executor);
      if (!co_await c.connect(port)) co_return;
      mailspec::tls_facts f;
      if (co_await c.tls(ca, f, "implicit")) co_return;  // the test refuses TLS
    }
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    co_await c.line();
    co_await c.send("a1 LOGIN alice " + canary + "\r\n");
    co_await c.until("a1 ");
    co_await c.send("a2 LOGOUT\r\n");
    co_await c.until("a2 ");
  };
  auto s = serve_with(test_of("serve/imaps/implicit/refused"), autodetect);
  REQUIRE(s.report.cases.size() == 1);
  const auto& c = s.report.cases[0];
  CHECK(c.result == verdict::fail);
  REQUIRE(c.client->sessions.size() == 2);
  CHECK(c.client->sessions[0].tls.find("refused") != std::string::npos);
  CHECK(c.client->credentials.at(0).session == 2);
  CHECK_FALSE(transcript_leaks(c));
}

TEST_CASE("serve: an Implicit TLS client that gives up passes, one that logs in over TLS passes the baseline") {
  auto gives_up = [](int port, std::string, std::string ca) -> asio::awaitable<void> {
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    mailspec::tls_facts f;
    co_await c.tls(ca, f, "implicit");
  };
  auto s = serve_with(test_of("serve/imaps/implicit/plaintext-answer"), gives_up);
  REQUIRE(s.report.cases.size() == 1);
  CHECK(s.report.cases[0].result == verdict::pass);

  auto logs_in = [](int port, std::string, std::string ca) -> asio::awaitable<void> {
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    mailspec::tls_facts f;
    if (!co_await c.tls(ca, f, "implicit")) co_return;
    co_await c.line();
    co_await c.send("a1 LOGIN alice " + canary + "\r\n");
    co_await c.until("a1 ");
    co_await c.send("a2 LOGOUT\r\n");
    co_await c.until("a2 ");
  };
  s = serve_with(test_of("serve/imaps/ok/implicit"), logs_in);
  REQUIRE(s.report.cases.size() == 1);
  CHECK(s.report.cases[0].result == verdict::pass);
}

TEST_CASE("serve: a client that keeps its connection open ends with the session's timeout") {
  auto idle = [](int port, std::string, std::string) -> asio::awaitable<void> {
    line_client c(co_await asio::this_coro::executor);
    if (!co_await c.connect(port)) co_return;
    co_await c.until("never");  // reads until the server closes the connection
  };
  auto o = test_of("serve/pop3/ok/starttls");
  o.timeout = 700ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = serve_with(o, idle);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  REQUIRE(s.report.cases.size() == 1);
  CHECK(s.report.cases[0].result == verdict::error);  // connected, never logged in
}

TEST_CASE("serve: options refused before anything listens") {
  srv::options o;
  o.protocol = "imap";
  o.listen = "0.0.0.0:1143";
  CHECK_THROWS_WITH(srv::check_options(o), Catch::Contains("only loopback"));
  o.listen = "192.0.2.1:143";
  CHECK_THROWS_AS(srv::check_options(o), std::invalid_argument);
  o.listen = "[::1]:0";
  CHECK_NOTHROW(srv::check_options(o));
  o.listen = "127.0.0.1";
  CHECK_THROWS_AS(srv::check_options(o), std::invalid_argument);
  o.listen = "127.0.0.1:0";
  o.protocol = "nntp";
  CHECK_THROWS_AS(srv::check_options(o), std::invalid_argument);
  o.protocol = "imap";
  o.tests = {"serve/pop3/"};
  CHECK_THROWS_WITH(srv::check_options(o), Catch::Contains("--test serve/pop3/"));
  o.tests = {};
  o.cert_file = "x.pem";
  CHECK_THROWS_AS(srv::check_options(o), std::invalid_argument);
}
