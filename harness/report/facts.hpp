// The one place typed facts become text (docs/architecture.md): a case's probe and
// settings facts flattened into report.json's "extra" object (string -> string, keys such as
// "banner", "starttls.result", "published.socket_type"), and read back for `merge`. Server
// bytes are shown visibly (core visible()); lists are one item per line.
#pragma once
#include <map>
#include <string>

#include "core/case_result.hpp"

namespace mailspec::report {

std::map<std::string, std::string> flatten_facts(const case_result& c);
// Inverse of flatten_facts for what it wrote (unknown keys are ignored).
void unflatten_facts(const std::map<std::string, std::string>& extra, case_result& c);

}  // namespace mailspec::report
