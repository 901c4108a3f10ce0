// The opt-in SMTP smuggling probe (audit/smuggling.hpp) against the fake server's small MTA
// (tests/fake/mta.hpp): a permissive MTA that ends DATA at some sequences is reported for exactly
// those, a hardened one for none, and without a recipient the probe never runs.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "audit/audit.hpp"
#include "audit/smuggling.hpp"
#include "fake_server.hpp"
#include "test_ca.hpp"

namespace {

namespace fake = mailspec::fake;
namespace audit = mailspec::audit;
using mailspec::verdict;

fake::script mta(fake::mta_options o) { return {fake::send("220 fake.test ESMTP\r\n"), fake::smtp_mta(std::move(o))}; }

audit::options smuggling_options(int port, std::string rcpt = "bob@lab.test") {
  audit::options o;
  o.host = "127.0.0.1";
  o.ports = audit::parse_ports("smtp=" + std::to_string(port));
  o.connection.ca_file = fake::test_ca().ca_cert;
  o.connection.timeout_ms = 1500;
  o.connection.loopback_only = true;
  o.only = {"audit/smtp-smuggling"};
  o.smuggling_rcpt = std::move(rcpt);
  o.smuggling_from = "alice@lab.test";
  return o;
}

fake::server_options unlimited() {
  fake::server_options s;
  s.connections = 0;
  return s;
}

// rule id -> verdict of the smuggling case's findings.
std::map<std::string, verdict> smuggling_findings(const mailspec::run_report& r) {
  std::map<std::string, verdict> out;
  for (const auto& c : r.cases)
    if (c.probe && c.probe->family == mailspec::probe_family::smtp_smuggling)
      for (const auto& f : c.findings) out[f.rule] = f.result;
  return out;
}

std::set<std::string> failing(const std::map<std::string, verdict>& m) {
  std::set<std::string> out;
  for (const auto& [id, v] : m)
    if (v == verdict::fail) out.insert(id);
  return out;
}

}  // namespace

TEST_CASE("audit smuggling: the test message holds the variant and ends with CRLF.CRLF") {
  for (const auto& v : audit::detail::smuggling_variants()) {
    INFO(v.name);
    const std::string m = audit::detail::smuggling_message(v, "alice@lab.test", "bob@lab.test");
    CHECK(m.find(std::string(v.bytes)) != std::string::npos);
    CHECK(m.find("To: <bob@lab.test>\r\n") != std::string::npos);
    CHECK(m.size() > 5);
    CHECK(m.substr(m.size() - 5) == "\r\n.\r\n");
    // The only <CRLF>.<CRLF> is the real end: a conforming server takes one message.
    CHECK(m.find("\r\n.\r\n") == m.size() - 5);
    if (v.end_of_data) CHECK(m.find(std::string(v.bytes) + "NOOP\r\n") != std::string::npos);
  }
}

TEST_CASE("audit smuggling: a permissive MTA (Postfix's old default) fails exactly its variants") {
  fake::mta_options o;
  o.end_of_data = {"lf-dot-lf", "lf-dot-crlf", "crlf-dot-lf"};
  fake::fake_server server(mta(o), unlimited());
  auto r = audit::run(smuggling_options(server.port()));
  auto found = smuggling_findings(r);
  CHECK(failing(found) == std::set<std::string>{"audit/smtp-smuggling/lf-dot-lf", "audit/smtp-smuggling/lf-dot-crlf",
                                                "audit/smtp-smuggling/crlf-dot-lf", "audit/smtp-smuggling/bare-lf"});
  CHECK(found["audit/smtp-smuggling/cr-dot-cr"] == verdict::pass);
  CHECK(found["audit/smtp-smuggling/bare-cr"] == verdict::info);
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      if (f.rule == "audit/smtp-smuggling/lf-dot-lf") {
        CHECK(f.sev == mailspec::severity::high);
        CHECK(f.actual.find("250 2.0.0 Ok") != std::string::npos);
      }
  // Every test message went to the configured recipient only.
  for (const auto& l : server.lines())
    if (l.rfind("RCPT", 0) == 0) CHECK(l == "RCPT TO:<bob@lab.test>\r\n");
}

TEST_CASE("audit smuggling: a CR-permissive MTA fails <CR>.<CR> alone") {
  fake::mta_options o;
  o.end_of_data = {"cr-dot-cr"};
  o.reject_bare_lf = true;
  fake::fake_server server(mta(o), unlimited());
  auto found = smuggling_findings(audit::run(smuggling_options(server.port())));
  CHECK(failing(found) == std::set<std::string>{"audit/smtp-smuggling/cr-dot-cr"});
}

TEST_CASE("audit smuggling: a hardened MTA (bare LF rejected) gives no fail") {
  fake::mta_options o;
  o.reject_bare_lf = true;
  fake::fake_server server(mta(o), unlimited());
  auto r = audit::run(smuggling_options(server.port()));
  auto found = smuggling_findings(r);
  CHECK(found.size() == 6);
  CHECK(failing(found).empty());
  CHECK(found["audit/smtp-smuggling/lf-dot-lf"] == verdict::pass);
  CHECK(found["audit/smtp-smuggling/bare-lf"] == verdict::pass);
}

TEST_CASE("audit smuggling: a refused envelope is not tested (skip), never a pass") {
  fake::fake_server server({fake::send("220 fake.test ESMTP\r\n"), fake::expect_line("EHLO *"),
                            fake::send("250-fake.test\r\n250 PIPELINING\r\n"), fake::expect_line("MAIL FROM:*"),
                            fake::send("530 5.7.0 Authentication required\r\n"), fake::read_until_close()},
                           unlimited());
  auto found = smuggling_findings(audit::run(smuggling_options(server.port())));
  REQUIRE(found.size() == 6);
  for (const auto& [id, v] : found) CHECK(v == verdict::skip);
}

TEST_CASE("audit smuggling: opt-in, without a recipient no message is sent") {
  fake::mta_options o;
  o.end_of_data = {"lf-dot-lf"};
  fake::fake_server server(mta(o), unlimited());
  auto opt = smuggling_options(server.port(), "");
  opt.only.clear();
  opt.ports = audit::parse_ports("smtp=" + std::to_string(server.port()));
  auto r = audit::run(opt);
  CHECK(smuggling_findings(r).empty());
  for (const auto& c : r.cases) CHECK(c.probe->family != mailspec::probe_family::smtp_smuggling);
  CHECK(server.received().find("MAIL FROM") == std::string::npos);
  CHECK(server.received().find("DATA") == std::string::npos);
}
