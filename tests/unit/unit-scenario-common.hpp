// Shared by the unit-scenario*.cpp tests.
#pragma once
#include <optional>
#include <string>

#include "scenario/loader.hpp"

namespace scenario_test {

// Load options with an empty environment: every ${env:NAME} is unset.
inline mailspec::scenario::load_options no_env() {
  mailspec::scenario::load_options o;
  o.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return o;
}

}  // namespace scenario_test
