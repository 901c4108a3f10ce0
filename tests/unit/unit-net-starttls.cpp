// STARTTLS: upgrade in place after a plaintext exchange; plaintext sent ahead is evidence.
#include "unit-net-common.hpp"

using namespace net_test;

TEST_CASE("net: STARTTLS upgrade after a plaintext exchange") {
  fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("EHLO client"),
                            fake::send("250-fake\r\n250 STARTTLS\r\n"), fake::expect_line("STARTTLS"),
                            fake::send("220 go ahead\r\n"), fake::starttls(), fake::expect_line("EHLO client"),
                            fake::expect_line("AUTH PLAIN secret-token"), fake::send("235 ok\r\n"),
                            fake::read_until_close()});
  mailspec::tls_facts facts;
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port(), "localhost"), target);
      REQUIRE(step.ok());
    }
    c.set_deadline(net::clock::now() + 3s);
    auto greeting = co_await read_until(c, "\r\n");
    CHECK(greeting == "220 fake ESMTP\r\n");
    co_await c.write("EHLO client\r\n");
    auto ehlo = co_await read_until(c, "250 STARTTLS\r\n");
    CHECK(ehlo == "250-fake\r\n250 STARTTLS\r\n");
    co_await c.write("STARTTLS\r\n");
    auto go = co_await read_until(c, "\r\n");
    CHECK(go == "220 go ahead\r\n");
    CHECK_FALSE(c.is_tls());
    auto h = co_await c.start_tls(trusting("starttls"), "localhost", facts);
    REQUIRE(h.ok());
    CHECK(c.is_tls());
    co_await c.write("EHLO client\r\nAUTH PLAIN secret-token\r\n");
    auto ok = co_await read_until(c, "\r\n");
    CHECK(ok == "235 ok\r\n");
    co_await c.shutdown();
    CHECK_FALSE(c.is_open());
  });
  CHECK(facts.mode == "starttls");
  CHECK(facts.handshake_ok);
  CHECK(facts.chain_ok);
  CHECK(facts.hostname_ok);
  CHECK(facts.plaintext_bytes_before_handshake == 0);
  REQUIRE(server.wait_done(3s));
  CHECK(server.mismatches().empty());
  CHECK(server.received().find("secret-token") != std::string::npos);
  CHECK(server.received_plain().find("secret-token") == std::string::npos);
  CHECK(contains(server.events(), "tls TLSv1.3"));
}

TEST_CASE("net: plaintext the server sends ahead of the handshake is recorded, not handshaked") {
  fake::fake_server server({fake::expect_line("STARTTLS"), fake::send("220 go\r\n"), fake::sleep_ms(50),
                            fake::send("250 injected\r\n"), fake::starttls(), fake::send("* after\r\n")});
  mailspec::tls_facts facts;
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port()), target);
      REQUIRE(step.ok());
    }
    c.set_deadline(net::clock::now() + 3s);
    co_await c.write("STARTTLS\r\n");
    auto go = co_await read_until(c, "\r\n");
    REQUIRE(go == "220 go\r\n");
    asio::steady_timer wait(ex, 300ms);
    co_await wait.async_wait(asio::use_awaitable);
    auto h = co_await c.start_tls(trusting("starttls"), "127.0.0.1", facts);
    REQUIRE(h.ok());
    auto after = co_await read_until(c, "\r\n");
    CHECK(after == "* after\r\n");
  });
  CHECK(facts.plaintext_bytes_before_handshake == 14);
  CHECK(facts.plaintext_before_handshake == "250 injected\r\n");
}

TEST_CASE("net: the server closing instead of handshaking is an eof that names the handshake") {
  fake::fake_server server({fake::expect_line("STARTTLS"), fake::send("220 go\r\n"), fake::close()});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port()), target);
      REQUIRE(step.ok());
    }
    c.set_deadline(net::clock::now() + 3s);
    co_await c.write("STARTTLS\r\n");
    co_await read_until(c, "\r\n");
    mailspec::tls_facts facts;
    auto h = co_await c.start_tls(trusting("starttls"), "127.0.0.1", facts);
    CHECK_FALSE(h.ok());
    CHECK(h.operation == "handshake");
    CHECK_FALSE(facts.handshake_ok);
    CHECK_FALSE(facts.handshake_error.empty());
    CHECK_FALSE(c.is_tls());
    CHECK_FALSE(c.is_open());  // nothing more can be sent after a failed upgrade
  });
}
