// net/ and the names a connection is checked against (--sni, IPv6 literals), and what a
// plaintext answer to a handshake shows: cases real servers and users hit that the other net tests
// do not. Each test failed before its fix.
#include "unit-net-common.hpp"

using namespace net_test;

namespace {

mailspec::tls_facts implicit_handshake(int port, const std::string& host, net::tls_options t) {
  mailspec::tls_facts facts;
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(port, host), target);
    REQUIRE(r.ok());
    co_await c.start_tls(t, host, facts);
  });
  return facts;
}

}  // namespace

// `mailspec audit 203.0.113.5 --sni mail.example.net` tests the server as mail.example.net: the
// certificate was checked against the IP instead, so a certificate listing the IP passed and one
// for the SNI name failed.
TEST_CASE("regression: --sni is the name the certificate is checked against") {
  SECTION("a certificate for the SNI name, not for the address, holds") {
    fake::fake_server server({fake::read_until_close()}, implicit("wrong_host"));
    auto t = trusting();
    t.sni = "wrong.example";
    auto f = implicit_handshake(server.port(), "127.0.0.1", t);
    REQUIRE(f.handshake_ok);
    CHECK(f.sni == "wrong.example");
    CHECK(f.verify_name == "wrong.example");
    CHECK(f.hostname_ok);
  }
  SECTION("a certificate for the address only, not for the SNI name, is a mismatch") {
    fake::fake_server server({fake::read_until_close()}, implicit("valid"));
    auto t = trusting();
    t.sni = "mail.example.net";
    auto f = implicit_handshake(server.port(), "127.0.0.1", t);
    REQUIRE(f.handshake_ok);
    CHECK(f.verify_name == "mail.example.net");
    CHECK_FALSE(f.hostname_ok);
  }
}

TEST_CASE("regression: a handshake answered in plaintext names what the server sent") {
  fake::fake_server server({fake::send("421 4.3.2 Too many connections\r\n"), fake::sleep_ms(300), fake::close()});
  mailspec::tls_facts facts;
  net::io_result io;
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server.port(), "127.0.0.1"), target);
    REQUIRE(r.ok());
    io = co_await c.start_tls(trusting(), "127.0.0.1", facts);
  });
  CHECK_FALSE(io.ok());
  CHECK(facts.non_tls_reply == "421 4.3.2 Too many connections\r\n");
  CHECK(facts.handshake_error.find("\"421 4.3.2 Too many connections\"") != std::string::npos);
  CHECK(io.message == facts.handshake_error);
}

TEST_CASE("regression: a bracketed IPv6 target sends no SNI and is checked as the address") {
  fake::server_options so = implicit("valid");  // SAN includes IP:::1
  so.listen = "::1";
  fake::fake_server server({fake::read_until_close()}, so);
  auto f = implicit_handshake(server.port(), "[::1]", trusting());
  REQUIRE(f.handshake_ok);
  CHECK(f.sni.empty());  // was "[::1]"
  CHECK(f.verify_name == "::1");
  CHECK(f.hostname_ok);  // was a tls/cert/hostname fail
}
