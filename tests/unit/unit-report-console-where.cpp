// The console's "where" column for cases without a port and for IPv6 targets (found running
// `mailspec settings` and `mailspec audit ::1`). Failed before the fix.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include "core/transcript.hpp"
#include "report/report.hpp"

using namespace mailspec;

namespace {

// What the console prints for one finished case (not a TTY).
std::string printed(const case_result& c) {
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

std::string line_for(const std::string& host, int port) {
  case_result c;
  c.scenario_id = "policy/mta-sts";
  c.target.host = host;
  c.target.port = port;
  c.result = verdict::pass;
  return printed(c);
}

}  // namespace

TEST_CASE("regression: console: no ':0' for a case without a port, brackets for IPv6", "[report]") {
  auto policy = line_for("lab.test", 0);
  CHECK(policy.find("lab.test:0") == std::string::npos);
  CHECK(policy.find("  lab.test  ") != std::string::npos);
  CHECK(line_for("::1", 10143).find("[::1]:10143") != std::string::npos);
  CHECK(line_for("127.0.0.1", 10143).find("127.0.0.1:10143") != std::string::npos);
}

TEST_CASE("regression: console: a step message quoting visible server bytes is not escaped twice, "
          "and raw control bytes still never reach the terminal", "[report]") {
  case_result c;
  c.scenario_id = "it/x";
  c.target.host = "127.0.0.1";
  c.target.port = 25;
  c.result = verdict::error;
  step_result s;
  s.id = "send";
  s.result = verdict::error;
  s.message = std::string("contains CR or LF (") + visible("A1 NOOP\r\nA2") + ") and raw \x1b[31m\r\n";
  c.steps.push_back(s);
  const std::string out = printed(c);
  CHECK(out.find("(A1 NOOP\\r\\nA2)") != std::string::npos);
  CHECK(out.find("\\\\r") == std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find("raw \\x1b[31m\\r\\n") != std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
}
