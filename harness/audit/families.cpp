// The probe family table (families.hpp).
#include "audit/families.hpp"

#include "audit/smuggling.hpp"

#include <stdexcept>

namespace mailspec::audit::detail {

namespace {

// The port greeted in its protocol and did not turn the audit away.
bool greeted(const probe_facts& m) { return m.banner && !m.throttled && !m.wrong_protocol; }

// A handshake can be reached: implicit ports that took a connection and did not answer in
// plaintext (a port without TLS would only record that again), STARTTLS ports whose STARTTLS
// was not refused and whose handshake got an answer.
bool tls_reachable(const port_spec& p, const probe_facts& m) {
  if (m.unreachable || m.throttled) return false;
  if (p.tls == tls_mode::implicit) return !m.not_tls;
  return greeted(m) && m.starttls && m.starttls->result != starttls_outcome::refused;
}

std::vector<family> build() {
  std::vector<family> v;
  v.push_back({probe_family::starttls, true, true, false, nullptr, {""},
               [](const options& o, const port_spec& p, const std::string&) { return probe_main(o, p); }, {}, {}});
  v.push_back({probe_family::tls, true, false, true, nullptr, {""},
               [](const options& o, const port_spec& p, const std::string&) { return probe_main(o, p); }, {}, {}});
  v.push_back({probe_family::plaintext_login, false, true, false,
               [](const port_spec&, const probe_facts& m) { return greeted(m); }, {""},
               [](const options& o, const port_spec& p, const std::string&) { return probe_plaintext_login(o, p); },
               {},
               {"audit/plaintext-login/smtp", "audit/plaintext-login/imap", "audit/plaintext-login/pop3",
                "tls/starttls/required-before-auth"}});
  v.push_back({probe_family::injection, false, true, false,
               [](const port_spec&, const probe_facts& m) { return greeted(m) && m.starttls && m.starttls->ok(); },
               {""}, [](const options& o, const port_spec& p, const std::string&) { return probe_injection(o, p); },
               {"tls/starttls/pre-tls-input", "smtp/rfc3207/4.2/discard-pre-tls-input", "smtp/rfc3207/4/starttls-reply",
                "pop3/rfc2595/4/stls-response"},
               {"audit/starttls-injection/smtp", "audit/starttls-injection/imap", "audit/starttls-injection/pop3",
                "tls/starttls/pre-tls-input", "smtp/rfc3207/4.2/discard-pre-tls-input"}});
  v.push_back({probe_family::tls_versions, false, true, true, tls_reachable, {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"},
               [](const options& o, const port_spec& p, const std::string& v) { return probe_version(o, p, v); },
               {"tls/version/rfc8996-floor"},
               {"tls/version/rfc8996-floor", "tls/version/modern-supported", "audit/tls/versions"}});
  v.push_back({probe_family::tls_ciphers, false, true, true, tls_reachable, {""},
               [](const options& o, const port_spec& p, const std::string&) { return probe_weak_ciphers(o, p); },
               {"tls/cipher/null", "tls/cipher/export", "tls/cipher/rc4"},
               {"tls/cipher/null", "tls/cipher/export", "tls/cipher/rc4", "audit/tls/weak-ciphers"}});
  // Opt-in: it sends one test message per variant (to --rcpt only), so never by default.
  std::vector<std::string> variants, ids;
  for (const auto& sv : smuggling_variants()) {
    variants.emplace_back(sv.name);
    ids.push_back(smuggling_rule_id(sv));
  }
  v.push_back({probe_family::smtp_smuggling, false, true, true,
               [](const port_spec& p, const probe_facts& m) { return p.protocol == protocol_kind::smtp && greeted(m); }, variants,
               [](const options& o, const port_spec& p, const std::string& v) { return probe_smuggling(o, p, v); },
               {"smtp/rfc5321/4.2/reply-code-syntax"}, ids,
               [](const options& o) { return !o.smuggling_rcpt.empty(); }});
  return v;
}

}  // namespace

const std::vector<family>& families() {
  static const std::vector<family> rows = build();
  return rows;
}

const family& family_of(probe_family id) {
  for (const auto& f : families())
    if (f.id == id) return f;
  throw std::logic_error("no row for probe family " + std::string(to_string(id)));
}

probe_family main_family(const port_spec& p) {
  return p.tls == tls_mode::implicit ? probe_family::tls : probe_family::starttls;
}

bool family_selected(const family& f, const std::vector<std::string>& only) {
  if (f.main || only.empty()) return true;
  for (const auto& id : f.rules)
    if (rules::selected(id, only)) return true;
  return false;
}

}  // namespace mailspec::audit::detail
