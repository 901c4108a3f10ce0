// Rules: every rule has a fixture that makes it pass and one that makes it fail; the catalogue,
// judge options (strict, only) and finding fields.
#include <catch2/catch.hpp>

#include <set>

#include "rules_fixture.hpp"

using namespace rules_fixture;
using mailspec::level;
using mailspec::verdict;

namespace {

verdict broken_verdict(level l) {
  return l == level::must ? verdict::fail : l == level::should ? verdict::warn : verdict::info;
}

void run_cases(const std::vector<rule_case>& cases) {
  for (const auto& c : cases) {
    const auto* r = mailspec::rules::protocol_book().find(c.id);
    INFO("rule " << c.id);
    REQUIRE(r != nullptr);
    {
      auto fs = findings_of(c.pass(), c.id);
      INFO("passing fixture");
      REQUIRE(fs.size() == 1);
      CHECK(fs.front().result == verdict::pass);
      CHECK(fs.front().message == "");
    }
    {
      auto fs = findings_of(c.fail(), c.id);
      INFO("failing fixture");
      REQUIRE(!fs.empty());
      for (const auto& f : fs) {
        INFO("actual: " << f.actual << " message: " << f.message);
        CHECK(f.result == broken_verdict(r->lvl));
        CHECK(f.spec == r->spec);
        CHECK(f.requirement == r->requirement);
      }
    }
  }
}

std::set<std::string> ids(const std::vector<rule_case>& cases) {
  std::set<std::string> out;
  for (const auto& c : cases) out.insert(c.id);
  return out;
}

}  // namespace

TEST_CASE("SMTP rules pass and fail on their fixtures") { run_cases(smtp_cases()); }
TEST_CASE("POP3 rules pass and fail on their fixtures") { run_cases(pop3_cases()); }
TEST_CASE("IMAP rules pass and fail on their fixtures") { run_cases(imap_cases()); }
TEST_CASE("TLS rules pass and fail on their fixtures") { run_cases(tls_cases()); }
TEST_CASE("SASL rules pass and fail on their fixtures") { run_cases(sasl_cases()); }

TEST_CASE("every catalogue rule has a passing and a failing fixture") {
  std::set<std::string> covered;
  for (const auto* t : {&smtp_cases(), &pop3_cases(), &imap_cases(), &tls_cases(), &sasl_cases()}) {
    auto s = ids(*t);
    covered.insert(s.begin(), s.end());
  }
  for (const auto& r : mailspec::rules::catalogue()) {
    INFO("rule without fixtures: " << r.id);
    CHECK(covered.count(r.id) == 1);
  }
  for (const auto& id : covered) {
    INFO("fixture for an unknown rule: " << id);
    CHECK(mailspec::rules::protocol_book().find(id) != nullptr);
  }
}

TEST_CASE("catalogue rows are complete, unique and path-shaped") {
  const auto& all = mailspec::rules::catalogue();
  REQUIRE(all.size() >= 60);
  std::set<std::string> seen;
  for (const auto& r : all) {
    INFO(r.id);
    CHECK(seen.insert(r.id).second);
    CHECK(r.id.find('/') != std::string::npos);
    CHECK(r.id.rfind(r.protocol + "/", 0) == 0);
    CHECK(r.spec.rfind("RFC ", 0) == 0);
    CHECK(r.spec.find("§") != std::string::npos);
    CHECK(r.requirement.size() > 20);
    CHECK(static_cast<bool>(r.check));
  }
  auto j = mailspec::rules::protocol_book().listing_json();
  REQUIRE(j.is_array());
  REQUIRE(j.size() == all.size());
  for (const auto& e : j)
    for (const char* k : {"id", "protocol", "level", "spec", "requirement", "severity"}) CHECK(e.contains(k));
  auto text = mailspec::rules::protocol_book().listing_text();
  CHECK(text.find("smtp/rfc5321/4.2/reply-code-syntax") != std::string::npos);
  CHECK(text.find(std::to_string(all.size()) + " rules") != std::string::npos);
}

TEST_CASE("strict turns SHOULD violations into failures") {
  auto rec = smtp_session({{"", "220 mx.example\r\n"}, {"NOOP", "354 what\r\n"}});
  const std::string id = "smtp/rfc5321/4.3.2/reply-codes-per-command";
  auto normal = findings_of(rec, id, false);
  auto strict = findings_of(rec, id, true);
  REQUIRE(normal.size() == 1);
  REQUIRE(strict.size() == 1);
  CHECK(normal.front().result == verdict::warn);
  CHECK(strict.front().result == verdict::fail);
  // MUST rules are fail either way; held rules stay pass.
  auto held = findings_of(rec, "smtp/rfc5321/4.3.2/greeting-code", true);
  REQUIRE(held.size() == 1);
  CHECK(held.front().result == verdict::pass);
}

TEST_CASE("only selects rules by id prefix") {
  auto rec = smtp_session({{"", "220 mx.example\n"}, {"EHLO c", "250-mx.example\r\n250 AUTH PLAIN\r\n"}});
  mailspec::rules::judge_options o;
  o.only = {"smtp/rfc4954"};
  auto fs = mailspec::rules::judge(rec, o);
  REQUIRE(!fs.empty());
  for (const auto& f : fs) CHECK(f.rule.rfind("smtp/rfc4954", 0) == 0);
  o.only = {"imap/"};
  CHECK(mailspec::rules::judge(rec, o).empty());  // IMAP rules do not apply to an SMTP record
  o.only = {"nothing/"};
  CHECK(mailspec::rules::judge(rec, o).empty());
  CHECK(mailspec::rules::selected("tls/cert/chain", {"tls/cert"}));
  CHECK(!mailspec::rules::selected("tls/cert/chain", {"smtp/"}));
  CHECK(mailspec::rules::selected("anything", {}));
}

TEST_CASE("findings carry evidence, step and transcript index") {
  auto rec = smtp_session({{"", "220 mx.example\r\n"}, {"NOOP", "250 ok\n"}});
  auto fs = findings_of(rec, "smtp/rfc5321/2.3.8/crlf-line-endings");
  REQUIRE(fs.size() == 1);
  CHECK(fs.front().result == verdict::fail);
  CHECK(fs.front().step == 1);
  CHECK(fs.front().transcript_index == 1);
  CHECK(fs.front().actual == "250 ok\\n");
  CHECK(!fs.front().expected.empty());
}

TEST_CASE("evidence is bounded and violations are capped per rule") {
  CHECK(mailspec::rules::evidence(std::string(1000, 'x')).size() < 340);
  std::vector<turn> t{{"", "220 mx.example\r\n"}};
  for (int i = 0; i < 30; ++i) t.push_back({"NOOP", "250 ok\n"});
  auto fs = findings_of(smtp_session(t), "smtp/rfc5321/2.3.8/crlf-line-endings");
  REQUIRE(fs.size() == 10);
  CHECK(fs.back().message.find("20 more") != std::string::npos);
}

TEST_CASE("an empty record yields no findings") {
  mailspec::session::record rec;
  CHECK(mailspec::rules::judge(rec).empty());
}

TEST_CASE("regression: a late tagged answer to a pipelined IMAP command is not a wrong tag") {
  auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1] hi\r\n"},
                           {"a1 NOOP\r\na2 NOOP", "a1 OK done\r\n"},
                           {"", "a2 OK done\r\n"},
                           {"a3 NOOP", "a3 OK done\r\n"}});
  for (const auto& f : findings_of(rec, "imap/rfc9051/2.2.2/tagged-completion")) CHECK(f.result == verdict::pass);
}

TEST_CASE("regression: a wrong password is not a reason to advertise LOGINDISABLED") {
  auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n"},
                           {"a1 LOGIN u p", "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"}});
  CHECK(findings_of(rec, "imap/rfc3501/6.2.3/logindisabled-advertised").empty());
}

TEST_CASE("context::emit keeps an explicit verdict, judge condenses passes") {
  std::vector<mailspec::finding> out;
  mailspec::rules::rule r;
  r.id = "x/y";
  r.lvl = mailspec::level::must;
  r.sev = mailspec::severity::high;
  mailspec::session::record rec;
  mailspec::rules::context c(rec, r, out);
  c.emit(nullptr, verdict::error, "a TLS handshake", "timeout", "could not judge");
  c.held_case();
  c.broken_case("x", "y");
  REQUIRE(out.size() == 3);
  CHECK(out[0].result == verdict::error);
  CHECK(out[0].sev == mailspec::severity::none);  // the harness could not judge: no severity
  CHECK(out[1].result == verdict::pass);
  CHECK(out[1].sev == mailspec::severity::none);
  CHECK(out[2].result == verdict::fail);
  // Several held instances of one rule on one record condense into one pass.
  auto rec2 = smtp_session({{"", "220 mx.example\r\n"}, {"NOOP", "250 ok\r\n"}, {"NOOP", "250 ok\r\n"}});
  CHECK(findings_of(rec2, "smtp/rfc5321/2.3.8/crlf-line-endings").size() == 1);
}
