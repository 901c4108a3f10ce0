// Internal: SMTP smuggling (SEC Consult 2023; CVE-2023-51764, -51765, -51766), the audit's opt-in
// probe family "smtp-smuggling" (docs/architecture.md, "The audit and its probe families"). One
// connection per variant sends one test message to the configured recipient whose body holds the
// variant's bytes; the rules below judge what the server made of them.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "rules/rules.hpp"

namespace mailspec::audit::detail {

struct smuggling_variant {
  std::string_view name;   // "lf-dot-lf": the variant argument, the facts key, the rule id's last part
  std::string_view label;  // "<LF>.<LF>", as RFC 5321 and the advisories write it
  std::string_view bytes;  // what goes on the wire inside the message
  // An end-of-data look-alike, followed in the body by a NOOP command line: a server that ends
  // DATA there answers the NOOP. Otherwise a bare CR or LF inside a line of the message.
  bool end_of_data = true;
};

// <LF>.<LF>, <CR>.<CR>, <LF>.<CR><LF>, <CR><LF>.<LF>, then bare LF and bare CR, in report order.
const std::vector<smuggling_variant>& smuggling_variants();
const smuggling_variant* find_smuggling_variant(std::string_view name);
std::string smuggling_rule_id(const smuggling_variant& v);  // "audit/smtp-smuggling/lf-dot-lf"

// The test message's DATA bytes for a variant, ended with <CRLF>.<CRLF>; headers name the
// probe, the variant and the recipient.
std::string smuggling_message(const smuggling_variant& v, const std::string& from, const std::string& rcpt);

// The rows of audit::catalogue() for the family: one per variant.
void add_smuggling_rules(rules::table& v);

}  // namespace mailspec::audit::detail
