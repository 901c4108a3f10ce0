#include <catch2/catch.hpp>
#include <stdexcept>

#include "scenario/matcher.hpp"

using namespace mailspec::scenario;

TEST_CASE("glob matching is case-insensitive with * and ?") {
  CHECK(glob_match("* OK*", "* OK IMAP4rev2 ready"));
  CHECK(glob_match("* ok*", "* OK"));
  CHECK(glob_match("250-?IZE*", "250-SIZE 1000"));
  CHECK_FALSE(glob_match("250-?IZE*", "250-IZE"));
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("", "x"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("***", "abc"));
  CHECK(glob_match("a*b*c", "aXXbYYbZZc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYYbZZ"));
  CHECK(glob_match("*a", "aaa"));
  CHECK_FALSE(glob_match("?", ""));
  CHECK(glob_match("??", "\xc3\xa9"));  // bytes, not code points
  CHECK_FALSE(glob_match("abc", "abcd"));
  CHECK(glob_match("a*", "a*"));
  // Pathological pattern stays fast (no exponential backtracking).
  std::string text(5000, 'a');
  CHECK_FALSE(glob_match("*a*a*a*a*a*a*a*a*b", text));
}

TEST_CASE("exact and any matchers") {
  auto e = matcher::exact("+OK ready");
  CHECK(e.matches("+OK ready"));
  CHECK_FALSE(e.matches("+ok ready"));
  CHECK(e.type() == matcher::kind::exact);
  CHECK(matcher::any().matches(""));
  CHECK(matcher::any().matches("anything"));
  CHECK(e.describe() == "exact \"+OK ready\"");
  CHECK(matcher::glob("* OK*").describe() == "glob \"* OK*\"");
  CHECK(matcher::any().describe() == "any line");
}

TEST_CASE("regex matchers match the whole line and bind named groups once") {
  auto m = matcher::regex(R"(\* (?<n>\d+) EXISTS)");
  CHECK(m.describe() == R"(regex /\* (?<n>\d+) EXISTS/)");
  std::map<std::string, std::string> caps;
  CHECK(m.matches("* 12 EXISTS", &caps));
  CHECK(caps.at("n") == "12");
  CHECK(m.matches("* 13 EXISTS", &caps));
  CHECK(caps.at("n") == "12");  // first binding wins
  CHECK_FALSE(m.matches("* 12 EXISTS trailing"));
  CHECK_FALSE(m.matches("x * 12 EXISTS"));
  CHECK_FALSE(matcher::regex("ok").matches("OK"));
  CHECK(matcher::regex("(?i)ok").matches("OK"));
  auto two = matcher::regex(R"((?<a>\w+) (?'b'\w+))");
  std::map<std::string, std::string> c2;
  CHECK(two.matches("x y", &c2));
  CHECK(c2.size() == 2);
  CHECK(c2.at("b") == "y");
}

TEST_CASE("an invalid regex throws invalid_argument with Boost's message") {
  try {
    matcher::regex("(unclosed");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("parenthesis") != std::string::npos);
  }
  CHECK_THROWS_AS(matcher::regex("a{2,1}"), std::invalid_argument);
}
