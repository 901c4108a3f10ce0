// Internal helpers of the settings/ and policy/ rule files.
#pragma once
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rules.hpp"

namespace mailspec::discovery::detail {

const std::string* get(const rules::context& c, const char* key);
std::string get_or(const rules::context& c, const char* key);
bool role_is(const rules::context& c, std::string_view role);
std::vector<std::string> split(std::string_view s, std::string_view sep);
std::string join(const std::vector<std::string>& v, std::string_view sep);

// SASL mechanisms (and "LOGIN command" / "USER/PASS") a capability list offers.
std::set<std::string> offered_mechanisms(std::string_view protocol, const std::vector<std::string>& caps);
// The mechanisms that implement a published <authentication> value ({} = nothing to check).
std::vector<std::string> mechanisms_for(std::string_view method, std::string_view protocol);

rules::rule row(std::string id, std::string protocol, std::string spec, level lvl, std::string requirement,
                std::function<void(rules::context&)> check, severity sev = severity::none);

void add_settings_rules(std::vector<rules::rule>& v);
void add_policy_rules(std::vector<rules::rule>& v);

}  // namespace mailspec::discovery::detail
