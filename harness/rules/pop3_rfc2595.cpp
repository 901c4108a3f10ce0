// RFC 2595 (POP3 STLS, plaintext passwords before TLS).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::pop3_status;

void stls_response(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (upper(ex.command) != "STLS" || ex.pop3.empty()) continue;
    const auto& r = ex.pop3.front();
    if ((r.status == pop3_status::ok || r.status == pop3_status::err) && !r.multiline && ex.pop3.size() == 1)
      c.held(&ex, r.status_line);
    else c.broken(&ex, "a single-line +OK (then the TLS negotiation) or -ERR", r.raw);
  }
}

void no_stls_after_tls(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.chan != channel::tls) continue;
    auto caps = pop3_capa(ex);
    if (!caps) continue;
    bool listed = false;
    for (const auto& l : *caps) listed = listed || split_ws(l) == std::vector<std::string>{"STLS"};
    if (listed) c.broken(&ex, "no STLS capability once TLS is active", "STLS");
    else c.held(&ex);
  }
}

void plaintext_login(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.chan != channel::plain || ex.pop3.empty()) continue;
    const auto& r = ex.pop3.front();
    if (auto caps = pop3_capa(ex)) {
      bool user = false;
      for (const auto& l : *caps) {
        auto w = split_ws(l);
        user = user || (!w.empty() && w[0] == "USER");
        if (!w.empty() && w[0] == "SASL") user = user || has_word(w, "PLAIN") || has_word(w, "LOGIN");
      }
      if (user) c.broken(&ex, "no USER (or SASL PLAIN/LOGIN) capability before TLS", ex.pop3.front().raw);
      else c.held(&ex);
    } else if (ex.verb == "PASS") {
      if (r.status == pop3_status::ok) c.broken(&ex, "-ERR to PASS on an unencrypted connection", r.status_line);
      else c.held(&ex);
    }
  }
}

}  // namespace

void add_pop3_rfc2595(std::vector<rule>& v) {
  v.push_back(row("pop3/rfc2595/4/stls-response", "pop3", "RFC 2595 §4", level::must,
                  "Summary: STLS Arguments: none. Possible Responses: +OK -ERR. ... A TLS negotiation begins immediately "
                  "after the CRLF at the end of the +OK response from the server.",
                  stls_response));
  v.push_back(row("pop3/rfc2595/4/no-stls-after-tls", "pop3", "RFC 2595 §4", level::should,
                  "Summary: Once TLS has been started, the client MUST discard cached information about server capabilities "
                  "and SHOULD re-issue the CAPA command. ... The capability name \"STLS\" indicates this command is "
                  "present and permitted in the current state. ... A -ERR response MAY result if a security layer "
                  "is already active. (So a list that still offers STLS after TLS is the pre-TLS list.)",
                  no_stls_after_tls, severity::low));
  v.push_back(row("pop3/rfc2595/2.2/plaintext-login-before-tls", "pop3", "RFC 2595 §2.2, §2.3", level::should,
                  "Summary: Both clients and servers SHOULD have a privacy operational mode which refuses authentication "
                  "unless successful activation of an encryption layer (such as that provided by TLS) occurs prior "
                  "to or at the time of authentication and which will terminate the connection if that encryption "
                  "layer is deactivated. (§2.2) Clients and servers which implement STARTTLS MUST be configurable "
                  "to refuse all clear-text login commands or mechanisms (including both standards-track and "
                  "nonstandard mechanisms) unless an encryption layer of adequate strength is active. (§2.3)",
                  plaintext_login, severity::medium));
}

}  // namespace mailspec::rules::detail
