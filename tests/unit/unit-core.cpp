#include <catch2/catch.hpp>

#include "core/case_result.hpp"
#include "core/run_report.hpp"
#include "core/secret.hpp"
#include "core/transcript.hpp"

using namespace mailspec;

TEST_CASE("secret redaction covers the value and its base64 forms at every alignment") {
  secret_registry reg;
  reg.add("pass", "canary-Pa55word-42");
  CHECK(reg.redact("PASS canary-Pa55word-42\r\n") == "PASS \u2039secret:pass\u203a\r\n");
  for (std::string prefix : {"", "a", "ab", "\0user\0"}) {
    std::string blob = base64_encode(prefix + "canary-Pa55word-42" + "tail");
    INFO("prefix length " << prefix.size());
    CHECK(reg.contains_secret(blob));
    CHECK(reg.redact(blob).find("secret:pass") != std::string::npos);
  }
  CHECK_FALSE(reg.contains_secret("nothing to see"));
}

TEST_CASE("secret registry ignores empty values") {
  secret_registry reg;
  reg.add("x", "");
  CHECK(reg.empty());
  CHECK(reg.redact("abc") == "abc");
}

TEST_CASE("base64 follows RFC 4648 test vectors") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("visible shows CR, LF and control bytes") {
  CHECK(visible("a\r\nb") == "a\\r\\nb");
  CHECK(visible(std::string("\0x", 2)) == "\\x00x");
}

TEST_CASE("regression: invalid UTF-8 from a server shows as \\xNN, not U+FFFD, valid UTF-8 is kept") {
  CHECK(visible("caf\xe9 \xff ok") == "caf\\xe9 \\xff ok");
  CHECK(visible("caf\xc3\xa9 \xe2\x80\xb9x\xe2\x80\xba \xf0\x9f\x93\xa7") ==
        "caf\xc3\xa9 \xe2\x80\xb9x\xe2\x80\xba \xf0\x9f\x93\xa7");
  CHECK(visible("end \xc3") == "end \\xc3");                         // truncated sequence
  CHECK(visible("\xc0\xaf") == "\\xc0\\xaf");                        // overlong "/"
  CHECK(visible("\xed\xa0\x80") == "\\xed\\xa0\\x80");              // UTF-16 surrogate
  CHECK(visible("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  CHECK(visible("\xc3\xa9\xa9") == "\xc3\xa9\\xa9");                  // stray continuation byte
}

TEST_CASE("transcript bounds entry size and count") {
  transcript t;
  t.add(0, direction::server, channel::plain, 0, std::string(transcript::max_entry_bytes + 10, 'x'));
  REQUIRE(t.entries().size() == 1);
  CHECK(t.entries()[0].elided == 10);
  CHECK(t.entries()[0].text.size() == transcript::max_entry_bytes);
}

TEST_CASE("case verdict is the worst of steps and findings, fail over error") {
  case_result c;
  c.result = verdict::pass;
  c.steps.push_back({});
  CHECK(combine_case_verdict(c) == verdict::pass);
  finding f;
  f.result = verdict::error;
  c.findings.push_back(f);
  CHECK(combine_case_verdict(c) == verdict::error);
  f.result = verdict::fail;
  c.findings.push_back(f);
  CHECK(combine_case_verdict(c) == verdict::fail);
  f.result = verdict::info;
  case_result d;
  d.result = verdict::pass;
  d.findings.push_back(f);
  CHECK(combine_case_verdict(d) == verdict::pass);
}

TEST_CASE("regression: a skipped case stays skip when a passive rule warns or fails on its transcript") {
  // It used to become `warn` (or `fail`): the skip is the scenario's outcome; the findings keep
  // their own verdicts and count for the exit code through the findings (app/options.cpp).
  case_result c;
  c.result = verdict::skip;
  c.message = "server lacks required capability CHUNKING";
  c.steps.push_back({});
  finding f;
  f.result = verdict::warn;
  c.findings.push_back(f);
  CHECK(combine_case_verdict(c) == verdict::skip);
  f.result = verdict::fail;
  c.findings.push_back(f);
  CHECK(combine_case_verdict(c) == verdict::skip);
  CHECK(c.findings.back().result == verdict::fail);
}

TEST_CASE("summary counts cases by verdict") {
  run_report r;
  case_result a, b;
  a.result = verdict::pass;
  b.result = verdict::fail;
  r.cases = {a, b, b};
  auto s = summarize(r);
  CHECK(s.total_cases == 3);
  CHECK(s.cases["fail"] == 2);
  CHECK(s.cases["pass"] == 1);
  CHECK(s.cases["error"] == 0);
}
