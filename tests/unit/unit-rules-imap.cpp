// Pass and fail fixtures for every IMAP rule (RFC 9051, 3501, 5530).
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

namespace rules_fixture {
namespace {

const turn G{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"};
const turn G_NOLD{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"};
const std::string SELECT_OK =
    "* FLAGS (\\Seen)\r\n* 2 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42] ok\r\na1 OK [READ-WRITE] done\r\n";

turn cmd(const std::string& c, const std::string& reply, bool tls = false, bool closed = false) {
  return {c, reply, tls, closed};
}
std::function<record()> i(std::vector<turn> t) {
  return [t] { return imap_session(t); };
}

}  // namespace

const std::vector<rule_case>& imap_cases() {
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
  };
  return cases;
}

}  // namespace rules_fixture
