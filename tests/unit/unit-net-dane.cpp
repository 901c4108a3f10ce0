// DANE on a TLS connection (RFC 6698, RFC 7671 via OpenSSL's DANE verification): TLSA records in
// tls_options, the result in tls_facts.dane, the PKIX result (chain_ok) verified apart.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

#include "unit-net-common.hpp"

using namespace net_test;

namespace {

// SHA-256 of the SubjectPublicKeyInfo of a PEM certificate, hex: the data of a "3 1 1" record.
std::string spki_sha256(const std::string& pem) {
  FILE* f = std::fopen(pem.c_str(), "r");
  REQUIRE(f);
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(x);
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(der, static_cast<size_t>(n), md, &len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  X509_free(x);
  std::string hex;
  char b[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    hex += b;
  }
  return hex;
}

mailspec::tls_facts dane_handshake(std::vector<mailspec::tlsa_record> records, bool trust_ca = true) {
  fake::server_options o;
  o.implicit_tls = true;
  o.tls.leaf = "valid";
  fake::fake_server server({fake::send("220 mx ESMTP\r\n"), fake::read_until_close()}, o);
  auto t = trusting();
  if (!trust_ca) t.ca_file = fake::test_ca().cert("valid");  // a store without the issuing CA
  t.tlsa = std::move(records);
  mailspec::tls_facts facts;
  run_async([&](auto ex) -> asio::awaitable<void> {
    net::connection c(ex);
    mailspec::target_info target;
    auto r = co_await c.connect(local(server.port(), "localhost"), target);
    REQUIRE(r.ok());
    co_await c.start_tls(t, "localhost", facts);
    co_await c.shutdown();
  });
  return facts;
}

const std::string other(64, 'a');

}  // namespace

TEST_CASE("net dane: a DANE-EE 3 1 1 record matches the leaf, and a second record names another key") {
  const auto spki = spki_sha256(fake::test_ca().cert("valid"));
  auto f = dane_handshake({{3, 1, 1, spki}, {3, 1, 1, other}});
  REQUIRE(f.handshake_ok);
  REQUIRE(f.dane);
  CHECK(f.dane->authenticated);
  CHECK(f.dane->depth == 0);
  CHECK(f.dane->matched == "3 1 1 " + spki);
  CHECK(f.dane->match_depth == std::vector<int>{0, -1});
  CHECK(f.dane->unusable.empty());
  CHECK(f.chain_ok);  // PKIX, verified apart: the test CA issued the leaf
  CHECK(f.hostname_ok);
}

TEST_CASE("net dane: no matching record is recorded, the handshake goes on, PKIX unaffected") {
  auto f = dane_handshake({{3, 1, 1, other}});
  REQUIRE(f.handshake_ok);
  REQUIRE(f.dane);
  CHECK_FALSE(f.dane->authenticated);
  CHECK(f.dane->matched.empty());
  CHECK(f.dane->verify_error != "ok");
  CHECK(f.dane->match_depth == std::vector<int>{-1});
  CHECK(f.chain_ok);
}

TEST_CASE("net dane: DANE-EE authenticates a chain PKIX does not trust, and each is recorded apart") {
  const auto spki = spki_sha256(fake::test_ca().cert("valid"));
  auto f = dane_handshake({{3, 1, 1, spki}}, false);
  REQUIRE(f.handshake_ok);
  REQUIRE(f.dane);
  CHECK(f.dane->authenticated);
  CHECK_FALSE(f.chain_ok);
  CHECK(f.verify_error != "ok");
}

TEST_CASE("net dane: a record OpenSSL cannot use is listed, without TLSA records there are no DANE facts") {
  auto f = dane_handshake({{3, 1, 1, "abc"}, {3, 1, 1, other}});
  REQUIRE(f.dane);
  CHECK(f.dane->unusable == std::vector<std::string>{"3 1 1 abc"});
  auto none = dane_handshake({});
  CHECK(none.handshake_ok);
  CHECK_FALSE(none.dane);
}
