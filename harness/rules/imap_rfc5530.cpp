// RFC 5530 (IMAP response codes) on failed authentication.
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

void auth_failure_code(context& c) {
  static const std::vector<std::string> codes = {"AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED",
                                                 "PRIVACYREQUIRED", "CONTACTADMIN", "UNAVAILABLE", "LIMIT",
                                                 "INUSE", "SERVERBUG", "ALERT"};
  for (const auto& ex : c.rec.exchanges) {
    if (ex.verb != "LOGIN" && ex.verb != "AUTHENTICATE") continue;
    for (const auto& r : ex.imap) {
      if (r.kind != protocol::imap_kind::tagged || r.tag != ex.tag || r.status != "NO") continue;
      if (has_word(codes, r.code_name())) c.held(&ex, r.raw);
      else c.broken(&ex, "a response code such as [AUTHENTICATIONFAILED] or [PRIVACYREQUIRED]", r.raw);
    }
  }
}

void privacyrequired_plain_only(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& r : ex.imap) {
      if (r.code_name() != "PRIVACYREQUIRED") continue;
      if (ex.chan == channel::plain) c.held(&ex);
      else c.broken(&ex, "PRIVACYREQUIRED only when the channel lacks privacy", r.raw);
    }
  }
}

}  // namespace

void add_imap_rfc5530(std::vector<rule>& v) {
  v.push_back(row("imap/rfc5530/3/auth-failure-code", "imap", "RFC 5530 §3", level::info,
                  "Summary: AUTHENTICATIONFAILED: Authentication failed for some reason on which the server is unwilling "
                  "to elaborate. ... PRIVACYREQUIRED: The operation is not permitted due to a lack of privacy. "
                  "(Observation: whether a refused login says why.)",
                  auth_failure_code));
  v.push_back(row("imap/rfc5530/3/privacyrequired-plaintext", "imap", "RFC 5530 §3", level::should,
                  "Summary: PRIVACYREQUIRED: The operation is not permitted due to a lack of privacy. If Transport Layer "
                  "Security (TLS) is not in use, the client could try STARTTLS (see Section 6.2.1 of [RFC3501]) and "
                  "then repeat the operation.",
                  privacyrequired_plain_only));
}

}  // namespace mailspec::rules::detail
