// RFC 5802 (SCRAM): what the client checks about the server's side of a SCRAM exchange. The
// session's SASL client verifies (it alone has the password); these rows report what it found
// (session::record::sasl), for every protocol.
#include "rules/detail.hpp"

namespace mailspec::rules::detail {

// One finding per recorded SASL check with this id: held when it passed, broken when not.
void sasl_checks(context& c, std::string_view check_id) {
  for (const auto& s : c.rec.sasl) {
    const exchange* ex = s.exchange < c.rec.exchanges.size() ? &c.rec.exchanges[s.exchange] : nullptr;
    for (const auto& k : s.checks) {
      if (k.id != check_id) continue;
      if (k.ok) c.held(ex, k.actual);
      else c.broken(ex, k.expected, k.actual, s.mechanism + ": " + k.id);
    }
  }
}

void add_sasl_rfc5802(std::vector<rule>& v) {
  v.push_back(row("sasl/rfc5802/7/server-first-syntax", "sasl", "RFC 5802 §7", level::must,
                  "Summary: server-first-message = [reserved-mext \",\"] nonce \",\" salt \",\" iteration-count "
                  "[\",\" extensions] (nonce = \"r=\" c-nonce [s-nonce]; salt = \"s=\" base64; iteration-count = "
                  "\"i=\" posit-number)",
                  [](context& c) { sasl_checks(c, "scram-server-first"); }));
  v.push_back(row("sasl/rfc5802/5.1/server-nonce", "sasl", "RFC 5802 §5.1", level::must,
                  "Summary: The client supplies an initial value in its first message, and the server augments that value "
                  "with its own nonce in its first response. [...] The client MUST verify that the initial part of "
                  "the nonce used in subsequent messages is the same as the nonce it initially specified.",
                  [](context& c) { sasl_checks(c, "scram-nonce"); }, severity::high));
  v.push_back(row("sasl/rfc5802/3/server-signature", "sasl", "RFC 5802 §5", level::must,
                  "Summary: The client then authenticates the server by computing the ServerSignature and comparing it to "
                  "the value sent by the server. If the two are different, the client MUST consider the "
                  "authentication exchange to be unsuccessful.",
                  [](context& c) { sasl_checks(c, "scram-server-signature"); }, severity::high));
}

}  // namespace mailspec::rules::detail
