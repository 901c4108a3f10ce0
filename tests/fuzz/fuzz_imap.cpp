// libFuzzer target for the IMAP response framer. Build (links against mailspec_protocol, or its sources):
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I harness \
//     tests/fuzz/fuzz_imap.cpp harness/protocol/*.cpp -lcrypto -o fuzz_imap
//   ./fuzz_imap tests/fuzz/corpus/imap -max_total_time=20
// Input: byte 0 picks the limits, bytes 1-2 the split point; the rest is the server's byte
// stream. Framed whole and split in two, both must agree; stored fields stay within bounds,
// and the helpers (capabilities, FETCH UID) run on every response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/imap.hpp"
#include "protocol/imap_data.hpp"

using namespace mailspec::protocol;

namespace {

void check(bool ok) {
  if (!ok) abort();
}

std::string dump(const imap_response& r) {
  std::string out = std::to_string(static_cast<int>(r.kind)) + r.tag + "|" + r.status + "|" +
                    (r.number ? std::to_string(*r.number) : "-") + r.keyword + "|" + r.code + "|" + r.text + "|" +
                    r.raw + std::to_string(r.raw_elided) + "|" + std::to_string(r.literal_bytes_skipped) +
                    (r.complete ? "c" : "i");
  for (const auto& l : r.literals) out += "{" + l + "}";
  for (const auto& l : r.lines) out += "[" + l + "]";
  for (const auto& d : r.defects) out += std::string(to_string(d.kind)) + std::to_string(d.line) + d.detail;
  return out;
}

void check_bounds(const imap_response& r, const limits& lim) {
  check(r.raw.size() <= lim.max_raw);
  check(r.lines.size() <= lim.max_lines_per_response);
  check(r.literals.size() <= lim.max_lines_per_response);
  check(r.defects.size() <= lim.max_defects + 11);
  std::size_t stored = 0;
  for (const auto& l : r.lines) {
    check(l.size() <= lim.max_line);
    stored += l.size();
  }
  for (const auto& l : r.literals) {
    check(l.size() <= lim.max_literal);
    stored += l.size();
  }
  check(stored <= lim.max_response_bytes);
  if (!r.literals.empty()) check(r.kind == imap_kind::untagged && r.status.empty());
  (void)imap_capabilities(r);
  (void)imap_fetch_uid(r);
  (void)r.code_name();
  // The data parser (structured matchers): bounded depth, an error for malformed data, never a crash;
  // what it parsed prints back.
  auto d = parse_imap_data(r);
  for (const auto& v : d.items) (void)v.to_imap();
}

std::vector<std::string> run(const limits& lim, std::string_view a, std::string_view b) {
  imap_framer f(lim);
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
  if (size < 3) return 0;
  limits lim;
  if (data[0] & 1) {
    lim.max_line = 1 + (data[0] >> 1) % 40;
    lim.max_lines_per_response = 1 + data[0] % 5;
    lim.max_defects = 1 + data[0] % 4;
    lim.max_raw = 1 + data[0] % 64;
    lim.max_literal = data[0] % 32;
    lim.max_response_bytes = 1 + data[0] % 96;
  }
  const std::string_view in(reinterpret_cast<const char*>(data + 3), size - 3);
  const std::size_t k = in.empty() ? 0 : (data[1] << 8 | data[2]) % (in.size() + 1);
  const auto whole = run(lim, in, {});
  const auto split = run(lim, in.substr(0, k), in.substr(k));
  check(whole == split);
  const std::string q = imap_quote(in.substr(0, 64));
  check(!q.empty());
  return 0;
}
