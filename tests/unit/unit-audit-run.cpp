// The whole audit run against the fake server: throttling, the canary's channels, --ports, catalogue.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>
#include <set>

#include "audit/audit.hpp"
#include "fake_server.hpp"
#include "test_ca.hpp"
#include "unit-audit-common.hpp"

using audit_test::local_options;

namespace {

namespace fake = mailspec::fake;
namespace audit = mailspec::audit;
using namespace std::chrono_literals;
using mailspec::verdict;

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto i = hay.find(needle); i != std::string::npos; i = hay.find(needle, i + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("audit: --ports parsing") {
  auto all = audit::parse_ports(audit::default_ports);
  REQUIRE(all.size() == 7);
  CHECK(all[0].service == mailspec::service_kind::smtp);
  CHECK(all[0].mx());
  CHECK(all[2].tls == mailspec::tls_mode::implicit);
  CHECK(all[5].protocol == mailspec::protocol_kind::pop3);
  auto lab = audit::parse_ports("smtp=10025, imaps=10993,143=10143");
  REQUIRE(lab.size() == 3);
  CHECK(lab[1].port == 10993);
  CHECK(lab[2].service == mailspec::service_kind::imap);
  CHECK(lab[2].label() == "imap:10143");
  CHECK(audit::parse_ports("imap").front().port == 143);
  CHECK_THROWS_AS(audit::parse_ports("sieve=4190"), std::invalid_argument);
  CHECK_THROWS_AS(audit::parse_ports("imap=99999"), std::invalid_argument);
  CHECK_THROWS_AS(audit::parse_ports("imap=x"), std::invalid_argument);
  CHECK_THROWS_AS(audit::parse_ports("imap=143,imaps=143"), std::invalid_argument);
  CHECK_THROWS_AS(audit::parse_ports(""), std::invalid_argument);
}

TEST_CASE("audit: the catalogue has spec and requirement on every row, ids unique, none shared with rules") {
  const auto& cat = audit::catalogue();
  REQUIRE(cat.size() >= 10);
  std::set<std::string> ids;
  for (const auto& r : cat) {
    CHECK_FALSE(r.spec.empty());
    CHECK_FALSE(r.requirement.empty());
    CHECK(ids.insert(r.id).second);
    CHECK(mailspec::rules::protocol_book().find(r.id) == nullptr);
  }
  for (const char* id : {"audit/plaintext-login/imap", "audit/starttls-injection/smtp", "tls/starttls/required-before-auth",
                         "audit/banner", "audit/throttled"})
    CHECK(audit::find_rule(id));
}

TEST_CASE("audit: software from banners") {
  CHECK(audit::guess_software("* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.") == "Dovecot");
  CHECK(audit::guess_software("220 mx.example ESMTP Postfix (Debian/GNU)") == "Postfix");
  CHECK(audit::guess_software("+OK hello") == "");
}

TEST_CASE("audit: a throttled server (421 greeting) is an error with the reply, never a pass") {
  fake::server_options so;
  so.connections = 0;
  fake::fake_server server({fake::send("421 4.7.0 mx.example Error: too many connections\r\n"), fake::close()}, so);
  auto r = audit::run(local_options("submission", server.port()));
  REQUIRE(r.cases.size() == 1);
  const auto& c = r.cases.front();
  CHECK(c.result == verdict::error);
  bool throttled = false;
  for (const auto& f : c.findings) {
    // Grammar rules may pass on the 421 line itself; nothing of the audit's own may.
    if (audit::find_rule(f.rule)) CHECK(f.result != verdict::pass);
    if (f.rule == "audit/throttled") {
      throttled = true;
      CHECK(f.result == verdict::error);
      CHECK(f.actual.find("421") != std::string::npos);
    }
  }
  CHECK(throttled);
  CHECK(r.command == "audit");
}

TEST_CASE("audit: an unreachable port is an error") {
  fake::server_options so;
  int port = 0;
  {
    fake::fake_server server({fake::close()}, so);
    port = server.port();
  }
  auto r = audit::run(local_options("imaps", port));
  REQUIRE(r.cases.size() == 1);
  CHECK(r.cases.front().result == verdict::error);
}

TEST_CASE("audit: the canary never travels over TLS, even TLS that failed verification") {
  fake::server_options so;
  so.connections = 0;
  fake::tls_server_options bad;
  bad.leaf = "expired";
  fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::read_line(),
                            fake::send("250-fake\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n"), fake::read_line(),
                            fake::send("220 go ahead\r\n"), fake::starttls(bad), fake::read_line(),
                            fake::send("250-fake\r\n250 AUTH PLAIN\r\n"), fake::read_line(), fake::send("250 ok\r\n"),
                            fake::drain(500)},
                           so);
  auto o = local_options("submission", server.port());
  auto r = audit::run(o);
  std::string all = server.received(), plain = server.received_plain();
  CHECK(count(all, "mailspec-canary-") == count(plain, "mailspec-canary-"));
  CHECK(count(all, "AUTH PLAIN") == count(plain, "AUTH PLAIN"));
  bool cert_failed = false, has_canary_case = false;
  for (const auto& c : r.cases) {
    CHECK(c.kind == "audit");
    for (const auto& f : c.findings)
      if (f.rule == "tls/cert/expired" && f.result == verdict::fail) cert_failed = true;
    if (c.probe && !c.probe->canary_user.empty()) has_canary_case = true;
  }
  CHECK(cert_failed);
  CHECK(has_canary_case);
  CHECK(r.cases.size() >= 4);
}

TEST_CASE("audit: * BYE, -ERR [IN-USE] and a reset before the greeting are throttling errors") {
  fake::server_options so;
  so.connections = 0;
  SECTION("IMAP * BYE greeting") {
    fake::fake_server server({fake::send("* BYE Too many connections from your IP\r\n"), fake::close()}, so);
    auto r = audit::run(local_options("imap", server.port()));
    REQUIRE(r.cases.size() == 1);
    CHECK(r.cases.front().result == verdict::error);
    REQUIRE(r.cases.front().probe);
    CHECK(r.cases.front().probe->throttled.value_or("").find("BYE") != std::string::npos);
  }
  SECTION("POP3 -ERR [IN-USE] greeting") {
    fake::fake_server server({fake::send("-ERR [IN-USE] try again later\r\n"), fake::close()}, so);
    auto r = audit::run(local_options("pop3", server.port()));
    REQUIRE(r.cases.size() == 1);
    CHECK(r.cases.front().result == verdict::error);
  }
  SECTION("reset") {
    fake::fake_server server({fake::reset()}, so);
    auto r = audit::run(local_options("submission", server.port()));
    REQUIRE(r.cases.size() == 1);
    CHECK(r.cases.front().result == verdict::error);
    INFO(r.cases.front().message);
    REQUIRE(r.cases.front().probe);
    CHECK(r.cases.front().probe->throttled.has_value());
  }
}
