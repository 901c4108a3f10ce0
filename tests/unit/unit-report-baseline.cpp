// --baseline in the reports: each finding's known/new mark is data (not message text), report.json
// carries fixed and not-rerun entries, merge and from_json keep them, and the console, JUnit and
// SARIF show what changed since the baseline.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "../browser/sample_wide.hpp"
#include "report/report.hpp"

using namespace mailspec;
using nlohmann::json;

namespace {

std::string console_summary(const run_report& r) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  report::console con(f, false);
  con.summary(r, "");
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

const json* finding_of(const json& report, const std::string& case_id, const std::string& rule) {
  for (const auto& c : report["cases"])
    if (c["id"] == case_id)
      for (const auto& f : c["findings"])
        if (f["rule"] == rule) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("report.json: a finding's baseline mark is a typed member, the message is left alone", "[report][baseline]") {
  auto r = sample::wide_report();
  json j = report::to_json(r);
  const json* known = finding_of(j, "audit/imap:3143/plaintext-login", "audit/plaintext-login/imap");
  REQUIRE(known);
  CHECK((*known)["baseline"] == json({{"state", "known"}, {"reason", "allowplaintext: yes, ticket 42"}}));
  CHECK((*known)["message"] == "the plaintext LOGIN was evaluated");  // no "baseline: known" prefix in the text
  const json* fresh = finding_of(j, "smtp/ehlo", "smtp/rfc5321/4.2/reply-code-syntax");
  REQUIRE(fresh);
  CHECK((*fresh)["baseline"]["state"] == "new");
  // Findings the baseline did not judge (pass, info) carry no mark.
  CHECK_FALSE(finding_of(j, "smtp/ehlo", "tls/version/rfc8996-floor")->contains("baseline"));
  CHECK(j["baseline"]["file"] == "previous/report.json");
  CHECK(j["baseline"]["known"] == 3);
  CHECK(j["baseline"]["new"] == 2);
  REQUIRE(j["baseline"]["fixed"].size() == 2);
  CHECK(j["baseline"]["fixed"][0] == json({{"case", "audit/submission:10587/tls-ciphers"}, {"target", "127.0.0.1:10587"},
                                           {"rule", "tls/cipher/weak"}, {"was", "fail"}, {"now", "pass"}, {"reason", ""}}));
  CHECK(j["baseline"]["not_rerun"][0]["rule"] == "imap/rfc9051/6.3.1/select-ok");
}

TEST_CASE("report.json without --baseline has no baseline member anywhere", "[report][baseline]") {
  json j = report::to_json(sample::sample_report());
  CHECK_FALSE(j.contains("baseline"));
  for (const auto& c : j["cases"])
    for (const auto& f : c["findings"]) CHECK_FALSE(f.contains("baseline"));
}

TEST_CASE("from_json keeps the baseline marks and changes: to_json(from_json(j)) == j", "[report][baseline]") {
  json j = report::to_json(sample::wide_report());
  run_report back = report::from_json(j);
  REQUIRE(back.baseline);
  CHECK(back.baseline->fixed.size() == 2);
  CHECK(back.baseline->not_rerun.size() == 1);
  CHECK(report::to_json(back) == j);
}

TEST_CASE("from_json rejects an unknown baseline state, naming the place", "[report][baseline]") {
  json j = report::to_json(sample::wide_report());
  for (auto& c : j["cases"])
    if (c["id"] == "smtp/ehlo") c["findings"][0]["baseline"]["state"] = "fresh";
  CHECK_THROWS_WITH(report::from_json(j), Catch::Contains("/findings/0/baseline/state") && Catch::Contains("fresh"));
  j = report::to_json(sample::wide_report());
  j["baseline"]["fixed"][0].erase("rule");
  CHECK_THROWS_WITH(report::from_json(j), Catch::Contains("/baseline/fixed/0"));
}

TEST_CASE("console: the summary says what is new and what is fixed since the baseline", "[report][baseline]") {
  std::string out = console_summary(sample::wide_report());
  CHECK(out.find("since the baseline (previous/report.json): 2 new, 2 fixed, 3 known, 1 not rerun") != std::string::npos);
  CHECK(out.find("  new:   FAIL smtp/ehlo  127.0.0.3:2525  smtp/rfc5321/4.2/reply-code-syntax") != std::string::npos);
  CHECK(out.find("  fixed: FIXED audit/submission:10587/tls-ciphers  127.0.0.1:10587  tls/cipher/weak (was fail, now pass)") !=
        std::string::npos);
  CHECK(out.find("  fixed: FIXED *  *  tls/cert/expires-soon (waived, no longer reported)") != std::string::npos);
  // The known plaintext login is not listed as a failing case; the new failure is.
  CHECK(out.find("FAIL audit/imap:3143/plaintext-login") == std::string::npos);
  CHECK(out.find("  FAIL smtp/ehlo") != std::string::npos);
  // No baseline, no such line.
  CHECK(console_summary(sample::sample_report()).find("since the baseline") == std::string::npos);
}

TEST_CASE("merge: fixed in any shard is fixed, not rerun only when no shard ran the case", "[report][baseline]") {
  auto a = sample::wide_report(), b = sample::wide_report();
  b.cases.clear();
  b.baseline->fixed = {{"audit/smtp:10025/starttls", "127.0.0.1:10025", "tls/cert/expired", "fail", "pass", ""}};
  // Shard b did not run imap/old-case either; a case of shard a covers its other entry.
  b.baseline->not_rerun.push_back({"audit/imap:10143/starttls", "127.0.0.1:10143", "tls/cert/chain", "fail", "", ""});
  auto m = report::merge({a, b});
  REQUIRE(m.baseline);
  CHECK(m.baseline->file == "previous/report.json");
  CHECK(m.baseline->fixed.size() == 3);
  REQUIRE(m.baseline->not_rerun.size() == 1);
  CHECK(m.baseline->not_rerun[0].case_id == "imap/old-case");
  // Without a baseline in any input, none in the merge.
  CHECK_FALSE(report::merge({sample::sample_report()}).baseline);
}

TEST_CASE("junit.xml and SARIF carry the baseline marks", "[report][baseline]") {
  auto r = sample::wide_report();
  std::string x = report::to_junit(r);
  CHECK(x.find("baseline: known (allowplaintext: yes, ticket 42)") != std::string::npos);
  json s = json::parse(report::to_sarif(r));
  int fresh = 0, unchanged = 0, unmarked = 0;
  for (const auto& res : s["runs"][0]["results"]) {
    if (!res.contains("baselineState")) ++unmarked;
    else if (res["baselineState"] == "new") ++fresh;
    else if (res["baselineState"] == "unchanged") ++unchanged;
  }
  CHECK(fresh == 2);
  CHECK(unchanged == 3);
  CHECK(unmarked > 0);  // info findings: not judged against the baseline
}
