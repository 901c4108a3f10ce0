#include "server/certs.hpp"

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mailspec::server {

namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;
constexpr long day = 24 * 3600;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("serve certificates: ") + what + " failed");
}

pkey_ptr make_key() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(k != nullptr, "key generation");
  return pkey_ptr(k, EVP_PKEY_free);
}

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  check(e != nullptr, "certificate extension");
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

struct spec {
  spec(std::string cn, std::string san, long not_before = -day, long not_after = 30 * day, bool ca = false)
      : cn(std::move(cn)), san(std::move(san)), not_before(not_before), not_after(not_after), ca(ca) {}
  std::string cn;
  std::string san;  // "" for none
  long not_before, not_after;  // seconds from now
  bool ca;
};

x509_ptr make_cert(const spec& sp, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  static std::atomic<long> serial{0x5e7e};
  x509_ptr x(X509_new(), X509_free);
  check(x != nullptr, "X509_new");
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), sp.not_before);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), sp.not_after);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  auto entry = [&](const char* field, const std::string& v) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1, 0);
  };
  entry("O", "mailspec serve (test only)");
  entry("CN", sp.cn);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
  if (sp.ca) {
    add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    add_ext(x.get(), &ctx, NID_ext_key_usage, "serverAuth");
    if (issuer) add_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (!sp.san.empty()) add_ext(x.get(), &ctx, NID_subject_alt_name, sp.san);
  check(X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "signing");
  return x;
}

std::string pem_of(X509* cert, EVP_PKEY* key) {
  bio_ptr b(BIO_new(BIO_s_mem()), BIO_free);
  check(b != nullptr, "BIO_new");
  check(cert ? PEM_write_bio_X509(b.get(), cert) == 1
             : PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM encoding");
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

pem_pair leaf_pair(const spec& sp, X509* issuer, EVP_PKEY* issuer_key) {
  auto key = make_key();
  auto cert = make_cert(sp, key.get(), issuer, issuer_key);
  return {pem_of(cert.get(), nullptr), pem_of(nullptr, key.get())};
}

std::string read_file(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string(flag) + " " + path + ": cannot be read");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

cert_set make_certs(const std::string& cert_file, const std::string& key_file) {
  cert_set out;
  auto ca_key = make_key();
  auto ca = make_cert({"mailspec serve test CA", "", -day, 30 * day, true}, ca_key.get(), nullptr, nullptr);
  out.ca = pem_of(ca.get(), nullptr);
  // A second CA that nobody is told about signs the unknown-CA leaf; it is dropped at once.
  auto other_key = make_key();
  auto other = make_cert({"mailspec serve unknown CA", "", -day, 30 * day, true}, other_key.get(), nullptr, nullptr);

  const std::string names = leaf_names;
  out.leaves[leaf::valid] = leaf_pair({"localhost", names}, ca.get(), ca_key.get());
  out.leaves[leaf::expired] = leaf_pair({"localhost", names, -30 * day, -day}, ca.get(), ca_key.get());
  out.leaves[leaf::wrong_host] =
      leaf_pair({wrong_host_name, std::string("DNS:") + wrong_host_name}, ca.get(), ca_key.get());
  out.leaves[leaf::self_signed] = leaf_pair({"localhost", names}, nullptr, nullptr);
  out.leaves[leaf::unknown_ca] = leaf_pair({"localhost", names}, other.get(), other_key.get());
  if (!cert_file.empty()) {
    out.leaves[leaf::valid] = {read_file(cert_file, "--cert"), read_file(key_file, "--key")};
    out.user_valid = true;
  }
  return out;
}

}  // namespace mailspec::server
