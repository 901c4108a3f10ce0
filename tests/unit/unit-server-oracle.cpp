// The serve rule table (server/oracle.cpp): for every test of the catalogue, a client record
// that makes its rule hold and one that breaks it, plus the other verdicts each oracle gives
// (error without a connection, warn for going on in plaintext without credentials, ...).
#include <catch2/catch.hpp>

#include "rules/rules.hpp"
#include "server/serve.hpp"

namespace {

namespace srv = mailspec::server;
using mailspec::channel;
using mailspec::client_facts;
using mailspec::verdict;
using mailspec::session::exchange;
using mailspec::session::record;

struct cmd {
  channel chan;
  std::string verb;
  std::string text;
};

// A serve record of test t: one session with these commands (credentials marked in the text).
record client_record(const srv::test_def& t, const std::vector<cmd>& cmds, const std::string& tls = "ok TLSv1.3") {
  record r;
  r.result.scenario_id = t.id;
  r.result.protocol = t.base;
  r.result.kind = "serve";
  r.result.target.service = t.protocol;
  client_facts f;
  f.sessions.push_back({tls, {}, {}, "client closed"});
  for (const auto& c : cmds) {
    exchange ex;
    ex.step = 0;
    ex.chan = c.chan;
    ex.verb = c.verb;
    ex.command = c.text;
    r.exchanges.push_back(ex);
    (c.chan == channel::tls ? f.sessions[0].secure : f.sessions[0].plain).push_back(c.verb);
    if (c.text.find("\u2039secret:") != std::string::npos)
      f.credentials.push_back({c.verb == "PASS" ? "USER/PASS" : "LOGIN", c.chan, 1, "hmac-sha256:0123456789abcdef"});
  }
  r.result.client = f;
  return r;
}

cmd login(channel c, const std::string& base) {
  if (base == "pop3") return {c, "PASS", "PASS \u2039secret:credential\u203a"};
  if (base == "smtp") return {c, "AUTH", "AUTH PLAIN \u2039secret:credential\u203a"};
  return {c, "LOGIN", "a2 LOGIN alice \u2039secret:credential\u203a"};
}

cmd data(channel c, const std::string& base) {
  if (base == "pop3") return {c, "STAT", "STAT"};
  if (base == "smtp") return {c, "MAIL", "MAIL FROM:<a@example.com>"};
  return {c, "SELECT", "a3 SELECT INBOX"};
}

std::vector<mailspec::finding> judge(const record& r) {
  mailspec::rules::judge_options o;
  o.within = {r.result.scenario_id};
  return mailspec::rules::judge(r, srv::catalogue(), o);
}

verdict only_verdict(const record& r) {
  auto fs = judge(r);
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].rule == r.result.scenario_id);
  if (fs[0].result == verdict::fail) CHECK_FALSE(fs[0].actual.empty());
  return fs[0].result;
}

// A record that makes the test's rule hold, and one that breaks it.
record holding(const srv::test_def& t) {
  switch (t.judge) {
    case srv::oracle::baseline: return client_record(t, {login(channel::tls, t.base), data(channel::tls, t.base)});
    case srv::oracle::certificate: return client_record(t, {}, "failed: tlsv1 alert unknown ca");
    default: {
      const std::string quit = t.base == "imap" ? "LOGOUT" : "QUIT";
      return client_record(t, {{channel::plain, quit, quit}}, "none");
    }
  }
}

record breaking(const srv::test_def& t) {
  switch (t.judge) {
    case srv::oracle::certificate: return client_record(t, {login(channel::tls, t.base)});
    case srv::oracle::injection: {
      auto r = client_record(t, {login(channel::tls, t.base)});
      r.result.client->injection = "the client sent its next command before the server answered";
      return r;
    }
    case srv::oracle::tampered: {
      auto r = client_record(t, {login(channel::tls, t.base)});
      r.result.client->cached_capabilities = "AUTH LOGIN over TLS: only the list before TLS offered it";
      return r;
    }
    default: return client_record(t, {login(channel::plain, t.base)}, "none");
  }
}

}  // namespace

TEST_CASE("every serve rule holds on a good client and breaks on a bad one") {
  for (const auto& t : srv::tests()) {
    INFO(t.id);
    CHECK(only_verdict(holding(t)) == verdict::pass);
    auto bad = judge(breaking(t));
    REQUIRE(bad.size() == 1);
    CHECK(bad[0].result == verdict::fail);
    CHECK(bad[0].sev == t.sev);
    CHECK(bad[0].requirement.find(t.study) != std::string::npos);
  }
}

TEST_CASE("serve rules judge only their own test's case") {
  const auto* t = srv::find_test("serve/imap/strip/starttls-bad");
  REQUIRE(t);
  auto r = breaking(*t);
  mailspec::rules::judge_options all;  // every rule of the table on one case
  auto fs = mailspec::rules::judge(r, srv::catalogue(), all);
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].rule == t->id);
}

TEST_CASE("serve: a client that never connected is an error, never a pass") {
  for (const auto& t : srv::tests()) {
    INFO(t.id);
    record r = client_record(t, {});
    r.result.client->sessions.clear();
    CHECK(only_verdict(r) == verdict::error);
  }
}

TEST_CASE("serve: plaintext credentials fail every test, with the redacted command as evidence") {
  for (const auto& t : srv::tests()) {
    INFO(t.id);
    auto fs = judge(client_record(t, {login(channel::plain, t.base)}, "none"));
    REQUIRE(fs.size() == 1);
    CHECK(fs[0].result == verdict::fail);
    CHECK(fs[0].actual.find("\u2039secret:credential\u203a") != std::string::npos);
    CHECK(fs[0].message.find("in plaintext") != std::string::npos);
  }
}

TEST_CASE("serve: going on in plaintext without credentials is a warning") {
  const auto* t = srv::find_test("serve/imap/preauth/greeting");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {data(channel::plain, "imap")}, "none")) == verdict::warn);
  t = srv::find_test("serve/submission/strip/starttls-454");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {data(channel::plain, "smtp")}, "none")) == verdict::warn);
}

TEST_CASE("serve: a bad certificate accepted without credentials") {
  const auto* t = srv::find_test("serve/submission/cert/self-signed");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {data(channel::tls, "smtp")})) == verdict::fail);
  // The public MX role (port 25): RFC 8314 does not apply, relays often accept any certificate.
  t = srv::find_test("serve/smtp/cert/self-signed");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {data(channel::tls, "smtp")})) == verdict::warn);
  // Connected, saw the certificate, closed after capability discovery: it refused.
  t = srv::find_test("serve/imaps/cert/wrong-host");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {{channel::tls, "CAPABILITY", "a1 CAPABILITY"}, {channel::tls, "LOGOUT", "a2 LOGOUT"}})) ==
        verdict::pass);
}

TEST_CASE("serve: the baseline needs a login or a transaction over TLS") {
  const auto* t = srv::find_test("serve/pop3/ok/starttls");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {}, "failed: tlsv1 alert unknown ca")) == verdict::error);
  auto r = client_record(*t, {login(channel::tls, "pop3")});
  r.result.client->pipelined_starttls = "CAPA\\r\\n";
  CHECK(only_verdict(r) == verdict::fail);
  t = srv::find_test("serve/smtp/ok/starttls");
  REQUIRE(t);
  CHECK(only_verdict(client_record(*t, {data(channel::plain, "smtp")}, "none")) == verdict::warn);
}
