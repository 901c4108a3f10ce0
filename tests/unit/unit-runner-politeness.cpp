// Scale-out and politeness (issue 8): throttled replies in the middle
// of a session are errors (docs/architecture.md), and a stop request is seen while waiting for a --rate
// slot. Each failed before its fix.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "fake_server.hpp"
#include "runner/runner.hpp"
#include "scenario/loader.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

namespace {

std::vector<scenario::scenario> bundled(const std::string& rel) {
  setenv("MAILSPEC_USER", "alice", 1);
  setenv("MAILSPEC_PASSWORD", "Review-Pw-1", 1);
  auto r = scenario::load_paths({std::string(MAILSPEC_SOURCE_DIR) + "/scenarios/" + rel});
  for (const auto& e : r.errors) FAIL(e.format());
  REQUIRE(r.scenarios.size() == 1);
  return r.scenarios;
}

runner::run_options options_for(int port) {
  runner::run_options opt;
  opt.targets = {"127.0.0.1"};
  for (const auto& [name, p] : runner::service_ports()) opt.port_map[std::to_string(p)] = port;
  opt.jobs = 1;
  opt.connection.timeout_ms = 3000;
  return opt;
}

std::string describe(const case_result& c) {
  std::string s = std::string(to_string(c.result)) + " " + c.message + "\n";
  for (const auto& st : c.steps) s += "step " + st.id + ": " + std::string(to_string(st.result)) + " " + st.message + "\n";
  for (const auto& fd : c.findings)
    if (fd.result == verdict::fail || fd.result == verdict::error)
      s += "finding " + fd.rule + ": " + std::string(to_string(fd.result)) + " " + fd.actual + "\n";
  return s;
}

int fails(const case_result& c) {
  int n = 0;
  for (const auto& fd : c.findings) n += fd.result == verdict::fail;
  return n;
}

case_result run_one(const std::string& rel, const f::script& script) {
  auto scs = bundled(rel);
  f::fake_server srv(script);
  std::atomic<bool> stop{false};
  auto rep = runner::execute(scs, options_for(srv.port()), stop, {});
  REQUIRE(rep.cases.size() == 1);
  return rep.cases.front();
}

}  // namespace

// RFC 5321 §4.2.3: 421 may answer any command, QUIT included. The rule quit-221 failed it.
TEST_CASE("regression: SMTP 421 in answer to QUIT is an error, not a fail") {
  auto c = run_one("smtp/greeting-quit.json", {f::send("220 mx.example ESMTP\r\n"), f::expect_line("QUIT"),
                                               f::send("421 4.7.0 mx.example shutting down\r\n"), f::close()});
  INFO(describe(c));
  CHECK(c.result == verdict::error);
  CHECK(fails(c) == 0);
}

// RFC 9051 §7.1.5: a server ending the session (overload, shutdown) sends `* BYE` and closes
// instead of answering. Only a BYE greeting was read as a throttle; a later one was a fail.
TEST_CASE("regression: IMAP * BYE and close in answer to CAPABILITY is an error, not a fail") {
  auto c = run_one("imap/capability.json",
                   {f::send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"), f::expect_line("A001 CAPABILITY"),
                    f::send("* BYE Too many connections from your address, try again later\r\n"), f::close()});
  INFO(describe(c));
  CHECK(c.result == verdict::error);
  CHECK(fails(c) == 0);
}

TEST_CASE("a BYE that answers LOGOUT, or comes with a tagged answer, is no throttle") {
  // LOGOUT answered with BYE + OK: the normal end (the rules may warn about this fake's
  // capabilities, nothing errs or fails).
  auto ok = run_one("imap/capability.json",
                    {f::send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"), f::expect_line("A001 CAPABILITY"),
                     f::send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA001 OK done\r\n"), f::expect_line("A002 LOGOUT"),
                     f::send("* BYE bye\r\nA002 OK done\r\n"), f::close()});
  INFO(describe(ok));
  CHECK(ok.result != verdict::error);
  CHECK(fails(ok) == 0);
  // A tagged BAD after the BYE is an answer to the command: the server's fail.
  auto bad = run_one("imap/capability.json",
                     {f::send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"), f::expect_line("A001 CAPABILITY"),
                      f::send("* BYE no\r\nA001 BAD no\r\n"), f::close()});
  INFO(describe(bad));
  CHECK(bad.result == verdict::fail);
}

// A worker waiting for its --rate slot slept until the slot: SIGINT at --rate 0.05/s took up to
// 20 s to end the run.
TEST_CASE("regression: a stop request ends a run waiting for a slow --rate slot at once") {
  auto scs = bundled("smtp/greeting-quit.json");
  f::server_options so;
  so.connections = 0;
  f::fake_server srv({f::send("220 mx.example ESMTP\r\n"), f::expect_line("QUIT"), f::send("221 bye\r\n"), f::close()},
                     so);
  auto opt = options_for(srv.port());
  opt.repeat = 5;
  opt.connection.rate = 0.05;  // one connection every 20 s
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop.store(true);
  });
  auto t0 = std::chrono::steady_clock::now();
  auto rep = runner::execute(scs, opt, stop, {});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  stopper.join();
  CHECK(ms < 2000);
  CHECK(rep.incomplete);
  CHECK(rep.cases.size() == 1);
}
