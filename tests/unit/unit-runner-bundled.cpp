// Bundled scenarios end to end (runner: session, rules, case verdict) against fake servers that
// replay the exact bytes of servers other than the lab's Dovecot and Postfix (docs/interop.md):
// the library must not assume one server's namespace or text.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "fake_server.hpp"
#include "runner/runner.hpp"
#include "scenario/loader.hpp"
#include "test_ca.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

namespace {

// Runs one bundled scenario (path under scenarios/) through the runner, every well-known port
// mapped to the fake server's.
case_result run_bundled(const std::string& rel, int port) {
  // The runner resolves variables from the process environment, as `mailspec run` does.
  setenv("MAILSPEC_USER", "alice", 1);
  setenv("MAILSPEC_PASSWORD", "Interop-Pw-1", 1);
  setenv("MAILSPEC_FROM", "alice@interop.test", 1);
  setenv("MAILSPEC_RCPT", "alice@interop.test", 1);
  auto r = scenario::load_paths({std::string(MAILSPEC_SOURCE_DIR) + "/scenarios/" + rel});
  for (const auto& e : r.errors) FAIL(e.format());
  REQUIRE(r.scenarios.size() == 1);
  runner::run_options opt;
  opt.targets = {"127.0.0.1"};
  for (const auto& [name, p] : runner::service_ports()) opt.port_map[std::to_string(p)] = port;
  opt.connection.ca_file = f::test_ca().ca_cert;
  opt.allow_mutation = true;
  opt.jobs = 1;
  std::atomic<bool> stop{false};
  auto rep = runner::execute(r.scenarios, opt, stop, {});
  REQUIRE(rep.cases.size() == 1);
  return rep.cases.front();
}

std::string case_text(const case_result& c) {
  std::string s = std::string(to_string(c.result)) + " " + c.message + "\n";
  for (const auto& st : c.steps)
    s += "step " + st.id + ": " + std::string(to_string(st.result)) + " " + st.expected + " | " + st.actual + "\n";
  for (const auto& fd : c.findings)
    if (fd.result != verdict::pass && fd.result != verdict::info)
      s += "finding " + fd.rule + ": " + std::string(to_string(fd.result)) + " " + fd.actual + "\n";
  return s;
}

int count(const case_result& c, verdict v) {
  int n = 0;
  for (const auto& fd : c.findings) n += fd.result == v;
  return n;
}

const std::string cyrus_caps =
    "IMAP4rev1 LITERAL+ ID ENABLE ACL BINARY CATENATE CHILDREN CONDSTORE ESEARCH LIST-EXTENDED MOVE MULTIAPPEND "
    "NAMESPACE QRESYNC QUOTA SORT SPECIAL-USE UIDPLUS UNSELECT XLIST LOGINDISABLED AUTH=PLAIN AUTH=LOGIN IDLE";

}  // namespace

// Cyrus IMAP 3.6 (standard namespace): a user may not create a top-level mailbox ("NO Permission
// denied"); personal mailboxes live under the NAMESPACE prefix "INBOX.".
TEST_CASE("regression: imap/append-fetch-store-expunge creates its mailbox under the personal namespace (Cyrus)") {
  const std::string box = "\"INBOX.mailspec-*\"";
  f::script s = {
      f::send("* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE AUTH=PLAIN AUTH=LOGIN SASL-IR] imap.cyrus.interop.test "
              "Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready\r\n"),
      f::expect_line("A001 CAPABILITY"),
      f::send("* CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE NAMESPACE AUTH=PLAIN AUTH=LOGIN SASL-IR IDLE\r\n"
              "A001 OK Completed\r\n"),
      f::expect_line("A002 LOGIN \"alice\" *"),
      f::send("A002 OK [CAPABILITY " + cyrus_caps + "] User logged in SESSIONID=<cyrus-1-1>\r\n"),
      f::expect_line("A003 CAPABILITY"),
      f::send("* CAPABILITY " + cyrus_caps + "\r\nA003 OK Completed\r\n"),
      f::expect_line("A004 NAMESPACE"),
      f::send("* NAMESPACE ((\"INBOX.\" \".\")) ((\"user.\" \".\")) ((\"\" \".\"))\r\nA004 OK Completed\r\n"),
      f::expect_line("A005 CREATE " + box),
      f::send("A005 OK [MAILBOXID (6vvi4n5y5xh22yvbtzkk99q4)] Completed\r\n"),
      f::expect_line("A006 APPEND " + box + " (\\Seen) {98}"),
      f::send("+ go ahead\r\n"),
      f::expect_line("From: mailspec <mailspec@example.invalid>"),
      f::expect_line("Subject: mailspec append test"),
      f::expect_line(""),
      f::expect_line("Hello from mailspec."),
      f::expect_line(""),
      f::send("A006 OK [APPENDUID 1796157845 1] Completed\r\n"),
      f::expect_line("A007 SELECT " + box),
      f::send("* 1 EXISTS\r\n* 1 RECENT\r\n* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen)\r\n"
              "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen \\*)] Ok\r\n"
              "* OK [UIDVALIDITY 1796157845] Ok\r\n* OK [UIDNEXT 2] Ok\r\n* OK [HIGHESTMODSEQ 2] Ok\r\n"
              "A007 OK [READ-WRITE] Completed\r\n"),
      f::expect_line("A008 FETCH 1 (FLAGS ENVELOPE)"),
      f::send("* 1 FETCH (FLAGS (\\Recent \\Seen) ENVELOPE (NIL \"mailspec append test\" ((\"mailspec\" NIL "
              "\"mailspec\" \"example.invalid\")) ((\"mailspec\" NIL \"mailspec\" \"example.invalid\")) ((\"mailspec\" "
              "NIL \"mailspec\" \"example.invalid\")) NIL NIL NIL NIL NIL))\r\nA008 OK Completed (0.000 sec)\r\n"),
      f::expect_line("A009 FETCH 1 BODY.PEEK[]"),
      f::send("* 1 FETCH (BODY[] {98}\r\nFrom: mailspec <mailspec@example.invalid>\r\nSubject: mailspec append "
              "test\r\n\r\nHello from mailspec.\r\n)\r\nA009 OK Completed (0.000 sec)\r\n"),
      f::expect_line("A010 UID FETCH 1:* (UID FLAGS)"),
      f::send("* 1 FETCH (FLAGS (\\Recent \\Seen) UID 1)\r\nA010 OK Completed (0.000 sec)\r\n"),
      f::expect_line("A011 SEARCH SEEN"),
      f::send("* SEARCH 1\r\nA011 OK Completed (1 msgs in 0.000 secs)\r\n"),
      f::expect_line("A012 STORE 1 +FLAGS (\\Deleted)"),
      f::send("* 1 FETCH (FLAGS (\\Recent \\Deleted \\Seen))\r\nA012 OK Completed\r\n"),
      f::expect_line("A013 EXPUNGE"),
      f::send("* 1 EXPUNGE\r\nA013 OK [HIGHESTMODSEQ 4] Completed\r\n"),
      f::expect_line("A014 CLOSE"),
      f::send("A014 OK Completed\r\n"),
      f::expect_line("A015 DELETE " + box),
      f::send("A015 OK Completed\r\n"),
      f::expect_line("A016 LOGOUT"),
      f::send("* BYE LOGOUT received\r\nA016 OK Completed\r\n"),
      f::close()};
  f::server_options so;
  so.implicit_tls = true;
  f::fake_server srv(s, so);
  auto c = run_bundled("imap/append-fetch-store-expunge.json", srv.port());
  INFO(case_text(c));
  CHECK(srv.wait_done(std::chrono::seconds(5)));
  for (const auto& m : srv.mismatches()) INFO("fake mismatch: " << m);
  CHECK(srv.mismatches().empty());
  CHECK(c.result == verdict::pass);
}

// A port-25 scenario keeps its MX role when --port maps it elsewhere (the rules read it).
TEST_CASE("regression: a port-25 scenario records the smtp (MX) service whatever port it runs on") {
  f::fake_server srv({f::send("220 mx.opensmtpd.interop.test ESMTP OpenSMTPD\r\n"), f::expect_line("EHLO *"),
                      f::send("250-mx.opensmtpd.interop.test Hello mailspec.invalid [127.0.0.1], pleased to meet "
                              "you\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 36700160\r\n250-DSN\r\n"
                              "250 HELP\r\n"),
                      f::expect_line("QUIT"), f::send("221 2.0.0 Bye\r\n"), f::close()});
  auto c = run_bundled("smtp/ehlo.json", srv.port());
  INFO(case_text(c));
  CHECK(c.result == verdict::pass);
  CHECK(c.target.service == "smtp");
  CHECK(count(c, verdict::warn) == 0);  // no STARTTLS on an MX is info (tls/starttls/offered)
}

// A throttled connection is untested (docs/architecture.md): Exim 4.96 with smtp_accept_max_per_host
// greets a second connection with 421 and closes; IMAP and POP3 servers refuse with a BYE greeting,
// a POP3 -ERR [IN-USE]/[SYS/TEMP], or (Courier) by closing before the greeting. Each bundled
// scenario must end as error, never fail.
TEST_CASE("regression: a throttled greeting (421, * BYE, -ERR [SYS/TEMP], close) is an error, not a fail") {
  struct row {
    const char* scenario;
    std::string greeting;
  };
  const row rows[] = {
      {"smtp/vrfy.json", "421 Too many concurrent SMTP connections from this IP address; please try again later.\r\n"},
      {"imap/greeting.json", "* BYE Too many connections from your address, try again later\r\n"},
      {"pop3/greeting.json", "-ERR [SYS/TEMP] Too many connections, try again later\r\n"},
      // Courier 5.0 (couriertcpd -maxperip=4 on POP3): the fifth connection is closed at once.
      {"pop3/stls-user-pass.json", ""},
      {"imap/greeting.json", ""},
  };
  for (const auto& r : rows) {
    INFO(r.scenario);
    f::fake_server srv(r.greeting.empty() ? f::script{f::close()} : f::script{f::send(r.greeting), f::close()});
    auto c = run_bundled(r.scenario, srv.port());
    INFO(case_text(c));
    REQUIRE(!c.steps.empty());
    CHECK(c.steps.front().result == verdict::error);
    CHECK(c.result == verdict::error);
    CHECK(count(c, verdict::fail) == 0);
  }
}

// RFC 9051 §7.5.4 fixes no order for the STATUS items: a reply in another order than asked (here
// Courier's bytes with the items reordered) must match the scenario as well as the asked order.
TEST_CASE("regression: imap/status accepts the STATUS items in any order") {
  for (const std::string items : {"MESSAGES 1 UIDNEXT 2 UIDVALIDITY 796157997 UNSEEN 0",
                                  "UIDVALIDITY 796157997 UNSEEN 0 UIDNEXT 2 MESSAGES 1"}) {
    INFO(items);
    f::server_options so;
    so.implicit_tls = true;
    f::fake_server srv({f::send("* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE IDLE AUTH=PLAIN] Courier-IMAP "
                                "ready. Copyright 1998-2019 Double Precision, Inc.\r\n"),
                        f::expect_line("A001 CAPABILITY"),
                        f::send("* CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE IDLE AUTH=PLAIN\r\n"
                                "A001 OK CAPABILITY completed\r\n"),
                        f::expect_line("A002 LOGIN *"), f::send("A002 OK LOGIN Ok.\r\n"),
                        f::expect_line("A003 STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"),
                        f::send("* STATUS \"INBOX\" (" + items + ")\r\nA003 OK STATUS Completed.\r\n"),
                        f::expect_line("A004 LOGOUT"),
                        f::send("* BYE Courier-IMAP server shutting down\r\nA004 OK LOGOUT completed\r\n"), f::close()},
                       so);
    auto c = run_bundled("imap/status.json", srv.port());
    INFO(case_text(c));
    CHECK(c.result == verdict::pass);
  }
}
