// TLS fact extraction from OpenSSL objects: reused by connection and by the audit's probes.
// Facts only: nothing is judged here.
#pragma once
#include <string>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/tls_facts.hpp"

namespace mailspec::net {

certificate_facts inspect_certificate(X509* cert);

// Fills version, cipher, cipher_bits, peer_temp_key, alpn, leaf and chain (as sent, leaf first)
// from an SSL object after a successful handshake. Verification fields are not touched.
void inspect_session(SSL* ssl, tls_facts& facts);

// "X25519", "ECDH P-256", "DH 2048", "" when none.
std::string peer_temp_key_name(SSL* ssl);

// Hostname (or IP literal) check of a certificate: X509_check_host / X509_check_ip_asc.
bool certificate_matches(X509* cert, const std::string& name);

bool is_ip_literal(const std::string& host);

// Last OpenSSL error queue entry as text (and clears the queue); "" when empty.
std::string openssl_error_text();

}  // namespace mailspec::net
