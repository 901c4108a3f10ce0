// The auth step's initial response in IMAP (SASL-IR, RFC 4959) and POP3 (RFC 5034 §4), APOP
// (RFC 1939 §7), the bdat step (RFC 3030) and expect_close's no_data, end to end against the fake
// server, and their load errors. The password and the APOP digest never show in what we keep.
#include <catch2/catch.hpp>

#include "core/secret.hpp"
#include "fake_server.hpp"
#include "protocol/pop3.hpp"
#include "protocol/sasl.hpp"
#include "scenario/loader.hpp"
#include "session/session.hpp"
#include "test_ca.hpp"
#include "unit-session-common.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

namespace {

const std::string ir_user = "alice@lab.test";
const std::string ir_pass = "tanstaaf";  // RFC 1939 §7's example secret

scenario::load_options ir_env() {
  scenario::load_options lo;
  lo.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "T_USER") return ir_user;
    if (name == "T_PASS") return ir_pass;
    return std::nullopt;
  };
  return lo;
}

scenario::load_result ir_load_text(const std::string& protocol, const std::string& steps, const std::string& tls,
                                   const std::string& extra = "") {
  const std::string json = R"({"format": 1, "id": "t/ir", "title": "t", "protocol": ")" + protocol +
                           R"(", "connection": {"port": 993, "tls": ")" + tls + R"("},)" + extra + R"(
    "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true}},
    "steps": [)" + steps + "]}";
  return scenario::load_text("t.json", json, ir_env());
}

scenario::scenario ir_load(const std::string& protocol, const std::string& steps, const std::string& tls = "implicit",
                           const std::string& extra = "") {
  auto r = ir_load_text(protocol, steps, tls, extra);
  for (const auto& e : r.errors) FAIL(e.format());
  REQUIRE(r.scenarios.size() == 1);
  return r.scenarios.front();
}

std::string ir_errors(const std::string& protocol, const std::string& steps, const std::string& tls = "implicit") {
  auto r = ir_load_text(protocol, steps, tls);
  std::string out;
  for (const auto& e : r.errors) out += e.format() + "\n";
  return out;
}

session::record ir_run(const scenario::scenario& sc, f::fake_server& srv) {
  auto rec = session_test::run_at(sc, scenario::resolve_vars(sc, ir_env()), srv.port());
  srv.wait_done(std::chrono::seconds(5));
  return rec;
}

std::string ir_text(const session::record& rec) { return session_test::record_text(rec); }

const step_result& ir_step(const session::record& rec, const std::string& id) {
  for (const auto& s : rec.result.steps)
    if (s.id == id) return s;
  FAIL("no step " << id);
  return rec.result.steps.front();
}

f::server_options ir_tls() {
  f::server_options o;
  o.implicit_tls = true;
  return o;
}

const std::string plain_b64 = protocol::base64_encode(protocol::sasl_plain("", ir_user, ir_pass));
const std::string apop_digest = "c4c9334bac560ecc979e58001b3e22fb";  // RFC 1939 §7's example
const char* apop_greeting = "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n";

}  // namespace

TEST_CASE("APOP digest: RFC 1939 §7's example, and the greeting's timestamp") {
  CHECK(protocol::pop3_apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf") == apop_digest);
  CHECK(protocol::pop3_apop_timestamp("POP3 server ready <1896.697170952@dbc.mtview.ca.us>") ==
        "<1896.697170952@dbc.mtview.ca.us>");
  CHECK(protocol::pop3_apop_timestamp("Dovecot ready. <4a2.1.65a8@host>") == "<4a2.1.65a8@host>");
  CHECK_FALSE(protocol::pop3_apop_timestamp("ready"));
  CHECK_FALSE(protocol::pop3_apop_timestamp("ready <no-at-sign>"));
  CHECK_FALSE(protocol::pop3_apop_timestamp("ready <unclosed@x"));
  CHECK_FALSE(protocol::pop3_apop_timestamp("ready <a> b@c>"));
}

TEST_CASE("IMAP SASL-IR: AUTHENTICATE PLAIN with the initial response inline, only when advertised") {
  const std::string steps = R"({"expect": {"untagged": ["* OK*"], "save_capabilities": true}},
    {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}", "initial_response": true}})";
  {
    f::fake_server srv({f::send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n"), f::read_line(),
                        f::send("A001 OK done\r\n"), f::drain(500)},
                       ir_tls());
    auto rec = ir_run(ir_load("imap", steps), srv);
    INFO(ir_text(rec));
    CHECK(rec.result.result == verdict::pass);
    CHECK(srv.received() == "A001 AUTHENTICATE PLAIN " + plain_b64 + "\r\n");
    CHECK(ir_step(rec, "auth").sent == "A001 AUTHENTICATE PLAIN \u2039secret:pass\u203a");
    CHECK(ir_text(rec).find(ir_pass) == std::string::npos);
    CHECK(ir_text(rec).find(plain_b64) == std::string::npos);
  }
  {
    f::fake_server srv({f::send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"), f::drain(500)}, ir_tls());
    auto rec = ir_run(ir_load("imap", steps), srv);
    INFO(ir_text(rec));
    CHECK(ir_step(rec, "auth").result == verdict::error);
    CHECK(ir_step(rec, "auth").message.find("SASL-IR") != std::string::npos);
    CHECK(srv.received().empty());
  }
  {
    // Without the field, IMAP still answers the empty challenge (the default is unchanged).
    f::fake_server srv({f::send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n"), f::read_line(),
                        f::send("+ \r\n"), f::read_line(), f::send("A001 OK done\r\n"), f::drain(500)},
                       ir_tls());
    auto rec = ir_run(ir_load("imap", R"({"expect": {"untagged": ["* OK*"]}},
      {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}"}})"), srv);
    CHECK(rec.result.result == verdict::pass);
    CHECK(srv.received() == "A001 AUTHENTICATE PLAIN\r\n" + plain_b64 + "\r\n");
  }
}

TEST_CASE("POP3 AUTH with an initial response, over 255 octets it goes after the empty challenge") {
  const std::string steps = R"({"expect": {"status": "+OK"}},
    {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}", "initial_response": true}})";
  {
    f::fake_server srv({f::send("+OK ready\r\n"), f::read_line(), f::send("+OK welcome\r\n"), f::drain(500)}, ir_tls());
    auto rec = ir_run(ir_load("pop3", steps), srv);
    INFO(ir_text(rec));
    CHECK(rec.result.result == verdict::pass);
    CHECK(srv.received() == "AUTH PLAIN " + plain_b64 + "\r\n");
  }
  {
    // A 200-character authorization identity: "AUTH PLAIN <b64>" would be over 255 octets.
    const std::string authzid(200, 'z');
    f::fake_server srv({f::send("+OK ready\r\n"), f::read_line(), f::send("+ \r\n"), f::read_line(),
                        f::send("+OK welcome\r\n"), f::drain(500)},
                       ir_tls());
    auto rec = ir_run(ir_load("pop3", R"({"expect": {"status": "+OK"}},
      {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}", "authzid": ")" +
                                          authzid + R"(", "initial_response": true}})"),
                      srv);
    INFO(ir_text(rec));
    CHECK(rec.result.result == verdict::pass);
    CHECK(srv.received() ==
          "AUTH PLAIN\r\n" + protocol::base64_encode(protocol::sasl_plain(authzid, ir_user, ir_pass)) + "\r\n");
    CHECK(ir_text(rec).find("255 octets") != std::string::npos);
  }
  {
    // An empty initial response is "=" (EXTERNAL's would be; here SMTP-style with PLAIN refused).
    f::fake_server srv({f::send("+OK ready\r\n"), f::read_line(), f::send("-ERR [AUTH] no\r\n"), f::drain(500)},
                       ir_tls());
    auto rec = ir_run(ir_load("pop3", R"({"expect": {"status": "+OK"}},
      {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}", "initial_response": true},
       "expect": {"status": "-ERR"}})"), srv);
    CHECK(rec.result.result == verdict::pass);
  }
}

TEST_CASE("SMTP \"initial_response\": false sends AUTH PLAIN and answers the empty 334") {
  f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH PLAIN\r\n"), f::read_line(),
                      f::send("334 \r\n"), f::read_line(), f::send("235 2.7.0 ok\r\n"), f::drain(500)},
                     ir_tls());
  auto rec = ir_run(ir_load("smtp", R"({"expect": {"code": 220}}, {"send": "EHLO c.test", "expect": {"code": 250}},
    {"id": "auth", "auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}", "initial_response": false}})"),
                    srv);
  INFO(ir_text(rec));
  CHECK(rec.result.result == verdict::pass);
  CHECK(srv.received() == "EHLO c.test\r\nAUTH PLAIN\r\n" + plain_b64 + "\r\n");
}

TEST_CASE("APOP: the digest of the greeting's timestamp, redacted, and no timestamp or no TLS sends nothing") {
  const std::string steps = R"({"expect": {"status": "+OK"}},
    {"id": "auth", "auth": {"mechanism": "APOP", "user": "${var.user}", "pass": "${var.pass}"}})";
  {
    f::fake_server srv({f::send(apop_greeting), f::read_line(), f::send("+OK maildrop locked\r\n"), f::drain(500)},
                       ir_tls());
    auto rec = ir_run(ir_load("pop3", steps), srv);
    INFO(ir_text(rec));
    CHECK(rec.result.result == verdict::pass);
    CHECK(srv.received() == "APOP " + ir_user + " " + apop_digest + "\r\n");
    CHECK(ir_step(rec, "auth").sent == "APOP " + ir_user + " \u2039secret:pass\u203a");
    CHECK(ir_text(rec).find(apop_digest) == std::string::npos);
    CHECK(ir_text(rec).find(ir_pass) == std::string::npos);
    CHECK(rec.exchanges.back().verb == "APOP");
  }
  {
    f::fake_server srv({f::send(apop_greeting), f::read_line(), f::send("-ERR [AUTH] authentication failed\r\n"),
                        f::drain(500)},
                       ir_tls());
    auto rec = ir_run(ir_load("pop3", steps), srv);
    CHECK(ir_step(rec, "auth").result == verdict::fail);
  }
  {
    f::fake_server srv({f::send("+OK ready\r\n"), f::drain(500)}, ir_tls());
    auto rec = ir_run(ir_load("pop3", steps), srv);
    INFO(ir_text(rec));
    CHECK(ir_step(rec, "auth").result == verdict::fail);
    CHECK(ir_step(rec, "auth").message.find("timestamp") != std::string::npos);
    CHECK(srv.received().empty());
  }
  {
    // Plaintext: refused before connecting by the secret policy (nothing sent at all).
    f::fake_server srv({f::send(apop_greeting), f::drain(500)});
    auto rec = ir_run(ir_load("pop3", steps, "none"), srv);
    CHECK(rec.result.result == verdict::error);
    CHECK(srv.received().find("APOP") == std::string::npos);
  }
}

TEST_CASE("bdat: BDAT n [LAST] and exactly n octets, one reply") {
  const std::string steps = R"({"expect": {"code": 220}},
    {"id": "c1", "bdat": {"lines": ["Subject: t", "", "Hello"]}, "expect": {"code": 250}},
    {"id": "c2", "bdat": {"data": "", "last": true}, "expect": {"code": 250}})";
  f::fake_server srv({f::send("220 fake\r\n"), f::expect_line("BDAT 21"), f::read_line(), f::read_line(),
                      f::read_line(), f::send("250 2.0.0 21 octets\r\n"), f::expect_line("BDAT 0 LAST"),
                      f::send("250 2.0.0 queued\r\n"), f::drain(500)});
  auto rec = ir_run(ir_load("smtp", steps, "none"), srv);
  INFO(ir_text(rec));
  CHECK(srv.mismatches().empty());
  CHECK(rec.result.result == verdict::pass);
  CHECK(srv.received() == "BDAT 21\r\nSubject: t\r\n\r\nHello\r\nBDAT 0 LAST\r\n");
  CHECK(ir_step(rec, "c1").sent == "BDAT 21 <21 octets>");
}

TEST_CASE("expect_close no_data: an answer before the close fails the step") {
  const std::string steps = R"({"expect": {"code": 220}},
    {"send_raw": "QUIT\r\nNOOP\r\n", "replies": 1, "expect": {"code": 221}},
    {"id": "end", "expect_close": {"timeout_ms": 2000, "no_data": true}})";
  {
    f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::read_line(), f::send("221 bye\r\n"), f::close()});
    auto rec = ir_run(ir_load("smtp", steps, "none"), srv);
    INFO(ir_text(rec));
    CHECK(rec.result.result == verdict::pass);
  }
  {
    f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::read_line(), f::send("221 bye\r\n"),
                        f::sleep_ms(100), f::send("250 ok\r\n"), f::close()});
    auto rec = ir_run(ir_load("smtp", steps, "none"), srv);
    INFO(ir_text(rec));
    CHECK(ir_step(rec, "end").result == verdict::fail);
    CHECK(ir_step(rec, "end").actual.find("250 ok") != std::string::npos);
  }
}

TEST_CASE("load errors: initial_response, APOP, bdat and no_data misuse") {
  const std::string auth_ir = R"({"auth": {"mechanism": "LOGIN", "user": "${var.user}", "pass": "${var.pass}", "initial_response": true}})";
  CHECK(ir_errors("imap", auth_ir).find("the server speaks first") != std::string::npos);
  CHECK(ir_errors("pop3", R"({"auth": {"mechanism": "APOP", "user": "${var.user}", "pass": "${var.pass}", "initial_response": true}})")
            .find("no SASL initial response") != std::string::npos);
  CHECK(ir_errors("pop3", R"({"auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}", "initial_response": "yes"}})")
            .find("expected true or false") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"auth": {"mechanism": "APOP", "user": "${var.user}", "pass": "${var.pass}"}})")
            .find("APOP (RFC 1939 §7) is a POP3 command") != std::string::npos);
  CHECK(ir_errors("pop3", R"({"auth": {"mechanism": "APOP", "user": "${var.user}"}})").find("pass") != std::string::npos);
  CHECK(ir_errors("pop3", R"({"auth": {"mechanism": "APOP", "user": "${var.user}", "pass": "${var.pass}", "authzid": "x"}})")
            .find("authorization identity") != std::string::npos);
  CHECK(ir_errors("imap", R"({"bdat": {"data": "x"}})").find("only for SMTP") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"data": "x", "lines": ["y"]}})").find("not both") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"last": true}})").find("missing \"data\" or \"lines\"") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"lines": ["a\r\nb"]}})").find("cannot contain CR or LF") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"data": "", "last": 1}})").find("/last") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"data": "", "size": 3}})").find("size") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"expect_close": {"no_data": "yes"}})").find("/no_data") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"data": "", "last": true}, "replies": 1})").find("replies") != std::string::npos);
  CHECK(ir_errors("smtp", R"({"bdat": {"data": "ab", "last": true}})").empty());
}

TEST_CASE("IMAP: a BYE and a close answer a step whose expectation names that BYE, otherwise an error") {
  const std::string named = R"({"expect": {"untagged": ["* OK*"]}},
    {"id": "big", "send_raw": "${tag} SEARCH BODY {5+}\r\nxxxxx\r\n",
     "expect": {"any_of": [{"status": ["BAD", "NO"]}, {"label": "bye", "untagged": ["* BYE*"]}]}})";
  const std::string unnamed = R"({"expect": {"untagged": ["* OK*"]}},
    {"id": "big", "send_raw": "${tag} SEARCH BODY {5+}\r\nxxxxx\r\n", "expect": {"status": ["BAD", "NO"]}})";
  for (const auto& [steps, want] : {std::pair{named, verdict::pass}, std::pair{unnamed, verdict::error}}) {
    f::fake_server srv({f::send("* OK ready\r\n"), f::read_line(), f::read_line(),
                        f::send("* BYE Non-synchronizing literal size too large\r\n"), f::close()},
                       ir_tls());
    auto rec = ir_run(ir_load("imap", steps), srv);
    INFO(ir_text(rec));
    CHECK(ir_step(rec, "big").result == want);
  }
}
