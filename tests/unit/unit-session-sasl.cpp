// The auth step's SASL mechanisms end to end against the fake server: the exact bytes of
// XOAUTH2 / OAUTHBEARER in SMTP, IMAP and POP3 form, their error challenges, CRAM-MD5, SCRAM
// against the fake's independent implementation (and its misbehaviours), EXTERNAL with a client
// certificate; the token never shows in anything we keep.
#include <catch2/catch.hpp>

#include <chrono>

#include "core/secret.hpp"
#include "fake_server.hpp"
#include "protocol/sasl.hpp"
#include "scenario/loader.hpp"
#include "session/session.hpp"
#include "test_ca.hpp"
#include "unit-session-common.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

namespace {

const std::string token = "Canary-Tok-9f8e7d6c5b4a3921";
const std::string user = "alice@lab.test";
const std::string pass = "Canary-Pw-2c4e6a8b";

scenario::load_options sasl_env() {
  scenario::load_options lo;
  lo.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "T_USER") return user;
    if (name == "T_PASS") return pass;
    if (name == "T_TOKEN") return token;
    return std::nullopt;
  };
  return lo;
}

// One scenario: greeting, then the auth step AUTH (JSON), then nothing else.
scenario::scenario sasl_load(const std::string& protocol, const std::string& auth, const std::string& tls = "implicit") {
  const std::string greeting = protocol == "smtp"   ? R"({"expect": {"code": 220}}, {"send": "EHLO c.test", "expect": {"code": 250}})"
                               : protocol == "imap" ? R"({"expect": {"untagged": ["* OK*"]}})"
                                                    : R"({"expect": {"status": "+OK"}})";
  const std::string json = R"({"format": 1, "id": "t/sasl", "title": "t", "protocol": ")" + protocol +
                           R"(", "connection": {"port": 993, "tls": ")" + tls + R"("},
    "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true},
             "token": {"env": "T_TOKEN", "secret": true}},
    "steps": [)" + greeting + R"(, {"id": "auth", "auth": )" + auth + "}]}";
  auto r = scenario::load_text("t.json", json, sasl_env());
  for (const auto& e : r.errors) FAIL(e.format());
  REQUIRE(r.scenarios.size() == 1);
  return r.scenarios.front();
}

struct run_result {
  session::record rec;
  std::int64_t ms = 0;
};

run_result sasl_run(const scenario::scenario& sc, f::fake_server& srv, session::options opt = {}) {
  auto t0 = std::chrono::steady_clock::now();
  run_result out{session_test::run_at(sc, scenario::resolve_vars(sc, sasl_env()), srv.port(), std::move(opt)), 0};
  out.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  srv.wait_done(std::chrono::seconds(5));
  return out;
}

std::string sasl_text(const session::record& rec) { return session_test::record_text(rec); }

// The token and every base64 form of it (at each alignment, as the redactor registers them).
void token_not_in(const std::string& text) {
  secret_registry forms;
  forms.add("token", token);
  CHECK_FALSE(forms.contains_secret(text));
}

const step_result& auth_step(const session::record& rec) {
  for (const auto& s : rec.result.steps)
    if (s.id == "auth") return s;
  FAIL("no auth step result");
  return rec.result.steps.front();
}

const protocol::sasl::check* sasl_check(const session::record& rec, const std::string& id) {
  for (const auto& x : rec.sasl)
    for (const auto& k : x.checks)
      if (k.id == id) return &k;
  return nullptr;
}

const std::string xoauth2_blob = protocol::base64_encode("user=" + user + "\x01" + "auth=Bearer " + token + "\x01\x01");
const char* xoauth2_auth = R"({"mechanism": "XOAUTH2", "user": "${var.user}", "token": "${var.token}"})";
const char* oauthbearer_auth = R"({"mechanism": "OAUTHBEARER", "user": "${var.user}", "token": "${var.token}"})";

f::server_options implicit_tls() {
  f::server_options o;
  o.implicit_tls = true;
  return o;
}

}  // namespace

TEST_CASE("XOAUTH2 on the wire: SMTP inline, IMAP and POP3 after the empty challenge") {
  {
    f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH XOAUTH2\r\n"), f::read_line(),
                        f::send("235 2.7.0 ok\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("smtp", xoauth2_auth), srv);
    INFO(sasl_text(r.rec));
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.received() == "EHLO c.test\r\nAUTH XOAUTH2 " + xoauth2_blob + "\r\n");
    CHECK(auth_step(r.rec).sent == "AUTH XOAUTH2 \u2039secret:token\u203a");
    token_not_in(sasl_text(r.rec));
  }
  {
    f::fake_server srv({f::send("* OK ready\r\n"), f::read_line(), f::send("+ \r\n"), f::read_line(),
                        f::send("A001 OK done\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("imap", xoauth2_auth), srv);
    INFO(sasl_text(r.rec));
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.received() == "A001 AUTHENTICATE XOAUTH2\r\n" + xoauth2_blob + "\r\n");
    token_not_in(sasl_text(r.rec));
  }
  {
    f::fake_server srv({f::send("+OK ready\r\n"), f::read_line(), f::send("+ \r\n"), f::read_line(),
                        f::send("+OK welcome\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("pop3", xoauth2_auth), srv);
    INFO(sasl_text(r.rec));
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.received() == "AUTH XOAUTH2\r\n" + xoauth2_blob + "\r\n");
    token_not_in(sasl_text(r.rec));
  }
}

TEST_CASE("XOAUTH2 error challenge: the client answers an empty line, then reads the failure") {
  const std::string err = protocol::base64_encode(R"({"status":"401","schemes":"bearer","scope":"https://mail.google.com/"})");
  f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH XOAUTH2\r\n"), f::read_line(),
                      f::send("334 " + err + "\r\n"), f::read_line(), f::send("535 5.7.8 Username and Password not accepted\r\n"),
                      f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("smtp", xoauth2_auth), srv);
  INFO(sasl_text(r.rec));
  CHECK(r.rec.result.result == verdict::fail);
  CHECK(srv.received() == "EHLO c.test\r\nAUTH XOAUTH2 " + xoauth2_blob + "\r\n\r\n");
  CHECK(auth_step(r.rec).message.find("\"status\":\"401\"") != std::string::npos);
  CHECK(auth_step(r.rec).actual.find("535") != std::string::npos);
  REQUIRE(r.rec.sasl.size() == 1);
  CHECK(r.rec.sasl[0].server_error.find("401") != std::string::npos);
  token_not_in(sasl_text(r.rec));
}

TEST_CASE("a token too long for the SMTP AUTH line goes after an empty 334 (RFC 4954 section 4)") {
  const std::string long_token(600, 'T');
  auto lo = sasl_env();
  lo.getenv = [&](const std::string& n) -> std::optional<std::string> { return n == "T_TOKEN" ? long_token : user; };
  auto sc = sasl_load("smtp", xoauth2_auth);
  f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH XOAUTH2\r\n"), f::read_line(),
                      f::send("334 \r\n"), f::read_line(), f::send("235 ok\r\n"), f::drain(500)},
                     implicit_tls());
  session::options opt;
  opt.host = "127.0.0.1";
  opt.port = srv.port();
  opt.connection.ca_file = f::test_ca().ca_cert;
  boost::asio::io_context io;
  const auto vars = scenario::resolve_vars(sc, lo);  // outlives the coroutine, which keeps a reference
  auto fut = boost::asio::co_spawn(io, session::run_scenario(sc, vars, opt), boost::asio::use_future);
  io.run();
  auto rec = fut.get();
  srv.wait_done(std::chrono::seconds(5));
  INFO(sasl_text(rec));
  CHECK(rec.result.result == verdict::pass);
  const std::string blob = protocol::base64_encode("user=" + user + "\x01" + "auth=Bearer " + long_token + "\x01\x01");
  CHECK(srv.received() == "EHLO c.test\r\nAUTH XOAUTH2\r\n" + blob + "\r\n");
  CHECK(sasl_text(rec).find(blob) == std::string::npos);
}

TEST_CASE("OAUTHBEARER on the wire (RFC 7628) and its error challenge answered with 0x01") {
  {
    f::fake_server srv({f::send("* OK ready\r\n"), f::read_line(), f::send("+ \r\n"), f::read_line(),
                        f::send("+ " + protocol::base64_encode(R"({"status":"invalid_token"})") + "\r\n"), f::read_line(),
                        f::send("A001 NO [AUTHENTICATIONFAILED] bad token\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("imap", oauthbearer_auth), srv);
    INFO(sasl_text(r.rec));
    const std::string want = protocol::base64_encode("n,a=" + user + ",\x01host=127.0.0.1\x01port=" +
                                                     std::to_string(srv.port()) + "\x01" + "auth=Bearer " + token + "\x01\x01");
    CHECK(srv.received() == "A001 AUTHENTICATE OAUTHBEARER\r\n" + want + "\r\nAQ==\r\n");
    CHECK(r.rec.result.result == verdict::fail);
    CHECK(auth_step(r.rec).message.find("invalid_token") != std::string::npos);
    token_not_in(sasl_text(r.rec));
  }
  {
    f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH OAUTHBEARER\r\n"), f::read_line(),
                        f::send("235 ok\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("smtp", oauthbearer_auth), srv);
    const std::string want = protocol::base64_encode("n,a=" + user + ",\x01host=127.0.0.1\x01port=" +
                                                     std::to_string(srv.port()) + "\x01" + "auth=Bearer " + token + "\x01\x01");
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.received() == "EHLO c.test\r\nAUTH OAUTHBEARER " + want + "\r\n");
    token_not_in(sasl_text(r.rec));
  }
  {
    f::fake_server srv({f::send("+OK ready\r\n"), f::read_line(), f::send("+ \r\n"), f::read_line(),
                        f::send("+OK\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("pop3", oauthbearer_auth), srv);
    CHECK(r.rec.result.result == verdict::pass);
    const std::string want = protocol::base64_encode("n,a=" + user + ",\x01host=127.0.0.1\x01port=" +
                                                     std::to_string(srv.port()) + "\x01" + "auth=Bearer " + token + "\x01\x01");
    CHECK(srv.received() == "AUTH OAUTHBEARER\r\n" + want + "\r\n");
    token_not_in(sasl_text(r.rec));
  }
}

TEST_CASE("a token is refused on a plaintext connection before connecting") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::drain(500)});
  auto r = sasl_run(sasl_load("imap", xoauth2_auth, "none"), srv);
  CHECK(r.rec.result.result == verdict::error);
  CHECK(r.rec.result.message.find("plaintext") != std::string::npos);
  CHECK(srv.accepted() == 0);
}

TEST_CASE("CRAM-MD5 answers the server's challenge (RFC 2195)") {
  const std::string challenge = "<1896.697170952@postoffice.reston.mci.net>";
  f::fake_server srv({f::send("+OK ready\r\n"), f::read_line(), f::send("+ " + protocol::base64_encode(challenge) + "\r\n"),
                      f::read_line(), f::send("+OK\r\n"), f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("pop3", R"({"mechanism": "cram-md5", "user": "tim", "pass": "${var.pass}"})"), srv);
  INFO(sasl_text(r.rec));
  CHECK(r.rec.result.result == verdict::pass);
  CHECK(srv.lines().at(0) == "AUTH CRAM-MD5\r\n");
  // The response is not a secret (it is shown), the password is never in it.
  auto sent = protocol::base64_decode(srv.lines().at(1).substr(0, srv.lines().at(1).size() - 2));
  REQUIRE(sent);
  CHECK(sent->rfind("tim ", 0) == 0);
  CHECK(sent->size() == 4 + 32);
  CHECK(sasl_text(r.rec).find(pass) == std::string::npos);
}

namespace {

const char* scram256 = R"({"mechanism": "SCRAM-SHA-256", "user": "${var.user}", "pass": "${var.pass}"})";

f::scram_options scram_opts(std::string prefix, std::string misbehave = "", std::string hash = "SHA-256") {
  f::scram_options o;
  o.hash = std::move(hash);
  o.user = user;
  o.pass = pass;
  o.prefix = std::move(prefix);
  o.misbehave = std::move(misbehave);
  return o;
}

}  // namespace

TEST_CASE("SCRAM-SHA-256 and SCRAM-SHA-1 log in against an independent server implementation") {
  {
    f::fake_server srv({f::send("* OK ready\r\n"), f::scram(scram_opts("+ ")), f::send("A001 OK logged in\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("imap", scram256), srv);
    INFO(sasl_text(r.rec));
    for (const auto& m : srv.mismatches()) INFO(m);
    CHECK(srv.mismatches().empty());
    CHECK(r.rec.result.result == verdict::pass);
    const auto* sig = sasl_check(r.rec, "scram-server-signature");
    REQUIRE(sig);
    CHECK(sig->ok);
    CHECK(sasl_text(r.rec).find(pass) == std::string::npos);
  }
  {
    f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH SCRAM-SHA-1\r\n"),
                        f::scram(scram_opts("334 ", "", "SHA-1")), f::send("235 2.7.0 ok\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("smtp", R"({"mechanism": "SCRAM-SHA-1", "user": "${var.user}", "pass": "${var.pass}"})"), srv);
    INFO(sasl_text(r.rec));
    CHECK(srv.mismatches().empty());
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.lines().at(1).rfind("AUTH SCRAM-SHA-1 ", 0) == 0);  // initial response inline
  }
  {
    f::fake_server srv({f::send("+OK ready\r\n"), f::scram(scram_opts("+ ")), f::send("+OK\r\n"), f::drain(500)},
                       implicit_tls());
    auto r = sasl_run(sasl_load("pop3", scram256), srv);
    CHECK(srv.mismatches().empty());
    CHECK(r.rec.result.result == verdict::pass);
  }
}

TEST_CASE("a wrong SCRAM server signature fails even though the server then says OK") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::scram(scram_opts("+ ", "wrong_signature")),
                      f::send("A001 OK logged in anyway\r\n"), f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("imap", scram256), srv);
  INFO(sasl_text(r.rec));
  CHECK(r.rec.result.result == verdict::fail);
  CHECK(auth_step(r.rec).result == verdict::fail);
  CHECK(auth_step(r.rec).message.find("server signature does not match") != std::string::npos);
  const auto* sig = sasl_check(r.rec, "scram-server-signature");
  REQUIRE(sig);
  CHECK_FALSE(sig->ok);
  CHECK(sig->actual.rfind("v=", 0) == 0);
  // The client cancelled instead of acknowledging.
  bool cancelled = false;
  for (const auto& e : srv.events()) cancelled = cancelled || e == "scram: cancelled";
  CHECK(cancelled);
}

TEST_CASE("SCRAM success without any server signature is a fail") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::scram(scram_opts("+ ", "no_signature")),
                      f::send("A001 OK logged in\r\n"), f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("imap", scram256), srv);
  CHECK(r.rec.result.result == verdict::fail);
  CHECK(auth_step(r.rec).message.find("without proving") != std::string::npos);
}

TEST_CASE("a SCRAM server nonce that does not extend ours: fail, and no proof is sent") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::scram(scram_opts("+ ", "foreign_nonce")),
                      f::send("A001 BAD cancelled\r\n"), f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("imap", scram256), srv);
  INFO(sasl_text(r.rec));
  CHECK(r.rec.result.result == verdict::fail);
  CHECK(auth_step(r.rec).message.find("does not extend") != std::string::npos);
  CHECK(srv.received().find(",p=") == std::string::npos);
  CHECK(srv.lines().back() == "*\r\n");
  const auto* k = sasl_check(r.rec, "scram-nonce");
  REQUIRE(k);
  CHECK_FALSE(k->ok);
}

TEST_CASE("an absurd SCRAM iteration count is an error within milliseconds") {
  auto o = scram_opts("+ ");
  o.iterations = 4000000000u;
  f::fake_server srv({f::send("+OK ready\r\n"), f::scram(o), f::send("-ERR cancelled\r\n"), f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("pop3", scram256), srv);
  INFO(sasl_text(r.rec));
  CHECK(r.rec.result.result == verdict::error);
  CHECK(auth_step(r.rec).message.find("over mailspec's bound") != std::string::npos);
  CHECK(srv.lines().back() == "*\r\n");
  CHECK(r.ms < 1500);
}

TEST_CASE("SCRAM e= from the server is its refusal, reported with the failure") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::scram(scram_opts("+ ", "error")),
                      f::send("A001 NO [AUTHENTICATIONFAILED] no\r\n"), f::drain(500)},
                     implicit_tls());
  auto r = sasl_run(sasl_load("imap", scram256), srv);
  CHECK(r.rec.result.result == verdict::fail);
  CHECK(auth_step(r.rec).message.find("invalid-proof") != std::string::npos);
  CHECK(sasl_check(r.rec, "scram-server-signature") == nullptr);
}

TEST_CASE("EXTERNAL presents the client certificate and sends an empty response") {
  f::server_options so = implicit_tls();
  so.tls.request_client_cert = true;
  const char* external = R"({"mechanism": "EXTERNAL"})";
  {
    f::fake_server srv({f::send("* OK ready\r\n"), f::read_line(), f::send("+ \r\n"), f::read_line(),
                        f::send("A001 OK welcome\r\n"), f::drain(500)},
                       so);
    session::options opt;
    opt.connection.client_cert = f::test_ca().cert("valid");
    opt.connection.client_key = f::test_ca().key("valid");
    auto r = sasl_run(sasl_load("imap", external), srv, opt);
    INFO(sasl_text(r.rec));
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.received() == "A001 AUTHENTICATE EXTERNAL\r\n\r\n");
    bool presented = false;
    for (const auto& e : srv.events()) {
      UNSCOPED_INFO("event: " << e);
      presented = presented || (e.rfind("client certificate ", 0) == 0 && e.find("CN=localhost") != std::string::npos);
    }
    CHECK(presented);
  }
  {
    f::fake_server srv({f::send("220 fake\r\n"), f::read_line(), f::send("250 AUTH EXTERNAL\r\n"), f::read_line(),
                        f::send("235 ok\r\n"), f::drain(500)},
                       so);
    session::options opt;
    opt.connection.client_cert = f::test_ca().cert("valid");
    opt.connection.client_key = f::test_ca().key("valid");
    auto r = sasl_run(sasl_load("smtp", external), srv, opt);
    CHECK(r.rec.result.result == verdict::pass);
    CHECK(srv.received() == "EHLO c.test\r\nAUTH EXTERNAL =\r\n");
  }
  {
    f::fake_server srv({f::send("* OK ready\r\n"), f::drain(1000)}, so);
    auto r = sasl_run(sasl_load("imap", external), srv);  // no --client-cert
    CHECK(r.rec.result.result == verdict::error);
    CHECK(auth_step(r.rec).message.find("--client-cert") != std::string::npos);
    CHECK(srv.received().empty());
  }
}

TEST_CASE("a client key that does not match its certificate is an error naming both") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::drain(1000)}, implicit_tls());
  session::options opt;
  opt.connection.client_cert = f::test_ca().cert("valid");
  opt.connection.client_key = f::test_ca().key("expired");
  auto r = sasl_run(sasl_load("imap", R"({"mechanism": "EXTERNAL"})"), srv, opt);
  INFO(sasl_text(r.rec) << r.rec.result.message);
  CHECK(r.rec.result.result == verdict::error);
  CHECK(r.rec.result.message.find("does not match") != std::string::npos);
}
