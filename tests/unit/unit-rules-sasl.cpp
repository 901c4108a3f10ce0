// Pass and fail fixtures for the SASL rules: records carrying what the session's SCRAM client
// checked (session::record::sasl), as the auth step leaves them.
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

namespace rules_fixture {
namespace {

using mailspec::protocol::sasl::check;

// An IMAP AUTHENTICATE SCRAM-SHA-256 exchange whose client recorded `k`.
std::function<record()> scram(check k) {
  return [k] {
    auto rec = imap_session({{"", "* OK ready\r\n"},
                             {"A001 AUTHENTICATE SCRAM-SHA-256",
                              "+ \r\n+ cj1hYmNkZWYscz1jMkZzZEE9PSxpPTQwOTY=\r\n+ dj1zaWc=\r\nA001 OK done\r\n"}});
    rec.sasl.push_back({1, "SCRAM-SHA-256", {k}, ""});
    return rec;
  };
}

check ok(const char* id) { return {id, true, "", "r=abcdef,s=c2FsdA==,i=4096"}; }
check bad(const char* id, const char* actual) { return {id, false, "what a conforming server sends", actual}; }

}  // namespace

const std::vector<rule_case>& sasl_cases() {
  static const std::vector<rule_case> cases = {
      {"sasl/rfc5802/7/server-first-syntax", scram(ok("scram-server-first")),
       scram(bad("scram-server-first", "r=abcdef,s=,i=0"))},
      {"sasl/rfc5802/5.1/server-nonce", scram(ok("scram-nonce")), scram(bad("scram-nonce", "r=someoneelse,s=c2FsdA==,i=4096"))},
      {"sasl/rfc5802/3/server-signature", scram(ok("scram-server-signature")),
       scram(bad("scram-server-signature", "v=AAAA"))},
      {"sasl/rfc7677/4/iteration-count", scram(ok("scram-iterations")), scram(bad("scram-iterations", "r=abcdef,s=c2FsdA==,i=1"))},
  };
  return cases;
}

}  // namespace rules_fixture

using namespace rules_fixture;

TEST_CASE("SASL rules: evidence, exchange and silence without SCRAM") {
  auto rec = scram(bad("scram-server-signature", "v=AAAA"))();
  auto fs = findings_of(rec, "sasl/rfc5802/3/server-signature");
  REQUIRE(fs.size() == 1);
  CHECK(fs[0].result == mailspec::verdict::fail);
  CHECK(fs[0].sev == mailspec::severity::high);
  CHECK(fs[0].actual.find("v=AAAA") != std::string::npos);
  CHECK(fs[0].step == 1);
  CHECK(fs[0].message.find("SCRAM-SHA-256") != std::string::npos);
  // The rules apply to every protocol, and say nothing when no SCRAM exchange took place.
  auto smtp = smtp_session({{"", "220 mx\r\n"}});
  smtp.sasl.push_back({0, "SCRAM-SHA-1", {bad("scram-nonce", "r=x")}, ""});
  CHECK(findings_of(smtp, "sasl/rfc5802/5.1/server-nonce").size() == 1);
  mailspec::rules::judge_options only_sasl;
  only_sasl.only = {"sasl/"};
  CHECK(mailspec::rules::judge(imap_session({{"", "* OK ready\r\n"}}), only_sasl).empty());
  CHECK(mailspec::rules::judge(scram(ok("scram-nonce"))(), only_sasl).size() == 1);
  // A SHOULD: warn, fail under --strict.
  auto low = scram(bad("scram-iterations", "i=1"))();
  CHECK(findings_of(low, "sasl/rfc7677/4/iteration-count").at(0).result == mailspec::verdict::warn);
  CHECK(findings_of(low, "sasl/rfc7677/4/iteration-count", true).at(0).result == mailspec::verdict::fail);
}
