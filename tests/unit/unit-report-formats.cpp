// junit.xml, report.sarif, report.html, merge and the console.
#include <catch2/catch.hpp>

#include <cstdio>

#include "../browser/sample_report.hpp"
#include "report/report.hpp"

using namespace mailspec;
using nlohmann::json;

namespace {
int count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}
std::string attr_of(const std::string& xml, const std::string& tag, const std::string& name) {
  auto p = xml.find("<" + tag + " ");
  auto q = xml.find(name + "=\"", p);
  return xml.substr(q + name.size() + 2, xml.find('"', q + name.size() + 2) - q - name.size() - 2);
}
}  // namespace

TEST_CASE("junit.xml: suites per target and protocol, failures and errors kept apart", "[report]") {
  auto r = sample::sample_report();
  std::string x = report::to_junit(r);
  auto s = summarize(r);
  CHECK(count(x, "<testcase ") == s.total_cases);
  CHECK(count(x, "<failure ") == s.cases["fail"]);
  CHECK(count(x, "<error ") == s.cases["error"]);
  CHECK(count(x, "<skipped>server lacks STARTTLS</skipped>") == s.cases["skip"]);
  CHECK(count(x, "<skipped ") == 0);  // Jenkins' XSD: no attributes on <skipped>
  CHECK(x.find("<testsuites name=\"mailspec run\" tests=") != std::string::npos);
  CHECK(x.substr(0, x.find("<testsuite ")).find("skipped=") == std::string::npos);
  CHECK(attr_of(x, "testsuites", "tests") == std::to_string(s.total_cases));
  CHECK(attr_of(x, "testsuites", "failures") == std::to_string(s.cases["fail"]));
  CHECK(attr_of(x, "testsuites", "errors") == std::to_string(s.cases["error"]));
  CHECK(x.find("<testsuite name=\"localhost:143 imap\"") != std::string::npos);
  CHECK(x.find("<testsuite name=\"localhost:993 imap\"") != std::string::npos);
  CHECK(x.find("classname=\"imap\"") != std::string::npos);
  CHECK(x.find("classname=\"imap.audit.imap\"") != std::string::npos);
  // The failing finding's rule, spec, expected and actual are in the failure text.
  CHECK(x.find("imap/rfc5321/4.2/reply-code-syntax (RFC 5321 \xc2\xa7" "4.2.1)") != std::string::npos);
  CHECK(x.find("expected: a reply code 2xx") != std::string::npos);
  // Hostile text: no raw NUL or invalid UTF-8, markup escaped.
  CHECK(x.find('\0') == std::string::npos);
  CHECK(report::utf8_sanitize(x) == x);
  CHECK(x.find("</script>") == std::string::npos);
  CHECK(x.find("&lt;/script&gt;") != std::string::npos);
}

TEST_CASE("report.sarif: rules with RFC links, one result per non-pass finding", "[report]") {
  auto r = sample::sample_report();
  json s = json::parse(report::to_sarif(r));
  CHECK(s["version"] == "2.1.0");
  const json& run = s["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "mailspec");
  int non_pass = 0;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings) non_pass += f.result != verdict::pass;
  REQUIRE(run["results"].size() == static_cast<std::size_t>(non_pass));
  bool saw_fail = false, saw_error = false;
  for (const auto& res : run["results"]) {
    const json& rule = run["tool"]["driver"]["rules"][res["ruleIndex"].get<int>()];
    CHECK(rule["id"] == res["ruleId"]);
    std::string v = res["properties"]["mailspecVerdict"];
    if (v == "fail") {
      saw_fail = true;
      CHECK(res["level"] == "error");
    }
    if (v == "warn") CHECK(res["level"] == "warning");
    if (v == "error") {
      saw_error = true;
      CHECK(res["kind"] == "open");
    }
    if (res["kind"] != "fail") CHECK(res["level"] == "none");
    CHECK(res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].get<std::string>().find("localhost:") == 0);
  }
  CHECK((saw_fail && saw_error));
  const json& first_rule = run["tool"]["driver"]["rules"][0];
  CHECK(first_rule["helpUri"] == "https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1");
  CHECK(static_cast<int>(run["invocations"][0]["toolExecutionNotifications"].size()) == summarize(r).cases["error"]);
}

TEST_CASE("report.html is self-contained and cannot be broken out of by server text", "[report]") {
  auto r = sample::sample_report();
  std::string h = report::to_html(r);
  CHECK(h.find("<!DOCTYPE html>") == 0);
  CHECK(h.find("{{") == std::string::npos);
  // Exactly the page's own closing script tags: the data's "</script>" is escaped.
  CHECK(count(h, "</script>") == 2);
  CHECK(h.find("\\u003c/script>") != std::string::npos);
  CHECK(h.find("src=\"http") == std::string::npos);
  CHECK(h.find("<link") == std::string::npos);
  CHECK(h.find("id=\"report-data\"") != std::string::npos);
  // The embedded data parses back to the report.
  auto a = h.find('>', h.find("id=\"report-data\"")) + 1;
  json data = json::parse(h.substr(a, h.find("</script>", a) - a));
  CHECK(data["summary"]["total"] == r.cases.size());
  CHECK(h.find('\0') == std::string::npos);
  // Certificates are stored once (the sample has two distinct ones) and referenced by index;
  // a finding's rule text is left out where the rules catalogue has it.
  REQUIRE(data["certificates"].size() == 2);
  CHECK(count(h, "\"sha256_fingerprint\"") == 2);
  const json& tls = data["cases"][0]["tls"][0];
  CHECK(data["certificates"][tls["leaf"].get<std::size_t>()]["subject"] == "CN=localhost");
  CHECK(data["certificates"][tls["chain"][1].get<std::size_t>()]["subject"] == "CN=mailspec test CA");
  const json& f = data["cases"][1]["findings"][0];
  CHECK(!f.contains("requirement"));
  CHECK(f["actual"] == "554 no");
  // Text unlike the catalogue's stays in the finding.
  r.cases[1].findings[0].requirement = "a requirement of this finding only";
  CHECK(report::to_html(r).find("a requirement of this finding only") != std::string::npos);
}

TEST_CASE("merge joins shards: cases, rules, targets, time span, incomplete", "[report]") {
  auto a = sample::sample_report(), b = sample::sample_report(2);
  a.started = "2026-11-28T03:00:10.000Z";
  a.duration_ms = 5000;  // ends 03:00:15
  b.started = "2026-11-28T03:00:00.000Z";
  b.duration_ms = 3000;
  b.targets = {"other.example"};
  b.rules["extra/rule"] = {"RFC 1 \xc2\xa7" "1", "x", "MUST", "smtp"};
  b.incomplete = true;
  b.incomplete_reason = "interrupted (SIGINT)";
  auto m = report::merge({a, b});
  CHECK(m.cases.size() == a.cases.size() + b.cases.size());
  CHECK(m.cases.front().scenario_id == a.cases.front().scenario_id);
  CHECK(m.started == "2026-11-28T03:00:00.000Z");
  CHECK(m.duration_ms == 15000);
  CHECK(m.targets == std::vector<std::string>{"localhost", "other.example"});
  CHECK(m.rules.count("extra/rule") == 1);
  auto united = a.rules;
  united.insert(b.rules.begin(), b.rules.end());
  CHECK(m.rules.size() == united.size());
  CHECK(m.incomplete);
  CHECK(m.incomplete_reason == "interrupted (SIGINT)");
  CHECK(report::merge({}).cases.empty());
  // Round trip through JSON keeps merge input intact.
  CHECK(report::merge({report::from_json(report::to_json(a))}).cases.size() == a.cases.size());
}

TEST_CASE("console: plain lines without a TTY, no colours, summary lists failures", "[report]") {
  auto r = sample::sample_report();
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  report::console con(f, false);
  int done = 0;
  for (const auto& c : r.cases) con.case_done(c, ++done, static_cast<int>(r.cases.size()));
  con.summary(r, "out/reports");
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  CHECK(out.find("\x1b[") == std::string::npos);
  CHECK(out.find("FAIL  imap/sample-fail") != std::string::npos);
  CHECK(out.find("reports: out/reports") != std::string::npos);
  CHECK(out.find("1 error") != std::string::npos);
  CHECK(out.find('\0') == std::string::npos);
  CHECK(count(out, "\n") >= static_cast<int>(r.cases.size()));
}

TEST_CASE("console: on a TTY, colours and a progress line rewritten in place", "[report]") {
  auto r = sample::sample_report();
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  report::console con(f, true);
  con.case_done(r.cases[0], 1, 3);  // pass: progress only
  con.case_done(r.cases[1], 2, 3);  // fail: kept as a line
  con.summary(r, "");
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  CHECK(out.find("\x1b[1;31mFAIL") != std::string::npos);
  CHECK(out.find("\r\x1b[2K") != std::string::npos);
}

TEST_CASE("an empty run still gives valid documents in every format", "[report]") {
  run_report r;
  r.command = "run";
  r.started = "2026-11-28T03:00:00.000Z";
  json j = report::to_json(r);
  CHECK(j["summary"]["total"] == 0);
  CHECK(j["cases"].empty());
  CHECK(report::to_junit(r).find("<testsuites name=\"mailspec run\" tests=\"0\"") != std::string::npos);
  CHECK(json::parse(report::to_sarif(r))["runs"][0]["results"].empty());
  CHECK(report::to_html(r).find("id=\"report-data\"") != std::string::npos);
  // A minimal hand-written report (optional members absent) is read with defaults.
  run_report m = report::from_json(json::parse(R"({"format":"mailspec-report/1","cases":[{"id":"smtp/x","verdict":"warn"}]})"));
  REQUIRE(m.cases.size() == 1);
  CHECK(m.cases[0].result == verdict::warn);
  CHECK(m.cases[0].kind == "scenario");
}
