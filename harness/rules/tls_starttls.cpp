// STARTTLS across protocols: offered, works, and no plaintext answered before the handshake.
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

bool positive_starttls(const exchange& ex) {
  if (ex.verb == "STARTTLS" && !ex.smtp.empty()) return ex.smtp.front().code == 220;
  if (ex.verb == "STLS" && !ex.pop3.empty()) return ex.pop3.front().status == protocol::pop3_status::ok;
  if (ex.verb == "STARTTLS")
    for (const auto& r : ex.imap)
      if (r.kind == protocol::imap_kind::tagged && r.tag == ex.tag) return r.status == "OK";
  return false;
}

void starttls_works(context& c) {
  bool accepted = false;
  const exchange* last = nullptr;
  for (const auto& ex : c.rec.exchanges)
    if (positive_starttls(ex)) {
      accepted = true;
      last = &ex;
    }
  if (!accepted) return;
  for (const auto& t : c.rec.result.tls) {
    if (t.mode != "starttls") continue;
    if (t.handshake_ok) c.held(last, t.version);
    else c.broken(last, "a TLS handshake after the positive STARTTLS reply", t.handshake_error, "handshake failed");
  }
}

// STARTTLS / STLS in a capability list read before TLS; nullopt when the exchange has none.
std::optional<bool> offers_tls(const exchange& ex) {
  if (is_ehlo(ex) && !ex.smtp.empty() && ex.smtp.front().code == 250)
    return has_word(protocol::smtp_ehlo_keywords(ex.smtp.front()), "STARTTLS");
  if (auto caps = pop3_capa(ex)) return has_word(*caps, "STLS");
  auto caps = imap_caps_in(ex);
  if (!caps.empty()) return has_word(caps, "STARTTLS");
  return std::nullopt;
}

// The public MX role (port 25; the audit's "smtp" service, a scenario written for port 25): RFC
// 8314 covers submission and access only (§1), and RFC 3207 leaves STARTTLS optional for relay.
bool mx_role(const record& rec) {
  return rec.result.protocol == "smtp" && rec.result.target.service == "smtp";
}

void starttls_offered(context& c) {
  if (c.rec.result.target.tls_mode == "implicit") return;
  const bool mx = mx_role(c.rec);
  for (const auto& ex : c.rec.exchanges) {
    if (ex.chan != channel::plain) continue;
    auto o = offers_tls(ex);
    if (!o) continue;
    const std::string sent = ex.command.empty() ? "(greeting)" : ex.command;
    if (*o) c.held(&ex);
    else if (mx)
      c.emit(&ex, verdict::info, "STARTTLS (STLS) offered on the cleartext port", sent,
             "public MX port: STARTTLS is optional for relay (RFC 3207 §4; RFC 8314 §1 covers submission and "
             "access only): reported, not warned");
    else c.broken(&ex, "STARTTLS (STLS) offered on the cleartext port", sent,
                  "the server offers no way to upgrade this connection to TLS");
  }
}

void pre_tls_input(context& c) {
  if (c.rec.result.protocol == "smtp") return;  // smtp/rfc3207/4.2/discard-pre-tls-input judges SMTP
  bool upgraded = false;
  for (const auto& t : c.rec.result.tls) {
    if (t.mode != "starttls") continue;
    upgraded = upgraded || t.handshake_ok;
    if (t.plaintext_bytes_before_handshake > 0)
      return c.broken_case("no server bytes between the STARTTLS reply and the TLS handshake",
                           t.plaintext_before_handshake,
                           std::to_string(t.plaintext_bytes_before_handshake) +
                               " plaintext bytes arrived before the handshake (answers to injected commands)");
  }
  if (upgraded) c.held_case();
}

}  // namespace

void add_tls_starttls(std::vector<rule>& v) {
  v.push_back(row("tls/starttls/works", "tls", "RFC 3207 §4; RFC 2595 §3.1, §4; RFC 9051 §6.2.1", level::must,
                  "Summary: After receiving a 220 response to a STARTTLS command, the client MUST start the TLS negotiation "
                  "before giving any other SMTP commands. (RFC 3207 §4) ... A TLS negotiation begins immediately "
                  "after the CRLF at the end of the tagged OK response from the server. (RFC 2595 §3.1; the +OK "
                  "response for STLS, §4) (The server must then complete the handshake.)",
                  starttls_works, severity::medium));
  v.push_back(row("tls/starttls/offered", "tls", "RFC 8314 §3, §4.1; RFC 3207; RFC 2595", level::should,
                  "Summary: RFC 8314 calls for TLS on mail submission and access; a cleartext port that does not "
                  "offer STARTTLS (STLS) leaves clients no way to protect credentials and mail.",
                  starttls_offered, severity::medium));
  v.push_back(row("tls/starttls/pre-tls-input", "tls", "RFC 9051 §6.2.1; RFC 3207 §6; RFC 2595 §3.1, §4", level::must,
                  "Summary: ... server implementations MUST do one of the following if any data is received in the same TCP "
                  "buffer after the CRLF that starts the STARTTLS command: Extra data from the TCP buffer is "
                  "interpreted as the beginning of the TLS handshake. ... Extra data from the TCP buffer is thrown "
                  "away. (RFC 9051 §6.2.1) ... clients and servers MUST discard any knowledge obtained prior to the "
                  "start of the TLS handshake upon completion of the TLS handshake. (RFC 3207 §6; mailspec holds "
                  "POP3 STLS to the same)",
                  pre_tls_input, severity::high));
}

}  // namespace mailspec::rules::detail
