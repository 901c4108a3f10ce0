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

// A DNS TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type and the
// certificate association data (hex, lower case).
struct tlsa_record {
  int usage = 0;
  int selector = 0;
  int matching = 0;
  std::string data;
  std::string text() const {  // presentation form: "3 1 1 0a1b..."
    return std::to_string(usage) + " " + std::to_string(selector) + " " + std::to_string(matching) + " " + data;
  }
};

// What DANE (RFC 6698, RFC 7671 via OpenSSL's DANE verification) made of a handshake that was
// given TLSA records. Recorded, never enforced.
struct dane_facts {
  std::vector<std::string> records;  // the records given, presentation form
  std::vector<int> match_depth;      // per record: the chain depth its data matches (-1: none)
  std::vector<std::string> unusable; // records OpenSSL refused (unknown usage, bad data length)
  bool authenticated = false;        // OpenSSL's DANE verification of the chain succeeded
  int depth = -1;                    // depth of the certificate the matching record names
  std::string matched;               // that record ("" = none matched)
  std::string verify_error;          // OpenSSL's reason when not authenticated ("ok" when it was)
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
  std::optional<dane_facts> dane;  // only when TLSA records were given (tls_options.tlsa)
};

}  // namespace mailspec
