// Scenario format 1 additions end to end against the scriptable fake server: SMTP text matching,
// capabilities, structured IMAP matching with assertions, any_of, several connections, fixtures
// and their clean-up, and the data-safety checks against servers whose RSET does nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "fake_server.hpp"
#include "scenario/loader.hpp"
#include "session/session.hpp"
#include "test_ca.hpp"
#include "unit-session-common.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

namespace {

const char* additions_canary = "Canary-Pw-8c1d2e";

scenario::load_options additions_env() {
  scenario::load_options lo;
  lo.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "T_USER") return std::string("alice@lab.test");
    if (name == "T_PASS") return std::string(additions_canary);
    if (name == "T_CMD") return std::string("EXPUNGE");
    return std::nullopt;
  };
  return lo;
}

// Loaded as if it lived in scenarios/imap, so "../fixtures/..." are the bundled fixtures.
scenario::scenario additions_load(const std::string& json) {
  auto r = scenario::load_text(MAILSPEC_SOURCE_DIR "/scenarios/imap/t.json", json, additions_env());
  for (const auto& e : r.errors) FAIL(e.format());
  REQUIRE(r.scenarios.size() == 1);
  return r.scenarios.front();
}

session::record additions_run(const scenario::scenario& sc, int port, session::options opt = {}) {
  if (opt.run_id.empty()) opt.run_id = "r1-0";
  return session_test::run_at(sc, scenario::resolve_vars(sc, additions_env()), port, std::move(opt));
}

std::string additions_text(const session::record& rec) {
  std::string s;
  for (const auto& e : rec.result.log.entries()) s += "[" + e.conn + "] " + e.text + "\n";
  for (const auto& st : rec.result.steps)
    s += st.id + ": " + std::string(to_string(st.result)) + " | " + st.expected + " | " + st.actual + " | " + st.message + "\n";
  return s;
}

const step_result* step(const session::record& rec, const std::string& id) {
  for (const auto& s : rec.result.steps)
    if (s.id == id) return &s;
  return nullptr;
}

f::server_options tls_server(std::vector<f::script> scripts = {}) {
  f::server_options o;
  o.implicit_tls = true;
  o.connections = scripts.empty() ? 1 : static_cast<int>(scripts.size());
  o.scripts = std::move(scripts);
  return o;
}

}  // namespace

TEST_CASE("SMTP lines and contains match the text after the code too, whole-line matchers still match") {
  f::fake_server srv({f::send("220 fake ESMTP\r\n"), f::expect_line("EHLO *"),
                      f::send("250-fake.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n"), f::drain(1000)});
  auto sc = additions_load(R"j({"format": 1, "id": "t/smtp", "protocol": "smtp", "connection": {"port": 25},
    "steps": [{"expect": {"code": 220, "lines": ["fake ESMTP"]}},
              {"id": "ehlo", "send": "EHLO a.test", "expect": {"code": 250,
                "lines": ["fake.test", "250-PIPELINING", {"regex": "SIZE (?<size>[0-9]+)"}],
                "contains": ["STARTTLS", "250 STARTTLS", "size *"],
                "assert": [{"that": "${cap.size}", "eq": 1000}]}}]})j");
  auto rec = additions_run(sc, srv.port());
  INFO(additions_text(rec));
  CHECK(rec.result.result == verdict::pass);

  f::fake_server srv2({f::send("220 fake ESMTP\r\n"), f::expect_line("EHLO *"), f::send("250-fake.test\r\n250 SIZE 1\r\n"),
                       f::drain(1000)});
  auto rec2 = additions_run(additions_load(R"j({"format": 1, "id": "t/smtp", "protocol": "smtp", "connection": {"port": 25},
    "steps": [{"expect": {"code": 220}}, {"send": "EHLO a.test", "expect": {"contains": ["STARTTLS"]}}]})j"),
                  srv2.port());
  CHECK(rec2.result.result == verdict::fail);
  CHECK(rec2.result.steps.at(1).message == "no line matches glob \"STARTTLS\"");
}

TEST_CASE("expect.capabilities: advertised passes, missing fails (not skip)") {
  auto script = [] {
    return f::script{f::send("+OK ready\r\n"), f::expect_line("CAPA"),
                     f::send("+OK\r\nUSER\r\nSASL PLAIN\r\nUIDL\r\n.\r\n"), f::drain(1000)};
  };
  const char* json = R"j({"format": 1, "id": "t/caps", "protocol": "pop3", "connection": {"port": 110},
    "steps": [{"expect": {"status": "+OK"}}, {"id": "capa", "send": "CAPA", "expect": {"capabilities": [%s]}}]})j";
  char buf[512];
  std::snprintf(buf, sizeof buf, json, "\"user\", \"SASL=PLAIN\", \"UIDL\"");
  f::fake_server good(script());
  CHECK(additions_run(additions_load(buf), good.port()).result.result == verdict::pass);
  std::snprintf(buf, sizeof buf, json, "\"UIDL\", \"TOP\"");
  f::fake_server bad(script());
  auto rec = additions_run(additions_load(buf), bad.port());
  CHECK(rec.result.result == verdict::fail);
  CHECK(step(rec, "capa")->message == "capability TOP is not advertised (advertised: SASL SASL=PLAIN UIDL USER)");
}

namespace {

// EXAMINE INBOX answering 3 messages with UIDNEXT 4, then SEARCH ALL answered with `hits`.
f::script examine_search(const std::string& hits) {
  return {f::send("* OK ready\r\n"),
          f::expect_line("A001 EXAMINE INBOX"),
          f::send("* FLAGS (\\Seen \\Deleted)\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 4] next\r\n"
                  "A001 OK [READ-ONLY] done\r\n"),
          f::expect_line("A002 SEARCH ALL"),
          f::send("* SEARCH" + hits + "\r\nA002 OK done\r\n"),
          f::drain(1000)};
}

const char* search_scenario = R"j({"format": 1, "id": "t/search", "protocol": "imap", "connection": {"port": 143},
  "steps": [{"expect": {"untagged": [{"parsed": "* OK $*"}]}},
            {"id": "examine", "send": "${tag} EXAMINE INBOX", "expect": {"status": "OK", "code": "READ-ONLY",
              "untagged": [{"parsed": "* $exists EXISTS"}, {"parsed": "* OK [UIDNEXT $uidnext]"},
                           {"parsed": "* FLAGS (\\Deleted \\Seen)"}],
              "assert": [{"that": "${cap.uidnext}", "gt": "${cap.exists}"}]}},
            {"id": "search", "send": "${tag} SEARCH ALL", "expect": {"status": "OK",
              "untagged": [{"parsed": "* SEARCH $*hits"}],
              "assert": [{"that": "${cap.hits|count}", "eq": "${cap.exists}"},
                         {"that": "${cap.hits|max}", "le": "${cap.exists}"},
                         {"count": {"parsed": "* SEARCH $*"}, "eq": 1}]}}]})j";

}  // namespace

TEST_CASE("structured IMAP matching and assertions judge SEARCH against EXISTS") {
  f::fake_server good(examine_search(" 1 2 3"));
  auto rec = additions_run(additions_load(search_scenario), good.port());
  INFO(additions_text(rec));
  CHECK(rec.result.result == verdict::pass);
  // A server whose SEARCH hits are shifted by one: syntactically perfect, judged wrong.
  f::fake_server shifted(examine_search(" 2 3 4"));
  auto bad = additions_run(additions_load(search_scenario), shifted.port());
  INFO(additions_text(bad));
  CHECK(bad.result.result == verdict::fail);
  CHECK(step(bad, "search")->message ==
        "assert that \"${cap.hits|max}\" le ${cap.exists}: the value is \"4\", not le 3");
}

TEST_CASE("an assertion on a capture never bound is an error, not a fail") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::expect_line("A001 NOOP"), f::send("A001 OK done\r\n"), f::drain(1000)});
  auto sc = additions_load(R"j({"format": 1, "id": "t/unbound", "protocol": "imap", "connection": {"port": 143},
    "steps": [{"expect": {"untagged": ["* OK*"]}},
              {"id": "noop", "send": "${tag} NOOP", "expect": {"any_of": [{"untagged": [{"parsed": "* $n EXISTS"}]}, {"status": "NO"}],
               "assert": [{"that": "${cap.n}", "ge": 0}]}}]})j");
  auto rec = additions_run(sc, srv.port());
  INFO(additions_text(rec));
  // The assertion beside any_of runs before the alternatives: ${cap.n} is not bound yet.
  CHECK(step(rec, "noop")->result == verdict::error);
}

TEST_CASE("any_of: the first alternative that holds decides, and the report says which") {
  auto script = [](const std::string& answer) {
    return f::script{f::send("* OK ready\r\n"), f::expect_line("A001 SELECT x"), f::send(answer), f::drain(1000)};
  };
  const char* json = R"j({"format": 1, "id": "t/any", "protocol": "imap", "connection": {"port": 143},
    "steps": [{"expect": {"untagged": ["* OK*"]}},
              {"id": "select", "send": "${tag} SELECT x", "expect": {"any_of": [
                 {"label": "selected", "status": "OK", "untagged": [{"parsed": "* $n EXISTS"}]},
                 {"label": "no such mailbox", "status": "NO", "code": "NONEXISTENT"}],
               "save_capabilities": false}}]})j";
  f::fake_server two(script("A001 NO [NONEXISTENT] no such mailbox\r\n"));
  auto rec = additions_run(additions_load(json), two.port());
  INFO(additions_text(rec));
  CHECK(step(rec, "select")->result == verdict::pass);
  CHECK(step(rec, "select")->message == "any_of: alternative 2 (\"no such mailbox\") held");
  f::fake_server none(script("A001 NO [CANNOT] refused\r\n"));
  auto bad = additions_run(additions_load(json), none.port());
  CHECK(step(bad, "select")->result == verdict::fail);
  CHECK(step(bad, "select")->message ==
        "no alternative of any_of held: alternative 1 (\"selected\"): expected OK, got NO; alternative 2 (\"no such "
        "mailbox\"): expected response code [NONEXISTENT], got [CANNOT]");
}

TEST_CASE("any_of: an alternative marked warn makes the step a warn, and the case goes on") {
  auto script = [](const std::string& answer) {
    return f::script{f::send("* OK ready\r\n"), f::expect_line("A001 FETCH 0 (FLAGS)"), f::send(answer),
                     f::expect_line("A002 NOOP"), f::send("A002 OK done\r\n"), f::drain(1000)};
  };
  const char* json = R"j({"format": 1, "id": "t/warn", "protocol": "imap", "connection": {"port": 143},
    "steps": [{"expect": {"untagged": ["* OK*"]}},
              {"id": "zero", "send": "${tag} FETCH 0 (FLAGS)", "expect": {"any_of": [
                 {"label": "BAD", "status": "BAD"},
                 {"label": "NO (the BAD is a SHOULD)", "status": "NO", "warn": true}]}},
              {"id": "after", "send": "${tag} NOOP", "expect": {"status": "OK"}}]})j";
  f::fake_server bad(script("A001 BAD no such number\r\n"));
  auto rec = additions_run(additions_load(json), bad.port());
  INFO(additions_text(rec));
  CHECK(step(rec, "zero")->result == verdict::pass);
  CHECK(rec.result.result == verdict::pass);
  f::fake_server no(script("A001 NO no such number\r\n"));
  auto warned = additions_run(additions_load(json), no.port());
  INFO(additions_text(warned));
  CHECK(step(warned, "zero")->result == verdict::warn);
  CHECK(step(warned, "zero")->message == "any_of: alternative 2 (\"NO (the BAD is a SHOULD)\") held, a deviation from a SHOULD (warn)");
  REQUIRE(step(warned, "after") != nullptr);
  CHECK(step(warned, "after")->result == verdict::pass);
  CHECK(warned.result.result == verdict::warn);
}

TEST_CASE("several connections: steps interleave, each exchange and transcript entry names its connection") {
  // a appends (as far as the fake is concerned), b sees the new message with NOOP.
  f::fake_server a({f::send("* OK a ready\r\n"), f::expect_line("A001 SELECT INBOX"),
                    f::send("* 1 EXISTS\r\nA001 OK done\r\n"), f::expect_line("A003 APPEND INBOX {3}"), f::send("+ go\r\n"),
                    f::expect_line("abc"), f::send("A003 OK appended\r\n"), f::expect_line("A005 LOGOUT"),
                    f::send("* BYE\r\nA005 OK bye\r\n"), f::close()});
  f::fake_server b({f::send("* OK b ready\r\n"), f::expect_line("A002 SELECT INBOX"),
                    f::send("* 1 EXISTS\r\nA002 OK done\r\n"), f::expect_line("A004 NOOP"),
                    f::send("* 2 EXISTS\r\nA004 OK done\r\n"), f::expect_line("A006 NOOP"),
                    f::send("A006 OK done\r\n"), f::drain(1000)});
  auto sc = additions_load(R"j({"format": 1, "id": "t/two", "protocol": "imap",
    "connections": {"a": {"port": 143}, "b": {"port": 1143}},
    "steps": [{"conn": "a", "expect": {"untagged": ["* OK a*"]}},
              {"send": "${tag} SELECT INBOX", "expect": {"untagged": [{"parsed": "* $before EXISTS"}]}},
              {"conn": "b", "expect": {"untagged": ["* OK b*"]}},
              {"send": "${tag} SELECT INBOX"},
              {"conn": "a", "send": "${tag} APPEND INBOX {3}", "expect": {"untagged": ["+*"]}},
              {"send": "abc", "expect": {"status": "OK"}},
              {"conn": "b", "id": "noop", "send": "${tag} NOOP", "expect": {"untagged": [{"parsed": "* $after EXISTS"}],
                "assert": [{"that": "${cap.after}", "eq": 2}]}},
              {"conn": "a", "send": "${tag} LOGOUT", "expect": {"untagged": ["* BYE*"]}},
              {"expect_close": {"timeout_ms": 2000}},
              {"conn": "b", "send": "${tag} NOOP"}]})j");
  session::options opt;
  opt.map_port = [&](int port) { return port == 1143 ? b.port() : port; };
  auto rec = additions_run(sc, a.port(), opt);
  INFO(additions_text(rec));
  CHECK(a.mismatches().empty());
  CHECK(b.mismatches().empty());
  CHECK(rec.result.result == verdict::pass);
  // The last step went on after a's expect_close: b is still open.
  CHECK(rec.result.steps.size() == 10);
  std::vector<std::string> conns;
  for (const auto& ex : rec.exchanges) conns.push_back(ex.conn);
  CHECK(conns == std::vector<std::string>{"a", "a", "b", "b", "a", "a", "b", "a", "a", "b"});
  CHECK(rec.exchanges[2].greeting);  // b's first response is its greeting
  bool a_seen = false, b_seen = false;
  for (const auto& e : rec.result.log.entries()) {
    a_seen = a_seen || (e.conn == "a" && e.text.find("APPEND") != std::string::npos);
    b_seen = b_seen || (e.conn == "b" && e.text.find("* 2 EXISTS") != std::string::npos);
    CHECK((e.conn == "a" || e.conn == "b"));
  }
  CHECK(a_seen);
  CHECK(b_seen);
}

TEST_CASE("a one-connection scenario's record is as before: no connection names") {
  f::fake_server srv({f::send("+OK ready\r\n"), f::expect_line("QUIT"), f::send("+OK bye\r\n"), f::close()});
  auto rec = additions_run(additions_load(R"j({"format": 1, "id": "t/one", "protocol": "pop3", "connection": {"port": 110},
    "steps": [{"expect": {"status": "+OK"}}, {"send": "QUIT"}, {"expect_close": true}]})j"),
                 srv.port());
  CHECK(rec.result.result == verdict::pass);
  for (const auto& ex : rec.exchanges) CHECK(ex.conn.empty());
  for (const auto& e : rec.result.log.entries()) CHECK(e.conn.empty());
}

namespace {

const std::string scratch = "mailspec-r1-0";

// The fake reads a message the client sends line by line: one read_line per line of the
// bundled plain.eml, plus `extra` (the CRLF after an APPEND literal, the "." after DATA).
std::vector<f::action> read_plain_eml(int extra) {
  std::ifstream in(MAILSPEC_SOURCE_DIR "/scenarios/fixtures/plain.eml");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<f::action> out(static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n') + extra), f::read_line());
  return out;
}

f::script concat(std::initializer_list<std::vector<f::action>> parts) {
  f::script out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

f::script setup_script() {
  return concat({{f::send("* OK ready\r\n"),
                  f::expect_line("A001 LOGIN \"alice@lab.test\" \"" + std::string(additions_canary) + "\""),
                  f::send("A001 OK logged in\r\n"),
                  f::expect_line("A002 NAMESPACE"),
                  f::send("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\nA002 OK done\r\n"),
                  f::expect_line("A003 CREATE \"INBOX." + scratch + "\""),
                  f::send("A003 OK created\r\n"),
                  f::expect_line("A004 APPEND \"INBOX." + scratch + "\" (\\Seen) {*}"),
                  f::send("+ go\r\n")},
                 read_plain_eml(1),
                 {f::send("A004 OK [APPENDUID 9 1] appended\r\n"),
                  f::expect_line("A005 LOGOUT"),
                  f::send("* BYE\r\nA005 OK bye\r\n"),
                  f::close()}});
}

f::script cleanup_script() {
  return {f::send("* OK ready\r\n"),        f::expect_line("A*LOGIN *"),
          f::send("A007 OK logged in\r\n"), f::expect_line("A* LIST \"\" \"INBOX." + scratch + "*\""),
          f::send("* LIST () \".\" \"INBOX." + scratch + "\"\r\nA008 OK listed\r\n"),
          f::expect_line("A* DELETE \"INBOX." + scratch + "\""),
          f::send("A009 OK deleted\r\n"),   f::expect_line("A* LOGOUT"),
          f::send("* BYE\r\nA010 OK bye\r\n"), f::close()};
}

const char* fixture_scenario = R"j({"format": 1, "id": "t/fx", "protocol": "imap", "mutates": true,
  "connection": {"port": 993, "tls": "implicit"},
  "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true}},
  "fixtures": {"user": "${var.user}", "pass": "${var.pass}",
               "messages": [{"file": "../fixtures/plain.eml", "flags": ["\\Seen"]}]},
  "steps": [{"expect": {"untagged": ["* OK*"]}},
            {"id": "select", "send": "${tag} SELECT ${scratch.mailbox|imap_quote}", "expect": {"status": "OK",
              "untagged": [{"parsed": "* 1 EXISTS"}]}},
            {"id": "fetch", "send": "${tag} FETCH 1 (FLAGS ENVELOPE)", "expect": {"untagged": [
              {"parsed": "* 1 FETCH (FLAGS (\\Seen) ENVELOPE ($ \"mailspec fixture: plain text\" ((\"Alice Example\" NIL \"alice\" \"example.invalid\")) $*))"}]}}]})j";

}  // namespace

TEST_CASE("IMAP fixtures: a scratch mailbox with the messages before the steps, deleted afterwards") {
  f::script main = {f::send("* OK ready\r\n"),
                    f::expect_line("A006 SELECT \"INBOX." + scratch + "\""),
                    f::send("* 1 EXISTS\r\nA006 OK [READ-WRITE] done\r\n"),
                    f::expect_line("A007 FETCH 1 (FLAGS ENVELOPE)"),
                    f::send("* 1 FETCH (FLAGS (\\Seen) ENVELOPE (\"Mon, 07 Dec 2026 10:00:00 +0000\" \"mailspec fixture: plain "
                            "text\" ((\"Alice Example\" NIL \"alice\" \"example.invalid\")) NIL NIL NIL NIL NIL NIL NIL))\r\n"
                            "A007 OK done\r\n"),
                    f::drain(500)};
  f::script cleanup = {f::send("* OK ready\r\n"), f::expect_line("A008 LOGIN *"), f::send("A008 OK in\r\n"),
                       f::expect_line("A009 LIST \"\" \"INBOX." + scratch + "*\""),
                       f::send("* LIST () \".\" \"INBOX." + scratch + "\"\r\nA009 OK listed\r\n"),
                       f::expect_line("A010 DELETE \"INBOX." + scratch + "\""), f::send("A010 OK deleted\r\n"),
                       f::expect_line("A011 LOGOUT"), f::send("* BYE\r\nA011 OK bye\r\n"), f::close()};
  f::fake_server srv({}, tls_server({setup_script(), main, cleanup}));
  auto rec = additions_run(additions_load(fixture_scenario), srv.port());
  INFO(additions_text(rec));
  CHECK(srv.wait_done(std::chrono::seconds(5)));
  CHECK(srv.mismatches().empty());
  CHECK(rec.result.result == verdict::pass);
  REQUIRE(step(rec, "fixtures-setup"));
  CHECK(step(rec, "fixtures-setup")->message == "scratch mailbox INBOX." + scratch + " created, 1 message(s) appended");
  CHECK(step(rec, "fixtures-cleanup")->message == "scratch mailbox INBOX." + scratch + " deleted");
  // The fixture went as a literal with CRLF line ends; the password never shows.
  CHECK(srv.received().find("Subject: mailspec fixture: plain text\r\n") != std::string::npos);
  CHECK(additions_text(rec).find(additions_canary) == std::string::npos);
  CHECK(rec.exchanges.front().conn == "setup");
  CHECK(rec.exchanges.back().conn == "cleanup");
}

TEST_CASE("IMAP fixtures: the scratch mailbox is deleted when a step fails, and when the run is interrupted") {
  SECTION("a failing step") {
    f::script main = {f::send("* OK ready\r\n"), f::expect_line("A006 SELECT *"), f::send("A006 NO broken\r\n"), f::drain(500)};
    f::fake_server srv({}, tls_server({setup_script(), main, cleanup_script()}));
    auto rec = additions_run(additions_load(fixture_scenario), srv.port());
    INFO(additions_text(rec));
    CHECK(rec.result.result == verdict::fail);
    CHECK(step(rec, "fixtures-cleanup")->result == verdict::pass);
    CHECK(srv.received().find("DELETE \"INBOX." + scratch + "\"") != std::string::npos);
  }
  SECTION("SIGINT during a step (the stop flag)") {
    f::script main = {f::send("* OK ready\r\n"), f::expect_line("A006 SELECT *"), f::sleep_ms(6000)};
    f::fake_server srv({}, tls_server({setup_script(), main, cleanup_script()}));
    std::atomic<bool> stop{false};
    session::options opt;
    opt.stop = &stop;
    std::thread t([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      stop = true;
    });
    auto t0 = std::chrono::steady_clock::now();
    auto rec = additions_run(additions_load(fixture_scenario), srv.port(), opt);
    t.join();
    INFO(additions_text(rec));
    CHECK(rec.result.result == verdict::error);
    CHECK(rec.result.message == "interrupted");
    CHECK(step(rec, "fixtures-cleanup")->result == verdict::pass);
    CHECK(srv.received().find("DELETE \"INBOX." + scratch + "\"") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  }
}

TEST_CASE("IMAP fixtures: mailboxes a case made under its scratch mailbox are deleted first, deepest first") {
  f::script main = {f::send("* OK ready\r\n"), f::expect_line("A006 SELECT *"), f::send("A006 NO broken\r\n"), f::drain(500)};
  const std::string box = "INBOX." + scratch;
  f::script cleanup = {f::send("* OK ready\r\n"), f::expect_line("A007 LOGIN *"), f::send("A007 OK in\r\n"),
                       f::expect_line("A008 LIST \"\" \"" + box + "*\""),
                       f::send("* LIST () \".\" \"" + box + "\"\r\n* LIST () \".\" \"" + box + ".a\"\r\n"
                               "* LIST () \".\" {" + std::to_string(box.size() + 4) + "}\r\n" + box + ".a.b\r\n"
                               "* LIST () \".\" \"" + box + "0\"\r\nA008 OK listed\r\n"),
                       f::expect_line("A009 DELETE \"" + box + ".a.b\""), f::send("A009 OK deleted\r\n"),
                       f::expect_line("A010 DELETE \"" + box + ".a\""), f::send("A010 NO Mailbox doesn't exist\r\n"),
                       f::expect_line("A011 LIST *"), f::send("* LIST () \".\" \"" + box + "\"\r\nA011 OK listed\r\n"),
                       f::expect_line("A012 DELETE \"" + box + "\""), f::send("A012 OK deleted\r\n"),
                       f::expect_line("A013 LOGOUT"), f::send("* BYE\r\nA013 OK bye\r\n"), f::close()};
  f::fake_server srv({}, tls_server({setup_script(), main, cleanup}));
  auto rec = additions_run(additions_load(fixture_scenario), srv.port());
  INFO(additions_text(rec));
  CHECK(srv.wait_done(std::chrono::seconds(5)));
  CHECK(srv.mismatches().empty());
  REQUIRE(step(rec, "fixtures-cleanup"));
  CHECK(step(rec, "fixtures-cleanup")->result == verdict::pass);
  // a.b deleted; a refused, but the second LIST shows it went away with a.b (a Noselect level)
  CHECK(step(rec, "fixtures-cleanup")->message == "scratch mailbox " + box + " deleted (and 1 mailbox(es) under it)");
  CHECK(srv.received().find("DELETE \"" + box + "0\"") == std::string::npos);  // another case's name
}

// A case that failed between SUBSCRIBE and UNSUBSCRIBE: the clean-up lists the subscriptions at
// and under the scratch name and removes them (LIST (SUBSCRIBED) where LSUB is refused); a case
// that never sent SUBSCRIBE gets no such commands (the other fixture tests' scripts).
TEST_CASE("IMAP fixtures: subscriptions a failed case left at or under its scratch mailbox are removed") {
  const std::string box = "INBOX." + scratch;
  const char* json = R"j({"format": 1, "id": "t/sub", "protocol": "imap", "mutates": true,
    "connection": {"port": 993, "tls": "implicit"},
    "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true}},
    "fixtures": {"user": "${var.user}", "pass": "${var.pass}", "messages": [{"file": "../fixtures/plain.eml", "flags": ["\\Seen"]}]},
    "steps": [{"expect": {"untagged": ["* OK*"]}},
              {"id": "subscribe", "send": "${tag} SUBSCRIBE \"${scratch.mailbox}.s\"", "expect": {"status": "OK"}},
              {"id": "lsub", "send": "${tag} LSUB \"\" \"${scratch.mailbox}.s\"", "expect": {"status": "OK", "untagged": ["* LSUB *"]}}]})j";
  f::script main = {f::send("* OK ready\r\n"), f::expect_line("A006 SUBSCRIBE \"" + box + ".s\""), f::send("A006 OK done\r\n"),
                    f::expect_line("A007 LSUB *"), f::send("A007 OK nothing\r\n"), f::drain(500)};
  for (bool lsub : {true, false}) {
    f::script cleanup = {f::send("* OK ready\r\n"), f::expect_line("A008 LOGIN *"), f::send("A008 OK in\r\n"),
                         f::expect_line("A009 LIST \"\" \"" + box + "*\""),
                         f::send("* LIST () \".\" \"" + box + "\"\r\nA009 OK listed\r\n"),
                         f::expect_line("A010 DELETE \"" + box + "\""), f::send("A010 OK deleted\r\n")};
    // The name as an atom (Dovecot sends names without quotes), another case's name quoted.
    const std::string subs = "* LSUB () \".\" " + box + ".s\r\n* LSUB () \".\" \"" + box + "0\"\r\n";
    int tag = 11;
    auto t = [&tag] { return "A0" + std::to_string(tag); };
    cleanup.push_back(f::expect_line(t() + " LSUB \"\" \"" + box + "*\""));
    if (lsub) {
      cleanup.push_back(f::send(subs + t() + " OK listed\r\n"));
    } else {
      cleanup.push_back(f::send(t() + " BAD unknown command\r\n"));
      ++tag;
      cleanup.push_back(f::expect_line(t() + " LIST (SUBSCRIBED) \"\" \"" + box + "*\""));
      cleanup.push_back(f::send("* LIST (\\Subscribed \\NonExistent) \".\" \"" + box + ".s\"\r\n" + t() + " OK listed\r\n"));
    }
    ++tag;
    cleanup.push_back(f::expect_line(t() + " UNSUBSCRIBE \"" + box + ".s\""));
    cleanup.push_back(f::send(t() + " OK done\r\n"));
    ++tag;
    cleanup.push_back(f::expect_line(t() + " LOGOUT"));
    cleanup.push_back(f::send("* BYE\r\n" + t() + " OK bye\r\n"));
    cleanup.push_back(f::close());
    f::fake_server srv({}, tls_server({setup_script(), main, cleanup}));
    auto rec = additions_run(additions_load(json), srv.port());
    INFO(additions_text(rec));
    CHECK(srv.wait_done(std::chrono::seconds(5)));
    CHECK(srv.mismatches().empty());
    CHECK(rec.result.result == verdict::fail);  // the LSUB step: no subscription listed
    REQUIRE(step(rec, "fixtures-cleanup"));
    CHECK(step(rec, "fixtures-cleanup")->result == verdict::pass);
    CHECK(step(rec, "fixtures-cleanup")->message == "scratch mailbox " + box + " deleted, 1 subscription(s) removed");
    CHECK(srv.received().find("UNSUBSCRIBE \"" + box + "0\"") == std::string::npos);  // another case's name
  }
}

TEST_CASE("IMAP fixtures: a mailbox under the scratch mailbox that cannot be deleted makes the clean-up an error") {
  f::script main = {f::send("* OK ready\r\n"), f::expect_line("A006 SELECT *"), f::send("A006 NO broken\r\n"), f::drain(500)};
  const std::string box = "INBOX." + scratch;
  f::script cleanup = {f::send("* OK ready\r\n"), f::expect_line("A007 LOGIN *"), f::send("A007 OK in\r\n"),
                       f::expect_line("A008 LIST *"),
                       f::send("* LIST () \".\" \"" + box + ".k\"\r\nA008 OK listed\r\n"),
                       f::expect_line("A009 DELETE \"" + box + ".k\""), f::send("A009 NO [INUSE] busy\r\n"),
                       f::expect_line("A010 LIST *"),
                       f::send("* LIST () \".\" \"" + box + ".k\"\r\nA010 OK listed\r\n"),
                       f::expect_line("A011 DELETE \"" + box + "\""), f::send("A011 OK deleted\r\n"),
                       f::expect_line("A012 LOGOUT"), f::send("* BYE\r\nA012 OK bye\r\n"), f::close()};
  f::fake_server srv({}, tls_server({setup_script(), main, cleanup}));
  auto rec = additions_run(additions_load(fixture_scenario), srv.port());
  INFO(additions_text(rec));
  REQUIRE(step(rec, "fixtures-cleanup"));
  CHECK(step(rec, "fixtures-cleanup")->result == verdict::error);
  CHECK(step(rec, "fixtures-cleanup")->message.find("DELETE of " + box + ".k failed") != std::string::npos);
}

TEST_CASE("IMAP fixtures: NO [ALREADYEXISTS] to the CREATE of the case's unique name, and the mailbox empty: taken as the case's") {
  // Dovecot 2.3 (maildir) under concurrent CREATEs answers NO [ALREADYEXISTS] to a CREATE it carried out.
  f::script setup = {f::send("* OK ready\r\n"), f::expect_line("A001 LOGIN *"), f::send("A001 OK in\r\n"),
                     f::expect_line("A002 NAMESPACE"), f::send("A002 BAD unknown\r\n"),
                     f::expect_line("A003 CREATE \"mailspec-r1-0\""), f::send("A003 NO [ALREADYEXISTS] Mailbox already exists\r\n"),
                     f::expect_line("A004 STATUS \"mailspec-r1-0\" (MESSAGES)"),
                     f::send("* STATUS mailspec-r1-0 (MESSAGES 0)\r\nA004 OK done\r\n"),
                     f::expect_line("A005 APPEND \"mailspec-r1-0\" (\\Seen) {*}"), f::send("+ go\r\n")};
  for (const auto& a : read_plain_eml(1)) setup.push_back(a);
  for (const auto& a : {f::send("A005 OK appended\r\n"), f::expect_line("A006 LOGOUT"), f::send("* BYE\r\nA006 OK bye\r\n"),
                        f::close()})
    setup.push_back(a);
  f::script main = {f::send("* OK ready\r\n"), f::expect_line("A007 SELECT *"), f::send("A007 NO broken\r\n"), f::drain(500)};
  f::script cleanup = {f::send("* OK ready\r\n"), f::expect_line("A008 LOGIN *"), f::send("A008 OK in\r\n"),
                       f::expect_line("A009 LIST *"), f::send("A009 OK listed\r\n"),
                       f::expect_line("A010 DELETE \"mailspec-r1-0\""), f::send("A010 OK deleted\r\n"),
                       f::expect_line("A011 LOGOUT"), f::send("* BYE\r\nA011 OK bye\r\n"), f::close()};
  f::fake_server srv({}, tls_server({setup, main, cleanup}));
  auto rec = additions_run(additions_load(fixture_scenario), srv.port());
  INFO(additions_text(rec));
  CHECK(srv.wait_done(std::chrono::seconds(5)));
  CHECK(srv.mismatches().empty());
  REQUIRE(step(rec, "fixtures-setup"));
  CHECK(step(rec, "fixtures-setup")->result == verdict::pass);
  CHECK(step(rec, "fixtures-setup")->message.find("STATUS found it empty") != std::string::npos);
  CHECK(step(rec, "fixtures-cleanup")->result == verdict::pass);
}

TEST_CASE("IMAP fixtures: a mailbox the case could not create is never deleted") {
  f::script setup = {f::send("* OK ready\r\n"), f::expect_line("A001 LOGIN *"), f::send("A001 OK in\r\n"),
                     f::expect_line("A002 NAMESPACE"), f::send("A002 BAD unknown\r\n"), f::expect_line("A003 CREATE *"),
                     f::send("A003 NO [ALREADYEXISTS] exists\r\n"),
                     f::expect_line("A004 STATUS \"mailspec-r1-0\" (MESSAGES)"),
                     f::send("* STATUS \"mailspec-r1-0\" (MESSAGES 2)\r\nA004 OK done\r\n"), f::drain(500)};
  f::fake_server srv({}, tls_server({setup, cleanup_script()}));
  auto rec = additions_run(additions_load(fixture_scenario), srv.port());
  INFO(additions_text(rec));
  CHECK(rec.result.result == verdict::error);
  CHECK(step(rec, "fixtures-setup")->message.find("CREATE mailspec-r1-0 failed") != std::string::npos);
  CHECK(step(rec, "fixtures-cleanup") == nullptr);
  CHECK(srv.received().find("DELETE") == std::string::npos);
  CHECK(srv.received().find("SELECT") == std::string::npos);  // no step ran
}

TEST_CASE("SMTP fixtures: the messages are submitted before the steps") {
  f::script setup = concat({{f::send("220 fake\r\n"), f::expect_line("EHLO *"), f::send("250-fake\r\n250 AUTH PLAIN\r\n"),
                             f::expect_line("AUTH PLAIN *"), f::send("235 ok\r\n"),
                             f::expect_line("MAIL FROM:<alice@lab.test>"), f::send("250 ok\r\n"),
                             f::expect_line("RCPT TO:<bob@lab.test>"), f::send("250 ok\r\n"), f::expect_line("DATA"),
                             f::send("354 go\r\n")},
                            read_plain_eml(1),
                            {f::send("250 queued\r\n"), f::expect_line("QUIT"), f::send("221 bye\r\n"), f::close()}});
  f::script main = {f::send("220 fake\r\n"), f::expect_line("NOOP"), f::send("250 ok\r\n"), f::drain(500)};
  f::fake_server srv({}, tls_server({setup, main}));
  auto sc = additions_load(R"j({"format": 1, "id": "t/sfx", "protocol": "smtp", "mutates": true,
    "connection": {"port": 465, "tls": "implicit"},
    "vars": {"user": {"env": "T_USER"}, "pass": {"env": "T_PASS", "secret": true}},
    "fixtures": {"user": "${var.user}", "pass": "${var.pass}", "from": "${var.user}", "to": ["bob@lab.test"],
                 "messages": ["../fixtures/plain.eml"]},
    "steps": [{"expect": {"code": 220}}, {"send": "NOOP", "expect": {"code": 250}}]})j");
  auto rec = additions_run(sc, srv.port());
  INFO(additions_text(rec));
  CHECK(srv.mismatches().empty());
  CHECK(rec.result.result == verdict::pass);
  CHECK(step(rec, "fixtures-setup")->message == "1 message(s) submitted");
  // Dot-stuffed: the fixture's line ".A line that starts..." went as "..A line".
  CHECK(srv.received().find("\r\n..A line that starts with a dot") != std::string::npos);
  CHECK(additions_text(rec).find(additions_canary) == std::string::npos);
}

namespace {

// A POP3 server with one message whose RSET does nothing when `broken`.
f::script pop3_dele_rset(bool broken) {
  return {f::send("+OK ready\r\n"),
          f::expect_line("STAT"), f::send("+OK 2 300\r\n"),    // the scenario's own STAT
          f::expect_line("STAT"), f::send("+OK 2 300\r\n"),    // mailspec's, before DELE
          f::expect_line("DELE 1"), f::send("+OK marked\r\n"),
          f::expect_line("RSET"), f::send("+OK maildrop has 2 messages\r\n"),
          f::expect_line("STAT"), f::send(broken ? "+OK 1 180\r\n" : "+OK 2 300\r\n"),  // mailspec's, before QUIT
          f::read_line(),  // QUIT, when sent
          f::send("+OK bye\r\n"),
          f::drain(500)};
}

const char* dele_rset = R"j({"format": 1, "id": "t/dele", "protocol": "pop3", "connection": {"port": 110},
  "steps": [{"expect": {"status": "+OK"}},
            {"send": "STAT"},
            {"send": "DELE 1", "expect": {"status": "+OK"}},
            {"send": "RSET", "expect": {"status": "+OK"}},
            {"id": "quit", "send": "QUIT", "expect": {"status": "+OK"}}]})j";

}  // namespace

TEST_CASE("data safety: a POP3 RSET that did nothing gets no QUIT, a working one does") {
  f::fake_server broken(pop3_dele_rset(true));
  auto rec = additions_run(additions_load(dele_rset), broken.port());
  INFO(additions_text(rec));
  CHECK(broken.received().find("QUIT") == std::string::npos);
  CHECK(rec.result.result == verdict::fail);
  const auto* q = step(rec, "quit");
  REQUIRE(q);
  CHECK(q->result == verdict::fail);
  CHECK(q->expected == "before QUIT, the maildrop as it was before DELE (STAT 2 300)");
  CHECK(q->actual == "STAT 1 180");
  CHECK(q->message.find("QUIT not sent, the connection was dropped") != std::string::npos);

  f::fake_server good(pop3_dele_rset(false));
  auto ok = additions_run(additions_load(dele_rset), good.port());
  INFO(additions_text(ok));
  CHECK(ok.result.result == verdict::pass);
  CHECK(good.received().find("QUIT\r\n") != std::string::npos);
  // mailspec's own STATs are exchanges of the record like any other (rules see them).
  int stats = 0;
  for (const auto& ex : ok.exchanges) stats += ex.verb == "STAT";
  CHECK(stats == 3);
}

TEST_CASE("data safety: a command a ${...} value turns into EXPUNGE is not sent by a scenario without mutates") {
  f::fake_server srv({f::send("* OK ready\r\n"), f::read_line(), f::send("A001 OK done\r\n"), f::drain(500)});
  auto sc = additions_load(R"j({"format": 1, "id": "t/guard", "protocol": "imap", "connection": {"port": 143},
    "vars": {"cmd": {"env": "T_CMD"}},
    "steps": [{"expect": {"untagged": ["* OK*"]}}, {"id": "cmd", "send": "${tag} ${var.cmd}"}]})j");
  auto rec = additions_run(sc, srv.port());
  INFO(additions_text(rec));
  CHECK(srv.received().find("EXPUNGE") == std::string::npos);
  CHECK(step(rec, "cmd")->result == verdict::error);
  CHECK(step(rec, "cmd")->message.rfind("data safety: EXPUNGE removes messages for good", 0) == 0);
}
