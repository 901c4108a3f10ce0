// Client TLS context from tls_options, and verification recorded (never enforced).
#pragma once
#include <memory>
#include <string>

#include "core/tls_facts.hpp"
#include "net/asio.hpp"
#include "net/connection.hpp"

namespace mailspec::net {

// What the verify callback saw: the first chain error (the callback always continues).
struct verify_state {
  long first_error = 0;  // X509_V_OK
  int first_error_depth = -1;
};

// "TLSv1" .. "TLSv1.3" -> TLS1_VERSION ..; "" -> 0; -1 when unknown.
int parse_tls_version(const std::string& name);

// Builds a client context: versions, cipher list / suites (legacy adds @SECLEVEL=0), trust
// store (the CA file alone when set, else the system default paths). Null + error on bad options.
std::unique_ptr<ssl::context> make_client_context(const tls_options& opt, std::string& error);

// The same, shared between connections with the same options: loading the system trust store
// costs ~1 MB and milliseconds, so connections never build their own. Thread-safe; an SSL_CTX
// is not modified after it is cached (per-connection settings go on the SSL object).
std::shared_ptr<ssl::context> shared_client_context(const tls_options& opt, std::string& error);

// After a handshake: chain_ok, hostname_ok, verify_code/error/name/mode in facts.
void record_verification(SSL* ssl, const verify_state& vs, const tls_options& opt, const std::string& host,
                         tls_facts& facts);

// SNI to send: opt.sni, else the host when it is not an IP literal, else "".
std::string sni_for(const tls_options& opt, const std::string& host);

}  // namespace mailspec::net
