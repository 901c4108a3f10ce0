// libFuzzer target for the POP3 response framer. Build (links against mailspec_protocol, or its sources):
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I harness \
//     tests/fuzz/fuzz_pop3.cpp harness/protocol/*.cpp -lcrypto -o fuzz_pop3
//   ./fuzz_pop3 tests/fuzz/corpus/pop3 -max_total_time=20
// Input: byte 0 picks the limits, bytes 1-2 the split point, byte 3 which of the first eight
// responses are announced as multi-line; the rest is the server's byte stream. Framed whole and
// split in two, both must agree, and every stored field must stay within its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/pop3.hpp"

using namespace mailspec::protocol;

namespace {

void check(bool ok) {
  if (!ok) abort();
}

std::string dump(const pop3_response& r) {
  std::string out = std::to_string(static_cast<int>(r.status)) + r.status_line + "|" + r.text + "|" + r.code +
                    (r.multiline ? "m" : "s") + (r.terminated ? "t" : "u") + std::to_string(r.body_bytes) + "|" +
                    std::to_string(r.stuffed_lines) + r.raw + std::to_string(r.raw_elided) + "|" +
                    std::to_string(r.body_lines_elided);
  for (const auto b : r.body) out += "[" + std::string(b) + "]";
  for (const auto& b : r.unstuffed_dot_lines) out += "<" + b + ">";
  for (const auto& d : r.defects) out += std::string(to_string(d.kind)) + std::to_string(d.line) + d.detail;
  return out;
}

void check_bounds(const pop3_response& r, const limits& lim) {
  check(r.raw.size() <= lim.max_raw);
  check(r.status_line.size() <= lim.max_line + 2);
  check(r.body.size() <= lim.max_lines_per_response);
  check(r.unstuffed_dot_lines.size() <= lim.max_defects);
  check(r.defects.size() <= lim.max_defects + 11);
  for (const auto b : r.body) check(b.size() <= lim.max_line);
  if (!r.multiline) check(r.body.empty());
  if (r.multiline) check(r.status == pop3_status::ok);
}

std::vector<std::string> run(const limits& lim, std::uint8_t multi, std::string_view a, std::string_view b) {
  pop3_framer f(lim);
  for (int i = 0; i < 8; ++i) f.expect_multiline((multi >> i) & 1);
  std::vector<std::string> out;
  for (auto part : {a, b}) {
    f.feed(part);
    while (auto r = f.next()) {
      check_bounds(*r, lim);
      out.push_back(dump(*r));
    }
    check(f.pending().size() <= lim.max_raw + lim.max_line + 2);
  }
  while (auto r = f.finish()) {
    check_bounds(*r, lim);
    out.push_back(dump(*r));
  }
  check(f.pending().empty());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  limits lim;
  if (data[0] & 1) {
    lim.max_line = 1 + (data[0] >> 1) % 40;
    lim.max_lines_per_response = 1 + data[0] % 5;
    lim.max_defects = 1 + data[0] % 4;
    lim.max_raw = 1 + data[0] % 64;
  }
  const std::string_view in(reinterpret_cast<const char*>(data + 4), size - 4);
  const std::size_t k = in.empty() ? 0 : (data[1] << 8 | data[2]) % (in.size() + 1);
  const auto whole = run(lim, data[3], in, {});
  const auto split = run(lim, data[3], in.substr(0, k), in.substr(k));
  check(whole == split);
  return 0;
}
