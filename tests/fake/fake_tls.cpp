#include "fake_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace mailspec::fake {
namespace {

int version(const std::string& v) {
  if (v == "TLSv1" || v == "TLSv1.0") return TLS1_VERSION;
  if (v == "TLSv1.1") return TLS1_1_VERSION;
  if (v == "TLSv1.2") return TLS1_2_VERSION;
  if (v == "TLSv1.3") return TLS1_3_VERSION;
  return v.empty() ? 0 : -1;
}

}  // namespace

std::unique_ptr<boost::asio::ssl::context> make_server_context(const tls_server_options& opt,
                                                               const test_ca_paths& ca, std::string& error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  int lo = version(opt.min_version), hi = version(opt.max_version);
  if (lo < 0 || hi < 0) return error = "unknown TLS version", nullptr;
  std::string ciphers = opt.cipher_list;
  if ((lo && lo < TLS1_2_VERSION) || (hi && hi < TLS1_2_VERSION)) {
    SSL_CTX_set_min_proto_version(native, 0);
    if (ciphers.empty()) ciphers = "DEFAULT";
    if (ciphers.find("@SECLEVEL") == std::string::npos) ciphers += ":@SECLEVEL=0";
  }
  if (lo) SSL_CTX_set_min_proto_version(native, lo);
  if (hi) SSL_CTX_set_max_proto_version(native, hi);
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(native, ciphers.c_str()) != 1)
    return error = "no cipher matches " + ciphers, nullptr;
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(ca.cert(opt.leaf), ec);
  if (!ec) ctx->use_private_key_file(ca.key(opt.leaf), ssl::context::pem, ec);
  if (ec) {
    ERR_clear_error();
    return error = "certificate '" + opt.leaf + "' in " + ca.dir + ": " + ec.message(), nullptr;
  }
  if (opt.request_client_cert || opt.require_client_cert) {
    // Any certificate will do: tests check that the client presented one, not who signed it.
    const int mode = SSL_VERIFY_PEER | (opt.require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    SSL_CTX_set_verify(native, mode, [](int, X509_STORE_CTX*) { return 1; });
    if (SSL_CTX_load_verify_locations(native, ca.ca_cert.c_str(), nullptr) == 1)
      SSL_CTX_set_client_CA_list(native, SSL_load_client_CA_file(ca.ca_cert.c_str()));
    ERR_clear_error();
  }
  return ctx;
}

}  // namespace mailspec::fake
