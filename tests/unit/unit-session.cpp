// Session end to end against the scriptable fake server (tests/fake): every step kind, the
// deadline, STARTTLS evidence, secrets never sent in plaintext nor shown.
#include <catch2/catch.hpp>

#include <algorithm>
#include <future>

#include "fake_server.hpp"
#include "scenario/loader.hpp"
#include "core/secret.hpp"
#include "session/session.hpp"
#include "test_ca.hpp"
#include "unit-session-common.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

namespace {

const char* canary = "Canary-Pw-7f3a9c";

scenario::scenario load(const std::string& json) {
  scenario::load_options lo;
  lo.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "T_USER") return std::string("alice@lab.test");
    if (name == "T_PASS") return std::string(canary);
    return std::nullopt;
  };
  auto r = scenario::load_text("test.json", json, lo);
  for (const auto& e : r.errors) FAIL(e.format());
  REQUIRE(r.scenarios.size() == 1);
  return r.scenarios.front();
}

scenario::resolved_vars vars_of(const scenario::scenario& sc) {
  scenario::load_options lo;
  lo.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "T_USER") return std::string("alice@lab.test");
    if (name == "T_PASS") return std::string(canary);
    return std::nullopt;
  };
  return scenario::resolve_vars(sc, lo);
}

session::record run(const scenario::scenario& sc, int port, session::options opt = {}) {
  return session_test::run_at(sc, vars_of(sc), port, std::move(opt));
}

std::string all_text(const session::record& rec) { return session_test::record_text(rec); }

const char* smtp_submission = R"({
  "format": 1, "id": "t/smtp", "title": "t", "protocol": "smtp",
  "connection": {"port": 587, "tls": "starttls"},
  "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true}},
  "steps": [
    {"id": "greeting", "expect": {"code": 220}},
    {"id": "ehlo", "send": "EHLO client.test", "expect": {"code": 250, "save_capabilities": true}},
    {"id": "stls", "send": "STARTTLS", "expect": {"code": 220}},
    {"id": "tls", "starttls": {"verify": "hostname"}},
    {"id": "ehlo2", "send": "EHLO client.test", "expect": {"code": 250, "save_capabilities": true}},
    {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}"}},
    {"id": "quit", "send": "QUIT", "expect": {"code": 221}},
    {"id": "end", "expect_close": {"timeout_ms": 2000}}
  ]})";

f::script smtp_server_script() {
  return {f::send("220 fake ESMTP\r\n"), f::expect_line("EHLO *"),
          f::send("250-fake\r\n250-PIPELINING\r\n250 STARTTLS\r\n"), f::expect_line("STARTTLS"),
          f::send("220 2.0.0 go ahead\r\n"), f::starttls(), f::expect_line("EHLO *"),
          f::send("250-fake\r\n250 AUTH PLAIN LOGIN\r\n"), f::expect_line("AUTH PLAIN *"),
          f::send("235 2.7.0 ok\r\n"), f::expect_line("QUIT"), f::send("221 2.0.0 bye\r\n"), f::close()};
}

}  // namespace

TEST_CASE("SMTP submission with STARTTLS and AUTH PLAIN passes, the password never shows") {
  f::fake_server srv(smtp_server_script());
  auto rec = run(load(smtp_submission), srv.port());
  INFO(all_text(rec));
  CHECK(rec.result.result == verdict::pass);
  REQUIRE(rec.result.steps.size() == 8);
  for (const auto& s : rec.result.steps) CHECK(s.result == verdict::pass);
  REQUIRE(rec.result.tls.size() == 1);
  CHECK(rec.result.tls[0].handshake_ok);
  CHECK(rec.result.tls[0].chain_ok);
  CHECK(rec.result.tls[0].hostname_ok);
  CHECK(rec.result.capabilities_before_tls == std::vector<std::string>{"PIPELINING", "STARTTLS"});
  CHECK(std::find(rec.result.capabilities_after_tls.begin(), rec.result.capabilities_after_tls.end(),
                  "AUTH=PLAIN") != rec.result.capabilities_after_tls.end());
  CHECK(srv.wait_done(std::chrono::seconds(5)));
  CHECK(srv.mismatches().empty());
  // The secret went only over TLS, and is redacted (base64 form included) everywhere we keep text.
  CHECK(srv.received_plain().find("AUTH") == std::string::npos);
  std::string text = all_text(rec);
  CHECK(text.find(canary) == std::string::npos);
  CHECK(text.find("secret:") != std::string::npos);
  CHECK(text.find(base64_encode(std::string("\0alice@lab.test\0", 16) + canary)) == std::string::npos);
  // Exchanges carry parsed replies for the rules.
  REQUIRE(rec.exchanges.size() >= 6);
  CHECK(rec.exchanges[0].greeting);
  CHECK(rec.exchanges[1].verb == "EHLO");
  CHECK(rec.exchanges[1].smtp.at(0).code == 250);
}

TEST_CASE("an unmet expectation fails the step with expected and actual, and stops the case") {
  f::fake_server srv({f::send("220 fake\r\n"), f::expect_line("EHLO *"), f::send("550 go away\r\n"), f::drain(2000)});
  auto sc = load(R"({"format": 1, "id": "t/x", "title": "t", "protocol": "smtp", "connection": {"port": 25},
    "steps": [{"expect": {"code": 220}}, {"id": "ehlo", "send": "EHLO a.test", "expect": {"code": 250}},
              {"id": "quit", "send": "QUIT", "expect": {"code": 221}}]})");
  auto rec = run(sc, srv.port());
  CHECK(rec.result.result == verdict::fail);
  REQUIRE(rec.result.steps.size() == 2);
  CHECK(rec.result.steps[1].result == verdict::fail);
  CHECK(rec.result.steps[1].expected.find("250") != std::string::npos);
  CHECK(rec.result.steps[1].actual.find("550 go away") != std::string::npos);
}

TEST_CASE("a secret on a plaintext connection is refused before connecting") {
  f::fake_server srv({f::send("220 fake\r\n"), f::drain(500)});
  auto sc = load(R"({"format": 1, "id": "t/p", "title": "t", "protocol": "smtp", "connection": {"port": 25},
    "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true}},
    "steps": [{"expect": {"code": 220}}, {"send": "EHLO a.test"},
              {"auth": {"mechanism": "LOGIN", "user": "${var.user}", "pass": "${var.pass}"}}]})");
  auto rec = run(sc, srv.port());
  CHECK(rec.result.result == verdict::error);
  CHECK(rec.result.message.find("plaintext") != std::string::npos);
  CHECK(srv.accepted() == 0);
  CHECK(all_text(rec).find(canary) == std::string::npos);
}

TEST_CASE("allow_plaintext_secrets alone is not enough, with --insecure the secret may go in plaintext") {
  const char* json = R"({"format": 1, "id": "t/p2", "title": "t", "protocol": "pop3", "connection": {"port": 110},
    "allow_plaintext_secrets": true,
    "vars": {"pass": {"env": "T_PASS", "secret": true}},
    "steps": [{"expect": {"status": "+OK"}}, {"send": "USER bob", "expect": {"status": "+OK"}},
              {"send": "PASS ${var.pass}", "expect": {"status": "+OK"}}]})";
  {
    f::fake_server srv({f::send("+OK hi\r\n"), f::drain(500)});
    auto rec = run(load(json), srv.port());
    CHECK(rec.result.result == verdict::error);
    CHECK(srv.accepted() == 0);
  }
  {
    f::fake_server srv({f::send("+OK hi\r\n"), f::expect_line("USER bob"), f::send("+OK\r\n"),
                        f::expect_line("PASS *"), f::send("+OK logged in\r\n"), f::drain(500)});
    session::options opt;
    opt.connection.insecure = true;
    auto rec = run(load(json), srv.port(), opt);
    CHECK(rec.result.result == verdict::pass);
    CHECK(srv.received().find(canary) != std::string::npos);  // it really went, as asked
    CHECK(all_text(rec).find(canary) == std::string::npos);   // and is still never shown
  }
}

TEST_CASE("regression: a server that echoes the password back does not put it in a step's message") {
  // The step message ("expected +OK, got -ERR ...") quotes the reply; it leaked the password.
  const std::string echo = std::string("-ERR password ") + canary + " is wrong\r\n";
  f::fake_server srv({f::send("+OK hi\r\n"), f::expect_line("USER bob"), f::send("+OK\r\n"),
                      f::expect_line("PASS *"), f::send(echo), f::drain(500)});
  auto sc = load(R"({"format": 1, "id": "t/echo", "title": "t", "protocol": "pop3", "connection": {"port": 110},
    "allow_plaintext_secrets": true,
    "vars": {"pass": {"env": "T_PASS", "secret": true}},
    "steps": [{"expect": {"status": "+OK"}}, {"send": "USER bob", "expect": {"status": "+OK"}},
              {"send": "PASS ${var.pass}", "expect": {"status": "+OK"}}]})");
  session::options opt;
  opt.connection.insecure = true;
  auto rec = run(sc, srv.port(), opt);
  CHECK(rec.result.result == verdict::fail);
  REQUIRE(rec.result.steps.size() == 3);
  CHECK(rec.result.steps[2].message.find("-ERR password") != std::string::npos);
  CHECK(all_text(rec).find(canary) == std::string::npos);
  CHECK(rec.result.message.find(canary) == std::string::npos);
  // What the runner derives later (rule findings) is redacted with the record's registry.
  CHECK(rec.secrets.contains_secret(echo));
  finding f;
  f.actual = echo;
  rec.result.findings.push_back(f);
  session::redact_case(rec.result, rec.secrets);
  CHECK(rec.result.findings.back().actual.find(canary) == std::string::npos);
}

TEST_CASE("regression: a variable used as an auth password is secret in every step, from the first") {
  // "The pass of an auth step is always a secret": it was registered only when the auth step ran,
  // so an earlier step with the same variable showed it, and could send it in plaintext.
  const char* json = R"({"format": 1, "id": "t/authvar", "title": "t", "protocol": "pop3",
    "connection": {"port": 995, "tls": "%s"},
    "vars": {"pw": {"env": "T_PASS"}},
    "steps": [{"expect": {"status": "+OK"}}, {"send": "NOOP ${var.pw}", "expect": {"status": "+OK"}},
              {"auth": {"mechanism": "PLAIN", "user": "bob", "pass": "${var.pw}"}}]})";
  char buf[1024];
  std::snprintf(buf, sizeof buf, json, "implicit");
  auto sc = load(buf);
  CHECK(vars_of(sc).secret.at("pw"));
  f::server_options so;
  so.implicit_tls = true;
  f::fake_server srv({f::send("+OK hi\r\n"), f::read_line(), f::send("+OK\r\n"), f::read_line(), f::send("+ \r\n"),
                      f::read_line(), f::send("+OK\r\n"), f::drain(500)},
                     so);
  auto rec = run(sc, srv.port());
  CHECK(rec.result.result == verdict::pass);
  CHECK(srv.received().find(canary) != std::string::npos);
  CHECK(all_text(rec).find(canary) == std::string::npos);
  // Over plaintext the NOOP step is refused before connecting, like any secret.
  std::snprintf(buf, sizeof buf, json, "none");
  f::fake_server plain({f::send("+OK hi\r\n"), f::drain(500)});
  auto rec2 = run(load(buf), plain.port());
  CHECK(rec2.result.result == verdict::error);
  CHECK(plain.accepted() == 0);
}

TEST_CASE("a silent server hits the step deadline: error, not fail, within the deadline") {
  f::fake_server srv({f::sleep_ms(3000)});
  auto sc = load(R"({"format": 1, "id": "t/s", "title": "t", "protocol": "imap", "connection": {"port": 143},
    "steps": [{"expect": {"untagged": ["* OK*"]}, "timeout_ms": 300}]})");
  auto t0 = std::chrono::steady_clock::now();
  auto rec = run(sc, srv.port());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  CHECK(rec.result.result == verdict::error);
  CHECK(ms < 2000);
}

TEST_CASE("a closed port is an error that names the connect") {
  int port = 0;
  {
    f::fake_server srv({f::close()});
    port = srv.port();
  }
  auto sc = load(R"({"format": 1, "id": "t/c", "title": "t", "protocol": "pop3", "connection": {"port": 110},
    "steps": [{"expect": {"status": "+OK"}}]})");
  auto rec = run(sc, port);
  CHECK(rec.result.result == verdict::error);
  CHECK(rec.result.message.find("connect") != std::string::npos);
}

TEST_CASE("IMAP: tags, untagged matching, literals, continuation steps and captures") {
  std::string body = "Subject: hi\r\n\r\nbody\r\n";
  f::fake_server srv({f::send("* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n"),
                      f::expect_line("A001 SELECT INBOX"),
                      f::send("* 1 EXISTS\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 42] ok\r\nA001 OK [READ-WRITE] done\r\n"),
                      f::expect_line("A002 FETCH 1 BODY[]"),
                      f::send("* 1 FETCH (BODY[] {" + std::to_string(body.size()) + "}\r\n" + body + ")\r\nA002 OK done\r\n"),
                      f::expect_line("A003 IDLE"), f::send("+ idling\r\n"), f::expect_line("DONE"),
                      f::send("A003 OK idle done\r\n"), f::expect_line("A004 LOGOUT"),
                      f::send("* BYE bye\r\nA004 OK bye\r\n"), f::close()});
  auto sc = load(R"({"format": 1, "id": "t/i", "title": "t", "protocol": "imap", "connection": {"port": 143},
    "requires": {"capabilities": ["IDLE"]},
    "steps": [{"expect": {"untagged": ["* OK*"], "save_capabilities": true}},
              {"send": "${tag} SELECT INBOX", "expect": {"status": "OK", "untagged": [{"regex": "\\* OK \\[UIDVALIDITY (?<uv>[0-9]+)\\].*"}, "* * EXISTS"]}},
              {"send": "${tag} FETCH 1 BODY[]", "expect": {"status": "OK", "untagged": ["* 1 FETCH*"]}},
              {"send": "${tag} IDLE", "expect": {"untagged": ["+*"]}},
              {"send": "DONE", "expect": {"status": "OK"}},
              {"send": "${tag} LOGOUT", "expect": {"status": "OK", "untagged": ["* BYE*"]}},
              {"expect_close": {"timeout_ms": 2000}}]})");
  auto rec = run(sc, srv.port());
  INFO(all_text(rec));
  CHECK(rec.result.result == verdict::pass);
  CHECK(srv.mismatches().empty());
  REQUIRE(rec.exchanges.size() >= 3);
  CHECK(rec.exchanges[2].imap.front().literals.at(0) == body);
}

TEST_CASE("a missing required capability ends the case as skip") {
  f::fake_server srv({f::send("* OK [CAPABILITY IMAP4rev1] ready\r\n"), f::drain(1000)});
  auto sc = load(R"({"format": 1, "id": "t/k", "title": "t", "protocol": "imap", "connection": {"port": 143},
    "requires": {"capabilities": ["IDLE"]},
    "steps": [{"expect": {"untagged": ["* OK*"], "save_capabilities": true}}, {"send": "${tag} IDLE"}]})");
  auto rec = run(sc, srv.port());
  CHECK(rec.result.result == verdict::skip);
  CHECK(rec.result.message.find("IDLE") != std::string::npos);
  CHECK(srv.received().empty());
}

// OpenSMTPD 6.8 on a listener without `tls`: no STARTTLS keyword, and "503 5.5.1 Invalid
// command: Command not supported" to STARTTLS. The case must skip before asking, not fail.
TEST_CASE("regression: a required STARTTLS missing from the EHLO reply skips before STARTTLS is sent") {
  f::fake_server srv({f::send("220 mx.opensmtpd.interop.test ESMTP OpenSMTPD\r\n"), f::expect_line("EHLO *"),
                      f::send("250-mx.opensmtpd.interop.test Hello mailspec.invalid [127.0.0.1], pleased to meet "
                              "you\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 36700160\r\n250-DSN\r\n"
                              "250 HELP\r\n"),
                      f::expect_line("QUIT"), f::send("221 2.0.0 Bye\r\n"), f::close()});
  auto sc = load(R"({"format": 1, "id": "t/stls", "title": "t", "protocol": "smtp",
    "connection": {"port": 25, "tls": "starttls"}, "requires": {"capabilities": ["STARTTLS"]},
    "steps": [{"expect": {"code": 220}},
              {"send": "EHLO a.test", "expect": {"code": 250, "save_capabilities": true}},
              {"send": "STARTTLS", "expect": {"code": 220}},
              {"starttls": {"verify": "hostname"}},
              {"send": "EHLO a.test", "expect": {"code": 250, "save_capabilities": true}},
              {"send": "QUIT", "expect": {"code": 221}}]})");
  auto rec = run(sc, srv.port());
  INFO(all_text(rec));
  CHECK(rec.result.result == verdict::skip);
  CHECK(rec.result.message.find("STARTTLS") != std::string::npos);
  CHECK(rec.result.steps.size() == 2);
  CHECK(srv.received().find("STARTTLS") == std::string::npos);
}

TEST_CASE("regression: POP3 STLS and IMAP STARTTLS required but not advertised skip before the command") {
  {
    f::fake_server srv({f::send("+OK ready\r\n"), f::expect_line("CAPA"), f::send("+OK\r\nUSER\r\nUIDL\r\n.\r\n"),
                        f::drain(1000)});
    auto sc = load(R"({"format": 1, "id": "t/p", "title": "t", "protocol": "pop3",
      "connection": {"port": 110, "tls": "starttls"}, "requires": {"capabilities": ["STLS"]},
      "steps": [{"expect": {"status": "+OK"}}, {"send": "CAPA", "expect": {"multiline": true, "save_capabilities": true}},
                {"send": "STLS", "expect": {"status": "+OK"}}, {"starttls": {"verify": "hostname"}}]})");
    auto rec = run(sc, srv.port());
    CHECK(rec.result.result == verdict::skip);
    CHECK(srv.received().find("STLS") == std::string::npos);
  }
  {
    f::fake_server srv({f::send("* OK ready\r\n"), f::expect_line("A001 CAPABILITY"),
                        f::send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA001 OK done\r\n"), f::drain(1000)});
    auto sc = load(R"({"format": 1, "id": "t/i", "title": "t", "protocol": "imap",
      "connection": {"port": 143, "tls": "starttls"}, "requires": {"capabilities": ["STARTTLS"]},
      "steps": [{"expect": {"untagged": ["* OK*"]}},
                {"send": "${tag} CAPABILITY", "expect": {"status": "OK", "save_capabilities": true}},
                {"send": "${tag} STARTTLS", "expect": {"status": "OK"}}, {"starttls": {"verify": "hostname"}},
                {"send": "${tag} CAPABILITY", "expect": {"status": "OK", "save_capabilities": true}}]})");
    auto rec = run(sc, srv.port());
    CHECK(rec.result.result == verdict::skip);
    CHECK(srv.received().find("STARTTLS") == std::string::npos);
  }
}

TEST_CASE("POP3: a greeting with an APOP timestamp gives the capability APOP, without one the case skips") {
  const char* json = R"({"format": 1, "id": "t/apop", "title": "t", "protocol": "pop3",
    "connection": {"port": 110}, "requires": {"capabilities": ["APOP"]},
    "steps": [{"expect": {"status": "+OK", "save_capabilities": true}},
              {"send": "APOP nobody 00000000000000000000000000000000", "expect": {"status": "-ERR"}}]})";
  {
    f::fake_server srv({f::send("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
                        f::expect_line("APOP nobody 00000000000000000000000000000000"), f::send("-ERR no\r\n"),
                        f::drain(1000)});
    auto rec = run(load(json), srv.port());
    INFO(all_text(rec));
    CHECK(rec.result.result == verdict::pass);
    CHECK(std::count(rec.result.capabilities_before_tls.begin(), rec.result.capabilities_before_tls.end(), "APOP") == 1);
  }
  for (const char* greeting : {"+OK POP3 server ready\r\n", "+OK ready <no-at-sign>\r\n", "-ERR busy <1.2@x>\r\n"}) {
    f::fake_server srv({f::send(greeting), f::drain(1000)});
    auto rec = run(load(json), srv.port());
    INFO(greeting << all_text(rec));
    CHECK(rec.result.result != verdict::pass);
    CHECK(srv.received().find("APOP") == std::string::npos);
  }
}

TEST_CASE("POP3: multi-line bodies are read for LIST and by expectation, dot-unstuffed") {
  f::fake_server srv({f::send("+OK ready\r\n"), f::expect_line("LIST"),
                      f::send("+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"), f::expect_line("RETR 1"),
                      f::send("+OK\r\nline\r\n..dot\r\n.\r\n"), f::expect_line("QUIT"), f::send("+OK bye\r\n"),
                      f::close()});
  auto sc = load(R"({"format": 1, "id": "t/pop", "title": "t", "protocol": "pop3", "connection": {"port": 110},
    "steps": [{"expect": {"status": "+OK"}},
              {"send": "LIST", "expect": {"status": "+OK", "multiline": true, "lines": ["1 *", "2 *"]}},
              {"send": "RETR 1", "expect": {"status": "+OK", "lines": ["line", {"exact": ".dot"}]}},
              {"send": "QUIT", "expect": {"status": "+OK"}}]})");
  auto rec = run(sc, srv.port());
  INFO(all_text(rec));
  CHECK(rec.result.result == verdict::pass);
}

TEST_CASE("plaintext bytes buffered ahead of the STARTTLS handshake are recorded as evidence") {
  f::fake_server srv({f::send("220 fake\r\n"), f::expect_line("EHLO *"), f::send("250 STARTTLS\r\n"),
                      f::expect_line("STARTTLS"), f::send("220 go\r\n250 injected\r\n"), f::starttls(),
                      f::expect_line("EHLO *"), f::send("250 ok\r\n"), f::drain(1000)});
  auto sc = load(R"({"format": 1, "id": "t/e", "title": "t", "protocol": "smtp", "connection": {"port": 25, "tls": "starttls"},
    "steps": [{"expect": {"code": 220}}, {"send": "EHLO a.test"}, {"send": "STARTTLS", "expect": {"code": 220}},
              {"starttls": {"verify": "hostname"}}, {"send": "EHLO a.test", "expect": {"code": 250}}]})");
  auto rec = run(sc, srv.port());
  INFO(all_text(rec));
  REQUIRE(rec.result.tls.size() == 1);
  CHECK(rec.result.tls[0].plaintext_bytes_before_handshake == std::string("250 injected\r\n").size());
  CHECK(rec.result.tls[0].plaintext_before_handshake.find("injected") != std::string::npos);
}

TEST_CASE("a certificate that fails verification stops the case before any secret is sent") {
  tls_facts dummy;
  f::tls_server_options bad;
  bad.leaf = "wrong_host";
  f::fake_server srv({f::send("220 fake\r\n"), f::expect_line("EHLO *"), f::send("250 STARTTLS\r\n"),
                      f::expect_line("STARTTLS"), f::send("220 go\r\n"), f::starttls(bad), f::drain(1000)});
  auto rec = run(load(smtp_submission), srv.port());
  CHECK(rec.result.result == verdict::fail);
  REQUIRE(rec.result.tls.size() == 1);
  CHECK(rec.result.tls[0].handshake_ok);
  CHECK_FALSE(rec.result.tls[0].hostname_ok);
  CHECK(srv.received().find("AUTH") == std::string::npos);
}
