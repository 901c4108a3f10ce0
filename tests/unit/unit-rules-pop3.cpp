// Pass and fail fixtures for every POP3 rule (RFC 1939, 2449, 2595).
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

namespace rules_fixture {
// The turns and record builders of this file's table (named: the unity build puts all the
// fixture files in one translation unit, and each has its own greeting G).
namespace pop3_table {

const turn G{"", "+OK POP3 ready\r\n"};

turn capa(const std::string& lines, bool tls = false) { return {"CAPA", "+OK\r\n" + lines + ".\r\n", tls}; }
std::function<record()> p(std::vector<turn> t) {
  return [t] { return pop3_session(t); };
}

const std::string LIST2 = "+OK\r\n1 120\r\n2 200\r\n.\r\n";
const std::string UIDL2 = "+OK\r\n1 abc\r\n2 def\r\n.\r\n";
const std::string MSG = "Subject: x\r\nFrom: y\r\n\r\none\r\ntwo\r\nthree\r\n";

}  // namespace pop3_table

const std::vector<rule_case>& pop3_cases() {
  using namespace pop3_table;
  static const std::vector<rule_case> cases = {
      {"pop3/rfc1939/3/status-indicator", p({G}), p({{"", "* OK ready\r\n"}})},
      {"pop3/rfc1939/3/crlf-line-endings", p({G}), p({{"", "+OK ready\n"}})},
      {"pop3/rfc1939/3/multiline-terminated", p({G, cmd("LIST", "+OK\r\n1 100\r\n.\r\n")}),
       p({G, {"LIST", "+OK\r\n1 100\r\n", false, true}})},
      {"pop3/rfc1939/3/dot-stuffing", p({G, cmd("RETR 1", "+OK\r\n..hidden\r\n.\r\n")}),
       p({G, cmd("RETR 1", "+OK\r\n.hidden\r\n.\r\n")})},
      {"pop3/rfc1939/4/greeting-ok", p({G}), p({{"", "-ERR busy\r\n"}})},
      {"pop3/rfc2449/3/status-line-bytes", p({G}), p({{"", "+OK ready \xc3\x28\r\n"}})},
      {"pop3/rfc1939/3/response-length", p({G}), p({G, cmd("NOOP", "+OK " + std::string(600, 'a') + "\r\n")})},
      {"pop3/rfc1939/5/stat-format", p({G, cmd("STAT", "+OK 2 320\r\n")}), p({G, cmd("STAT", "+OK two\r\n")})},
      {"pop3/rfc1939/5/scan-listing", p({G, cmd("LIST", "+OK\r\n1 100\r\n2 200\r\n.\r\n")}),
       p({G, cmd("LIST", "+OK\r\n1 abc\r\n.\r\n")})},
      {"pop3/rfc1939/7/uidl-format", p({G, cmd("UIDL", "+OK\r\n1 abc\r\n.\r\n")}),
       p({G, cmd("UIDL", "+OK\r\n1 " + std::string(80, 'x') + "\r\n.\r\n")})},
      {"pop3/rfc2449/5/capa-format", p({G, capa("USER\r\nSTLS\r\n")}), p({G, capa(" SASL\r\n")})},
      {"pop3/rfc2449/8/resp-code-syntax", p({G, cmd("PASS x", "-ERR [AUTH] bad\r\n")}),
       p({G, cmd("PASS x", "-ERR [] bad\r\n")})},
      {"pop3/rfc2449/8/resp-codes-advertised",
       p({G, capa("USER\r\nRESP-CODES\r\n"), cmd("PASS x", "-ERR [IN-USE] busy\r\n")}),
       p({G, capa("USER\r\n"), cmd("PASS x", "-ERR [IN-USE] busy\r\n")})},
      {"pop3/rfc2449/6.5/login-delay-syntax", p({G, capa("LOGIN-DELAY 900\r\n")}),
       p({G, capa("LOGIN-DELAY soon\r\n")})},
      {"pop3/rfc2449/6.7/expire-syntax", p({G, capa("EXPIRE NEVER\r\n")}), p({G, capa("EXPIRE sometime\r\n")})},
      {"pop3/rfc2595/4/stls-response", p({G, cmd("STLS", "+OK begin TLS\r\n")}), p({G, cmd("STLS", "OK go\r\n")})},
      {"pop3/rfc2595/4/no-stls-after-tls", p({G, cmd("STLS", "+OK go\r\n"), capa("USER\r\n", true)}),
       p({G, cmd("STLS", "+OK go\r\n"), capa("USER\r\nSTLS\r\n", true)})},
      {"pop3/rfc2595/2.2/plaintext-login-before-tls", p({G, capa("STLS\r\n")}),
       p({G, cmd("USER u", "+OK\r\n"), cmd("PASS x", "+OK logged in\r\n")})},
      {"pop3/rfc1939/6/quit-close", p({G, {"QUIT", "+OK bye\r\n", false, true}}),
       p({G, cmd("QUIT", "+OK bye\r\n"), cmd("NOOP", "+OK still here\r\n")})},
      // The state model (pop3_rfc1939_state.cpp).
      {"pop3/rfc1939/5/stat-matches-list", p({G, cmd("STAT", "+OK 2 320\r\n"), cmd("LIST", LIST2)}),
       p({G, cmd("STAT", "+OK 3 320\r\n"), cmd("LIST", LIST2)})},
      {"pop3/rfc1939/5/deleted-message-refused",
       p({G, cmd("DELE 1", "+OK marked\r\n"), cmd("RETR 1", "-ERR message 1 already deleted\r\n")}),
       p({G, cmd("DELE 1", "+OK marked\r\n"), cmd("RETR 1", "+OK\r\n" + MSG + ".\r\n")})},
      {"pop3/rfc1939/5/rset-unmarks",
       p({G, cmd("STAT", "+OK 2 320\r\n"), cmd("DELE 1", "+OK\r\n"), cmd("RSET", "+OK\r\n"),
          cmd("STAT", "+OK 2 320\r\n")}),
       p({G, cmd("STAT", "+OK 2 320\r\n"), cmd("DELE 1", "+OK\r\n"), cmd("RSET", "+OK\r\n"),
          cmd("STAT", "+OK 1 200\r\n")})},
      {"pop3/rfc1939/7/top-line-count",
       p({G, cmd("RETR 1", "+OK\r\n" + MSG + ".\r\n"), cmd("TOP 1 1", "+OK\r\nSubject: x\r\nFrom: y\r\n\r\none\r\n.\r\n")}),
       p({G, cmd("RETR 1", "+OK\r\n" + MSG + ".\r\n"), cmd("TOP 1 0", "+OK\r\n" + MSG + ".\r\n")})},
      {"pop3/rfc1939/5/list-consistent", p({G, cmd("LIST", LIST2), cmd("LIST 2", "+OK 2 200\r\n")}),
       p({G, cmd("LIST", LIST2), cmd("LIST 2", "+OK 2 201\r\n")})},
      {"pop3/rfc1939/7/uidl-stable", p({G, cmd("UIDL", UIDL2), cmd("UIDL 1", "+OK 1 abc\r\n")}),
       p({G, cmd("UIDL", UIDL2), cmd("UIDL 1", "+OK 1 abd\r\n")})},
      {"pop3/rfc1939/7/uidl-unique", p({G, cmd("LIST", LIST2), cmd("UIDL", UIDL2)}),
       p({G, cmd("LIST", LIST2), cmd("UIDL", "+OK\r\n1 abc\r\n2 abc\r\n.\r\n")})},
  };
  return cases;
}

}  // namespace rules_fixture
