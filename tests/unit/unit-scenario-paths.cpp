#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "scenario/loader.hpp"
#include "unit-scenario-common.hpp"

using namespace mailspec::scenario;
using scenario_test::no_env;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("mailspec-scenario-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

const std::string minimal(const std::string& id) {
  return "{\"format\": 1, \"id\": \"" + id + "\", \"protocol\": \"pop3\", \"connection\": {\"port\": \"pop3\"},"
         " \"steps\": [{\"expect\": {\"status\": \"+OK\"}}]}";
}

}  // namespace

TEST_CASE("directories are walked recursively and sorted, *.json only, schema skipped") {
  temp_dir d;
  d.write("b/two.json", minimal("b/two"));
  d.write("a/one.json", minimal("a/one"));
  d.write("a/notes.txt", "not json");
  d.write("schema/scenario-v1.json", "{\"not\": \"a scenario\"}");
  d.write("a/schema/deep.json", "broken");
  auto r = load_paths({d.path.string()}, no_env());
  for (const auto& e : r.errors) INFO(e.format());
  CHECK(r.errors.empty());
  REQUIRE(r.scenarios.size() == 2);
  CHECK(r.scenarios[0].id == "a/one");
  CHECK(r.scenarios[1].id == "b/two");
  CHECK(r.scenarios[0].port == 110);
  CHECK(r.files.size() == 2);
}

TEST_CASE("missing paths and empty directories are errors") {
  temp_dir d;
  auto r = load_paths({(d.path / "nope").string(), d.path.string()}, no_env());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].format() == (d.path / "nope").string() + ": no such file or directory");
  CHECK(r.errors[1].format() == d.path.string() + ": no scenario files (*.json) under " + d.path.string());
}

TEST_CASE("duplicate scenario ids across files: error at the second file") {
  temp_dir d;
  d.write("1.json", minimal("same"));
  d.write("2.json", "{\n  \"format\": 1,\n  \"id\": \"same\", \"protocol\": \"pop3\", \"connection\": {\"port\": 110},"
                    " \"steps\": [{\"expect\": {}}]}");
  auto r = load_paths({d.path.string()}, no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].format() == (d.path / "2.json").string() + ":3:9 (/id): duplicate scenario id \"same\" (also in " +
                                    (d.path / "1.json").string() + ")");
  CHECK(r.scenarios.size() == 1);
}

TEST_CASE("files over 10 MiB are refused without parsing") {
  temp_dir d;
  d.write("big.json", "[" + std::string(10 * 1024 * 1024, ' ') + "]");
  auto r = load_paths({(d.path / "big.json").string()}, no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "file is larger than 10 MiB, not parsed");
}

TEST_CASE("nesting deeper than 64 is an error, 64 is fine for the parser") {
  std::string deep = std::string(65, '[') + std::string(65, ']');
  auto r = load_text("d.json", deep, no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].format() == "d.json:1:65: JSON nested deeper than 64 levels");
  std::string huge = std::string(100000, '[');
  CHECK(load_text("d.json", huge, no_env()).errors.size() == 1);
  std::string ok = std::string(64, '[') + std::string(64, ']');
  r = load_text("d.json", ok, no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "expected a scenario object, got a list");
  // Brackets inside strings do not count.
  r = load_text("d.json", "\"" + std::string(100, '[') + "\"", no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "expected a scenario object, got \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...");
}

TEST_CASE("JSON syntax errors carry line and column") {
  auto r = load_text("s.json", "{\n  \"format\": 1,\n  \"id\": \"x\",,\n}", no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 3);
  CHECK(r.errors[0].column == 13);
  CHECK(r.errors[0].format().rfind("s.json:3:13: invalid JSON: syntax error", 0) == 0);
  r = load_text("s.json", "", no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 1);
}

TEST_CASE("variables: env, value, secrets, unset environment") {
  std::string doc = "{\n"
                    "  \"format\": 1, \"id\": \"v\", \"protocol\": \"imap\", \"connection\": {\"port\": \"imaps\", \"tls\": \"implicit\"},\n"
                    "  \"vars\": {\n"
                    "    \"user\": { \"env\": \"MS_USER\" },\n"
                    "    \"pass\": { \"env\": \"MS_PASS\", \"secret\": true },\n"
                    "    \"host\": { \"value\": \"mx.example\" }\n"
                    "  },\n"
                    "  \"steps\": [{ \"send\": \"${tag} LOGIN ${var.user} ${var.pass|imap_quote} ${var.host}\" }]\n"
                    "}\n";
  auto r = load_text("v.json", doc, no_env());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].format() == "v.json:4:22 (/vars/user/env): variable \"user\": environment variable MS_USER is not set");
  CHECK(r.errors[1].format() == "v.json:5:22 (/vars/pass/env): variable \"pass\": environment variable MS_PASS is not set");

  load_options relaxed = no_env();
  relaxed.check_environment = false;
  CHECK(load_text("v.json", doc, relaxed).errors.empty());

  load_options env;
  env.getenv = [](const std::string& n) -> std::optional<std::string> {
    if (n == "MS_USER") return std::string("alice");
    if (n == "MS_PASS") return std::string("s3cret");
    return std::nullopt;
  };
  r = load_text("v.json", doc, env);
  REQUIRE(r.errors.empty());
  auto vars = resolve_vars(r.scenarios.at(0), env);
  CHECK(vars.values.at("user") == "alice");
  CHECK(vars.values.at("pass") == "s3cret");
  CHECK(vars.values.at("host") == "mx.example");
  CHECK(vars.secret.at("pass"));
  CHECK_FALSE(vars.secret.at("host"));
}

TEST_CASE("did-you-mean suggests the closest field, or lists them") {
  auto r = load_text("y.json", "{\"format\": 1, \"id\": \"y\", \"protocol\": \"smtp\", \"connection\": {\"port\": 25, \"tsl\": \"none\"},"
                               " \"stpes\": [], \"steps\": [{\"expect\": {}}], \"zzzzzz\": 1}", no_env());
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].message == "unknown field \"tsl\" in connection (the host comes from the command line) (did you mean \"tls\"?)");
  CHECK(r.errors[1].message == "unknown field \"stpes\" (did you mean \"steps\"?)");
  CHECK(r.errors[2].message.rfind("unknown field \"zzzzzz\" (expected one of: \"$schema\", \"format\"", 0) == 0);
}

TEST_CASE("regression: a number too large for a double is a load error, not an exception") {
  auto r = load_text("n.json", "{\n  \"format\": 1e400}", no_env());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].format() == "n.json:2:13: invalid JSON: number overflow parsing '1e400'");
}

TEST_CASE("a UTF-8 byte order mark does not shift positions") {
  auto r = load_text("b.json", "\xEF\xBB\xBF{\n  \"format\": 2}", no_env());
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors.back().format() == "b.json:2:13 (/format): expected 1 (the only scenario format this version reads), got 2");
}

TEST_CASE("a file reached twice is loaded once") {
  temp_dir d;
  d.write("one.json", minimal("one"));
  auto r = load_paths({d.path.string(), (d.path / "one.json").string(), (d.path / "." / "one.json").string()}, no_env());
  CHECK(r.errors.empty());
  CHECK(r.scenarios.size() == 1);
  CHECK(r.files.size() == 1);
}
