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
  // The mark is data: the finding's own message is left as it was.
  CHECK(r.cases[0].findings[0].baseline == baseline_mark::known);
  CHECK(r.cases[0].findings[0].baseline_reason == "renewal");
  CHECK(r.cases[0].findings[0].message.empty());
  CHECK(r.cases[0].findings[1].baseline == baseline_mark::none);  // a pass is not compared
  std::remove(path.c_str());
}

TEST_CASE("a previous report.json is a baseline, a new failure is not covered") {
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
  app::baseline_entry e{"imap/r1", "imap/other", "", "", ""};
  auto c = make_case("imap/x", {{"imap/r1", verdict::fail}});
  CHECK_FALSE(app::is_known(e, c, c.findings[0]));
  e = {"imap/r1", "", "mx.test:993", "", ""};
  CHECK_FALSE(app::is_known(e, c, c.findings[0]));
  e = {"imap/r1", "", "mx.test:25", "", ""};
  CHECK(app::is_known(e, c, c.findings[0]));
}

TEST_CASE("a malformed baseline is a clear error naming the file") {
  auto path = write_tmp("{\"waivers\": [{\"reason\": \"no rule\"}]}");
  CHECK_THROWS_WITH(app::load_baseline(path), Catch::Contains(path) && Catch::Contains("/waivers/0"));
  std::remove(path.c_str());
  CHECK_THROWS_WITH(app::load_baseline("/nonexistent/b.json"), Catch::Contains("cannot read"));
}

TEST_CASE("fixed means the case ran and the rule no longer fails, a case not run is not fixed") {
  auto path = write_tmp(R"({"format": "mailspec-report/1", "cases": [
      {"id": "imap/x", "target": {"host": "mx.test", "port": 25},
       "findings": [{"rule": "imap/r1", "verdict": "fail"}, {"rule": "imap/r2", "verdict": "warn"},
                    {"rule": "imap/r3", "verdict": "fail"}]},
      {"id": "imap/x", "target": {"host": "mx.test", "port": 25}, "findings": [{"rule": "imap/r1", "verdict": "fail"}]},
      {"id": "imap/gone", "target": {"host": "mx.test", "port": 25}, "findings": [{"rule": "imap/r1", "verdict": "fail"}]}]})");
  auto base = app::load_baseline(path);
  CHECK(base.size() == 4);  // the repeated imap/x imap/r1 once
  run_report r;
  r.cases.push_back(make_case("imap/x", {{"imap/r1", verdict::fail}, {"imap/r2", verdict::pass}, {"imap/r4", verdict::warn}}));
  auto out = app::apply_baseline(r, base, path);
  CHECK(out.known == std::vector<std::string>{"imap/x mx.test:25 imap/r1"});
  CHECK(out.fresh == std::vector<std::string>{"imap/x mx.test:25 imap/r4"});
  CHECK(out.fixed == std::vector<std::string>{"imap/x mx.test:25 imap/r2", "imap/x mx.test:25 imap/r3"});
  CHECK(out.not_rerun == std::vector<std::string>{"imap/gone mx.test:25 imap/r1"});
  REQUIRE(r.baseline);
  CHECK(r.baseline->file == path);
  REQUIRE(r.baseline->fixed.size() == 2);
  CHECK(r.baseline->fixed[0].was == "warn");
  CHECK(r.baseline->fixed[0].now == "pass");   // still judged, now passing
  CHECK(r.baseline->fixed[1].now.empty());     // no longer reported at all
  CHECK(r.baseline->not_rerun[0].case_id == "imap/gone");
  CHECK(r.cases[0].findings[2].baseline == baseline_mark::fresh);
  std::remove(path.c_str());
}
