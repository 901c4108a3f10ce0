// `mailspec merge` input (issue 8): a damaged report.json is an error that
// names the place, never a merge of defaults. Each failed before the fix.
#include <catch2/catch.hpp>

#include <filesystem>

#include "report/report.hpp"

using namespace mailspec;
using nlohmann::json;

namespace {

json one_case(const char* member, json value) {
  json c = {{"id", "smtp/x"}, {"verdict", "pass"}};
  c[member] = std::move(value);
  return {{"format", "mailspec-report/1"}, {"cases", json::array({c})}};
}

std::string error_of(const json& j) {
  try {
    report::from_json(j);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("regression: wrong-typed members of a case are errors naming the JSON pointer") {
  struct row {
    const char* member;
    json value;
    const char* where;
  };
  const row rows[] = {
      {"transcript", json::array({1, 2}), "(/cases/0/transcript/0) expected an object, got number"},
      {"transcript", json::object({{"a", 1}}), "(/cases/0/transcript) expected an array, got object"},
      {"tls", json::array({1}), "(/cases/0/tls/0) expected an object, got number"},
      {"target", json::array(), "(/cases/0/target) expected an object, got array"},
      {"steps", json::array({nullptr}), "(/cases/0/steps/0) expected an object, got null"},
      {"findings", json::array({"x"}), "(/cases/0/findings/0) expected an object, got string"},
      {"capabilities", 5, "(/cases/0/capabilities) expected an object, got number"},
  };
  for (const auto& r : rows) {
    INFO(r.member << " = " << r.value.dump());
    CHECK(error_of(one_case(r.member, r.value)).find(r.where) != std::string::npos);
  }
  // The well-formed shapes still read.
  CHECK(error_of(one_case("transcript", json::array({{{"dir", "s"}, {"text", "220 hi\\r\\n"}}}))).empty());
}

TEST_CASE("regression: a directory given as a report says so") {
  auto dir = std::filesystem::temp_directory_path();
  try {
    report::read_json_file(dir.string());
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("a directory, not a report.json file") != std::string::npos);
  }
}
