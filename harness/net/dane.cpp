#include "net/dane.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace mailspec::net {

bool hex_bytes(const std::string& hex, std::vector<unsigned char>& out) {
  out.clear();
  if (hex.size() % 2) return false;
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

void dane_prepare(SSL* ssl, const std::string& base_name, const std::vector<tlsa_record>& records, dane_facts& facts) {
  facts = dane_facts{};
  for (const auto& r : records) facts.records.push_back(r.text());
  if (SSL_dane_enable(ssl, base_name.c_str()) <= 0) {
    facts.verify_error = "DANE could not be enabled on the connection";
    return;
  }
  // RFC 7672 §3.2.1: "name checks ... are not required" with DANE-EE(3); OpenSSL skips them
  // with this flag (its default for DANE-EE since 1.1.0, set explicitly here).
  SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  for (const auto& r : records) {
    std::vector<unsigned char> data;
    int added = hex_bytes(r.data, data) && r.usage >= 0 && r.usage <= 255 && r.selector >= 0 && r.selector <= 255 &&
                        r.matching >= 0 && r.matching <= 255
                    ? SSL_dane_tlsa_add(ssl, static_cast<uint8_t>(r.usage), static_cast<uint8_t>(r.selector),
                                        static_cast<uint8_t>(r.matching), data.data(), data.size())
                    : 0;
    if (added <= 0) facts.unusable.push_back(r.text());
  }
}

namespace {

std::vector<unsigned char> selected_bytes(X509* cert, int selector) {
  unsigned char* buf = nullptr;
  int n = selector == 0 ? i2d_X509(cert, &buf) : selector == 1 ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &buf) : -1;
  std::vector<unsigned char> out;
  if (n > 0) out.assign(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::vector<unsigned char> digest(const std::vector<unsigned char>& in, int matching) {
  if (matching == 0) return in;
  const EVP_MD* md = matching == 1 ? EVP_sha256() : matching == 2 ? EVP_sha512() : nullptr;
  if (!md) return {};
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(in.data(), in.size(), out.data(), &len, md, nullptr) != 1) return {};
  out.resize(len);
  return out;
}

}  // namespace

void dane_record(SSL* ssl, long verify_code, const std::vector<tlsa_record>& records, dane_facts& facts) {
  uint8_t usage = 0, selector = 0, matching = 0;
  const unsigned char* data = nullptr;
  size_t len = 0;
  int depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &matching, &data, &len);
  facts.authenticated = verify_code == X509_V_OK && depth >= 0;
  facts.verify_error = verify_code == X509_V_OK ? (depth >= 0 ? "ok" : "no TLSA record matched")
                                                : X509_verify_cert_error_string(verify_code);
  facts.depth = depth;
  if (depth >= 0) {
    static const char* hex = "0123456789abcdef";
    std::string h;
    for (size_t i = 0; i < len; ++i) h += std::string{hex[data[i] >> 4], hex[data[i] & 15]};
    facts.matched = tlsa_record{usage, selector, matching, h}.text();
  }
  // Which presented certificate each record names, whatever OpenSSL decided: a record that names
  // none is for another key (the next one in a rollover, RFC 7671 §8.1, or a stale one).
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);  // client side: the leaf first
  facts.match_depth.assign(records.size(), -1);
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::vector<unsigned char> want;
    if (!hex_bytes(records[i].data, want)) continue;
    for (int d = 0; chain && d < sk_X509_num(chain); ++d) {
      if (records[i].usage == 3 && d > 0) break;  // DANE-EE names the end entity only
      auto got = digest(selected_bytes(sk_X509_value(chain, d), records[i].selector), records[i].matching);
      if (!got.empty() && got == want) {
        facts.match_depth[i] = d;
        break;
      }
    }
  }
}

long pkix_verify(SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (!leaf) return X509_V_ERR_UNSPECIFIED;
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), leaf,
                                  SSL_get_peer_cert_chain(ssl)) != 1)
    return X509_V_ERR_UNSPECIFIED;
  X509_STORE_CTX_set_default(ctx.get(), "ssl_server");
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

}  // namespace mailspec::net
