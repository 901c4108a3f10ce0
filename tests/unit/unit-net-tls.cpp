// net::connection with TLS: implicit TLS facts, verification recorded (not enforced),
// STARTTLS upgrade in place, handshake failures named.
#include <openssl/x509_vfy.h>

#include "unit-net-common.hpp"

using namespace net_test;

namespace {

// Connects to host:port and runs an implicit TLS handshake; returns the facts.
mailspec::tls_facts handshake(int port, std::string host, net::tls_options t, net::io_result* io = nullptr,
                              std::string* greeting = nullptr) {
  mailspec::tls_facts facts;
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(port, host), target);
    REQUIRE(r.ok());
    auto h = co_await c.start_tls(t, host, facts);
    if (io) *io = h;
    if (h.ok() && greeting) {
      c.set_deadline(net::clock::now() + 2s);
      *greeting = co_await read_until(c, "\r\n");
      co_await c.shutdown();
    }
  });
  return facts;
}

}  // namespace

TEST_CASE("net: implicit TLS records the facts (localhost, test CA)") {
  fake::fake_server server({fake::send("* OK tls\r\n"), fake::read_until_close()}, implicit());
  net::io_result io;
  std::string greeting;
  auto f = handshake(server.port(), "localhost", trusting(), &io, &greeting);
  REQUIRE(io.ok());
  CHECK(greeting == "* OK tls\r\n");
  CHECK(f.handshake_ok);
  CHECK(f.mode == "implicit");
  CHECK(f.version == "TLSv1.3");
  CHECK_FALSE(f.cipher.empty());
  CHECK(f.cipher_bits >= 128);
  CHECK(f.sni == "localhost");
  CHECK(f.peer_temp_key == "X25519");
  CHECK(f.chain_ok);
  CHECK(f.hostname_ok);
  CHECK(f.verify_code == X509_V_OK);
  CHECK(f.verify_error == "ok");
  CHECK(f.verify_name == "localhost");
  REQUIRE(f.leaf.has_value());
  const auto& leaf = *f.leaf;
  CHECK(leaf.subject == "CN=localhost,O=mailspec test");
  CHECK(leaf.issuer == "CN=mailspec test CA,O=mailspec test");
  CHECK(leaf.san == std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
  CHECK(leaf.key_type == "EC");
  CHECK(leaf.key_bits == 256);
  CHECK(leaf.signature_algorithm == "sha256WithRSAEncryption");
  CHECK(leaf.not_after.size() == 20);
  CHECK(leaf.not_after_epoch > leaf.not_before_epoch);
  CHECK(leaf.sha256_fingerprint.size() == 95);
  CHECK_FALSE(leaf.serial.empty());
  CHECK_FALSE(leaf.self_signed);
  REQUIRE(f.chain.size() == 1);
  CHECK(f.chain[0].sha256_fingerprint == leaf.sha256_fingerprint);
  CHECK(f.handshake_ms >= 0);
}

TEST_CASE("net: implicit TLS to 127.0.0.1 sends no SNI and checks the IP SAN") {
  fake::fake_server server({fake::send("* OK\r\n")}, implicit());
  net::io_result io;
  auto f = handshake(server.port(), "127.0.0.1", trusting(), &io);
  REQUIRE(io.ok());
  CHECK(f.sni.empty());
  CHECK(f.verify_name == "127.0.0.1");
  CHECK(f.hostname_ok);
  CHECK(f.chain_ok);
}

TEST_CASE("net: verification failures are recorded, the handshake goes on") {
  SECTION("no CA file: the system store does not know the test CA") {
    fake::fake_server server({fake::send("* OK\r\n")}, implicit());
    auto t = trusting();
    t.ca_file.clear();
    net::io_result io;
    auto f = handshake(server.port(), "localhost", t, &io);
    CHECK(io.ok());
    CHECK(f.handshake_ok);
    CHECK_FALSE(f.chain_ok);
    CHECK(f.verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK(f.verify_error != "ok");
    CHECK(f.hostname_ok);
  }
  SECTION("wrong name") {
    fake::fake_server server({fake::send("* OK\r\n")}, implicit());
    auto t = trusting();
    t.verify_name = "mail.example.org";
    auto f = handshake(server.port(), "localhost", t);
    CHECK(f.handshake_ok);
    CHECK(f.chain_ok);
    CHECK_FALSE(f.hostname_ok);
    CHECK(f.verify_name == "mail.example.org");
  }
  SECTION("certificate for another host") {
    fake::fake_server server({fake::send("* OK\r\n")}, implicit("wrong_host"));
    auto f = handshake(server.port(), "localhost", trusting());
    CHECK(f.chain_ok);
    CHECK_FALSE(f.hostname_ok);
    REQUIRE(f.leaf);
    CHECK(f.leaf->san == std::vector<std::string>{"DNS:wrong.example"});
  }
  SECTION("expired leaf: the first error is kept") {
    fake::fake_server server({fake::send("* OK\r\n")}, implicit("expired"));
    auto f = handshake(server.port(), "localhost", trusting());
    CHECK(f.handshake_ok);
    CHECK_FALSE(f.chain_ok);
    CHECK(f.verify_code == X509_V_ERR_CERT_HAS_EXPIRED);
    REQUIRE(f.leaf);
    CHECK(f.leaf->not_after_epoch < std::time(nullptr));
  }
  SECTION("self-signed leaf") {
    fake::fake_server server({fake::send("* OK\r\n")}, implicit("self_signed"));
    auto f = handshake(server.port(), "localhost", trusting());
    CHECK_FALSE(f.chain_ok);
    CHECK(f.verify_code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    REQUIRE(f.leaf);
    CHECK(f.leaf->self_signed);
    CHECK(f.leaf->subject == f.leaf->issuer);
  }
}

TEST_CASE("net: TLS version limits and TLS 1.2 facts") {
  auto o = implicit();
  o.tls.max_version = "TLSv1.2";
  fake::fake_server server({fake::send("* OK\r\n")}, o);
  auto f = handshake(server.port(), "localhost", trusting());
  REQUIRE(f.handshake_ok);
  CHECK(f.version == "TLSv1.2");
  CHECK(f.cipher.find("ECDHE") == 0);
  CHECK(f.peer_temp_key == "X25519");

  fake::fake_server strict({fake::send("* OK\r\n")}, o);
  auto t = trusting();
  t.min_version = "TLSv1.3";
  net::io_result io;
  auto g = handshake(strict.port(), "localhost", t, &io);
  CHECK_FALSE(io.ok());
  CHECK(io.operation == "handshake");
  CHECK_FALSE(g.handshake_ok);
  CHECK_FALSE(g.handshake_error.empty());
}

TEST_CASE("net: legacy mode can offer TLS 1.0") {
  auto o = implicit();
  o.tls.min_version = o.tls.max_version = "TLSv1";
  fake::fake_server server({fake::send("* OK\r\n")}, o);
  auto t = trusting();
  t.legacy = true;
  t.min_version = "TLSv1";
  net::io_result io;
  auto f = handshake(server.port(), "localhost", t, &io);
  INFO(io.message);
  CHECK(io.ok());
  CHECK(f.version == "TLSv1");
}

TEST_CASE("net: bad TLS options fail before any byte is sent, naming the options") {
  auto o = implicit();
  o.connections = 2;
  fake::fake_server server({fake::send("* OK\r\n")}, o);
  auto t = trusting();
  t.min_version = "TLSv9";
  net::io_result io;
  auto f = handshake(server.port(), "localhost", t, &io);
  CHECK(io.status == net::io_status::tls_error);
  CHECK(io.operation == "tls options");
  CHECK(f.handshake_error.find("TLSv9") != std::string::npos);
  t = trusting();
  t.cipher_list = "NO-SUCH-CIPHER";
  handshake(server.port(), "localhost", t, &io);
  CHECK(io.operation == "tls options");
}

TEST_CASE("net: a handshake against garbage fails and names the handshake") {
  fake::fake_server server({fake::send("this is not TLS, this is a plain greeting\r\n"), fake::read_until_close()});
  net::io_result io;
  auto f = handshake(server.port(), "localhost", trusting(), &io);
  CHECK_FALSE(io.ok());
  CHECK(io.operation == "handshake");
  CHECK(io.message.rfind("handshake: ", 0) == 0);
  CHECK_FALSE(f.handshake_ok);
  CHECK(f.handshake_error == io.message);
}

TEST_CASE("net: a TLS alert instead of a handshake is a tls_error") {
  fake::tls_server_options alert;
  alert.alert = true;
  fake::fake_server server({fake::starttls(alert)});
  net::io_result io;
  handshake(server.port(), "localhost", trusting(), &io);
  CHECK(io.status == net::io_status::tls_error);
  CHECK(io.operation == "handshake");
}

#include "net/tls_client.hpp"

TEST_CASE("net: client TLS contexts are shared between connections with the same options") {
  std::string error;
  auto a = net::shared_client_context(trusting(), error);
  auto b = net::shared_client_context(trusting(), error);
  auto t = trusting();
  t.max_version = "TLSv1.2";
  auto c = net::shared_client_context(t, error);
  REQUIRE(a);
  CHECK(a == b);
  CHECK(a != c);
  t.min_version = "bogus";
  CHECK_FALSE(net::shared_client_context(t, error));
  CHECK(error.find("bogus") != std::string::npos);
}
