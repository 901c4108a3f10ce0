#include "test_ca.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mailspec::fake {
namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;
constexpr long day = 24 * 3600;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test CA: ") + what + " failed");
}

pkey_ptr make_key(bool rsa) {
  EVP_PKEY* k = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048))
                    : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  check(k != nullptr, "key generation");
  return pkey_ptr(k, EVP_PKEY_free);
}

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  check(e != nullptr, "extension");
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

struct cert_spec {
  std::string cn;
  std::string san;  // "" for none
  long not_before = -day;
  long not_after = 365 * day;
  bool ca = false;
};

x509_ptr make_cert(const cert_spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  static std::atomic<long> serial{0x1000};
  x509_ptr x(X509_new(), X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), spec.not_before);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), spec.not_after);
  X509_set_pubkey(x.get(), key);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mailspec test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(spec.cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
  add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
  if (spec.ca) {
    add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x.get(), &ctx, NID_basic_constraints, "CA:FALSE");
    add_ext(x.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(x.get(), &ctx, NID_ext_key_usage, "serverAuth");
    if (issuer) add_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (!spec.san.empty()) add_ext(x.get(), &ctx, NID_subject_alt_name, spec.san);
  check(X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "signing");
  return x;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), std::fclose);
  check(f != nullptr, ("open " + path).c_str());
  check(cert ? PEM_write_X509(f.get(), cert) == 1
             : PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM write");
}

void write_leaf(const test_ca_paths& p, const std::string& name, const cert_spec& spec, X509* ca, EVP_PKEY* ca_key) {
  auto key = make_key(false);
  auto cert = make_cert(spec, key.get(), ca, ca_key);
  write_pem(p.cert(name), cert.get(), nullptr);
  write_pem(p.key(name), nullptr, key.get());
}

struct temp_ca {
  test_ca_paths paths;
  temp_ca() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mailspec-testca-XXXXXX").string();
    check(mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    paths = generate_test_ca(tmpl);
  }
  ~temp_ca() {
    std::error_code ec;
    std::filesystem::remove_all(paths.dir, ec);
  }
};

}  // namespace

test_ca_paths test_ca_in(const std::string& dir) {
  test_ca_paths p;
  p.dir = dir;
  p.ca_cert = dir + "/ca.pem";
  return p;
}

test_ca_paths generate_test_ca(const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto p = test_ca_in(dir);
  auto ca_key = make_key(true);
  auto ca = make_cert({"mailspec test CA", "", -day, 3650 * day, true}, ca_key.get(), nullptr, nullptr);
  write_pem(p.ca_cert, ca.get(), nullptr);
  write_pem(dir + "/ca.key", nullptr, ca_key.get());
  const std::string local = "DNS:localhost,IP:127.0.0.1,IP:::1";
  write_leaf(p, "valid", {"localhost", local}, ca.get(), ca_key.get());
  write_leaf(p, "expired", {"localhost", local, -30 * day, -day}, ca.get(), ca_key.get());
  write_leaf(p, "wrong_host", {"wrong.example", "DNS:wrong.example"}, ca.get(), ca_key.get());
  write_leaf(p, "self_signed", {"localhost", local}, nullptr, nullptr);
  return p;
}

const test_ca_paths& test_ca() {
  static temp_ca ca;
  return ca.paths;
}

}  // namespace mailspec::fake
