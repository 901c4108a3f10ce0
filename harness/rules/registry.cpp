// The one explicit list of rule tables (no static self-registration: the linker drops it
// from static libraries). Order here is the order of `mailspec rules` and of findings.
#include "rules/detail.hpp"

namespace mailspec::rules {

const std::vector<rule>& catalogue() {
  static const std::vector<rule> all = [] {
    std::vector<rule> v;
    detail::add_smtp_rfc5321(v);
    detail::add_smtp_rfc5321_session(v);
    detail::add_smtp_rfc3207(v);
    detail::add_smtp_rfc4954(v);
    detail::add_smtp_rfc1870(v);
    detail::add_smtp_rfc2920(v);
    detail::add_smtp_rfc6152(v);
    detail::add_smtp_rfc3463(v);
    detail::add_smtp_rfc5321_state(v);
    detail::add_pop3_rfc1939(v);
    detail::add_pop3_rfc2449(v);
    detail::add_pop3_rfc2595(v);
    detail::add_pop3_rfc1939_state(v);
    detail::add_imap_rfc9051(v);
    detail::add_imap_rfc9051_session(v);
    detail::add_imap_rfc5530(v);
    detail::add_imap_rfc9051_state(v);
    detail::add_imap_rfc7162_state(v);
    detail::add_tls_rfc8996(v);
    detail::add_tls_cipher(v);
    detail::add_tls_cert(v);
    detail::add_tls_starttls(v);
    detail::add_tls_rfc8314(v);
    detail::add_sasl_rfc5802(v);
    detail::add_sasl_rfc7677(v);
    return v;
  }();
  return all;
}

}  // namespace mailspec::rules
