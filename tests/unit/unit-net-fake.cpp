// The fake server itself: globs, JSON scripts, recording, the STARTTLS injection behaviour,
// endless replies, the mailspec-fake executable.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "script_json.hpp"
#include "unit-net-common.hpp"

using namespace net_test;

TEST_CASE("fake: glob matching is case-insensitive with * and ?") {
  CHECK(fake::glob_match("EHLO*", "ehlo client.example"));
  CHECK(fake::glob_match("a?c", "abc"));
  CHECK(fake::glob_match("*", ""));
  CHECK(fake::glob_match("*PLAIN*", "AUTH PLAIN dGVzdA=="));
  CHECK_FALSE(fake::glob_match("EHLO*", "HELO x"));
  CHECK_FALSE(fake::glob_match("a?c", "ac"));
  CHECK_FALSE(fake::glob_match("abc", "abcd"));
}

TEST_CASE("fake: JSON scripts parse, errors name the action") {
  auto f = fake::parse_script(nlohmann::json::parse(R"({"implicit_tls": true, "connections": 3, "actions": [
    {"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO*"}, {"starttls": {"buffered_plaintext_carried_over": true,
    "max_version": "TLSv1.2"}}, {"sleep": 100}, {"trickle": {"bytes": "ab", "interval_ms": 5}},
    {"send_repeat": {"bytes": "* x\r\n", "count": 0}}, {"send_stream": {"chunk": "a", "size": 1000, "tail": "\r\n"}},
    {"drain": {"ms": 10}}, {"reset": {}}]})"));
  REQUIRE(f.actions.size() == 9);
  CHECK(f.server.implicit_tls);
  CHECK(f.server.connections == 3);
  CHECK(f.actions[0].bytes == "220 fake ESMTP\r\n");
  CHECK(f.actions[2].kind == fake::action_kind::starttls);
  CHECK(f.actions[2].tls.buffered_plaintext_carried_over);
  CHECK(f.actions[2].tls.max_version == "TLSv1.2");
  CHECK(f.actions[3].ms == 100);
  CHECK(f.actions[4].ms == 5);
  CHECK(f.actions[6].count == 1000);
  CHECK(f.actions[6].tail == "\r\n");
  CHECK(f.actions[7].ms == 10);
  CHECK(f.actions[8].kind == fake::action_kind::reset);
  try {
    fake::parse_script(nlohmann::json::parse(R"({"actions": [{"send": "x"}, {"sned": "y"}]})"));
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("/actions/1") != std::string::npos);
    CHECK(std::string(e.what()).find("sned") != std::string::npos);
  }
}

TEST_CASE("fake: expect_line mismatches are recorded, not fatal") {
  fake::fake_server server({fake::expect_line("EHLO*"), fake::send("250 ok\r\n"), fake::read_line()});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server.port()), target);
    REQUIRE(r.ok());
    c.set_deadline(net::clock::now() + 2s);
    co_await c.write("HELO me\r\nQUIT\r\n");
    auto reply = co_await read_until(c, "\r\n");
    CHECK(reply == "250 ok\r\n");
  });
  REQUIRE(server.wait_done(2s));
  CHECK(server.mismatches() == std::vector<std::string>{"expected 'EHLO*', got 'HELO me'"});
  CHECK(server.lines() == std::vector<std::string>{"HELO me\r\n", "QUIT\r\n"});
}

namespace {

// Sends "STARTTLS\r\nEHLO injected\r\n" in one write, upgrades, sends "EHLO real".
void injection_client(fake::fake_server& server) {
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server.port()), target);
    REQUIRE(r.ok());
    c.set_deadline(net::clock::now() + 3s);
    co_await c.write("STARTTLS\r\nEHLO injected\r\n");
    auto go = co_await read_until(c, "\r\n");
    REQUIRE(go == "220 go\r\n");
    mailspec::tls_facts facts;
    auto h = co_await c.start_tls(trusting("starttls"), "127.0.0.1", facts);
    REQUIRE(h.ok());
    co_await c.write("EHLO real\r\n");
    auto reply = co_await read_until(c, "\r\n");
    CHECK(reply == "250 done\r\n");
  });
}

fake::script injection_script(bool vulnerable) {
  fake::tls_server_options t;
  t.buffered_plaintext_carried_over = vulnerable;
  return {fake::expect_line("STARTTLS"), fake::sleep_ms(100), fake::send("220 go\r\n"), fake::starttls(t),
          fake::read_line(), fake::send("250 done\r\n"), fake::drain(500)};
}

}  // namespace

TEST_CASE("fake: normal STARTTLS discards plaintext that came with the command") {
  fake::fake_server server(injection_script(false));
  injection_client(server);
  REQUIRE(server.wait_done(3s));
  CHECK(server.lines() == std::vector<std::string>{"STARTTLS\r\n", "EHLO real\r\n"});
  CHECK(contains(server.events(), "starttls: discarded 15 plaintext bytes"));
}

TEST_CASE("fake: vulnerable STARTTLS (CVE-2011-0411) processes the carried-over plaintext after TLS") {
  fake::fake_server server(injection_script(true));
  injection_client(server);
  REQUIRE(server.wait_done(3s));
  CHECK(server.lines() == std::vector<std::string>{"STARTTLS\r\n", "EHLO injected\r\n"});
  CHECK(contains(server.events(), "starttls: carried over 15 plaintext bytes"));
  CHECK(server.received().find("EHLO real") != std::string::npos);
}

TEST_CASE("fake: send_stream sends large replies without building them, send_repeat stops when the client goes") {
  const std::uint64_t size = 8 * 1024 * 1024;
  fake::fake_server stream({fake::send_stream("abc", size, "\r\n")});
  fake::fake_server endless({fake::send_repeat("* 1 EXISTS\r\n", 0)});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex, 65536);
    mailspec::target_info target;
    auto r = co_await c.connect(local(stream.port()), target);
    REQUIRE(r.ok());
    c.set_deadline(net::clock::now() + 10s);
    std::uint64_t total = 0;
    bool lf_only_at_end = true;
    for (;;) {
      auto rr = co_await c.read_some();
      if (!rr.io.ok()) break;
      if (rr.data.find('\n') != std::string_view::npos && total + rr.data.size() != size + 2) lf_only_at_end = false;
      total += rr.data.size();
    }
    CHECK(total == size + 2);
    CHECK(lf_only_at_end);

    net::connection e(ex);
    r = co_await e.connect(local(endless.port()), target);
    REQUIRE(r.ok());
    e.set_deadline(net::clock::now() + 5s);
    std::size_t got = 0;
    while (got < 100000) {
      auto rr = co_await e.read_some();
      if (!rr.io.ok()) break;
      got += rr.data.size();
    }
    CHECK(got >= 100000);
    e.close();
  });
  CHECK(endless.wait_done(6s));
}

TEST_CASE("fake: mailspec-fake serves a JSON script and prints its port") {
  std::filesystem::path exe = std::filesystem::path(MAILSPEC_BINARY_DIR) / "tests/fake/mailspec-fake";
  if (!std::filesystem::exists(exe)) exe = std::filesystem::path(MAILSPEC_BINARY_DIR) / "fake/mailspec-fake";
  if (!std::filesystem::exists(exe)) {
    WARN("skipped: mailspec-fake not built at " << exe);
    return;
  }
  auto dir = std::filesystem::temp_directory_path() / ("mailspec-fake-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "script.json")
      << R"({"actions":[{"send":"220 fake ESMTP\r\n"},{"expect_line":"EHLO*"},{"send":"250 ok\r\n"},{"read_until_close":{}}]})";
  std::string cmd = exe.string() + " --script " + (dir / "script.json").string() + " --connections 1 --print-port";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  int port = 0;
  REQUIRE(std::fscanf(p, "%d", &port) == 1);
  CHECK(port > 0);
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(port), target);
    REQUIRE(r.ok());
    c.set_deadline(net::clock::now() + 3s);
    auto greeting = co_await read_until(c, "\r\n");
    CHECK(greeting == "220 fake ESMTP\r\n");
    co_await c.write("EHLO me\r\n");
    auto ok = co_await read_until(c, "\r\n");
    CHECK(ok == "250 ok\r\n");
    c.close();
  });
  int status = pclose(p);
  CHECK(WEXITSTATUS(status) == 0);  // exits after one connection, no mismatch
  std::filesystem::remove_all(dir);
}
