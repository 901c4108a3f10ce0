// libFuzzer target: the scenario loader on arbitrary bytes (positions, depth limit, every check).
// Build and run by hand (from the repository root):
//   clang++-14 -std=c++20 -O1 -g -Iharness -fsanitize=fuzzer,address,undefined \
//     tests/fuzz/fuzz_scenario.cpp harness/scenario/*.cpp harness/protocol/imap*.cpp harness/protocol/defect.cpp \
//     harness/protocol/line_reader.cpp harness/core/secret.cpp -lboost_regex -o fuzz_scenario
//   ./fuzz_scenario -max_total_time=20 NEW_CORPUS tests/fuzz/corpus/scenario
#include <cstddef>
#include <cstdint>
#include <string>

#include "scenario/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mailspec::scenario::load_options opt = [] {
    mailspec::scenario::load_options o;
    o.getenv = [](const std::string& name) -> std::optional<std::string> {
      if (name.size() % 2 == 0) return std::string("value-of-") + name;
      return std::nullopt;
    };
    return o;
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  auto r = mailspec::scenario::load_text("fuzz.json", text, opt);
  for (const auto& e : r.errors) {
    if (e.format().empty()) __builtin_trap();
  }
  for (const auto& s : r.scenarios) (void)mailspec::scenario::resolve_vars(s, opt);
  return 0;
}
