// libFuzzer target for the SMTP reply framer. Build (links against mailspec_protocol, or its sources):
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I harness \
//     tests/fuzz/fuzz_smtp.cpp harness/protocol/*.cpp -lcrypto -o fuzz_smtp
//   ./fuzz_smtp tests/fuzz/corpus/smtp -max_total_time=20
// Input: byte 0 picks the limits (small ones exercise the bounds), bytes 1-2 the split point,
// the rest is the server's byte stream. The stream is framed whole and split in two; both must
// give the same replies, and every stored field must stay within its bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/smtp.hpp"

using namespace mailspec::protocol;

namespace {

void check(bool ok) {
  if (!ok) abort();
}

std::string dump(const smtp_reply& r) {
  std::string out = std::to_string(r.code) + "|" + r.enhanced + (r.complete ? "c" : "i") + std::to_string(r.lines_elided);
  for (const auto& l : r.lines) out += "[" + l.raw + "/" + std::to_string(l.code) + l.sep + l.text + "]";
  for (const auto& d : r.defects) out += std::string(to_string(d.kind)) + std::to_string(d.line) + d.detail;
  return out;
}

void check_bounds(const smtp_reply& r, const limits& lim) {
  check(r.lines.size() <= lim.max_lines_per_response + 1);
  check(r.defects.size() <= lim.max_defects + 11);
  for (const auto& l : r.lines) {
    check(l.raw.size() <= lim.max_line + 2);
    check(l.code == -1 || (l.code >= 200 && l.code <= 599));
    check(l.sep == 0 || l.sep == '-' || l.sep == ' ');
  }
  if (r.complete) check(!r.lines.empty());
}

std::vector<std::string> run(const limits& lim, std::string_view a, std::string_view b) {
  smtp_framer f(lim);
  std::vector<std::string> out;
  for (auto part : {a, b}) {
    f.feed(part);
    while (auto r = f.next()) {
      check_bounds(*r, lim);
      out.push_back(dump(*r));
    }
    check(f.pending().size() <= (lim.max_line + 2) * (lim.max_lines_per_response + 2));
  }
  while (auto r = f.finish()) {
    check_bounds(*r, lim);
    check(!r->complete);
    out.push_back(dump(*r));
  }
  check(f.pending().empty());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  limits lim;
  if (data[0] & 1) {
    lim.max_line = 1 + (data[0] >> 1) % 40;
    lim.max_lines_per_response = 1 + data[0] % 5;
    lim.max_defects = 1 + data[0] % 4;
  }
  const std::string_view in(reinterpret_cast<const char*>(data + 3), size - 3);
  const std::size_t k = in.empty() ? 0 : (data[1] << 8 | data[2]) % (in.size() + 1);
  const auto whole = run(lim, in, {});
  const auto split = run(lim, in.substr(0, k), in.substr(k));
  check(whole == split);
  return 0;
}
