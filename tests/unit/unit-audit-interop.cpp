// Audit probes against fake servers that replay the exact bytes of servers other than the lab's
// Dovecot and Postfix (docs/interop.md).
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
using mailspec::verdict;

audit::options local_options(const std::string& service, int port) {
  audit::options o;
  o.host = "127.0.0.1";
  o.ports = audit::parse_ports(service + "=" + std::to_string(port));
  o.connection.ca_file = fake::test_ca().ca_cert;
  o.connection.timeout_ms = 1500;
  o.connection.loopback_only = true;
  return o;
}

mailspec::case_result plaintext_login(const std::string& service, const fake::script& s) {
  fake::fake_server server(s);
  auto o = local_options(service, server.port());
  asio::io_context io;
  std::optional<mailspec::session::record> rec;
  asio::co_spawn(io, audit::detail::probe_plaintext_login(o, o.ports.front()),
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

// Cyrus IMAP 3.6 with `allowplaintext: no`, port 143 before STARTTLS.
const std::string cyrus_greeting =
    "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS LOGINDISABLED AUTH=PLAIN AUTH=LOGIN SASL-IR] "
    "imap.cyrus.interop.test Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready\r\n";
const std::string cyrus_caps =
    "* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS LOGINDISABLED AUTH=PLAIN AUTH=LOGIN SASL-IR\r\n"
    "M1 OK Completed\r\n";

}  // namespace

TEST_CASE("regression: audit: IMAP NO to LOGIN under LOGINDISABLED is a refusal (Cyrus: \"Login only available under a layer\")") {
  auto c = plaintext_login("imap", {fake::send(cyrus_greeting), fake::expect_line("M1 CAPABILITY"), fake::send(cyrus_caps),
                                    fake::expect_line("M2 LOGIN *"),
                                    fake::send("M2 NO Login only available under a layer\r\n"), fake::drain(2000)});
  auto f = find(c, "audit/plaintext-login/imap");
  REQUIRE(f);
  INFO(f->actual << " " << f->message);
  CHECK(f->result == verdict::pass);
}

TEST_CASE("audit: IMAP NO [AUTHENTICATIONFAILED] is an evaluation even under LOGINDISABLED") {
  auto c = plaintext_login("imap", {fake::send(cyrus_greeting), fake::expect_line("M1 CAPABILITY"), fake::send(cyrus_caps),
                                    fake::expect_line("M2 LOGIN *"),
                                    fake::send("M2 NO [AUTHENTICATIONFAILED] Authentication failed\r\n"),
                                    fake::drain(2000)});
  auto f = find(c, "audit/plaintext-login/imap");
  REQUIRE(f);
  CHECK(f->result == verdict::fail);
}

TEST_CASE("audit: the banners of the interop servers name their software") {
  CHECK(audit::guess_software("220 mx.interop.test Python SMTP 1.4.3") == "aiosmtpd");
  CHECK(audit::guess_software("220 mx.exim.interop.test ESMTP Exim 4.96 Tue, 01 Dec 2026 20:40:02 +0000") == "Exim");
  CHECK(audit::guess_software("220 mx.opensmtpd.interop.test ESMTP OpenSMTPD") == "OpenSMTPD");
  CHECK(audit::guess_software("+OK imap.cyrus.interop.test Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5 server ready") ==
        "Cyrus IMAP");
  CHECK(audit::guess_software("* OK [CAPABILITY IMAP4rev1 UIDPLUS] Courier-IMAP ready. Copyright 1998-2019 Double "
                              "Precision, Inc.") == "Courier");
}
