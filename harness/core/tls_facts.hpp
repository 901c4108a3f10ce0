// What a TLS handshake showed: recorded, never judged here (rules judge it).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailspec {

struct certificate_facts {
  std::string subject;             // RFC 2253 form
  std::string issuer;
  std::vector<std::string> san;    // "DNS:host", "IP:127.0.0.1"
  std::string not_before;          // ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z
  std::string not_after;
  std::int64_t not_before_epoch = 0;
  std::int64_t not_after_epoch = 0;
  std::string key_type;            // "RSA", "EC", "ED25519", ...
  int key_bits = 0;
  std::string signature_algorithm; // e.g. "sha256WithRSAEncryption"
  std::string serial;              // hex
  std::string sha256_fingerprint;  // hex, colon separated
  bool self_signed = false;
};

struct tls_facts {
  bool handshake_ok = false;
  std::string handshake_error;     // why the handshake failed, when it did
  std::string mode;                // "implicit" or "starttls"
  std::string version;             // "TLSv1.3"
  std::string cipher;              // OpenSSL name
  int cipher_bits = 0;
  std::string sni;                 // what was sent ("" = none)
  std::string alpn;
  std::string verify_mode;         // none | chain | hostname (what was asked)
  bool chain_ok = false;           // chain verified against the trust store / CA file
  bool hostname_ok = false;        // certificate matches the name checked
  std::string verify_name;         // name checked against the certificate
  long verify_code = 0;            // X509_V_* result
  std::string verify_error;        // X509 verify error string ("ok" when fine)
  std::string peer_temp_key;       // e.g. "X25519" (forward secrecy evidence)
  std::optional<certificate_facts> leaf;
  std::vector<certificate_facts> chain;  // as sent by the server, leaf first
  std::uint64_t plaintext_bytes_before_handshake = 0;  // STARTTLS: buffered bytes (evidence)
  std::string plaintext_before_handshake;             // those bytes (redacted, bounded)
  // A failed handshake: what the server sent instead of TLS records (a plaintext "421 ..." or
  // greeting on an implicit-TLS port), bounded; "" when it sent TLS or nothing. Also quoted in
  // handshake_error; kept raw here so callers can tell a throttling reply from a wrong port.
  std::string non_tls_reply;
  std::int64_t handshake_ms = 0;
};

}  // namespace mailspec
