// report.json: to_json / from_json round trip, hostile text, errors on bad input.
#include <catch2/catch.hpp>

#include <sstream>

#include <filesystem>
#include <fstream>

#include "../browser/sample_report.hpp"
#include "report/report.hpp"

using namespace mailspec;
using nlohmann::json;

TEST_CASE("report.json carries the run metadata, summary and every case field", "[report]") {
  auto r = sample::sample_report();
  json j = report::to_json(r);
  CHECK(j["format"] == "mailspec-report/1");
  CHECK(j["tool"]["name"] == "mailspec");
  CHECK(j["summary"]["total"] == r.cases.size());
  CHECK(j["summary"]["cases"]["fail"] == summarize(r).cases["fail"]);
  CHECK(j["summary"]["cases"]["error"] == 1);
  const json& c = j["cases"][1];
  CHECK(c["id"] == "imap/sample-fail");
  CHECK(c["verdict"] == "fail");
  CHECK(c["target"]["port"] == 143);
  CHECK(c["target"]["addresses"].size() == 2);
  CHECK(c["findings"][0]["severity"] == "high");
  CHECK(c["findings"][0]["level"] == "MUST");
  CHECK(c["transcript"][1]["dir"] == "s");
  CHECK(c["transcript"][3]["channel"] == "tls");
  // CR/LF made visible in the transcript.
  CHECK(c["transcript"][1]["text"] == "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\\r\\n");
  CHECK(c["tls"][0]["leaf"]["subject"] == "CN=localhost");
  CHECK(c["tls"][0]["chain"].size() == 2);
  CHECK(c["capabilities"]["before_tls"][1] == "STARTTLS");
  CHECK(j["rules"].size() == r.rules.size());
  CHECK_FALSE(j.contains("incomplete_reason"));
}

TEST_CASE("report.json survives invalid UTF-8 and NUL bytes from a hostile server", "[report]") {
  auto r = sample::sample_report();
  std::string text = report::dump_json(report::to_json(r));
  CHECK(text.find("\xef\xbf\xbd") != std::string::npos);  // invalid bytes replaced
  CHECK(text.find('\0') == std::string::npos);
  json back = json::parse(text);  // valid JSON again
  CHECK(back["cases"].size() == r.cases.size());
  // The NUL byte in the transcript is shown as \x00, in the visible form.
  CHECK(text.find("\\\\x00nul") != std::string::npos);
}

TEST_CASE("write_json streams the same text as dump_json(to_json), one case at a time", "[report]") {
  // report.json is written case by case (a 10,000-case run held the whole tree, then a copy of
  // it): the streamed text must be the same, indented or compact, with 0, 1 or many cases.
  for (int n : {0, 1, 3}) {
    auto r = sample::sample_report(n);
    if (n == 0) r.cases.clear();
    r.incomplete = n == 3;
    r.incomplete_reason = "interrupted";
    for (int indent : {2, -1, 0}) {
      std::ostringstream out;
      report::write_json(out, r, indent);
      INFO("cases " << r.cases.size() << ", indent " << indent);
      CHECK(out.str() == report::dump_json(report::to_json(r), indent));
    }
  }
  std::string hostile = "\xff\xfe\n\"cases\": []\r\n";  // invalid UTF-8 and the split marker in a value
  auto r = sample::sample_report();
  r.cases[0].message = hostile;
  r.arguments.push_back(hostile);
  std::ostringstream out;
  report::write_json(out, r);
  CHECK(out.str() == report::dump_json(report::to_json(r)));
  CHECK(json::parse(out.str())["cases"].size() == r.cases.size());
}

TEST_CASE("from_json inverts to_json", "[report]") {
  auto r = sample::sample_report(2);
  r.incomplete = true;
  r.incomplete_reason = "interrupted";
  json j = report::to_json(r);
  run_report back = report::from_json(j);
  CHECK(report::to_json(back) == j);
  REQUIRE(back.cases.size() == r.cases.size());
  CHECK(back.cases[1].log.entries()[1].text == r.cases[1].log.entries()[1].text);  // raw CR LF back
  CHECK(back.cases[1].findings[0].sev == severity::high);
  CHECK(back.rules.size() == r.rules.size());
  CHECK(back.incomplete_reason == "interrupted");
}

TEST_CASE("from_json keeps a transcript's elided bytes and dropped entries (merge of shards)", "[report]") {
  auto r = sample::sample_report();
  transcript& log = r.cases[0].log;
  log.add(20, direction::server, channel::tls, 0, std::string(transcript::max_entry_bytes + 1234, 'x'));
  while (log.dropped_entries() < 3) log.add(21, direction::client, channel::plain, 0, "a\r\n");
  REQUIRE(log.entries()[5].elided == 1234);
  json j = report::to_json(r);
  CHECK(j["cases"][0]["transcript"][5]["elided"] == 1234);
  CHECK(j["cases"][0]["transcript_dropped"] == 3);

  run_report back = report::from_json(j);
  const auto& entries = back.cases[0].log.entries();
  REQUIRE(entries.size() == transcript::max_entries);
  CHECK(entries[5].elided == 1234);
  CHECK(entries[5].text.size() == transcript::max_entry_bytes);
  CHECK(entries[4].elided == 0);
  CHECK(back.cases[0].log.dropped_entries() == 3);
  CHECK(report::to_json(back) == j);
  // merge goes through from_json of each shard: the counts survive it.
  run_report merged = report::merge({back, report::from_json(report::to_json(sample::sample_report()))});
  CHECK(merged.cases[0].log.entries()[5].elided == 1234);
  CHECK(report::to_json(merged)["cases"][0]["transcript_dropped"] == 3);
}

TEST_CASE("from_json rejects bad input with a clear message naming the place", "[report]") {
  json j = report::to_json(sample::sample_report());
  SECTION("wrong format") {
    j["format"] = "mailspec-report/9";
    CHECK_THROWS_WITH(report::from_json(j), Catch::Contains("unsupported format") && Catch::Contains("/format"));
  }
  SECTION("unknown verdict") {
    j["cases"][2]["findings"][0]["verdict"] = "passed";
    CHECK_THROWS_WITH(report::from_json(j), Catch::Contains("/cases/2/findings/0/verdict") && Catch::Contains("passed"));
  }
  SECTION("wrong type") {
    j["cases"][0]["duration_ms"] = "slow";
    CHECK_THROWS_WITH(report::from_json(j), Catch::Contains("invalid mailspec report") && Catch::Contains("/cases/0"));
  }
  SECTION("missing cases") {
    j.erase("cases");
    CHECK_THROWS_WITH(report::from_json(j), Catch::Contains("cases"));
  }
  SECTION("not an object") { CHECK_THROWS_AS(report::from_json(json::array()), std::runtime_error); }
}

TEST_CASE("write_reports writes report.json always and the asked formats", "[report]") {
  auto dir = std::filesystem::temp_directory_path() / ("mailspec-unit-report-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto r = sample::sample_report();
  auto only_json = report::write_reports(r, (dir / "a").string(), {});
  REQUIRE(only_json.size() == 1);
  CHECK(std::filesystem::exists(dir / "a" / "report.json"));
  auto all = report::write_reports(r, (dir / "b" / "nested").string(), {{"html", "junit", "sarif"}});
  CHECK(all.size() == 4);
  for (const auto& p : all) CHECK(std::filesystem::file_size(p) > 100);
  run_report back = report::read_json_file((dir / "b" / "nested" / "report.json").string());
  CHECK(back.cases.size() == r.cases.size());
  CHECK_THROWS_WITH(report::write_reports(r, dir.string(), {{"pdf"}}), Catch::Contains("unknown report format"));
  CHECK_THROWS_WITH(report::read_json_file((dir / "missing.json").string()), Catch::Contains("missing.json"));
  std::ofstream(dir / "junk.json") << "{not json";
  CHECK_THROWS_WITH(report::read_json_file((dir / "junk.json").string()), Catch::Contains("not valid JSON"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("helpers: visible round trip, UTF-8 repair, XML escaping, RFC links, timestamps", "[report]") {
  std::string raw("a\r\nb\\c\0d\x7f", 10);
  CHECK(report::from_visible(visible(raw)) == raw);
  CHECK(report::utf8_sanitize("ok \xc3\xa9 \xff \xed\xa0\x80") == "ok \xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(report::xml_escape(std::string("<a&\"'>\0\x01", 8)) == "&lt;a&amp;&quot;&apos;&gt;\\x00\\x01");
  CHECK(report::spec_url("RFC 5321 \xc2\xa7" "4.2.1") == "https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1");
  CHECK(report::spec_url("RFC 8314 \xc2\xa7" "A.1") == "https://www.rfc-editor.org/rfc/rfc8314#appendix-A.1");
  CHECK(report::spec_url("RFC 2595") == "https://www.rfc-editor.org/rfc/rfc2595");
  CHECK(report::spec_url("mailspec") == "");
  CHECK(report::parse_iso8601_ms("1970-01-01T00:00:01.250Z") == 1250);
  CHECK(report::parse_iso8601_ms(iso8601_from_epoch_ms(1764299999123)) == 1764299999123);
  CHECK(report::parse_iso8601_ms("yesterday") == -1);
}

TEST_CASE("a transcript entry's connection survives report.json, one-connection entries carry none", "[report]") {
  auto r = sample::sample_report();
  transcript& log = r.cases[0].log;
  const std::size_t before = log.entries().size();
  log.add(30, direction::client, channel::tls, 2, "A007 NOOP\r\n", "b");
  json j = report::to_json(r);
  CHECK(j["cases"][0]["transcript"][before]["conn"] == "b");
  CHECK_FALSE(j["cases"][0]["transcript"][0].contains("conn"));
  run_report back = report::from_json(j);
  CHECK(back.cases[0].log.entries()[before].conn == "b");
  CHECK(back.cases[0].log.entries()[0].conn.empty());
  CHECK(report::to_json(back) == j);
}
