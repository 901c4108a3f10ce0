// The audit reads throttling the way a scenario session does (session/throttle.hpp): SMTP 454 to
// STARTTLS, an IMAP `* BYE` instead of an answer and POP3 -ERR [LOGIN-DELAY] make a probe an
// `error` (the harness could not test), never a fail. Before, the audit had its own reading that
// ignored these. And a temporary failure after the password was sent in plaintext is evidence of
// evaluation (the server took the credentials), never an all-clear (issue 20 item 2).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>

#include <optional>

#include "audit/audit.hpp"
#include "audit/probes.hpp"
#include "fake_server.hpp"
#include "session/throttle.hpp"
#include "test_ca.hpp"

namespace {

namespace fake = mailspec::fake;
namespace audit = mailspec::audit;
using mailspec::verdict;

audit::options local_options(const std::string& ports) {
  audit::options o;
  o.host = "127.0.0.1";
  o.ports = audit::parse_ports(ports);
  o.connection.ca_file = fake::test_ca().ca_cert;
  o.connection.timeout_ms = 1000;
  o.connection.loopback_only = true;
  return o;
}

fake::server_options many() {
  fake::server_options so;
  so.connections = 0;
  return so;
}

// The plaintext-login probe alone against the server, judged as the audit judges it.
mailspec::case_result plaintext_login(const audit::options& o) {
  boost::asio::io_context io;
  std::optional<mailspec::session::record> rec;
  boost::asio::co_spawn(io, audit::detail::probe_plaintext_login(o, o.ports.front()),
                        [&](std::exception_ptr e, mailspec::session::record r) {
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

}  // namespace

TEST_CASE("audit throttle: SMTP 454 to STARTTLS is an error, as in a scenario, not a STARTTLS fail") {
  fake::fake_server server({fake::send("220 mx ESMTP\r\n"), fake::expect_line("EHLO *"),
                            fake::send("250-mx\r\n250 STARTTLS\r\n"), fake::expect_line("STARTTLS"),
                            fake::send("454 4.7.0 TLS not available due to temporary reason\r\n"), fake::drain(300)},
                           many());
  auto o = local_options("submission=" + std::to_string(server.port()));
  auto c = audit::probe_port(o, o.ports.front());
  CHECK(c.result == verdict::error);
  REQUIRE(c.probe);
  CHECK(c.probe->throttled.value_or("").find("454") != std::string::npos);
  auto f = find(c, "audit/starttls/works");
  CHECK((f == nullptr || f->result != verdict::fail));
  // The session reads the same exchange the same way.
  mailspec::session::exchange ex;
  ex.verb = "STARTTLS";
  mailspec::protocol::smtp_framer framer;
  framer.feed("454 4.7.0 TLS not available due to temporary reason\r\n");
  ex.smtp.push_back(*framer.next());
  CHECK_FALSE(mailspec::session::throttle_signal(ex).empty());
}

TEST_CASE("audit throttle: an IMAP * BYE instead of the CAPABILITY answer is an error") {
  fake::fake_server server({fake::send("* OK ready\r\n"), fake::read_line(), fake::send("* BYE server shutting down\r\n"),
                            fake::close()},
                           many());
  auto o = local_options("imap=" + std::to_string(server.port()));
  auto c = audit::probe_port(o, o.ports.front());
  CHECK(c.result == verdict::error);
  REQUIRE(c.probe);
  CHECK(c.probe->throttled.value_or("").find("BYE") != std::string::npos);
  for (const auto& f : c.findings) CHECK(f.result != verdict::fail);
}

TEST_CASE("audit throttle: POP3 -ERR [LOGIN-DELAY] to USER is throttling, not a refusal") {
  fake::fake_server server({fake::send("+OK ready\r\n"), fake::expect_line("CAPA"),
                            fake::send("+OK\r\nUSER\r\nSTLS\r\n.\r\n"), fake::expect_line("USER *"),
                            fake::send("-ERR [LOGIN-DELAY] wait 60 seconds\r\n"), fake::drain(300)},
                           many());
  auto c = plaintext_login(local_options("pop3=" + std::to_string(server.port())));
  CHECK(c.result == verdict::error);
  REQUIRE(c.probe);
  CHECK(c.probe->throttled.value_or("").find("LOGIN-DELAY") != std::string::npos);
  for (const auto& f : c.findings) CHECK(f.result != verdict::fail);
}

TEST_CASE("audit plaintext login: a temporary failure after the password is evaluation, never an all-clear") {
  SECTION("SMTP 454 to AUTH PLAIN (Postfix losing its Dovecot SASL backend)") {
    fake::fake_server server({fake::send("220 mx ESMTP\r\n"), fake::expect_line("EHLO *"),
                              fake::send("250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"), fake::expect_line("AUTH PLAIN *"),
                              fake::send("454 4.7.0 Temporary authentication failure: Connection lost to authentication server\r\n"),
                              fake::drain(300)},
                             many());
    auto c = plaintext_login(local_options("submission=" + std::to_string(server.port())));
    auto f = find(c, "audit/plaintext-login/smtp");
    REQUIRE(f);
    CHECK(f->result == verdict::fail);
    CHECK(f->actual.find("454") != std::string::npos);
  }
  SECTION("POP3 -ERR [SYS/TEMP] to PASS") {
    fake::fake_server server({fake::send("+OK ready\r\n"), fake::expect_line("CAPA"),
                              fake::send("+OK\r\nUSER\r\nSTLS\r\n.\r\n"), fake::expect_line("USER *"), fake::send("+OK\r\n"),
                              fake::expect_line("PASS *"), fake::send("-ERR [SYS/TEMP] authentication backend unavailable\r\n"),
                              fake::drain(300)},
                             many());
    auto c = plaintext_login(local_options("pop3=" + std::to_string(server.port())));
    auto f = find(c, "audit/plaintext-login/pop3");
    REQUIRE(f);
    CHECK(f->result == verdict::fail);
  }
}
