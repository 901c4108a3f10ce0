// `mailspec audit` against misbehaving peers and configurations the lab
// does not have. Each test failed before its fix (see harness/audit/README.md, "Verdicts").
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "audit/audit.hpp"
#include "audit/probes.hpp"
#include "session/record.hpp"

#include <optional>
#include "fake_server.hpp"
#include "test_ca.hpp"
#include "unit-audit-common.hpp"

using audit_test::find;
using audit_test::local_options;
using audit_test::many;

namespace {

namespace fake = mailspec::fake;
namespace audit = mailspec::audit;
using mailspec::verdict;

std::vector<std::string> ids(const mailspec::run_report& r) {
  std::vector<std::string> out;
  for (const auto& c : r.cases) out.push_back(c.scenario_id);
  return out;
}

bool any_fail(const mailspec::run_report& r) {
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      if (f.result == verdict::fail) return true;
  return false;
}

}  // namespace

// Exim over its connection limit writes "421 ..." in plaintext on its implicit-TLS port: that is
// throttling (an error that shows the 421), not a port without TLS, and no version probe fails.
TEST_CASE("regression: a plaintext 421 on an implicit-TLS port is throttling, shown, never a fail") {
  fake::fake_server server({fake::send("421 4.3.2 Too many concurrent SMTP connections; please try again later\r\n"),
                            fake::sleep_ms(200), fake::close()},
                           many());
  auto r = audit::run(local_options("submissions=" + std::to_string(server.port())));
  CHECK_FALSE(any_fail(r));
  REQUIRE(r.cases.size() == 1);  // no tls-versions / tls-ciphers case on a port that speaks no TLS
  const auto& c = r.cases.front();
  CHECK(c.result == verdict::error);
  auto f = find(c, "audit/throttled");
  REQUIRE(f);
  CHECK(f->actual.find("421 4.3.2 Too many concurrent SMTP connections") != std::string::npos);
  REQUIRE_FALSE(c.tls.empty());
  CHECK(c.tls.front().handshake_error.find("421 4.3.2") != std::string::npos);
}

TEST_CASE("regression: an implicit-TLS port that greets in plaintext fails implicit-tls/works with the greeting") {
  fake::fake_server server({fake::send("* OK [CAPABILITY IMAP4rev1] plaintext IMAP on the imaps port\r\n"),
                            fake::sleep_ms(200), fake::close()},
                           many());
  auto r = audit::run(local_options("imaps=" + std::to_string(server.port())));
  CHECK(ids(r) == std::vector<std::string>{"audit/imaps:" + std::to_string(server.port()) + "/tls"});
  const auto& c = r.cases.front();
  auto f = find(c, "audit/implicit-tls/works");
  REQUIRE(f);
  CHECK(f->result == verdict::fail);
  CHECK(f->actual.find("* OK [CAPABILITY IMAP4rev1] plaintext IMAP on the imaps port") != std::string::npos);
  CHECK_FALSE(find(c, "tls/version/modern-supported"));
}

TEST_CASE("regression: an implicit-TLS port that never answers the handshake is an error, not a fail") {
  fake::fake_server server({fake::sleep_ms(3000), fake::close()}, many());
  auto o = local_options("pop3s=" + std::to_string(server.port()));
  o.connection.timeout_ms = 300;
  auto r = audit::run(o);
  CHECK_FALSE(any_fail(r));
  REQUIRE(r.cases.size() == 1);
  CHECK(r.cases.front().result == verdict::error);
  auto f = find(r.cases.front(), "audit/reachable");
  REQUIRE(f);
  CHECK(f->actual.find("no answer to the TLS handshake") != std::string::npos);
}

TEST_CASE("regression: TLS versions that got no answer are unknown, not refused") {
  mailspec::session::record rec;
  rec.result.protocol = "imap";
  rec.result.target.service = "imaps";
  using mailspec::handshake_outcome;
  auto& facts = rec.result.probe.emplace();
  facts.family = mailspec::probe_family::tls_versions;
  facts.versions = {{"TLSv1", {handshake_outcome::refused, "handshake: unsupported protocol"}},
                    {"TLSv1.1", {handshake_outcome::refused, "handshake: unsupported protocol"}},
                    {"TLSv1.2", {handshake_outcome::no_answer, "handshake: deadline expired"}},
                    {"TLSv1.3", {handshake_outcome::no_answer, "handshake: deadline expired"}}};
  auto found = mailspec::rules::judge(rec, audit::catalogue());
  const mailspec::finding* modern = nullptr;
  for (const auto& f : found)
    if (f.rule == "tls/version/modern-supported") modern = &f;
  REQUIRE(modern);
  CHECK(modern->result == verdict::error);
  // Both refused by an answer: the real finding stays a fail.
  facts.versions["TLSv1.2"] = {handshake_outcome::refused, "handshake: tlsv1 alert protocol version"};
  facts.versions["TLSv1.3"] = {handshake_outcome::refused, "handshake: tlsv1 alert protocol version"};
  bool failed = false;
  for (const auto& f : mailspec::rules::judge(rec, audit::catalogue()))
    if (f.rule == "tls/version/modern-supported") failed = f.result == verdict::fail;
  CHECK(failed);
}

TEST_CASE("regression: audit findings show server text escaped once (a backslash stays one backslash)") {
  fake::fake_server server({fake::send("220 mail\\relay ESMTP\r\n"), fake::read_line(), fake::send("250 mail\r\n"),
                            fake::read_line(), fake::send("502 no\r\n"), fake::read_line(), fake::close()},
                           many());
  auto o = local_options("submission=" + std::to_string(server.port()));
  auto c = audit::probe_port(o, o.ports.front());
  auto f = find(c, "audit/banner");
  REQUIRE(f);
  CHECK(f->actual == "220 mail\\\\relay ESMTP");  // visible(): one backslash shown as two, once
}

namespace {

// Runs the built binary (argv joined by the shell; arguments here need no quoting); exit code.
int mailspec_cli(const std::string& args) {
  std::string cmd = std::string(MAILSPEC_BINARY_DIR) + "/mailspec " + args + " >/dev/null 2>&1";
  int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = "/tmp/mailspec-unit-" + std::to_string(::getpid()) + "-" + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

}  // namespace

// A --ca-file that holds no certificate, or a client key that does not match its certificate,
// used to fail every TLS port of the audited server ("handshake failed: tls options: ...").
TEST_CASE("regression: unusable --ca-file, client key or --bind is a usage error (64) before any connection") {
  fake::fake_server server({fake::send("* OK\r\n"), fake::close()}, many());
  const std::string ports = "--ports imaps=" + std::to_string(server.port()) + " --timeout-ms 500 --format json";
  const std::string out = "/tmp/mailspec-unit-" + std::to_string(::getpid()) + "-out";
  const std::string dir = " --report-dir " + out;
  const std::string not_pem = temp_file("not-a-ca.pem", "this is not a certificate\n");
  const auto& ca = fake::test_ca();
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --ca-file " + not_pem) == 64);
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --ca-file " + ca.ca_cert + " --client-cert " +
                     ca.cert("valid") + " --client-key " + ca.key("expired")) == 64);
  CHECK(mailspec_cli("settings lab.test --resolver 127.0.0.1:9" + dir + " --client-cert " + ca.cert("valid")) == 64);
  CHECK(mailspec_cli("settings lab.test --resolver 127.0.0.1:9" + dir + " --ca-file " + not_pem) == 64);
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --bind notanip") == 64);  // was: every probe "unreachable"
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --bind 999.1.1.1") == 64);
  CHECK(mailspec_cli("settings lab.test --resolver 127.0.0.1:9" + dir + " --bind mail.example.net") == 64);
  // --helo with a CR LF put a second command on the wire (the STARTTLS reply was then misread: a false fail).
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --helo 'x VRFY'") == 64);
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --helo \"$(printf 'x\\r\\nVRFY alice')\"") == 64);
  // HOST:PORT, a URL or a stray space was a failed DNS lookup per port (to the system resolver).
  CHECK(mailspec_cli("audit 127.0.0.1:" + std::to_string(server.port()) + " --timeout-ms 300" + dir) == 64);
  CHECK(mailspec_cli("audit imap://127.0.0.1 --timeout-ms 300" + dir) == 64);
  CHECK(mailspec_cli("audit ' 127.0.0.1' --timeout-ms 300" + dir) == 64);
  // An unwritable --report-dir was found only after the whole audit had run.
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + " --report-dir /proc/mailspec-no/such") == 64);
  CHECK(mailspec_cli("settings lab.test --resolver 127.0.0.1:9 --report-dir /proc/mailspec-no/such") == 64);
  // An empty --resolver meant the system resolver (queries leaving the machine): refused.
  CHECK(mailspec_cli("settings lab.test --resolver ''" + dir) == 64);
  CHECK(mailspec_cli("settings lab.test --resolver 127.0.0.1:9 --preset ''" + dir) == 64);
  CHECK(server.accepted() == 0);
  // The same files, usable: the audit runs (and reaches the server).
  CHECK(mailspec_cli("audit 127.0.0.1 " + ports + dir + " --ca-file " + ca.ca_cert + " --client-cert " +
                     ca.cert("valid") + " --client-key " + ca.key("valid")) != 64);
  CHECK(server.accepted() > 0);
  std::remove(not_pem.c_str());
  std::system(("rm -rf " + out).c_str());
}

// `--only tls/cert` still ran every probe (the canary login included) and `--only typo` gave an
// audit of passes that checked nothing, exit 0.
TEST_CASE("regression: --only prunes the probes it does not need and rejects prefixes no rule has") {
  CHECK(audit::book().unknown_prefixes({"tls/cert", "audit/plaintext-login", "smtp/"}).empty());
  CHECK(audit::book().unknown_prefixes({"tls/crt", "tls/cert"}) == std::vector<std::string>{"tls/crt"});
  fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::read_line(),
                            fake::send("250-fake\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n"), fake::read_line(),
                            fake::send("535 5.7.8 no\r\n"), fake::read_line(), fake::close()},
                           many());
  auto o = local_options("submission=" + std::to_string(server.port()));
  o.only = {"tls/cert"};
  auto r = audit::run(o);
  CHECK(server.received().find("mailspec-canary-") == std::string::npos);
  for (const auto& c : r.cases) {
    CHECK(c.scenario_id.find("/plaintext-login") == std::string::npos);
    CHECK(c.scenario_id.find("/tls-versions") == std::string::npos);
    for (const auto& f : c.findings) CHECK(f.rule.rfind("tls/cert", 0) == 0);
    // Nothing selected applied (the STARTTLS here is refused): skipped, not passed.
    if (c.findings.empty()) CHECK(c.result == verdict::skip);
  }
  CHECK(mailspec_cli("audit 127.0.0.1 --ports imap=" + std::to_string(server.port()) + " --only tls/crt") == 64);
}

TEST_CASE("regression: SMTP 554 at the greeting is a refusal (error), not a port without SMTP") {
  fake::fake_server server({fake::send("554 5.7.1 mx.example: your address is listed\r\n"), fake::read_line(),
                            fake::close()},
                           many());
  auto r = audit::run(local_options("submission=" + std::to_string(server.port())));
  REQUIRE(r.cases.size() == 1);
  CHECK(r.cases.front().result == verdict::error);
  CHECK_FALSE(any_fail(r));
  auto f = find(r.cases.front(), "audit/throttled");
  REQUIRE(f);
  CHECK(f->actual.find("554 5.7.1") != std::string::npos);
}

TEST_CASE("regression: a port that speaks another protocol has one fail, not the grammar rules' echoes") {
  fake::fake_server server({fake::send("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), fake::sleep_ms(300), fake::close()}, many());
  auto o = local_options("smtp=" + std::to_string(server.port()));
  auto c = audit::probe_port(o, o.ports.front());
  std::vector<std::string> failed;
  for (const auto& f : c.findings)
    if (f.result == verdict::fail) failed.push_back(f.rule);
  CHECK(failed == std::vector<std::string>{"audit/protocol/greeting"});
}

TEST_CASE("regression: a STARTTLS port that accepts and stays silent says so") {
  fake::fake_server server({fake::sleep_ms(2000), fake::close()}, many());
  auto o = local_options("imap=" + std::to_string(server.port()));
  o.connection.timeout_ms = 300;
  auto c = audit::probe_port(o, o.ports.front());
  CHECK(c.result == verdict::error);
  REQUIRE(c.probe);
  REQUIRE(c.probe->unreachable);
  CHECK(c.probe->unreachable->find("accepted the connection and sent nothing") != std::string::npos);
}

// IMAP without LOGINDISABLED whose LOGIN is refused with a plain NO asking for TLS, and POP3 that
// takes USER and refuses PASS asking for TLS, were "evaluated" (fail, high).
TEST_CASE("regression: a refusal that asks for TLS is a refusal even without LOGINDISABLED") {
  SECTION("IMAP NO asking for STARTTLS") {
    fake::fake_server server({fake::send("* OK IMAP ready\r\n"), fake::read_line(),
                              fake::send("* CAPABILITY IMAP4rev1 STARTTLS\r\nM1 OK done\r\n"), fake::read_line(),
                              fake::send("M2 NO Plaintext logins are not allowed here, use STARTTLS first\r\n"),
                              fake::drain(300)});
    auto o = local_options("imap=" + std::to_string(server.port()));
    {
      boost::asio::io_context io;
      std::optional<mailspec::session::record> rec;
      boost::asio::co_spawn(io, audit::detail::probe_plaintext_login(o, o.ports.front()),
                            [&](std::exception_ptr e, mailspec::session::record r) {
                              if (e) std::rethrow_exception(e);
                              rec = std::move(r);
                            });
      io.run();
      REQUIRE(rec);
      auto c = audit::detail::judge_case(std::move(*rec), o);
      auto f = find(c, "audit/plaintext-login/imap");
      REQUIRE(f);
      CHECK(f->result == verdict::pass);
      auto adv = find(c, "tls/starttls/required-before-auth");  // LOGIN still offered: the SHOULD stands
      REQUIRE(adv);
      CHECK(adv->result == verdict::warn);
    }
  }
  SECTION("IMAP NO [AUTHENTICATIONFAILED] stays an evaluation") {
    fake::fake_server server({fake::send("* OK IMAP ready\r\n"), fake::read_line(),
                              fake::send("* CAPABILITY IMAP4rev1 STARTTLS\r\nM1 OK done\r\n"), fake::read_line(),
                              fake::send("M2 NO [AUTHENTICATIONFAILED] Authentication failed (use TLS next time)\r\n"),
                              fake::drain(300)});
    auto o = local_options("imap=" + std::to_string(server.port()));
    boost::asio::io_context io;
    std::optional<mailspec::session::record> rec;
    boost::asio::co_spawn(io, audit::detail::probe_plaintext_login(o, o.ports.front()),
                          [&](std::exception_ptr e, mailspec::session::record r) {
                            if (e) std::rethrow_exception(e);
                            rec = std::move(r);
                          });
    io.run();
    REQUIRE(rec);
    auto c = audit::detail::judge_case(std::move(*rec), o);
    auto f = find(c, "audit/plaintext-login/imap");
    REQUIRE(f);
    CHECK(f->result == verdict::fail);
  }
  SECTION("POP3 -ERR to PASS asking for TLS") {
    fake::fake_server server({fake::send("+OK POP3 ready\r\n"), fake::read_line(), fake::send("+OK\r\nUSER\r\nSTLS\r\n.\r\n"),
                              fake::read_line(), fake::send("+OK send PASS\r\n"), fake::read_line(),
                              fake::send("-ERR TLS required to log in.\r\n"), fake::drain(300)});
    auto o = local_options("pop3=" + std::to_string(server.port()));
    boost::asio::io_context io;
    std::optional<mailspec::session::record> rec;
    boost::asio::co_spawn(io, audit::detail::probe_plaintext_login(o, o.ports.front()),
                          [&](std::exception_ptr e, mailspec::session::record r) {
                            if (e) std::rethrow_exception(e);
                            rec = std::move(r);
                          });
    io.run();
    REQUIRE(rec);
    auto c = audit::detail::judge_case(std::move(*rec), o);
    auto f = find(c, "audit/plaintext-login/pop3");
    REQUIRE(f);
    CHECK(f->result == verdict::pass);
  }
}

TEST_CASE("regression: a STARTTLS go-ahead followed by silence is one error, not four version timeouts") {
  fake::fake_server server({fake::send("* OK IMAP ready\r\n"), fake::read_line(),
                            fake::send("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nM1 OK done\r\n"), fake::read_line(),
                            fake::send("M2 OK begin TLS\r\n"), fake::sleep_ms(2000), fake::close()},
                           many());
  auto o = local_options("imap=" + std::to_string(server.port()));
  o.connection.timeout_ms = 300;
  o.only = {"tls/version", "tls/cipher", "audit/reachable", "audit/starttls/works"};  // no login probe: the script is one reply long
  auto r = audit::run(o);
  CHECK_FALSE(any_fail(r));
  bool main_error = false;
  for (const auto& c : r.cases) {
    CHECK(c.scenario_id.find("/tls-versions") == std::string::npos);
    CHECK(c.scenario_id.find("/tls-ciphers") == std::string::npos);
    if (c.scenario_id.find("/starttls") != std::string::npos) main_error = c.result == verdict::error;
  }
  CHECK(main_error);
}
