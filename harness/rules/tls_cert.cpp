// The server certificate: chain, hostname (RFC 7817 / RFC 6125), validity window, key, signature.
#include <algorithm>
#include <ctime>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

// The time the case ran (its start), else now: rules judge against the moment of the observation.
std::int64_t case_time(const record& rec) {
  if (auto t = parse_iso8601(rec.result.started)) return *t;
  return static_cast<std::int64_t>(std::time(nullptr));
}

template <class F>
void each_leaf(const record& rec, F f) {
  for (const auto& t : rec.result.tls)
    if (t.handshake_ok && t.leaf) f(t, *t.leaf);
}

// OpenSSL's "unable to get local issuer certificate" is the same error for an untrusted CA and
// for a server that does not send its intermediate (the commonest chain mistake): say which
// case the certificates the server sent point to.
std::string chain_hint(const tls_facts& t, const certificate_facts& leaf) {
  constexpr long unable_to_get_issuer_locally = 20;  // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
  if (leaf.self_signed) return " (self-signed)";
  if (t.verify_code != unable_to_get_issuer_locally) return "";
  if (t.chain.size() <= 1)
    return " (the server sent only its own certificate: if " + leaf.issuer +
           " is an intermediate CA, the server must send it too; otherwise that CA is not trusted)";
  return " (the server sent " + std::to_string(t.chain.size()) + " certificates; the last is issued by " +
         t.chain.back().issuer + ", which is not trusted here: another trust store or --ca-file?)";
}

void chain(context& c) {
  each_leaf(c.rec, [&](const tls_facts& t, const certificate_facts& leaf) {
    if (t.chain_ok) c.held_case(leaf.subject);
    else c.broken_case("a chain that verifies to a trusted root", leaf.subject + " issued by " + leaf.issuer,
                       "verify error: " + t.verify_error + chain_hint(t, leaf));
  });
}

void hostname(context& c) {
  each_leaf(c.rec, [&](const tls_facts& t, const certificate_facts& leaf) {
    if (t.verify_name.empty()) return;
    std::string san;
    for (const auto& s : leaf.san) san += (san.empty() ? "" : ", ") + s;
    bool dns_san = std::any_of(leaf.san.begin(), leaf.san.end(), [](const std::string& s) { return s.rfind("DNS:", 0) == 0; });
    // OpenSSL falls back to the subject CN when there is no DNS subjectAltName; RFC 6125 §6.4.4
    // allows that only as a last resort and RFC 9525 (which obsoletes it) not at all, so clients
    // that follow it (and the browsers' libraries) reject such a certificate.
    bool ip_name = t.verify_name.find(':') != std::string::npos ||
                   t.verify_name.find_first_not_of("0123456789.") == std::string::npos;  // matched by an IP SAN
    if (t.hostname_ok && !dns_san && !ip_name)
      c.emit(nullptr, verdict::warn, "the name " + t.verify_name + " in a subjectAltName DNS entry",
             "subject " + leaf.subject + "; no subjectAltName",
             "matched only through the subject CN: clients that follow RFC 9525 reject this certificate");
    else if (t.hostname_ok) c.held_case(t.verify_name);
    else c.broken_case("a certificate valid for " + t.verify_name, "subject " + leaf.subject + "; SAN " + san);
  });
}

void expired(context& c) {
  const auto now = case_time(c.rec);
  each_leaf(c.rec, [&](const tls_facts&, const certificate_facts& leaf) {
    if (!leaf.not_after_epoch) return;
    if (leaf.not_after_epoch >= now) c.held_case(leaf.not_after);
    else c.broken_case("notAfter in the future", "notAfter " + leaf.not_after);
  });
}

void not_yet_valid(context& c) {
  const auto now = case_time(c.rec);
  each_leaf(c.rec, [&](const tls_facts&, const certificate_facts& leaf) {
    if (!leaf.not_before_epoch) return;
    if (leaf.not_before_epoch <= now) c.held_case(leaf.not_before);
    else c.broken_case("notBefore in the past", "notBefore " + leaf.not_before);
  });
}

void expires_soon(context& c) {
  const auto now = case_time(c.rec);
  each_leaf(c.rec, [&](const tls_facts&, const certificate_facts& leaf) {
    if (!leaf.not_after_epoch || leaf.not_after_epoch < now) return;  // expired: the expired rule says so
    const auto days = (leaf.not_after_epoch - now) / 86400;
    if (days >= 30) c.held_case(leaf.not_after);
    else c.broken_case("at least 30 days of validity left", "notAfter " + leaf.not_after + " (" +
                                                                 std::to_string(days) + " days)");
  });
}

void key_size(context& c) {
  each_leaf(c.rec, [&](const tls_facts&, const certificate_facts& leaf) {
    const std::string type = upper(leaf.key_type);
    if (leaf.key_bits <= 0) return;
    bool weak = (type == "RSA" || type == "DSA" || type == "RSA-PSS") ? leaf.key_bits < 2048
                : (type == "EC")                                      ? leaf.key_bits < 224
                                                                      : false;
    if (weak) c.broken_case(type == "EC" ? "EC keys of at least 224 bits" : "RSA keys of at least 2048 bits",
                            leaf.key_type + " " + std::to_string(leaf.key_bits) + " bits");
    else c.held_case(leaf.key_type + " " + std::to_string(leaf.key_bits));
  });
}

bool weak_signature(const std::string& alg) {
  const std::string a = upper(alg);
  return a.find("MD5") != std::string::npos || a.find("MD2") != std::string::npos ||
         a.find("SHA1") != std::string::npos || a == "SHAWITHRSAENCRYPTION" || a.find("SHA-1") != std::string::npos;
}

void signature(context& c) {
  for (const auto& t : c.rec.result.tls) {
    if (!t.handshake_ok || !t.leaf) continue;
    std::vector<const certificate_facts*> certs{&*t.leaf};
    for (const auto& x : t.chain)
      if (!x.self_signed && x.sha256_fingerprint != t.leaf->sha256_fingerprint) certs.push_back(&x);
    bool ok = true;
    for (const auto* x : certs) {
      if (weak_signature(x->signature_algorithm) && !(x != &*t.leaf && x->self_signed)) {
        c.broken_case("SHA-256 or stronger signatures", x->subject + ": " + x->signature_algorithm);
        ok = false;
        break;
      }
    }
    if (ok) c.held_case(t.leaf->signature_algorithm);
  }
}

}  // namespace

void add_tls_cert(std::vector<rule>& v) {
  v.push_back(row("tls/cert/chain", "tls", "RFC 7817 §3; RFC 5280 §6", level::must,
                  "Summary: a client validates the server certificate's path to a trust anchor (RFC 5280 §6) before "
                  "it trusts the server identity (RFC 7817 §3), so a server must present a chain that validates.",
                  chain, severity::high));
  v.push_back(row("tls/cert/hostname", "tls", "RFC 2595 §2.4; RFC 7817 §3; RFC 9525 §6 (RFC 6125 §6, which it obsoletes)",
                  level::must,
                  "Summary: During the TLS negotiation, the client MUST check its understanding of the server hostname "
                  "against the server's identity as presented in the server Certificate message, in order to "
                  "prevent man-in-the-middle attacks. (RFC 2595 §2.4; RFC 7817 updates the matching rules for the "
                  "mail protocols, after RFC 6125)",
                  hostname, severity::high));
  v.push_back(row("tls/cert/expired", "tls", "RFC 5280 §4.1.2.5", level::must,
                  "Summary: The validity period for a certificate is the period of time from notBefore through notAfter, "
                  "inclusive.",
                  expired, severity::high));
  v.push_back(row("tls/cert/not-yet-valid", "tls", "RFC 5280 §4.1.2.5", level::must,
                  "Summary: The validity period for a certificate is the period of time from notBefore through notAfter, "
                  "inclusive.",
                  not_yet_valid, severity::high));
  v.push_back(row("tls/cert/expires-soon", "tls", "RFC 5280 §4.1.2.5 (operational)", level::should,
                  "Summary: (operational practice, no RFC sentence) renew a certificate before it expires; fewer "
                  "than 30 days of validity left is flagged.",
                  expires_soon, severity::low));
  v.push_back(row("tls/cert/key-size", "tls", "RFC 9325 §4.5", level::must,
                  "Summary: When using RSA, servers MUST authenticate using certificates with at least a 2048-bit modulus "
                  "for the public key. (§4.5; mailspec holds DSA keys to the same 2048 bits and EC keys to 224 "
                  "bits, the 112-bit security floor of §4.1)",
                  key_size, severity::high));
  v.push_back(row("tls/cert/signature", "tls", "RFC 9155 §2; RFC 8446 §4.4.2.2 (RFC 5246 §7.4.2 for TLS 1.2); RFC 6151",
                  level::must,
                  "Summary: Clients MUST include the signature_algorithms extension. Clients MUST NOT include MD5 and SHA-1 "
                  "in this extension. (RFC 9155 §2) ... If the client provided a \"signature_algorithms\" "
                  "extension, then all certificates provided by the server MUST be signed by a hash/signature "
                  "algorithm pair that appears in that extension. (RFC 5246 §7.4.2; so MD5 and SHA-1 certificate "
                  "signatures fail with conforming clients; RFC 6151 on MD5)",
                  signature, severity::high));
}

}  // namespace mailspec::rules::detail
