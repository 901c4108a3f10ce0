#include <catch2/catch.hpp>
#include <stdexcept>

#include "scenario/expand.hpp"

using namespace mailspec::scenario;

namespace {
struct fixture {
  std::map<std::string, std::string> vars{{"user", "alice"}, {"pass", "p\"w\\d"}, {"nl", "a\r\nb"}};
  std::map<std::string, bool> secret{{"pass", true}, {"nl", true}};
  std::map<std::string, std::string> caps{{"uid", "42"}};
  expand_context ctx() const {
    expand_context c;
    c.vars = &vars;
    c.secret_vars = &secret;
    c.captures = &caps;
    c.tag = "A0001";
    c.target_host = "mail.example";
    c.run_id = "run-7";
    c.target_helo = "client.example";
    return c;
  }
};
}  // namespace

TEST_CASE("expansion of every reference kind") {
  fixture f;
  auto e = expand("${tag} LOGIN ${var.user} uid=${cap.uid} ${target.host} ${run.id}", f.ctx());
  CHECK(e.text == "A0001 LOGIN alice uid=42 mail.example run-7");
  CHECK(expand("EHLO ${target.helo}", f.ctx()).text == "EHLO client.example");
  CHECK_FALSE(e.has_secret);
  CHECK(e.secret_values.empty());
  CHECK(expand("no references", f.ctx()).text == "no references");
  CHECK(expand("", f.ctx()).text.empty());
}

TEST_CASE("filters b64 and imap_quote, chained") {
  fixture f;
  CHECK(expand("${var.user|b64}", f.ctx()).text == "YWxpY2U=");
  CHECK(expand("${var.user|imap_quote}", f.ctx()).text == "\"alice\"");
  CHECK(expand("${var.pass|imap_quote}", f.ctx()).text == "\"p\\\"w\\\\d\"");
  CHECK(expand("${var.nl|imap_quote}", f.ctx()).text == "{4}\r\na\r\nb");
  CHECK(expand("${var.user|imap_quote|b64}", f.ctx()).text == "ImFsaWNlIg==");
}

TEST_CASE("literal dollar: $$ is one $, a lone $ stays") {
  fixture f;
  CHECK(expand("$${tag}", f.ctx()).text == "${tag}");
  CHECK(expand("cost $5 $$", f.ctx()).text == "cost $5 $");
  CHECK(expand("end$", f.ctx()).text == "end$");
}

TEST_CASE("anything derived from a secret is secret") {
  fixture f;
  auto e = expand("${tag} LOGIN ${var.user} ${var.pass|imap_quote|b64} ${var.pass}", f.ctx());
  CHECK(e.has_secret);
  REQUIRE(e.secret_names == std::vector<std::string>{"pass"});
  CHECK(e.secret_values.size() == 4);  // raw, quoted, base64 of quoted, raw again
  CHECK(std::find(e.secret_values.begin(), e.secret_values.end(), "p\"w\\d") != e.secret_values.end());
  CHECK(std::find(e.secret_values.begin(), e.secret_values.end(), "\"p\\\"w\\\\d\"") != e.secret_values.end());
  CHECK(std::find(e.secret_values.begin(), e.secret_values.end(), "InBcIndcXGQi") != e.secret_values.end());
}

TEST_CASE("unknown references throw invalid_argument naming them") {
  fixture f;
  auto msg = [&](const std::string& t) {
    try {
      expand(t, f.ctx());
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  CHECK(msg("${var.nope}").find("var.nope") != std::string::npos);
  CHECK(msg("${cap.missing}").find("cap.missing") != std::string::npos);
  CHECK(msg("${bogus}").find("bogus") != std::string::npos);
  CHECK(msg("${var.user|rot13}").find("rot13") != std::string::npos);
  CHECK(msg("${tag").find("unterminated") != std::string::npos);
  CHECK(msg("${}").find("empty reference") != std::string::npos);
  CHECK(msg("${var.user|}").find("empty filter") != std::string::npos);
  expand_context empty;
  CHECK_THROWS_AS(expand("${var.user}", empty), std::invalid_argument);
}

TEST_CASE("check_template reports syntax, unknown variables and filters") {
  std::vector<std::string> known{"user", "pass"};
  CHECK(check_template("${tag} LOGIN ${var.user} ${var.pass|imap_quote} ${cap.x} $${lit}", known).empty());
  auto e = check_template("${var.nope} ${var.user|zip} ${target.port}", known);
  REQUIRE(e.size() == 3);
  CHECK(e[0] == "unknown variable \"nope\" in \"${var.nope}\" (declare it under \"vars\")");
  CHECK(e[1] == "unknown filter \"zip\" in \"${var.user|zip}\" (expected b64, imap_quote, count, min or max)");
  CHECK(e[2].find("unknown reference \"target.port\"") == 0);
  CHECK(check_template("a ${tag", known).size() == 1);
  CHECK(check_template("${var.a b}", known).size() == 1);
}
