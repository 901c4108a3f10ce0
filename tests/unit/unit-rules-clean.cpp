// Realistic dialogues of well-behaved servers (shaped like Postfix and Dovecot) raise no
// fail or warn, and hostile input never makes a rule throw.
#include <catch2/catch.hpp>

#include <random>

#include "rules_fixture.hpp"

using namespace rules_fixture;
using mailspec::verdict;

namespace {

void require_clean(const record& rec) {
  int passes = 0;
  for (const auto& f : mailspec::rules::judge(rec, mailspec::rules::judge_options{true, {}, {}, 10})) {
    INFO(f.rule << ": " << to_string(f.result) << " expected " << f.expected << " actual " << f.actual << " "
                << f.message);
    CHECK((f.result == verdict::pass || f.result == verdict::info));
    passes += f.result == verdict::pass;
  }
  CHECK(passes > 10);
}

const std::string EHLO_TAIL = "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

}  // namespace

TEST_CASE("a Postfix-like submission dialogue is clean") {
  auto rec = smtp_session({
      {"", "220 mx.example ESMTP Postfix (Debian/GNU)\r\n"},
      {"EHLO client.example",
       "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n" + EHLO_TAIL},
      {"STARTTLS", "220 2.0.0 Ready to start TLS\r\n"},
      {"EHLO client.example",
       "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-AUTH PLAIN LOGIN\r\n" +
           EHLO_TAIL,
       true},
      {"AUTH PLAIN AHVAcA==", "235 2.7.0 Authentication successful\r\n", true},
      {"MAIL FROM:<a@example.org> SIZE=300 BODY=8BITMIME", "250 2.1.0 Ok\r\n", true},
      {"RCPT TO:<c@example.org>", "250 2.1.5 Ok\r\n", true},
      {"DATA", "354 End data with <CR><LF>.<CR><LF>\r\n", true},
      {"<message body, 40 bytes>", "250 2.0.0 Ok: queued as 4ABCD\r\n", true, false, false, "DATA-BODY"},
      {"MAIL FROM:<a@example.org>\r\nRCPT TO:<c@example.org>\r\nRSET", "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n",
       true},
      {"NOOP", "250 2.0.0 Ok\r\n", true},
      {"QUIT", "221 2.0.0 Bye\r\n", true},
      {"", "", true, true},
  });
  require_clean(with_tls(rec, good_tls()));
}

TEST_CASE("a Dovecot-like IMAP dialogue is clean") {
  const std::string pre = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+";
  auto rec = imap_session({
      {"", "* OK [CAPABILITY " + pre + " STARTTLS LOGINDISABLED] Dovecot (Debian) ready.\r\n"},
      {"a1 CAPABILITY", "* CAPABILITY " + pre + " STARTTLS LOGINDISABLED\r\na1 OK Pre-login capabilities listed.\r\n"},
      {"a2 LOGIN u p", "* BAD [ALERT] Plaintext authentication not allowed without SSL/TLS\r\n"
                       "a2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure connections.\r\n"},
      {"a3 STARTTLS", "a3 OK Begin TLS negotiation now.\r\n"},
      {"a4 CAPABILITY", "* CAPABILITY " + pre + " AUTH=PLAIN\r\na4 OK Pre-login capabilities listed.\r\n", true},
      {"a5 LOGIN u p", "a5 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in\r\n", true},
      {"a6 SELECT INBOX",
       "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
       "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
       "* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 3] Predicted next UID\r\n"
       "a6 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n",
       true},
      {"a7 UID FETCH 1:* (FLAGS)",
       "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 FETCH (UID 2 FLAGS ())\r\na7 OK Fetch completed.\r\n", true},
      {"a8 FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
       "* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {14}\r\nSubject: x\r\n\r\n)\r\na8 OK Fetch completed.\r\n", true},
      {"a9 LOGOUT", "* BYE Logging out\r\na9 OK Logout completed.\r\n", true, true},
  });
  require_clean(with_tls(rec, good_tls()));
}

TEST_CASE("a Dovecot-like POP3 dialogue is clean") {
  const std::string caps = "CAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n";
  auto rec = pop3_session({
      {"", "+OK Dovecot (Debian) ready.\r\n"},
      {"CAPA", "+OK\r\n" + caps + "STLS\r\nSASL\r\n.\r\n"},
      {"USER u", "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n"},
      {"STLS", "+OK Begin TLS negotiation now.\r\n"},
      {"CAPA", "+OK\r\n" + caps + "USER\r\nSASL PLAIN LOGIN\r\n.\r\n", true},
      {"USER u", "+OK\r\n", true},
      {"PASS p", "+OK Logged in.\r\n", true},
      {"STAT", "+OK 1 500\r\n", true},
      {"LIST", "+OK 1 messages:\r\n1 500\r\n.\r\n", true},
      {"UIDL", "+OK\r\n1 00000001652a1b2c\r\n.\r\n", true},
      {"RETR 1", "+OK 500 octets\r\nSubject: x\r\n\r\n..dot line\r\n.\r\n", true},
      {"QUIT", "+OK Logging out.\r\n", true, true},
  });
  require_clean(with_tls(rec, good_tls()));
}

TEST_CASE("hostile server bytes never make a rule throw") {
  std::mt19937 rng(20261128);
  const char* alphabet[] = {"250", "-", " ", "\r\n", "\n", "\r", "*", "a1", "OK", "NO", "{", "}", "3", "+OK",
                            "-ERR", ".", "[", "]", "SIZE", "AUTH", "5.9.99999999999", "99999999999999999999",
                            "FETCH", "UID", "CAPABILITY", "STARTTLS", "\x80", "\x01"};
  const char* commands[] = {"", "EHLO x", "MAIL FROM:<a@b> SIZE=99999999999999999999999", "RCPT TO:<x>", "DATA",
                            "a1 UID FETCH 1:*", "a1 SELECT INBOX", "CAPA", "LIST", "STLS", "a1 LOGIN u p", "QUIT"};
  for (int round = 0; round < 300; ++round) {
    std::vector<turn> turns;
    for (int k = 0; k < 4; ++k) {
      std::string bytes;
      for (int n = 0; n < 30; ++n) bytes += alphabet[rng() % (sizeof alphabet / sizeof *alphabet)];
      turns.push_back({commands[rng() % (sizeof commands / sizeof *commands)], bytes, k > 1, false, rng() % 5 == 0});
    }
    for (const char* proto : {"smtp", "pop3", "imap"}) {
      auto f = good_tls();
      f.leaf->signature_algorithm = alphabet[rng() % 5];
      auto rec = with_tls(session(proto, turns), f);
      for (const auto& x : mailspec::rules::judge(rec)) {
        INFO(x.rule << ": " << x.message);
        REQUIRE(x.result != verdict::error);
      }
    }
  }
}

// A scenario with several connections (docs/scenario-format.md): the exchanges of connections a
// and b interleave in the record. LOGOUT/QUIT on a, then b answers, then a closes: the closing
// rules judge a's close on a alone (they took b's answer for a's before).
TEST_CASE("closing rules judge each connection of a scenario on its own") {
  struct proto_case {
    std::string proto, rule;
    turn greeting, closing, other;
  };
  const std::vector<proto_case> cases = {
      {"imap", "imap/rfc9051/6.1.3/logout-close", {"", "* OK ready\r\n"}, cmd("a1 LOGOUT", "* BYE bye\r\na1 OK done\r\n"),
       cmd("a2 NOOP", "a2 OK still here\r\n")},
      {"pop3", "pop3/rfc1939/6/quit-close", {"", "+OK ready\r\n"}, cmd("QUIT", "+OK bye\r\n"), cmd("NOOP", "+OK\r\n")},
      {"smtp", "smtp/rfc5321/4.1.1.10/quit-close", {"", "220 mx ESMTP\r\n"}, cmd("QUIT", "221 bye\r\n"),
       cmd("NOOP", "250 2.0.0 Ok\r\n")},
  };
  for (const auto& pc : cases) {
    INFO(pc.rule);
    const turn closed{"", "", false, true};
    auto rec = session(pc.proto, {pc.greeting, pc.greeting, pc.closing, pc.other, closed});
    const char* conns[] = {"a", "b", "a", "b", "a"};
    for (std::size_t i = 0; i < rec.exchanges.size(); ++i) rec.exchanges[i].conn = conns[i];
    auto fs = findings_of(rec, pc.rule);
    REQUIRE(fs.size() == 1);
    CHECK(fs.front().result == verdict::pass);
    // The same record where a answers after the close-worthy reply: still caught.
    auto kept = session(pc.proto, {pc.greeting, pc.greeting, pc.closing, pc.other, pc.other});
    const char* kept_conns[] = {"a", "b", "a", "b", "a"};
    for (std::size_t i = 0; i < kept.exchanges.size(); ++i) kept.exchanges[i].conn = kept_conns[i];
    auto broken = findings_of(kept, pc.rule);
    REQUIRE(broken.size() == 1);
    CHECK(broken.front().result == verdict::fail);
  }
}
