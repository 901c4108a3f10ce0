// The console's "where" column for cases without a port and for IPv6 targets (outside review of
// `mailspec settings` and `mailspec audit ::1`). Failed before the fix.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "report/report.hpp"

using namespace mailspec;

namespace {

std::string line_for(const std::string& host, int port) {
  case_result c;
  c.scenario_id = "policy/mta-sts";
  c.target.host = host;
  c.target.port = port;
  c.result = verdict::pass;
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  report::console con(f, false);
  con.case_done(c, 1, 1);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

}  // namespace

TEST_CASE("regression: console: no ':0' for a case without a port, brackets for IPv6", "[report]") {
  auto policy = line_for("lab.test", 0);
  CHECK(policy.find("lab.test:0") == std::string::npos);
  CHECK(policy.find("  lab.test  ") != std::string::npos);
  CHECK(line_for("::1", 10143).find("[::1]:10143") != std::string::npos);
  CHECK(line_for("127.0.0.1", 10143).find("127.0.0.1:10143") != std::string::npos);
}
