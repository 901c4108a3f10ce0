// RFC 8314: implicit TLS for submission and mail access (an observation on one record; the
// audit judges it across ports).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

void implicit_tls(context& c) {
  const auto& target = c.rec.result.target;
  if (target.tls_mode.empty() || c.rec.exchanges.empty()) return;
  if (target.tls_mode == "implicit") {
    for (const auto& t : c.rec.result.tls)
      if (t.mode == "implicit" && t.handshake_ok) return c.held_case("implicit TLS on port " + std::to_string(target.port));
    return;
  }
  if (target.port == 25) return;  // MTA-to-MTA relay: RFC 8314 does not apply
  c.broken_case("implicit TLS (ports 465, 993, 995)", "connection mode " + target.tls_mode + " on port " +
                                                            std::to_string(target.port));
}

}  // namespace

void add_tls_rfc8314(std::vector<rule>& v) {
  v.push_back(row("tls/rfc8314/implicit-tls", "tls", "RFC 8314 §3.3, §3", level::info,
                  "Summary: RFC 8314 §3 recommends Implicit TLS (a TLS handshake right after the TCP connection) "
                  "for mail submission and access. (Observation on one connection: whether it used implicit TLS.)",
                  implicit_tls));
}

}  // namespace mailspec::rules::detail
