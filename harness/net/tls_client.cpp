#include "net/tls_client.hpp"

#include <map>
#include <mutex>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509err.h>

#include "net/dane.hpp"
#include "net/tls_inspect.hpp"

namespace mailspec::net {

int parse_tls_version(const std::string& name) {
  if (name.empty()) return 0;
  if (name == "TLSv1" || name == "TLSv1.0") return TLS1_VERSION;
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return -1;
}

namespace {

bool set_versions(SSL_CTX* ctx, const tls_options& opt, std::string& error) {
  int lo = parse_tls_version(opt.min_version), hi = parse_tls_version(opt.max_version);
  if (lo < 0 || hi < 0) {
    error = "tls options: unknown TLS version '" + (lo < 0 ? opt.min_version : opt.max_version) + "'";
    return false;
  }
  if (opt.legacy || (lo && lo < TLS1_2_VERSION)) SSL_CTX_set_min_proto_version(ctx, 0);
  if (lo && SSL_CTX_set_min_proto_version(ctx, lo) != 1) return error = "tls options: min_version", false;
  if (hi && SSL_CTX_set_max_proto_version(ctx, hi) != 1) return error = "tls options: max_version", false;
  return true;
}

bool set_ciphers(SSL_CTX* ctx, const tls_options& opt, std::string& error) {
  std::string list = opt.cipher_list;
  if (opt.legacy) {
    if (list.empty()) list = "DEFAULT";
    if (list.find("@SECLEVEL") == std::string::npos) list += ":@SECLEVEL=0";
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
  }
  if (!list.empty() && SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1) {
    error = "tls options: no cipher matches '" + list + "'";
    ERR_clear_error();
    return false;
  }
  if (!opt.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, opt.ciphersuites.c_str()) != 1) {
    error = "tls options: no TLS 1.3 suite matches '" + opt.ciphersuites + "'";
    ERR_clear_error();
    return false;
  }
  return true;
}

// The certificate for SASL EXTERNAL (RFC 4422 App. A): sent only when a server requests one.
bool set_client_identity(SSL_CTX* ctx, const tls_options& opt, std::string& error) {
  if (opt.client_cert.empty() && opt.client_key.empty()) return true;
  if (opt.client_cert.empty() || opt.client_key.empty())
    return error = "tls options: a client certificate needs both a certificate and a key file", false;
  if (SSL_CTX_use_certificate_chain_file(ctx, opt.client_cert.c_str()) != 1)
    return error = "tls options: cannot load client certificate '" + opt.client_cert + "': " + openssl_error_text(),
           false;
  // No passphrase prompt on the terminal: an encrypted key is an error, not a hang.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });
  const bool loaded = SSL_CTX_use_PrivateKey_file(ctx, opt.client_key.c_str(), SSL_FILETYPE_PEM) == 1;
  const bool mismatch = !loaded && ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
  if (mismatch || (loaded && SSL_CTX_check_private_key(ctx) != 1)) {
    ERR_clear_error();
    return error = "tls options: client key '" + opt.client_key + "' does not match certificate '" +
                   opt.client_cert + "'",
           false;
  }
  if (!loaded)
    return error = "tls options: cannot load client key '" + opt.client_key + "': " + openssl_error_text(), false;
  return true;
}

}  // namespace

std::unique_ptr<ssl::context> make_client_context(const tls_options& opt, std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);  // idle connections keep no record buffers
  if (!set_versions(native, opt, error) || !set_ciphers(native, opt, error)) return nullptr;
  if (!opt.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, opt.ca_file.c_str(), nullptr) != 1) {
      error = "tls options: cannot load CA file '" + opt.ca_file + "': " + openssl_error_text();
      return nullptr;
    }
  } else {
    SSL_CTX_set_default_verify_paths(native);
    ERR_clear_error();
  }
  if (!set_client_identity(native, opt, error)) return nullptr;
  // DANE's digest tables (RFC 6698 matching types); inert until a connection adds TLSA records.
  SSL_CTX_dane_enable(native);
  return ctx;
}

std::shared_ptr<ssl::context> shared_client_context(const tls_options& opt, std::string& error) {
  static std::mutex m;
  static std::map<std::string, std::shared_ptr<ssl::context>> cache;
  const std::string key = opt.min_version + '|' + opt.max_version + '|' + opt.cipher_list + '|' +
                          opt.ciphersuites + '|' + (opt.legacy ? "L" : "-") + '|' + opt.ca_file + '|' +
                          opt.client_cert + '|' + opt.client_key;
  std::lock_guard lock(m);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::shared_ptr<ssl::context> ctx = make_client_context(opt, error);
  if (!ctx) return nullptr;
  if (cache.size() >= 64) cache.clear();  // probes vary options; keep the cache bounded
  cache.emplace(key, ctx);
  return ctx;
}

std::string sni_for(const tls_options& opt, const std::string& host) {
  if (!opt.sni.empty()) return opt.sni;
  return is_ip_literal(host) ? std::string() : host;
}

void record_verification(SSL* ssl, const verify_state& vs, const tls_options& opt, const std::string& host,
                         tls_facts& facts) {
  facts.verify_mode = std::string(to_string(opt.verify));
  // The callback saw the first error; SSL_get_verify_result keeps only the last one.
  long code = vs.first_error != X509_V_OK ? vs.first_error : SSL_get_verify_result(ssl);
  if (facts.dane) {
    // With TLSA records OpenSSL's verification was DANE's: recorded there, PKIX verified apart.
    dane_record(ssl, code, opt.tlsa, *facts.dane);
    code = pkix_verify(ssl);
  }
  X509* leaf = SSL_get1_peer_certificate(ssl);
  if (!leaf && code == X509_V_OK) code = X509_V_ERR_UNSPECIFIED;  // no certificate at all
  facts.verify_code = code;
  facts.verify_error = code == X509_V_OK ? "ok" : X509_verify_cert_error_string(code);
  facts.chain_ok = code == X509_V_OK;
  // The name asked for is the name verified: with --sni (or a step's sni) that is the SNI name,
  // whatever address was connected to (RFC 6125 §6: the reference identity is what the client
  // meant to reach).
  facts.verify_name = !opt.verify_name.empty() ? opt.verify_name : !opt.sni.empty() ? opt.sni : host;
  facts.hostname_ok = certificate_matches(leaf, facts.verify_name);
  if (leaf) X509_free(leaf);
}

}  // namespace mailspec::net
