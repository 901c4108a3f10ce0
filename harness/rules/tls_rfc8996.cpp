// TLS protocol versions: RFC 8996 (no TLS 1.0/1.1), RFC 8997 (mail), TLS 1.3 preference (RFC 9325).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

template <class F>
void each_handshake(const record& rec, F f) {
  for (const auto& t : rec.result.tls)
    if (t.handshake_ok) f(t);
}

void version_floor(context& c) {
  each_handshake(c.rec, [&](const tls_facts& t) {
    if (t.version == "SSLv2" || t.version == "SSLv3" || t.version == "TLSv1" || t.version == "TLSv1.0" ||
        t.version == "TLSv1.1")
      c.broken_case("TLSv1.2 or TLSv1.3", t.version + " " + t.cipher, t.version + " was negotiated (" + t.mode + ")");
    else c.held_case(t.version);
  });
}

void version_tls13(context& c) {
  each_handshake(c.rec, [&](const tls_facts& t) {
    if (t.version == "TLSv1.3") c.held_case(t.version);
    else c.broken_case("TLSv1.3", t.version);
  });
}

}  // namespace

void add_tls_rfc8996(std::vector<rule>& v) {
  v.push_back(row("tls/version/rfc8996-floor", "tls", "RFC 8996 §4, §5; RFC 8997", level::must,
                  "Summary: TLS 1.0 MUST NOT be used. Negotiation of TLS 1.0 from any version of TLS MUST NOT be permitted. "
                  "(§4) ... TLS 1.1 MUST NOT be used. Negotiation of TLS 1.1 from any version of TLS MUST NOT be "
                  "permitted. (§5; RFC 8997 carries this into the mail documents)",
                  version_floor, severity::high));
  v.push_back(row("tls/version/tls13", "tls", "RFC 9325 §3.1.1", level::info,
                  "Summary: Implementations SHOULD support TLS 1.3 and, if implemented, MUST prefer to negotiate TLS 1.3 "
                  "over earlier versions of TLS. (Observation: the version negotiated.)",
                  version_tls13));
}

}  // namespace mailspec::rules::detail
