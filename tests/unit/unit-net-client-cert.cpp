// The TLS client certificate (--client-cert / --client-key) in the shared client contexts.
#include <catch2/catch.hpp>

#include "net/tls_client.hpp"
#include "test_ca.hpp"

using namespace mailspec;
namespace f = mailspec::fake;

TEST_CASE("client certificate: part of the shared context key, loaded and checked") {
  std::string error;
  net::tls_options plain;
  plain.ca_file = f::test_ca().ca_cert;
  net::tls_options with = plain;
  with.client_cert = f::test_ca().cert("valid");
  with.client_key = f::test_ca().key("valid");
  auto a = net::shared_client_context(plain, error);
  auto b = net::shared_client_context(with, error);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a != b);
  CHECK(net::shared_client_context(with, error) == b);
  CHECK(SSL_CTX_get0_certificate(b->native_handle()) != nullptr);
  CHECK(SSL_CTX_get0_certificate(a->native_handle()) == nullptr);

  net::tls_options half = plain;
  half.client_cert = with.client_cert;
  CHECK_FALSE(net::make_client_context(half, error));
  CHECK(error.find("both a certificate and a key") != std::string::npos);

  net::tls_options wrong = with;
  wrong.client_key = f::test_ca().key("expired");
  CHECK_FALSE(net::make_client_context(wrong, error));
  CHECK(error.find("does not match") != std::string::npos);

  net::tls_options missing = with;
  missing.client_cert = "/nonexistent/cert.pem";
  CHECK_FALSE(net::make_client_context(missing, error));
  CHECK(error.find("cannot load client certificate") != std::string::npos);
}
