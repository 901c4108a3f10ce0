// The certificates of one serve run, generated with OpenSSL's C API and kept in memory: a CA
// (written to the report directory so a client can be told to trust it; its key is never
// written anywhere and dies with the process) and one leaf per server::leaf.
#pragma once
#include <map>
#include <string>

#include "server/serve.hpp"

namespace mailspec::server {

struct pem_pair {
  std::string cert;  // PEM, the leaf first (a chain file from --cert may hold more)
  std::string key;   // PEM private key
};

struct cert_set {
  std::string ca;                    // PEM of the run's CA
  std::map<leaf, pem_pair> leaves;   // every leaf
  bool user_valid = false;           // the valid leaf came from --cert/--key
};

// Generates the CA and every leaf; with cert_file/key_file the valid leaf is read from them
// instead. Throws std::runtime_error when OpenSSL fails or a file cannot be read.
cert_set make_certs(const std::string& cert_file = "", const std::string& key_file = "");

// The names every leaf but wrong_host is valid for, and the wrong host's name.
inline constexpr const char* leaf_names = "DNS:localhost, IP:127.0.0.1, IP:::1";
inline constexpr const char* wrong_host_name = "wrong-host.invalid";

}  // namespace mailspec::server
