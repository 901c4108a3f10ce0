// The runner's plan (--port mapping, --only selection, --repeat, deterministic --shard) and its
// concurrency (--jobs / --per-host, the descriptor limit).
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include "fake_server.hpp"
#include "runner/runner.hpp"
#include "scenario/loader.hpp"

using namespace mailspec;
namespace fake = mailspec::fake;

namespace {

std::vector<scenario::scenario> three() {
  std::vector<scenario::scenario> v(3);
  v[0].id = "smtp/a";
  v[0].port = 25;
  v[1].id = "imap/b";
  v[1].port = 143;
  v[2].id = "imap/c";
  v[2].port = 993;
  return v;
}

}  // namespace

TEST_CASE("port mapping by service name and number leaves other ports unchanged") {
  std::map<std::string, int> m{{"imap", 10143}, {"993", 10993}};
  CHECK(runner::map_port(143, m) == 10143);
  CHECK(runner::map_port(993, m) == 10993);
  CHECK(runner::map_port(25, m) == 25);
}

TEST_CASE("only-prefixes select scenarios by id and a rule prefix selects every scenario") {
  auto scs = three();
  runner::run_options o;
  o.targets = {"h"};
  o.only = {"imap/"};
  auto p = runner::plan(scs, o);
  REQUIRE(p.size() == 2);
  CHECK(p[0].sc->id == "imap/b");
  o.only = {"tls/cert/"};
  CHECK(runner::plan(scs, o).size() == 3);
}

TEST_CASE("shards split scenarios x targets x repeats into disjoint complete parts") {
  auto scs = three();
  runner::run_options o;
  o.targets = {"h1", "h2"};
  o.repeat = 2;
  std::size_t all = runner::plan(scs, o).size();
  CHECK(all == 12);
  std::set<std::string> seen;
  std::size_t total = 0;
  for (int k = 1; k <= 5; ++k) {
    o.shard = runner::shard_spec{k, 5};
    auto part = runner::plan(scs, o);
    auto again = runner::plan(scs, o);
    REQUIRE(part.size() == again.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
      CHECK(part[i].sc == again[i].sc);  // deterministic
      seen.insert(part[i].host + part[i].sc->id + std::to_string(part[i].run));
    }
    total += part.size();
  }
  CHECK(total == all);
  CHECK(seen.size() == all);
}

TEST_CASE("shards of the same plan are identical whatever the order scenarios were loaded in") {
  auto scs = three();
  auto reversed = scs;
  std::reverse(reversed.begin(), reversed.end());
  runner::run_options o;
  o.targets = {"h1", "h2"};
  o.repeat = 3;
  for (int k = 1; k <= 4; ++k) {
    o.shard = runner::shard_spec{k, 4};
    auto a = runner::plan(scs, o), b = runner::plan(reversed, o);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].sc->id == b[i].sc->id);
      CHECK(a[i].host == b[i].host);
      CHECK(a[i].run == b[i].run);
    }
  }
  o.targets = {"h1"};
  o.repeat = 1;
  o.shard = runner::shard_spec{1, 13};  // more shards than cases: some are empty, none fails
  CHECK(runner::plan(scs, o).size() == 1);
  o.shard = runner::shard_spec{13, 13};
  CHECK(runner::plan(scs, o).empty());
}

TEST_CASE("concurrency is --jobs capped by --per-host x distinct hosts and by the plan") {
  runner::run_options o;
  o.targets = {"a", "b", "a"};
  o.jobs = 10000;
  o.connection.per_host = 10000;
  CHECK(runner::max_concurrency(o, 10000) == 10000);
  CHECK(runner::max_concurrency(o, 12) == 12);
  o.connection.per_host = 2;
  CHECK(runner::max_concurrency(o, 100) == 4);  // two distinct hosts
  o.jobs = 3;
  CHECK(runner::max_concurrency(o, 100) == 3);
  CHECK(runner::max_concurrency(o, 0) == 1);
}

namespace {

// Restores RLIMIT_NOFILE when a test changed it.
struct saved_nofile {
  rlimit before{};
  saved_nofile() { ::getrlimit(RLIMIT_NOFILE, &before); }
  ~saved_nofile() { ::setrlimit(RLIMIT_NOFILE, &before); }
};

}  // namespace

TEST_CASE("the soft descriptor limit is raised toward the hard limit, never lowered") {
  saved_nofile saved;
  if (saved.before.rlim_max != RLIM_INFINITY && saved.before.rlim_max < 512) {
    WARN("hard RLIMIT_NOFILE below 512: not tested");
    return;
  }
  rlimit low = saved.before;
  low.rlim_cur = 128;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  auto r = runner::ensure_fd_limit(400);
  CHECK(r.raised);
  CHECK(r.soft == 400);
  rlimit now{};
  ::getrlimit(RLIMIT_NOFILE, &now);
  CHECK(now.rlim_cur == 400);
  auto again = runner::ensure_fd_limit(100);  // enough already: untouched
  CHECK_FALSE(again.raised);
  CHECK(again.soft == 400);
  if (saved.before.rlim_max != RLIM_INFINITY) {
    auto top = runner::ensure_fd_limit(static_cast<std::size_t>(saved.before.rlim_max) + 1000);
    CHECK(top.soft == static_cast<std::size_t>(saved.before.rlim_max));  // as far as allowed
  }
}

namespace {

// mailspec-fake in a child process (its descriptors must not count against this process's limit).
struct fake_process {
  pid_t pid = -1;
  int port = 0;
  fake_process(const std::string& script_json, int connections) {
    std::string path = "/tmp/mailspec-unit-runner-" + std::to_string(::getpid()) + ".json";
    std::ofstream(path) << script_json;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      std::string bin = std::string(MAILSPEC_BINARY_DIR) + "/tests/fake/mailspec-fake";
      std::string n = std::to_string(connections);
      ::execl(bin.c_str(), bin.c_str(), "--script", path.c_str(), "--connections", n.c_str(), (char*)nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    char buf[32] = {};
    ssize_t got = ::read(fds[0], buf, sizeof buf - 1);
    ::close(fds[0]);
    std::remove(path.c_str());
    port = got > 0 ? std::atoi(buf) : 0;
  }
  ~fake_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE("a run with more sessions than the soft descriptor limit raises it and every session runs") {
  saved_nofile saved;
  if (saved.before.rlim_max != RLIM_INFINITY && saved.before.rlim_max < 1024) {
    WARN("hard RLIMIT_NOFILE below 1024: not tested");
    return;
  }
  // Greets each connection only after 500 ms, so all 300 sessions are open at once.
  fake_process server(R"({"connections": 0, "actions": [{"sleep": 500}, {"send": "* OK fake ready\r\n"}, {"drain": 200}]})", 0);
  REQUIRE(server.port > 0);
  rlimit low = saved.before;
  low.rlim_cur = 64;  // fewer than the 300 sessions below need
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);

  auto loaded = scenario::load_text("idle.json", R"({"format": 1, "id": "t/greeting", "title": "greeting",
    "protocol": "imap", "connection": {"port": 143, "tls": "none"},
    "steps": [{"id": "greeting", "expect": {"untagged": ["* OK*"]}}]})");
  for (const auto& e : loaded.errors) FAIL(e.format());
  runner::run_options o;
  o.targets = {"127.0.0.1"};
  o.port_map = {{"imap", server.port}};
  o.repeat = 300;
  o.jobs = 300;
  o.connection.per_host = 300;
  o.connection.timeout_ms = 20000;
  std::atomic<bool> stop{false};
  auto r = runner::execute(loaded.scenarios, o, stop, {});
  REQUIRE(r.cases.size() == 300);
  std::size_t passed = 0;
  std::string first_problem;
  for (const auto& c : r.cases) {
    if (c.result == verdict::pass) ++passed;
    else if (first_problem.empty()) first_problem = c.message;
  }
  INFO(first_problem);
  CHECK(passed == 300);
  rlimit now{};
  ::getrlimit(RLIMIT_NOFILE, &now);
  CHECK(now.rlim_cur >= 300 + runner::fd_reserve);
}

// A step that held through an alternative marked "warn" (docs/scenario-format.md, any_of) is a
// SHOULD-level scenario/expect finding: a warn, and a fail with --strict.
TEST_CASE("runner: a warn alternative gives a SHOULD-level scenario/expect finding, and --strict makes it a fail") {
  auto loaded = scenario::load_text("warn.json", R"j({"format": 1, "id": "t/warn", "title": "warn",
    "protocol": "imap", "connection": {"port": 143, "tls": "none"},
    "steps": [{"id": "greeting", "expect": {"untagged": ["* OK*"]}},
              {"id": "zero", "send": "${tag} FETCH 0 (FLAGS)", "expect": {"any_of": [
                 {"label": "BAD", "status": "BAD"}, {"label": "NO", "status": "NO", "warn": true}]}}]})j");
  for (const auto& e : loaded.errors) FAIL(e.format());
  for (bool strict : {false, true}) {
    fake::fake_server srv({fake::send("* OK ready\r\n"), fake::expect_line("A001 FETCH 0 (FLAGS)"),
                           fake::send("A001 NO no such message\r\n"), fake::drain(1000)});
    runner::run_options o;
    o.targets = {"127.0.0.1"};
    o.port_map = {{"imap", srv.port()}};
    o.strict = strict;
    o.connection.timeout_ms = 3000;
    std::atomic<bool> stop{false};
    auto r = runner::execute(loaded.scenarios, o, stop, {});
    REQUIRE(r.cases.size() == 1);
    const auto& c = r.cases.front();
    auto f = std::find_if(c.findings.begin(), c.findings.end(), [](const finding& x) { return x.rule == "scenario/expect"; });
    REQUIRE(f != c.findings.end());
    CHECK(f->lvl == level::should);
    CHECK(f->result == (strict ? verdict::fail : verdict::warn));
    CHECK(c.result == (strict ? verdict::fail : verdict::warn));
  }
}
