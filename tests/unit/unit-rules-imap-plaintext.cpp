// Issue 20 item 1: IMAP plaintext exposure is visible to the passive rules, as it is for POP3
// (pop3/rfc2595/2.2/plaintext-login-before-tls) and SMTP (smtp/rfc4954/4/auth-plain-before-tls).
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

using namespace rules_fixture;
using mailspec::verdict;

namespace {

const std::string RULE = "imap/rfc9051/6.2.3/plaintext-login-before-tls";

std::vector<verdict> verdicts(const record& rec) {
  std::vector<verdict> out;
  for (const auto& f : findings_of(rec, RULE)) out.push_back(f.result);
  return out;
}

}  // namespace

TEST_CASE("IMAP: a capability list before TLS without LOGINDISABLED warns") {
  // Dovecot with disable_plaintext_auth = no, seen from another address (the lab's weak profile).
  auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ STARTTLS AUTH=PLAIN] ready\r\n"},
                           {"a1 CAPABILITY", "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na1 OK done\r\n"}});
  auto f = findings_of(rec, RULE);
  REQUIRE(f.size() == 2);
  CHECK(f[0].result == verdict::warn);
  CHECK(f[0].message.find("no LOGINDISABLED, AUTH=PLAIN") != std::string::npos);
  CHECK(f[0].sev == mailspec::severity::medium);
  // --strict makes it a failure, like every SHOULD.
  CHECK(findings_of(rec, RULE, true)[0].result == verdict::fail);
}

TEST_CASE("IMAP: LOGINDISABLED with AUTH=LOGIN offered in plaintext still warns") {
  auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=LOGIN] ready\r\n"}});
  CHECK(verdicts(rec) == std::vector<verdict>{verdict::warn});
}

TEST_CASE("IMAP: LOGINDISABLED before TLS and AUTH=PLAIN after it pass") {
  auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"},
                           {"a1 STARTTLS", "a1 OK go\r\n"},
                           {"a2 CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK done\r\n", true}});
  CHECK(verdicts(rec) == std::vector<verdict>{verdict::pass});
}

TEST_CASE("IMAP: capabilities after a plaintext login are not judged again") {
  // The login itself is login-before-tls's finding; the authenticated state's list has no LOGINDISABLED.
  auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"},
                           {"a1 LOGIN u p", "a1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"},
                           {"a2 CAPABILITY", "* CAPABILITY IMAP4rev1 IDLE\r\na2 OK done\r\n"}});
  CHECK(verdicts(rec) == std::vector<verdict>{verdict::pass});
  auto preauth = imap_session({{"", "* PREAUTH [CAPABILITY IMAP4rev1] logged in\r\n"}});
  CHECK(verdicts(preauth).empty());
}
