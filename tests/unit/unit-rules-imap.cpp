// Pass and fail fixtures for every IMAP rule (RFC 9051, 3501, 5530).
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

namespace rules_fixture {
// The turns and record builders of this file's table (named: the unity build puts all the
// fixture files in one translation unit, and each has its own greeting G).
namespace imap_table {

const turn G{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"};
const turn G_NOLD{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"};
const std::string SELECT_OK =
    "* FLAGS (\\Seen)\r\n* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42] ok\r\na1 OK [READ-WRITE] done\r\n";

std::function<record()> i(std::vector<turn> t) {
  return [t] { return imap_session(t); };
}

// The state model's fixtures: a selected mailbox of 3 messages, UIDs 1-3, UIDNEXT 4.
std::string select_ok(const std::string& exists = "3", const std::string& uidnext = "4",
                      const std::string& uidvalidity = "42", const std::string& done = "[READ-WRITE] done") {
  return "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
         "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] ok\r\n* " +
         exists + " EXISTS\r\n* OK [UIDVALIDITY " + uidvalidity + "] ok\r\n* OK [UIDNEXT " + uidnext +
         "] ok\r\na1 OK " + done + "\r\n";
}
const turn SEL{"a1 SELECT INBOX", select_ok()};
const std::string FETCH3 =
    "* 1 FETCH (UID 1 FLAGS ())\r\n* 2 FETCH (UID 2 FLAGS (\\Seen))\r\n* 3 FETCH (UID 3 FLAGS ())\r\na2 OK done\r\n";
std::function<record()> sel(std::vector<turn> t) {
  t.insert(t.begin(), SEL);
  t.insert(t.begin(), G);
  return [t] { return imap_session(t); };
}

}  // namespace imap_table

const std::vector<rule_case>& imap_cases() {
  using namespace imap_table;
  static const std::vector<rule_case> cases = {
      {"imap/rfc9051/7/response-grammar", i({G}), i({G, cmd("a1 NOOP", "hello\r\na1 OK done\r\n")})},
      {"imap/rfc9051/9/text-bytes", i({G, cmd("a1 NOOP", "a1 OK caf\xc3\xa9 done\r\n")}),
       i({G, cmd("a1 NOOP", std::string("a1 OK a\0b\r\n", 11))})},
      {"imap/rfc9051/2.2/crlf-line-endings", i({G}), i({{"", "* OK ready\n"}})},
      {"imap/rfc9051/4.3/literal-syntax", i({G, cmd("a1 FETCH 1 BODY[]", "* 1 FETCH (BODY[] {5}\r\nhello)\r\na1 OK done\r\n")}),
       i({G, cmd("a1 FETCH 1 BODY[]", "* 1 FETCH (BODY[] {+}\r\na1 OK done\r\n")})},
      {"imap/rfc9051/2.2.2/tagged-completion", i({G, cmd("a1 NOOP", "a1 OK done\r\n")}),
       i({G, cmd("a1 NOOP", "a2 OK done\r\n")})},
      {"imap/rfc9051/7.1/tagged-status", i({G, cmd("a1 NOOP", "a1 OK done\r\n")}),
       i({G, cmd("a1 NOOP", "a1 PREAUTH done\r\n")})},
      {"imap/rfc9051/7.1/greeting-status", i({G}), i({{"", "* NO go away\r\n"}})},
      {"imap/rfc9051/7.2.2/capability-imap4rev", i({G}), i({{"", "* OK [CAPABILITY STARTTLS] ready\r\n"}})},
      {"imap/rfc9051/7.1/response-code-args", i({G, cmd("a1 SELECT INBOX", SELECT_OK)}),
       i({G, cmd("a1 SELECT INBOX", "* OK [UIDVALIDITY 0] x\r\na1 OK done\r\n")})},
      {"imap/rfc9051/6.1.1/capability-response", i({G, cmd("a1 CAPABILITY", "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n")}),
       i({G, cmd("a1 CAPABILITY", "a1 OK done\r\n")})},
      {"imap/rfc9051/6.2.1/no-starttls-after-tls",
       i({G, cmd("a1 STARTTLS", "a1 OK go\r\n"), cmd("a2 CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK done\r\n", true)}),
       i({G, cmd("a1 STARTTLS", "a1 OK go\r\n"), cmd("a2 CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS\r\na2 OK done\r\n", true)})},
      {"imap/rfc3501/6.2.3/logindisabled-honoured", i({G, cmd("a1 LOGIN u p", "a1 NO [PRIVACYREQUIRED] no\r\n")}),
       i({G, cmd("a1 LOGIN u p", "a1 OK welcome\r\n")})},
      {"imap/rfc3501/6.2.3/logindisabled-advertised", i({G, cmd("a1 LOGIN u p", "a1 NO [PRIVACYREQUIRED] no\r\n")}),
       i({G_NOLD, cmd("a1 LOGIN u p", "a1 NO [PRIVACYREQUIRED] no\r\n")})},
      {"imap/rfc3501/6.2.3/login-before-tls", i({G, cmd("a1 LOGIN u p", "a1 NO [PRIVACYREQUIRED] no\r\n")}),
       i({G_NOLD, cmd("a1 LOGIN u p", "a1 OK welcome\r\n")})},
      {"imap/rfc9051/6.2.3/plaintext-login-before-tls",
       i({G, cmd("a1 CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na1 OK done\r\n")}),
       i({G, cmd("a1 CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN AUTH=LOGIN\r\na1 OK done\r\n")})},
      {"imap/rfc9051/6.3.2/select-responses", i({G, cmd("a1 SELECT INBOX", SELECT_OK)}),
       i({G, cmd("a1 SELECT INBOX", "* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY 42] ok\r\na1 OK done\r\n")})},
      {"imap/rfc3501/6.3.1/select-recent", i({G, cmd("a1 SELECT INBOX", SELECT_OK)}),
       i({G, cmd("a1 SELECT INBOX", "* FLAGS (\\Seen)\r\n* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\na1 OK done\r\n")})},
      {"imap/rfc9051/6.4.9/uid-fetch-includes-uid",
       i({G, cmd("a1 UID FETCH 1:* (FLAGS)", "* 1 FETCH (UID 5 FLAGS ())\r\na1 OK done\r\n")}),
       i({G, cmd("a1 UID FETCH 1:* (FLAGS)", "* 1 FETCH (FLAGS ())\r\na1 OK done\r\n")})},
      {"imap/rfc9051/2.3.1.1/uid-strictly-ascending",
       i({G, cmd("a1 FETCH 1:2 (UID)", "* 1 FETCH (UID 5)\r\n* 2 FETCH (UID 7)\r\na1 OK done\r\n")}),
       i({G, cmd("a1 FETCH 1:2 (UID)", "* 1 FETCH (UID 7)\r\n* 2 FETCH (UID 5)\r\na1 OK done\r\n")})},
      {"imap/rfc9051/6.1.3/logout-bye", i({G, cmd("a1 LOGOUT", "* BYE bye\r\na1 OK done\r\n", false, true)}),
       i({G, cmd("a1 LOGOUT", "a1 OK done\r\n", false, true)})},
      {"imap/rfc9051/6.1.3/logout-close", i({G, cmd("a1 LOGOUT", "* BYE bye\r\na1 OK done\r\n", false, true)}),
       i({G, cmd("a1 LOGOUT", "* BYE bye\r\na1 OK done\r\n"), cmd("a2 NOOP", "a2 OK still here\r\n")})},
      {"imap/rfc5530/3/auth-failure-code", i({G, cmd("a1 LOGIN u p", "a1 NO [AUTHENTICATIONFAILED] no\r\n")}),
       i({G, cmd("a1 LOGIN u p", "a1 NO bad\r\n")})},
      {"imap/rfc5530/3/privacyrequired-plaintext", i({G, cmd("a1 LOGIN u p", "a1 NO [PRIVACYREQUIRED] no\r\n")}),
       i({G, cmd("a1 STARTTLS", "a1 OK go\r\n"), cmd("a2 LOGIN u p", "a2 NO [PRIVACYREQUIRED] no\r\n", true)})},
      // The state model (imap_rfc9051_state.cpp, imap_rfc9051_store.cpp, imap_rfc7162_state.cpp).
      {"imap/rfc9051/2.3.1.1/uid-below-uidnext", sel({cmd("a2 UID FETCH 1:* (UID FLAGS)", FETCH3)}),
       i({G, {"a1 SELECT INBOX", select_ok("3", "1")}, cmd("a2 UID FETCH 1:* (UID FLAGS)", FETCH3)})},
      {"imap/rfc9051/2.3.1.1/uid-stable",
       sel({cmd("a2 FETCH 1 (UID)", "* 1 FETCH (UID 1)\r\na2 OK done\r\n"),
            cmd("a3 FETCH 1 (UID)", "* 1 FETCH (UID 1)\r\na3 OK done\r\n")}),
       sel({cmd("a2 FETCH 1 (UID)", "* 1 FETCH (UID 1)\r\na2 OK done\r\n"),
            cmd("a3 FETCH 1 (UID)", "* 1 FETCH (UID 9)\r\na3 OK done\r\n")})},
      {"imap/rfc9051/2.3.1.1/uidvalidity-never-decreases",
       sel({{"a1 EXAMINE INBOX", select_ok("3", "4", "42", "[READ-ONLY] done")}}),
       sel({{"a1 EXAMINE INBOX", select_ok("3", "4", "41", "[READ-ONLY] done")}})},
      {"imap/rfc9051/6.4.9/uid-fetch-in-set",
       sel({cmd("a2 UID FETCH 2 (UID RFC822.SIZE)", "* 2 FETCH (UID 2 RFC822.SIZE 100)\r\na2 OK done\r\n")}),
       sel({cmd("a2 UID FETCH 2 (UID RFC822.SIZE)", "* 3 FETCH (UID 3 RFC822.SIZE 100)\r\na2 OK done\r\n")})},
      {"imap/rfc9051/2.3.1.2/seq-within-exists", sel({cmd("a2 SEARCH ALL", "* SEARCH 1 2 3\r\na2 OK done\r\n")}),
       sel({cmd("a2 SEARCH ALL", "* SEARCH 2 3 4\r\na2 OK done\r\n")})},
      {"imap/rfc9051/7.5.1/expunge-within-exists", sel({cmd("a2 EXPUNGE", "* 3 EXPUNGE\r\na2 OK done\r\n")}),
       sel({cmd("a2 EXPUNGE", "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\na2 OK done\r\n")})},
      {"imap/rfc9051/7.5.1/no-expunge-during-fetch-store-search",
       sel({cmd("a2 FETCH 1 (FLAGS)", "* 1 FETCH (FLAGS ())\r\na2 OK done\r\n")}),
       sel({cmd("a2 FETCH 1 (FLAGS)", "* 3 EXPUNGE\r\n* 1 FETCH (FLAGS ())\r\na2 OK done\r\n")})},
      {"imap/rfc9051/6.4.4/search-all-every-message", sel({cmd("a2 SEARCH ALL", "* SEARCH 1 2 3\r\na2 OK done\r\n")}),
       sel({cmd("a2 SEARCH ALL", "* SEARCH 1 2\r\na2 OK done\r\n"), cmd("a3 NOOP", "a3 OK done\r\n")})},
      {"imap/rfc9051/6.4.5/fetch-all-every-message", sel({cmd("a2 UID FETCH 1:* (UID FLAGS)", FETCH3)}),
       i({G, {"a1 SELECT INBOX", select_ok("8")}, cmd("a2 UID FETCH 1:* (UID FLAGS)", FETCH3)})},
      {"imap/rfc9051/6.3.3/examine-read-only", i({G, {"a1 EXAMINE INBOX", select_ok("3", "4", "42", "[READ-ONLY] ok")}}),
       i({G, {"a1 EXAMINE INBOX", select_ok("3", "4", "42", "[READ-WRITE] ok")}})},
      {"imap/rfc9051/6.3.2/select-read-write", i({G, SEL}), i({G, {"a1 SELECT INBOX", select_ok("3", "4", "42", "done")}})},
      {"imap/rfc9051/6.4.6/store-returns-flags",
       sel({cmd("a2 STORE 1 +FLAGS (\\Deleted)", "* 1 FETCH (FLAGS (\\Seen \\Deleted))\r\na2 OK done\r\n")}),
       sel({cmd("a2 STORE 1 +FLAGS (\\Deleted)", "* 1 FETCH (FLAGS (\\Seen))\r\na2 OK done\r\n")})},
      {"imap/rfc7162/3.1/modseq-never-decreases",
       sel({cmd("a2 FETCH 1 (MODSEQ)", "* 1 FETCH (MODSEQ (5))\r\na2 OK done\r\n"),
            cmd("a3 FETCH 1 (MODSEQ)", "* 1 FETCH (MODSEQ (7))\r\na3 OK done\r\n")}),
       sel({cmd("a2 FETCH 1 (MODSEQ)", "* 1 FETCH (MODSEQ (5))\r\na2 OK done\r\n"),
            cmd("a3 FETCH 1 (MODSEQ)", "* 1 FETCH (MODSEQ (3))\r\na3 OK done\r\n")})},
  };
  return cases;
}

}  // namespace rules_fixture
