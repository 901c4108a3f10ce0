// DANE (RFC 6698, RFC 7671) on a client TLS connection, with OpenSSL's own DANE verification
// (SSL_dane_enable, SSL_dane_tlsa_add): the chain is matched against the TLSA records the caller
// gives; the result is recorded in tls_facts.dane, never enforced.
#pragma once
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "core/tls_facts.hpp"

namespace mailspec::net {

// Before the handshake: enables DANE on ssl with base_name as the TLSA base domain (also the
// reference identifier of DANE-TA name checks, RFC 7672 §3.2.2; DANE-EE(3) has no name check,
// §3.2.1) and adds the records. Records OpenSSL refuses are listed in facts.unusable.
void dane_prepare(SSL* ssl, const std::string& base_name, const std::vector<tlsa_record>& records, dane_facts& facts);

// After the handshake: OpenSSL's verdict (verify_code is what the verification returned with DANE
// on), the matching record, and for every record the depth of the presented certificate its
// data matches (-1: none), computed from the chain as sent.
void dane_record(SSL* ssl, long verify_code, const std::vector<tlsa_record>& records, dane_facts& facts);

// The PKIX verification of the chain as sent, against the context's trust store and the name:
// with DANE on, OpenSSL's own verification is DANE's, so PKIX (tls_facts.chain_ok) is redone apart.
long pkix_verify(SSL* ssl);

// "ab01..." -> bytes; false when not an even number of hex digits.
bool hex_bytes(const std::string& hex, std::vector<unsigned char>& out);

}  // namespace mailspec::net
