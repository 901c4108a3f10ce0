// Internal helpers of the settings/ and policy/ rule files.
#pragma once
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "rules/rules.hpp"

namespace mailspec::discovery::detail {

// The settings facts of the case when it has this role, else nullptr.
const settings_facts* facts(const rules::context& c, settings_role role);

// SASL mechanisms (and "LOGIN command" / "USER/PASS") a capability list offers.
std::set<std::string> offered_mechanisms(std::string_view protocol, const std::vector<std::string>& caps);
// The mechanisms that implement a published <authentication> value ({} = nothing to check).
std::vector<std::string> mechanisms_for(std::string_view method, std::string_view protocol);

void add_settings_rules(std::vector<rules::rule>& v);
void add_policy_rules(std::vector<rules::rule>& v);
void add_dane_rules(std::vector<rules::rule>& v);
void add_source_rules(std::vector<rules::rule>& v);

// A server entry that nobody published: a host name guessed as auto-detecting clients do.
inline bool is_guessed(const published_entry& p) { return p.source.rfind("guessed (", 0) == 0; }

}  // namespace mailspec::discovery::detail
