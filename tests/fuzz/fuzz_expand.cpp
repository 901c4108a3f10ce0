// libFuzzer target: template expansion and the load-time template check with a fixed context.
// Build and run by hand (from the repository root):
//   clang++-14 -std=c++20 -O1 -g -Iharness -fsanitize=fuzzer,address,undefined \
//     tests/fuzz/fuzz_expand.cpp harness/scenario/expand.cpp harness/core/secret.cpp -o fuzz_expand
//   ./fuzz_expand -max_total_time=20 NEW_CORPUS tests/fuzz/corpus/expand
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "scenario/expand.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mailspec::scenario;
  static const std::map<std::string, std::string> vars = {
      {"user", "alice"}, {"pass", "p\"a\\ss\r\n"}, {"empty", ""}, {"bin", std::string("a\0b", 3)}};
  static const std::map<std::string, bool> secret = {{"pass", true}, {"bin", true}};
  static const std::map<std::string, std::string> caps = {{"uid", "42"}};
  static const std::vector<std::string> known = {"user", "pass", "empty", "bin"};
  expand_context ctx;
  ctx.vars = &vars;
  ctx.secret_vars = &secret;
  ctx.captures = &caps;
  ctx.tag = "A001";
  ctx.target_host = "127.0.0.1";
  ctx.target_helo = "mailspec.test";
  ctx.run_id = "fuzz";
  ctx.scratch_mailbox = "INBOX.mailspec-fuzz";  // the loader allows ${scratch.mailbox} only with fixtures
  std::string_view templ(reinterpret_cast<const char*>(data), size);
  bool static_ok = check_template(templ, known).empty();
  try {
    auto e = expand(templ, ctx);
    if (e.has_secret != !e.secret_names.empty()) __builtin_trap();
    if (e.has_secret && e.secret_values.empty()) __builtin_trap();
  } catch (const std::invalid_argument&) {
    // A template that passed the load-time check can only fail on an unset capture, or on |min /
    // |max over words that are not numbers (a value known at run time only).
    const bool may_fail = templ.find("${cap.") != std::string_view::npos || templ.find("|min") != std::string_view::npos ||
                          templ.find("|max") != std::string_view::npos;
    if (static_ok && !may_fail) __builtin_trap();
  }
  return 0;
}
