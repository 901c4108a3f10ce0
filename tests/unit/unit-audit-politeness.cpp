// The audit's politeness: --rate spaces its new connections, and progress is reported as each
// case finishes rather than when the whole audit is done.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "audit/audit.hpp"
#include "fake_server.hpp"
#include "test_ca.hpp"

namespace {

namespace fake = mailspec::fake;
namespace audit = mailspec::audit;
using clock_type = std::chrono::steady_clock;

// An implicit-TLS IMAP port: the audit opens 6 connections (main, 4 versions, weak ciphers).
fake::server_options implicit_tls() {
  fake::server_options so;
  so.connections = 0;
  so.implicit_tls = true;
  return so;
}

audit::options imaps_options(int port) {
  audit::options o;
  o.host = "127.0.0.1";
  o.ports = audit::parse_ports("imaps=" + std::to_string(port));
  o.connection.ca_file = fake::test_ca().ca_cert;
  o.connection.timeout_ms = 2000;
  o.connection.loopback_only = true;
  return o;
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

TEST_CASE("audit: --rate spaces new connections to the host") {
  fake::fake_server server({fake::send("* OK fake IMAP ready\r\n"), fake::drain(100)}, implicit_tls());
  auto o = imaps_options(server.port());
  o.connection.rate = 8;  // 6 connections: at least 5 intervals of 125 ms
  auto t0 = clock_type::now();
  auto r = audit::run(o);
  double took = seconds_since(t0);
  REQUIRE(server.accepted() >= 6);
  CHECK(took >= (server.accepted() - 1) / o.connection.rate - 0.01);
  CHECK(r.cases.size() == 3);
  CHECK_FALSE(r.incomplete);
}

TEST_CASE("audit: progress comes as each case finishes, counting up to the number of cases") {
  fake::fake_server server({fake::send("* OK fake IMAP ready\r\n"), fake::drain(100)}, implicit_tls());
  auto o = imaps_options(server.port());
  o.connection.rate = 6;  // the last connection starts about 0.8 s after the first
  struct call {
    std::string id;
    int done, total;
    double at;
  };
  std::vector<call> calls;
  auto t0 = clock_type::now();
  auto r = audit::run(o, [&](const mailspec::case_result& c, int done, int total) {
    calls.push_back({c.scenario_id, done, total, seconds_since(t0)});
  });
  double end = seconds_since(t0);
  REQUIRE(calls.size() == r.cases.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CHECK(calls[i].done == static_cast<int>(i) + 1);
    CHECK(calls[i].total >= calls[i].done);
  }
  CHECK(calls.back().total == static_cast<int>(r.cases.size()));
  // The main probe's case is reported long before the rate-limited follow-ups are done.
  CHECK(calls.front().id.find("/tls") != std::string::npos);
  CHECK(calls.front().at + 0.4 < end);
}

TEST_CASE("audit: a stop request during a --rate wait ends the audit promptly, marked incomplete") {
  fake::fake_server server({fake::send("* OK fake IMAP ready\r\n"), fake::drain(100)}, implicit_tls());
  auto o = imaps_options(server.port());
  o.connection.rate = 0.5;  // 2 s between connections
  std::atomic<bool> stop{false};
  o.stop = &stop;
  auto t0 = clock_type::now();
  auto r = audit::run(o, [&](const mailspec::case_result&, int, int) { stop.store(true); });
  CHECK(seconds_since(t0) < 1.5);
  CHECK(r.incomplete);
  CHECK(r.cases.size() >= 1);
}
