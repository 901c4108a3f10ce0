// Regressions from interop runs against servers other than the lab's Dovecot and Postfix
// (docs/interop.md): each fixture is the real server's reply bytes, exactly as recorded.
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

using namespace rules_fixture;
using mailspec::verdict;

namespace {

// Every finding of the rule that is not pass/info, as text for INFO.
std::string bad_findings(const record& rec, const std::string& id) {
  std::string out;
  for (const auto& f : findings_of(rec, id))
    if (f.result != verdict::pass && f.result != verdict::info)
      out += std::string(to_string(f.result)) + " " + f.rule + ": " + f.actual + "\n";
  return out;
}

}  // namespace

// OpenSMTPD 6.8.0p2, a listener without `tls`: STARTTLS is not advertised and gets 503.
TEST_CASE("regression: STARTTLS refused by a server that never offered it is not an RFC 3207 violation") {
  const turn greeting{"", "220 mx.opensmtpd.interop.test ESMTP OpenSMTPD\r\n"};
  const turn ehlo{"EHLO mailspec.invalid",
                  "250-mx.opensmtpd.interop.test Hello mailspec.invalid [127.0.0.1], pleased to meet you\r\n"
                  "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 36700160\r\n250-DSN\r\n250 HELP\r\n"};
  const turn stls{"STARTTLS", "503 5.5.1 Invalid command: Command not supported\r\n"};
  auto rec = smtp_session({greeting, ehlo, stls});
  INFO(bad_findings(rec, "smtp/rfc3207/4/starttls-reply"));
  CHECK(bad_findings(rec, "smtp/rfc3207/4/starttls-reply").empty());
  // Still judged where the extension was offered.
  auto offered = smtp_session({greeting, {"EHLO c", "250-mx.example\r\n250 STARTTLS\r\n"}, stls});
  CHECK_FALSE(bad_findings(offered, "smtp/rfc3207/4/starttls-reply").empty());
}

// OpenSMTPD 6.8.0p2 on port 25 without `tls`: STARTTLS is optional for a relay (RFC 3207 §4), and
// RFC 8314 covers submission and access only: reported as info on the MX role, a warning elsewhere.
TEST_CASE("regression: no STARTTLS on the public MX port is info, on submission a warning") {
  const std::vector<turn> dialogue = {
      {"", "220 mx.opensmtpd.interop.test ESMTP OpenSMTPD\r\n"},
      {"EHLO mailspec.invalid",
       "250-mx.opensmtpd.interop.test Hello mailspec.invalid [127.0.0.1], pleased to meet you\r\n"
       "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 36700160\r\n250-DSN\r\n250 HELP\r\n"},
      {"QUIT", "221 2.0.0 Bye\r\n", false, true}};
  auto mx = smtp_session(dialogue);
  mx.result.target.port = 31026;  // --port smtp=31026: the role comes from the scenario, not the number
  mx.result.target.service = "smtp";
  auto f = findings_of(mx, "tls/starttls/offered");
  REQUIRE(f.size() == 1);
  CHECK(f[0].result == verdict::info);
  auto submission = smtp_session(dialogue);
  f = findings_of(submission, "tls/starttls/offered");
  REQUIRE(f.size() == 1);
  CHECK(f[0].result == verdict::warn);
}
