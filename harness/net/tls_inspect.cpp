#include "net/tls_inspect.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

namespace mailspec::net {
namespace {

std::string name_rfc2253(const X509_NAME* name) {
  if (!name) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void set_time(const ASN1_TIME* t, std::string& iso, std::int64_t& epoch) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  iso = buf;
  epoch = static_cast<std::int64_t>(timegm(&tm));
}

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  int len = ASN1_STRING_length(ip);
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  if (len == 4) inet_ntop(AF_INET, d, buf, sizeof buf);
  else if (len == 16) inet_ntop(AF_INET6, d, buf, sizeof buf);
  else return "<" + std::to_string(len) + "-byte address>";
  return buf;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      const auto* s = gn->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                         static_cast<std::size_t>(ASN1_STRING_length(s))));
    } else if (gn->type == GEN_IPADD) {
      out.push_back("IP:" + ip_text(gn->d.iPAddress));
    } else if (gn->type == GEN_EMAIL) {
      const auto* s = gn->d.rfc822Name;
      out.push_back("email:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                           static_cast<std::size_t>(ASN1_STRING_length(s))));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string key_type_name(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return "RSA";
    case EVP_PKEY_RSA_PSS: return "RSA-PSS";
    case EVP_PKEY_EC: return "EC";
    case EVP_PKEY_DSA: return "DSA";
    case EVP_PKEY_DH: return "DH";
    case EVP_PKEY_ED25519: return "ED25519";
    case EVP_PKEY_ED448: return "ED448";
    case EVP_PKEY_X25519: return "X25519";
    case EVP_PKEY_X448: return "X448";
    default: break;
  }
  const char* n = EVP_PKEY_get0_type_name(key);
  return n ? n : "unknown";
}

std::string serial_hex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
  std::string out;
  char b[4];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, i ? ":%02X" : "%02X", md[i]);
    out += b;
  }
  return out;
}

}  // namespace

certificate_facts inspect_certificate(X509* cert) {
  certificate_facts f;
  if (!cert) return f;
  f.subject = name_rfc2253(X509_get_subject_name(cert));
  f.issuer = name_rfc2253(X509_get_issuer_name(cert));
  f.san = subject_alt_names(cert);
  set_time(X509_get0_notBefore(cert), f.not_before, f.not_before_epoch);
  set_time(X509_get0_notAfter(cert), f.not_after, f.not_after_epoch);
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    f.key_type = key_type_name(key);
    f.key_bits = EVP_PKEY_get_bits(key);
  }
  const char* sig = OBJ_nid2ln(X509_get_signature_nid(cert));
  f.signature_algorithm = sig ? sig : "unknown";
  f.serial = serial_hex(cert);
  f.sha256_fingerprint = sha256_fingerprint(cert);
  f.self_signed = X509_self_signed(cert, 0) == 1;
  ERR_clear_error();
  return f;
}

std::string peer_temp_key_name(SSL* ssl) {
  EVP_PKEY* key = nullptr;
  if (SSL_get_peer_tmp_key(ssl, &key) != 1 || !key) return {};
  std::string out;
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_EC) {
    char group[80] = {};
    std::size_t len = 0;
    out = "ECDH";
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1) {
      const char* nist = EC_curve_nid2nist(OBJ_sn2nid(group));
      out += std::string(" ") + (nist ? nist : group);
    }
  } else if (id == EVP_PKEY_DH) {
    out = "DH " + std::to_string(EVP_PKEY_get_bits(key));
  } else {
    out = key_type_name(key);
  }
  EVP_PKEY_free(key);
  return out;
}

void inspect_session(SSL* ssl, tls_facts& facts) {
  facts.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
    facts.cipher = SSL_CIPHER_get_name(c);
    facts.cipher_bits = SSL_CIPHER_get_bits(c, nullptr);
  }
  facts.peer_temp_key = peer_temp_key_name(ssl);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn) facts.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  if (X509* leaf = SSL_get1_peer_certificate(ssl)) {
    facts.leaf = inspect_certificate(leaf);
    X509_free(leaf);
  }
  facts.chain.clear();
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {  // client side: leaf included
    for (int i = 0; i < sk_X509_num(chain); ++i) facts.chain.push_back(inspect_certificate(sk_X509_value(chain, i)));
  }
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool certificate_matches(X509* cert, const std::string& name) {
  if (!cert || name.empty()) return false;
  int r = is_ip_literal(name) ? X509_check_ip_asc(cert, name.c_str(), 0)
                              : X509_check_host(cert, name.data(), name.size(), 0, nullptr);
  ERR_clear_error();
  return r == 1;
}

std::string openssl_error_text() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out = buf;
  }
  return out;
}

}  // namespace mailspec::net
