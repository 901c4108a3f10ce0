// TLS cipher suites negotiated (RFC 9325 §4.1, RFC 7465, RFC 5246 §A.5).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

bool contains(std::string_view hay, std::string_view needle) { return upper(hay).find(needle) != std::string::npos; }

// Runs `bad` on the negotiated cipher of every successful handshake.
void cipher_rule(context& c, bool (*bad)(const tls_facts&), const char* expected) {
  for (const auto& t : c.rec.result.tls) {
    if (!t.handshake_ok || t.cipher.empty()) continue;
    if (bad(t)) c.broken_case(expected, t.version + " " + t.cipher + " (" + std::to_string(t.cipher_bits) + " bits)");
    else c.held_case(t.cipher);
  }
}

bool is_null(const tls_facts& t) { return contains(t.cipher, "NULL") || contains(t.cipher, "ENULL"); }
bool is_export(const tls_facts& t) {
  return contains(t.cipher, "EXP") || (t.cipher_bits > 0 && t.cipher_bits < 112 && !is_null(t));
}
bool is_rc4(const tls_facts& t) { return contains(t.cipher, "RC4"); }
bool is_anon(const tls_facts& t) {
  return contains(t.cipher, "ADH") || contains(t.cipher, "AECDH") || contains(t.cipher, "ANON");
}
bool is_weak(const tls_facts& t) {
  return contains(t.cipher, "3DES") || contains(t.cipher, "DES-CBC") || contains(t.cipher, "IDEA") ||
         (t.cipher_bits > 0 && t.cipher_bits < 128);
}
// TLS 1.3 suites (TLS_*) always use (EC)DHE; before 1.3, only ECDHE/DHE/EDH names do.
bool no_forward_secrecy(const tls_facts& t) {
  if (t.version == "TLSv1.3" || t.cipher.rfind("TLS_", 0) == 0) return false;
  return !(contains(t.cipher, "ECDHE") || contains(t.cipher, "DHE") || contains(t.cipher, "EDH"));
}

}  // namespace

void add_tls_cipher(std::vector<rule>& v) {
  v.push_back(row("tls/cipher/null", "tls", "RFC 9325 §4.1", level::must,
                  "Summary: Implementations MUST NOT negotiate the cipher suites with NULL encryption.",
                  [](context& c) { cipher_rule(c, is_null, "an encrypting cipher suite"); }, severity::critical));
  v.push_back(row("tls/cipher/export", "tls", "RFC 9325 §4.1", level::must,
                  "Summary: Implementations MUST NOT negotiate cipher suites offering less than 112 bits of security, "
                  "including so-called \"export-level\" encryption (which provides 40 or 56 bits of security).",
                  [](context& c) { cipher_rule(c, is_export, "at least 112 bits of security"); }, severity::high));
  v.push_back(row("tls/cipher/rc4", "tls", "RFC 9325 §4.1; RFC 7465 §2", level::must,
                  "Summary: Implementations MUST NOT negotiate RC4 cipher suites.",
                  [](context& c) { cipher_rule(c, is_rc4, "no RC4"); }, severity::high));
  v.push_back(row("tls/cipher/anon", "tls", "RFC 8446 §C.5 (RFC 5246 §A.5 for TLS 1.2); RFC 9325 §4.1", level::must,
                  "Summary: The following cipher suites are used for completely anonymous Diffie-Hellman communications in "
                  "which neither party is authenticated. ... this mode is vulnerable to man-in-the-middle attacks.",
                  [](context& c) { cipher_rule(c, is_anon, "an authenticated cipher suite"); }, severity::high));
  v.push_back(row("tls/cipher/weak", "tls", "RFC 9325 §4.1", level::should,
                  "Summary: Implementations SHOULD NOT negotiate cipher suites that use algorithms offering less than 128 "
                  "bits of security.",
                  [](context& c) { cipher_rule(c, is_weak, "at least 128 bits of security (no 3DES)"); },
                  severity::medium));
  v.push_back(row("tls/cipher/forward-secrecy", "tls", "RFC 9325 §4.1", level::should,
                  "Summary: Implementations SHOULD NOT negotiate cipher suites based on RSA key transport, a.k.a. \"static "
                  "RSA\".",
                  [](context& c) { cipher_rule(c, no_forward_secrecy, "an (EC)DHE key exchange"); },
                  severity::medium));
}

}  // namespace mailspec::rules::detail
