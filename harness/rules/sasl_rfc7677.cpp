// RFC 7677 (SCRAM-SHA-256): the iteration count a server announces (also applied to SCRAM-SHA-1).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {

void add_sasl_rfc7677(std::vector<rule>& v) {
  v.push_back(row("sasl/rfc7677/4/iteration-count", "sasl", "RFC 7677 §4", level::should,
                  "Summary: The recommendation of this specification is that the hash iteration-count SHOULD be at least "
                  "4096, but careful consideration ought to be given to using a significantly higher value.",
                  [](context& c) { sasl_checks(c, "scram-iterations"); }, severity::low));
}

}  // namespace mailspec::rules::detail
