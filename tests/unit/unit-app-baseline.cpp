// --baseline: known findings do not fail the run, new ones do, fixed ones are reported.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "app/baseline.hpp"

using namespace mailspec;

namespace {

case_result make_case(const std::string& id, std::vector<std::pair<std::string, verdict>> findings) {
  case_result c;
  c.scenario_id = id;
  c.target.host = "mx.test";
  c.target.port = 25;
  for (auto& [rule, v] : findings) {
    finding f;
    f.rule = rule;
    f.result = v;
    c.findings.push_back(f);
  }
  c.result = combine_case_verdict(c);
  return c;
}

std::string write_tmp(const std::string& text) {
  char name[] = "/tmp/mailspec-baseline-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(name) << text;
  return name;
}

}  // namespace

TEST_CASE("a waiver list covers known findings and reports fixed ones") {
  auto path = write_tmp(R"({"waivers": [{"rule": "tls/cert/", "case": "smtp/starttls", "reason": "renewal"},
                                        {"rule": "smtp/rfc5321/4.2/x", "reason": "gone"}]})");
  auto base = app::load_baseline(path);
  REQUIRE(base.size() == 2);
  run_report r;
  r.cases.push_back(make_case("smtp/starttls", {{"tls/cert/expired", verdict::fail}, {"smtp/a", verdict::pass}}));
  auto out = app::apply_baseline(r, base);
  CHECK(out.known.size() == 1);
  CHECK(out.fresh.empty());
  REQUIRE(out.fixed.size() == 1);
  CHECK(out.fixed[0].find("smtp/rfc5321/4.2/x") != std::string::npos);
  CHECK(r.cases[0].findings[0].message.rfind("baseline: known (renewal)", 0) == 0);
  std::remove(path.c_str());
}

TEST_CASE("a previous report.json is a baseline; a new failure is not covered") {
  auto path = write_tmp(R"({"format": "mailspec-report/1", "cases": [
      {"id": "imap/x", "target": {"host": "mx.test", "port": 25},
       "findings": [{"rule": "imap/r1", "verdict": "fail"}, {"rule": "imap/ok", "verdict": "pass"}]}]})");
  auto base = app::load_baseline(path);
  REQUIRE(base.size() == 1);
  run_report r;
  r.cases.push_back(make_case("imap/x", {{"imap/r1", verdict::fail}, {"imap/r2", verdict::fail}}));
  auto out = app::apply_baseline(r, base);
  CHECK(out.known == std::vector<std::string>{"imap/x mx.test:25 imap/r1"});
  CHECK(out.fresh == std::vector<std::string>{"imap/x mx.test:25 imap/r2"});
  CHECK(out.fixed.empty());
  std::remove(path.c_str());
}

TEST_CASE("a waiver for another case or target does not apply") {
  app::baseline_entry e{"imap/r1", "imap/other", "", ""};
  auto c = make_case("imap/x", {{"imap/r1", verdict::fail}});
  CHECK_FALSE(app::is_known(e, c, c.findings[0]));
  e = {"imap/r1", "", "mx.test:993", ""};
  CHECK_FALSE(app::is_known(e, c, c.findings[0]));
  e = {"imap/r1", "", "mx.test:25", ""};
  CHECK(app::is_known(e, c, c.findings[0]));
}

TEST_CASE("a malformed baseline is a clear error naming the file") {
  auto path = write_tmp("{\"waivers\": [{\"reason\": \"no rule\"}]}");
  CHECK_THROWS_WITH(app::load_baseline(path), Catch::Contains(path) && Catch::Contains("/waivers/0"));
  std::remove(path.c_str());
  CHECK_THROWS_WITH(app::load_baseline("/nonexistent/b.json"), Catch::Contains("cannot read"));
}
