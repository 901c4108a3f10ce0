// net::connection over plain TCP: connect, errors, deadlines, source address, IPv6.
#include "unit-net-common.hpp"

using namespace net_test;

namespace {

int closed_port() {
  asio::io_context ioc;
  asio::ip::tcp::acceptor a(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace

TEST_CASE("net: connect to a closed port is refused, the address is recorded") {
  int port = closed_port();
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(port), target);
    CHECK(r.status == net::io_status::refused);
    CHECK(r.operation == "connect");
    CHECK(r.message.find("127.0.0.1") != std::string::npos);
    CHECK(target.addresses == std::vector<std::string>{"127.0.0.1"});
    CHECK_FALSE(c.is_open());
  });
}

TEST_CASE("net: connect and read the greeting") {
  fake::fake_server server({fake::send("220 fake ESMTP\r\n"), fake::expect_line("QUIT"), fake::send("221 bye\r\n")});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server.port()), target);
    REQUIRE(r.ok());
    CHECK(target.ip == "127.0.0.1");
    CHECK(target.port == server.port());
    c.set_deadline(net::clock::now() + 2s);
    {
      auto got = co_await read_until(c, "\r\n");
      CHECK(got == "220 fake ESMTP\r\n");
    }
    {
      auto step = co_await c.write("QUIT\r\n");
      CHECK(step.ok());
    }
    net::io_result last;
    {
      auto got = co_await read_until(c, "\r\n", &last);
      CHECK(got == "221 bye\r\n");
    }
    std::string rest = co_await read_until(c, "never", &last);
    CHECK(rest.empty());
    CHECK(last.status == net::io_status::eof);
    co_await c.shutdown();
  });
  CHECK(server.wait_done(2s));
  CHECK(server.mismatches().empty());
  CHECK(server.received() == "QUIT\r\n");
}

TEST_CASE("net: 'localhost' resolves to every address, which are all recorded") {
  fake::fake_server server({fake::send("220 hi\r\n")});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server.port(), "localhost"), target);
    REQUIRE(r.ok());  // ::1 may come first and be refused: the next address is tried
    CHECK(target.ip == "127.0.0.1");
    CHECK(std::find(target.addresses.begin(), target.addresses.end(), "127.0.0.1") != target.addresses.end());
  });
}

TEST_CASE("net: the deadline fires on a silent server") {
  fake::fake_server server({fake::sleep_ms(3000)});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port()), target);
      REQUIRE(step.ok());
    }
    auto start = net::clock::now();
    c.set_deadline(start + 300ms);
    auto r = co_await c.read_some();
    auto took = net::clock::now() - start;
    CHECK(r.io.status == net::io_status::timeout);
    CHECK(r.io.operation == "read");
    CHECK(r.io.message.find("read") != std::string::npos);
    CHECK(took >= 250ms);
    CHECK(took < 1500ms);
  });
}

TEST_CASE("net: a server trickling a byte every 100 ms cannot stretch the deadline") {
  fake::fake_server server({fake::trickle(std::string(100, 'x'), 100)});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port()), target);
      REQUIRE(step.ok());
    }
    auto start = net::clock::now();
    c.set_deadline(start + 500ms);
    net::io_result last;
    std::string got = co_await read_until(c, "never", &last);
    auto took = net::clock::now() - start;
    CHECK(last.status == net::io_status::timeout);
    CHECK(got.size() >= 2);  // bytes did arrive, each read returned before the deadline
    CHECK(got.size() < 20);
    CHECK(took < 1200ms);
  });
}

TEST_CASE("net: connect binds the source address 127.0.0.2") {
  fake::fake_server server({fake::send("220 hi\r\n")});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto opt = local(server.port());
    opt.bind = "127.0.0.2";
    auto r = co_await c.connect(opt, target);
    REQUIRE(r.ok());
    CHECK(target.bind == "127.0.0.2");
    {
      auto got = co_await read_until(c, "\r\n");
      CHECK(got == "220 hi\r\n");
    }
  });
  CHECK(server.wait_done(2s));
  CHECK(contains(server.events(), "accept 127.0.0.2"));
}

TEST_CASE("net: IPv6 loopback ::1") {
  std::unique_ptr<fake::fake_server> server;
  try {
    fake::server_options o;
    o.listen = "::1";
    server = std::make_unique<fake::fake_server>(fake::script{fake::send("220 v6\r\n")}, o);
  } catch (const std::exception& e) {
    WARN("skipped: no ::1 on this machine (" << e.what() << ")");
    return;
  }
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server->port(), "::1"), target);
    REQUIRE(r.ok());
    CHECK(target.ip == "::1");
    {
      auto got = co_await read_until(c, "\r\n");
      CHECK(got == "220 v6\r\n");
    }
  });
}

TEST_CASE("net: loopback_only refuses other addresses without connecting") {
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(25, "192.0.2.1"), target);
    CHECK_FALSE(r.ok());
    CHECK(r.message.find("loopback") != std::string::npos);
    CHECK(target.addresses == std::vector<std::string>{"192.0.2.1"});
    CHECK(target.ip.empty());
  });
}

TEST_CASE("net: reads are bounded by the read buffer") {
  fake::fake_server server({fake::send(std::string(1000, 'a') + "\r\n")});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex, 64);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port()), target);
      REQUIRE(step.ok());
    }
    c.set_deadline(net::clock::now() + 2s);
    std::size_t total = 0;
    for (;;) {
      auto r = co_await c.read_some();
      if (!r.io.ok()) break;
      CHECK(r.data.size() <= 64);
      total += r.data.size();
    }
    CHECK(total == 1002);
  });
}

TEST_CASE("net: a reset connection reads as reset, writes after close fail with the operation named") {
  fake::fake_server server({fake::expect_line("HELLO"), fake::reset()});
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    {
      auto step = co_await c.connect(local(server.port()), target);
      REQUIRE(step.ok());
    }
    c.set_deadline(net::clock::now() + 2s);
    {
      auto step = co_await c.write("HELLO\r\n");
      CHECK(step.ok());
    }
    auto r = co_await c.read_some();
    CHECK(r.io.status == net::io_status::reset);
    c.close();
    auto w = co_await c.write("x");
    CHECK(w.operation == "write");
    CHECK_FALSE(w.ok());
  });
}
