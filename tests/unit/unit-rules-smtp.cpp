// Pass and fail fixtures for every SMTP rule (RFC 5321, 3207, 4954, 1870, 2920, 6152, 3463/2034).
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

namespace rules_fixture {
// The turns and record builders of this file's table (named: the unity build puts all the
// fixture files in one translation unit, and each has its own greeting G).
namespace smtp_table {

const turn G{"", "220 mx.example ESMTP\r\n"};
const turn EHLO{"EHLO client.example",
                "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
                "250-STARTTLS\r\n250 AUTH CRAM-MD5\r\n"};
const turn STARTTLS{"STARTTLS", "220 2.0.0 go ahead\r\n"};

turn ehlo_with(const std::string& line) { return {"EHLO client.example", "250-mx.example\r\n250 " + line + "\r\n"}; }
std::function<record()> s(std::vector<turn> t) {
  return [t] { return smtp_session(t); };
}
std::function<record()> s_tls(std::vector<turn> t, mailspec::tls_facts f = good_tls()) {
  return [t, f] { return with_tls(smtp_session(t), f); };
}

}  // namespace smtp_table

const std::vector<rule_case>& smtp_cases() {
  using namespace smtp_table;
  static const std::vector<rule_case> cases = {
      {"smtp/rfc5321/4.2/reply-code-syntax", s({G}), s({G, cmd("NOOP", "650 weird\r\n")})},
      {"smtp/rfc5321/4.2.1/multiline-continuation", s({G, EHLO}),
       s({G, cmd("EHLO c", "250-mx.example\r\n250xSIZE\r\n")})},
      {"smtp/rfc5321/4.2.1/multiline-same-code", s({G, EHLO}),
       s({G, cmd("EHLO c", "250-mx.example\r\n251 SIZE\r\n")})},
      {"smtp/rfc5321/2.3.8/crlf-line-endings", s({G}), s({{"", "220 mx.example\n"}})},
      {"smtp/rfc5321/4.5.3.1.5/reply-line-length", s({G}),
       s({G, cmd("NOOP", "250 " + std::string(600, 'a') + "\r\n")})},
      {"smtp/rfc5321/2.4/ascii-replies", s({G}), s({G, cmd("NOOP", "250 ok \xc3\xa9\r\n")})},
      {"smtp/rfc5321/4.2/reply-text-bytes", s({G, cmd("NOOP", "250 ok\tdone\r\n")}),
       s({G, cmd("NOOP", std::string("250 ok \0 done\r\n", 15))})},
      {"smtp/rfc5321/4.3.2/greeting-code", s({G}), s({{"", "250 mx.example\r\n"}})},
      {"smtp/rfc5321/4.2/greeting-domain", s({G}), s({{"", "220 -bad-.example hello\r\n"}})},
      {"smtp/rfc5321/4.1.1.1/ehlo-response-form", s({G, EHLO}), s({G, cmd("EHLO c", "250 -x-\r\n")})},
      {"smtp/rfc5321/4.1.1.1/ehlo-keyword-syntax", s({G, EHLO}), s({G, ehlo_with("SIZE_X 10")})},
      {"smtp/rfc5321/4.3.2/reply-codes-per-command", s({G, cmd("NOOP", "250 ok\r\n")}),
       s({G, cmd("NOOP", "354 go\r\n")})},
      {"smtp/rfc5321/4.2/one-reply-per-command", s({G, cmd("NOOP", "250 ok\r\n")}),
       s({G, cmd("NOOP", "250 ok\r\n250 again\r\n")})},
      {"smtp/rfc5321/4.1.1.10/quit-221", s({G, cmd("QUIT", "221 bye\r\n", false, true)}),
       s({G, cmd("QUIT", "250 ok\r\n")})},
      {"smtp/rfc5321/4.1.1.10/quit-close", s({G, cmd("QUIT", "221 bye\r\n"), {"", "", false, true}}),
       s({G, cmd("QUIT", "221 bye\r\n"), cmd("NOOP", "250 ok\r\n")})},
      {"smtp/rfc5321/4.2.3/421-then-close", s({G, cmd("NOOP", "421 shutting down\r\n", false, true)}),
       s({G, cmd("NOOP", "421 shutting down\r\n"), cmd("NOOP", "250 ok\r\n")})},
      {"smtp/rfc5321/3.8/close-only-after-221-or-421", s({G, cmd("QUIT", "221 bye\r\n", false, true)}),
       s({G, cmd("NOOP", "250 ok\r\n", false, true)})},
      {"smtp/rfc5321/4.1.4/command-sequence",
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("RCPT TO:<c@d>", "250 ok\r\n"), cmd("DATA", "354 go\r\n")}),
       s({G, EHLO, cmd("RCPT TO:<c@d>", "250 ok\r\n")})},
      {"smtp/rfc5321/4.1.1.5/rset-250", s({G, cmd("RSET", "250 ok\r\n")}), s({G, cmd("RSET", "550 no\r\n")})},
      {"smtp/rfc5321/4.1.1.9/noop-250", s({G, cmd("NOOP", "250 ok\r\n")}), s({G, cmd("NOOP", "252 hmm\r\n")})},
      {"smtp/rfc3207/2/starttls-advertised", s({G, EHLO}), s({G, cmd("EHLO c", "250 mx.example\r\n")})},
      {"smtp/rfc3207/4/starttls-reply", s({G, EHLO, STARTTLS}), s({G, EHLO, cmd("STARTTLS", "250 ok\r\n")})},
      {"smtp/rfc3207/4.2/no-starttls-after-tls",
       s_tls({G, EHLO, STARTTLS, cmd("EHLO c", "250-mx.example\r\n250 AUTH PLAIN\r\n", true)}),
       s_tls({G, EHLO, STARTTLS, cmd("EHLO c", "250-mx.example\r\n250 STARTTLS\r\n", true)})},
      {"smtp/rfc3207/4.2/fresh-ehlo-after-tls",
       s_tls({G, EHLO, STARTTLS, cmd("MAIL FROM:<a@b>", "503 5.5.1 send EHLO first\r\n", true)}),
       s_tls({G, cmd("MAIL FROM:<a@b>", "503 5.5.1 send EHLO first\r\n"), EHLO, STARTTLS,
              cmd("MAIL FROM:<a@b>", "250 2.1.0 ok\r\n", true)})},
      {"smtp/rfc3207/4.2/discard-pre-tls-input", s_tls({G, EHLO, STARTTLS}),
       s_tls({G, EHLO, cmd("STARTTLS\r\nNOOP", "220 2.0.0 go ahead\r\n250 2.0.0 ok\r\n")})},
      {"smtp/rfc4954/4/auth-plain-before-tls", s({G, EHLO}), s({G, ehlo_with("AUTH PLAIN LOGIN")})},
      {"smtp/rfc4954/3/auth-keyword-syntax", s({G, EHLO}), s({G, ehlo_with("AUTH")})},
      {"smtp/rfc4954/4/auth-after-success",
       s({G, EHLO, cmd("AUTH PLAIN eA==", "235 ok\r\n"), cmd("AUTH PLAIN eA==", "503 already\r\n")}),
       s({G, EHLO, cmd("AUTH PLAIN eA==", "235 ok\r\n"), cmd("AUTH PLAIN eA==", "235 ok\r\n")})},
      {"smtp/rfc4954/4/auth-in-transaction",
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("AUTH PLAIN eA==", "503 5.5.1 no\r\n")}),
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("AUTH PLAIN eA==", "235 ok\r\n")})},
      {"smtp/rfc4954/6/538-only-without-tls", s({G, EHLO, cmd("AUTH PLAIN eA==", "538 5.7.11 encrypt\r\n")}),
       s_tls({G, EHLO, STARTTLS, cmd("AUTH PLAIN eA==", "538 5.7.11 encrypt\r\n", true)})},
      {"smtp/rfc1870/4/size-param-syntax", s({G, EHLO}), s({G, ehlo_with("SIZE big")})},
      {"smtp/rfc1870/6/size-exceeded-552", s({G, EHLO, cmd("MAIL FROM:<a@b> SIZE=5000", "552 too big\r\n")}),
       s({G, EHLO, cmd("MAIL FROM:<a@b> SIZE=5000", "250 ok\r\n")})},
      {"smtp/rfc2920/2/pipelining-no-params", s({G, EHLO}), s({G, ehlo_with("PIPELINING yes")})},
      {"smtp/rfc2920/3.2/pipelined-replies",
       s({G, EHLO, cmd("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA", "250 ok\r\n250 ok\r\n354 go\r\n")}),
       s({G, EHLO, cmd("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA", "354 go\r\n250 ok\r\n250 ok\r\n")})},
      {"smtp/rfc6152/2/8bitmime-no-params", s({G, EHLO}), s({G, ehlo_with("8BITMIME yes")})},
      {"smtp/rfc6152/2/body-param-accepted", s({G, EHLO, cmd("MAIL FROM:<a@b> BODY=8BITMIME", "250 ok\r\n")}),
       s({G, EHLO, cmd("MAIL FROM:<a@b> BODY=8BITMIME", "555 unknown parameter\r\n")})},
      {"smtp/rfc2034/3/enhanced-code-present", s({G, EHLO, cmd("NOOP", "250 2.0.0 ok\r\n")}),
       s({G, EHLO, cmd("NOOP", "250 ok\r\n")})},
      {"smtp/rfc3463/2/enhanced-code-syntax", s({G, EHLO, cmd("NOOP", "250 2.0.0 ok\r\n")}),
       s({G, EHLO, cmd("NOOP", "250 3.0.0 ok\r\n")})},
      {"smtp/rfc3463/2/enhanced-class-matches", s({G, EHLO, cmd("RCPT TO:<x@y>", "550 5.1.1 unknown\r\n")}),
       s({G, EHLO, cmd("RCPT TO:<x@y>", "550 2.1.1 unknown\r\n")})},
      {"smtp/rfc3463/3/enhanced-subject-defined", s({G, EHLO, cmd("NOOP", "250 2.0.0 ok\r\n")}),
       s({G, EHLO, cmd("NOOP", "250 2.9.0 ok\r\n")})},
      // The state model (smtp_rfc5321_state.cpp, smtp_rfc3207.cpp, smtp_rfc1870.cpp).
      {"smtp/rfc5321/4.1.1.5/rset-clears-transaction",
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("RSET", "250 ok\r\n"), cmd("RCPT TO:<c@d>", "503 5.5.1 need MAIL\r\n")}),
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("RSET", "250 ok\r\n"), cmd("RCPT TO:<c@d>", "250 ok\r\n")})},
      {"smtp/rfc5321/4.1.4/ehlo-clears-transaction",
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), EHLO, cmd("RCPT TO:<c@d>", "503 5.5.1 need MAIL\r\n")}),
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), EHLO, cmd("RCPT TO:<c@d>", "250 ok\r\n")})},
      {"smtp/rfc3207/4.2/transaction-reset-after-tls",
       s_tls({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), STARTTLS, cmd("EHLO c", "250 mx.example\r\n", true),
              cmd("RCPT TO:<c@d>", "503 5.5.1 need MAIL\r\n", true)}),
       s_tls({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), STARTTLS, cmd("EHLO c", "250 mx.example\r\n", true),
              cmd("RCPT TO:<c@d>", "250 ok\r\n", true)})},
      {"smtp/rfc5321/4.2.4/unrecognized-command-refused", s({G, EHLO, cmd("FROBNICATE", "500 5.5.2 unrecognized\r\n")}),
       s({G, EHLO, cmd("FROBNICATE", "250 ok\r\n")})},
      {"smtp/rfc1870/4/message-over-limit",
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("RCPT TO:<c@d>", "250 ok\r\n"), cmd("DATA", "354 go\r\n"),
          {"<message body, 5000 bytes>", "552 5.3.4 too big\r\n", false, false, false, "DATA-BODY"}}),
       s({G, EHLO, cmd("MAIL FROM:<a@b>", "250 ok\r\n"), cmd("RCPT TO:<c@d>", "250 ok\r\n"), cmd("DATA", "354 go\r\n"),
          {"<message body, 5000 bytes>", "250 2.0.0 queued\r\n", false, false, false, "DATA-BODY"}})},
  };
  return cases;
}

}  // namespace rules_fixture
