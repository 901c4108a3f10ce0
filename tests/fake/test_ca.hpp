// A private test CA and leaves, generated at test time with the OpenSSL 3 API.
#pragma once
#include <string>

namespace mailspec::fake {

struct test_ca_paths {
  std::string dir;
  std::string ca_cert;  // ca.pem (RSA 2048, the trust anchor for --ca-file / tls_options.ca_file)
  // Leaves are EC P-256, PEM files <name>.pem / <name>.key:
  //   valid       CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1, signed by the CA
  //   expired     same names, validity ended yesterday
  //   wrong_host  CN=wrong.example, SAN DNS:wrong.example
  //   self_signed CN=localhost, same SANs, signed by itself
  std::string cert(const std::string& leaf) const { return dir + "/" + leaf + ".pem"; }
  std::string key(const std::string& leaf) const { return dir + "/" + leaf + ".key"; }
};

// Generated once per process into a temporary directory (removed at exit). Thread-safe.
const test_ca_paths& test_ca();

// Generates a CA and every leaf into dir (created when missing; files overwritten).
// Throws std::runtime_error when OpenSSL or the file system fails.
test_ca_paths generate_test_ca(const std::string& dir);

// The paths of a directory generated earlier (nothing checked).
test_ca_paths test_ca_in(const std::string& dir);

}  // namespace mailspec::fake
