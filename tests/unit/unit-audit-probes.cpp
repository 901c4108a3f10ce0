// The audit's probes against the fake server: STARTTLS injection, plaintext-login exposure with
// the canary, throttling, and where the canary may go.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>

#include "audit/audit.hpp"
#include "audit/probes.hpp"
#include "fake_server.hpp"
#include "test_ca.hpp"

namespace {

namespace asio = boost::asio;
namespace fake = mailspec::fake;
namespace audit = mailspec::audit;
using namespace std::chrono_literals;
using mailspec::verdict;
using mailspec::severity;

audit::options local_options(const std::string& service, int port) {
  audit::options o;
  o.host = "127.0.0.1";
  o.ports = audit::parse_ports(service + "=" + std::to_string(port));
  o.connection.ca_file = fake::test_ca().ca_cert;
  o.connection.timeout_ms = 1500;
  o.connection.loopback_only = true;
  return o;
}

template <class F>
mailspec::case_result run_probe(const audit::options& o, F probe) {
  asio::io_context io;
  std::optional<mailspec::session::record> rec;
  asio::co_spawn(io, probe(o, o.ports.front()), [&](std::exception_ptr e, mailspec::session::record r) {
    if (e) std::rethrow_exception(e);
    rec = std::move(r);
  });
  io.run();
  REQUIRE(rec);
  return audit::detail::judge_case(std::move(*rec), o);
}

const mailspec::finding* find(const mailspec::case_result& c, const std::string& rule) {
  for (const auto& f : c.findings)
    if (f.rule == rule) return &f;
  return nullptr;
}

fake::tls_server_options carried_over() {
  fake::tls_server_options t;
  t.buffered_plaintext_carried_over = true;
  return t;
}

}  // namespace

TEST_CASE("audit: injection-vulnerable SMTP fails with severity high") {
  fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("EHLO *"),
                            fake::send("250-fake\r\n250-PIPELINING\r\n250 STARTTLS\r\n"), fake::expect_line("STARTTLS"),
                            fake::send("220 go ahead\r\n"), fake::starttls(carried_over()),
                            fake::expect_line("XMAILSPEC-INJECTED"), fake::send("502 5.5.2 unknown command\r\n"),
                            fake::expect_line("NOOP"), fake::send("250 2.0.0 ok\r\n"), fake::drain(2000)});
  auto o = local_options("smtp", server.port());
  auto c = run_probe(o, audit::detail::probe_injection);
  auto f = find(c, "audit/starttls-injection/smtp");
  REQUIRE(f);
  CHECK(f->result == verdict::fail);
  CHECK(f->sev == severity::high);
  CHECK(c.result == verdict::fail);
  REQUIRE(c.probe);
  CHECK(c.probe->injection_evidence.find("502") != std::string::npos);
  CHECK(c.kind == "audit");
  CHECK(c.scenario_id == "audit/smtp:" + std::to_string(server.port()) + "/injection");
}

TEST_CASE("audit: SMTP that discards pipelined input after STARTTLS passes the injection probe") {
  fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("EHLO *"),
                            fake::send("250-fake\r\n250 STARTTLS\r\n"), fake::expect_line("STARTTLS"),
                            fake::send("220 go ahead\r\n"), fake::starttls(), fake::expect_line("NOOP"),
                            fake::send("250 2.0.0 ok\r\n"), fake::drain(2000)});
  auto o = local_options("submission", server.port());
  auto c = run_probe(o, audit::detail::probe_injection);
  auto f = find(c, "audit/starttls-injection/smtp");
  REQUIRE(f);
  CHECK(f->result == verdict::pass);
  CHECK(c.result == verdict::pass);
}

TEST_CASE("audit: injection-vulnerable IMAP fails with severity high") {
  fake::fake_server server({fake::send("* OK fake IMAP\r\n"), fake::expect_line("M1 STARTTLS"),
                            fake::send("M1 OK begin TLS\r\n"), fake::starttls(carried_over()),
                            fake::expect_line("M2 NOOP"), fake::send("M2 OK NOOP done\r\n"),
                            fake::expect_line("M3 NOOP"), fake::send("M3 OK NOOP done\r\n"), fake::drain(2000)});
  auto o = local_options("imap", server.port());
  auto c = run_probe(o, audit::detail::probe_injection);
  auto f = find(c, "audit/starttls-injection/imap");
  REQUIRE(f);
  CHECK(f->result == verdict::fail);
  CHECK(f->sev == severity::high);
}

TEST_CASE("audit: injection-vulnerable POP3 fails, a safe one passes") {
  SECTION("vulnerable") {
    fake::fake_server server({fake::send("+OK fake POP3\r\n"), fake::expect_line("STLS"), fake::send("+OK begin\r\n"),
                              fake::starttls(carried_over()), fake::expect_line("XMAILSPEC-INJECTED"),
                              fake::send("-ERR unknown command\r\n"), fake::expect_line("CAPA"),
                              fake::send("+OK\r\nUSER\r\n.\r\n"), fake::drain(2000)});
    auto c = run_probe(local_options("pop3", server.port()), audit::detail::probe_injection);
    auto f = find(c, "audit/starttls-injection/pop3");
    REQUIRE(f);
    CHECK(f->result == verdict::fail);
    CHECK(f->sev == severity::high);
  }
  SECTION("safe") {
    fake::fake_server server({fake::send("+OK fake POP3\r\n"), fake::expect_line("STLS"), fake::send("+OK begin\r\n"),
                              fake::starttls(), fake::expect_line("CAPA"), fake::send("+OK\r\nUSER\r\n.\r\n"),
                              fake::drain(2000)});
    auto c = run_probe(local_options("pop3", server.port()), audit::detail::probe_injection);
    auto f = find(c, "audit/starttls-injection/pop3");
    REQUIRE(f);
    CHECK(f->result == verdict::pass);
  }
}

TEST_CASE("audit: an IMAP server that evaluates a plaintext LOGIN is exposed, the canary is shown") {
  fake::fake_server server({fake::send("* OK fake IMAP ready\r\n"), fake::expect_line("M1 CAPABILITY"),
                            fake::send("* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\nM1 OK done\r\n"),
                            fake::expect_line("M2 LOGIN *"),
                            fake::send("M2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"), fake::drain(2000)});
  auto c = run_probe(local_options("imap", server.port()), audit::detail::probe_plaintext_login);
  auto f = find(c, "audit/plaintext-login/imap");
  REQUIRE(f);
  CHECK(f->result == verdict::fail);
  CHECK(f->sev == severity::high);
  auto adv = find(c, "tls/starttls/required-before-auth");
  REQUIRE(adv);
  CHECK(adv->result == verdict::warn);
  // The canary is random, labelled in a meta line and visible in the transcript (not a secret).
  REQUIRE(c.probe);
  const std::string user = c.probe->canary_user;
  CHECK(user.rfind("mailspec-canary-", 0) == 0);
  bool labelled = false, sent = false;
  for (const auto& e : c.log.entries()) {
    if (e.dir == mailspec::direction::meta && e.text.find("canary") != std::string::npos &&
        e.text.find(user) != std::string::npos)
      labelled = true;
    if (e.dir == mailspec::direction::client && e.text.find(user) != std::string::npos) {
      sent = true;
      CHECK(e.chan == mailspec::channel::plain);
    }
  }
  CHECK(labelled);
  CHECK(sent);
  CHECK(server.received_plain().find(user) != std::string::npos);
}

TEST_CASE("audit: servers that refuse plaintext login before evaluating pass") {
  SECTION("IMAP NO [PRIVACYREQUIRED] with LOGINDISABLED") {
    fake::fake_server server({fake::send("* OK fake IMAP ready\r\n"), fake::expect_line("M1 CAPABILITY"),
                              fake::send("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nM1 OK done\r\n"),
                              fake::expect_line("M2 LOGIN *"),
                              fake::send("M2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed\r\n"),
                              fake::drain(2000)});
    auto c = run_probe(local_options("imap", server.port()), audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/imap");
    REQUIRE(f);
    CHECK(f->result == verdict::pass);
    auto adv = find(c, "tls/starttls/required-before-auth");
    REQUIRE(adv);
    CHECK(adv->result == verdict::pass);
  }
  SECTION("IMAP BAD") {
    fake::fake_server server({fake::send("* OK fake IMAP ready\r\n"), fake::expect_line("M1 CAPABILITY"),
                              fake::send("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nM1 OK done\r\n"),
                              fake::expect_line("M2 LOGIN *"), fake::send("M2 BAD LOGIN disabled\r\n"),
                              fake::drain(2000)});
    auto c = run_probe(local_options("imap", server.port()), audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/imap");
    REQUIRE(f);
    CHECK(f->result == verdict::pass);
  }
  SECTION("SMTP 530 on submission") {
    fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("EHLO *"),
                              fake::send("250-fake\r\n250 STARTTLS\r\n"), fake::expect_line("AUTH PLAIN *"),
                              fake::send("530 5.7.0 Must issue a STARTTLS command first\r\n"), fake::drain(2000)});
    auto c = run_probe(local_options("submission", server.port()),
                       audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/smtp");
    REQUIRE(f);
    CHECK(f->result == verdict::pass);
    CHECK(c.result != verdict::fail);
  }
  SECTION("POP3 refusing USER") {
    fake::fake_server server({fake::send("+OK fake POP3\r\n"), fake::expect_line("CAPA"),
                              fake::send("+OK\r\nSTLS\r\n.\r\n"), fake::expect_line("USER *"),
                              fake::send("-ERR [AUTH] Plaintext authentication disallowed\r\n"), fake::drain(2000)});
    auto c = run_probe(local_options("pop3", server.port()), audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/pop3");
    REQUIRE(f);
    CHECK(f->result == verdict::pass);
  }
}

TEST_CASE("audit: SMTP 535 and POP3 -ERR after PASS are exposure, port 25 is a warning, not a fail") {
  SECTION("SMTP submission 535") {
    fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("EHLO *"),
                              fake::send("250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
                              fake::expect_line("AUTH PLAIN *"),
                              fake::send("535 5.7.8 Error: authentication failed\r\n"), fake::drain(2000)});
    auto c = run_probe(local_options("submission", server.port()),
                       audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/smtp");
    REQUIRE(f);
    CHECK(f->result == verdict::fail);
    CHECK(c.result == verdict::fail);
  }
  SECTION("SMTP MX port 535") {
    fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("EHLO *"),
                              fake::send("250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
                              fake::expect_line("AUTH PLAIN *"),
                              fake::send("535 5.7.8 Error: authentication failed\r\n"), fake::drain(2000)});
    auto c = run_probe(local_options("smtp", server.port()), audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/smtp");
    REQUIRE(f);
    CHECK(f->result == verdict::warn);  // RFC 4954 §4 SHOULD NOT (review: was info, invisible in the summary)
    CHECK(f->sev == severity::high);
    CHECK(f->message.find("MX") != std::string::npos);
  }
  SECTION("POP3 -ERR after PASS") {
    fake::fake_server server({fake::send("+OK fake POP3\r\n"), fake::expect_line("CAPA"),
                              fake::send("+OK\r\nUSER\r\nSTLS\r\n.\r\n"), fake::expect_line("USER *"),
                              fake::send("+OK\r\n"), fake::expect_line("PASS *"),
                              fake::send("-ERR [AUTH] Authentication failed.\r\n"), fake::drain(2000)});
    auto c = run_probe(local_options("pop3", server.port()), audit::detail::probe_plaintext_login);
    auto f = find(c, "audit/plaintext-login/pop3");
    REQUIRE(f);
    CHECK(f->result == verdict::fail);
    CHECK(f->sev == severity::high);
  }
}
