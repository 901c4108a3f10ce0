// Shared by the protocol framer tests: feed the same input whole, split at every byte position,
// and one byte at a time, and require the same responses every time (curl issue #12063).
#pragma once
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/defect.hpp"

namespace mailspec::protocol::test {

inline std::string dump_defects(const std::vector<defect>& ds) {
  std::string out;
  for (const auto& d : ds) out += std::string(to_string(d.kind)) + "@" + std::to_string(d.line) + ":" + d.detail + ";";
  return out;
}

// Feeds `chunks` to a fresh framer (after `prep`), drains next() after every feed, then finish().
// `dump` turns one response into a string holding every field.
template <class Framer, class Dump>
std::vector<std::string> run_chunks(const std::vector<std::string_view>& chunks, Dump dump,
                                    const std::function<void(Framer&)>& prep, limits lim, bool finish) {
  Framer f(lim);
  if (prep) prep(f);
  std::vector<std::string> out;
  for (auto c : chunks) {
    f.feed(c);
    while (auto r = f.next()) out.push_back(dump(*r));
  }
  if (finish) {
    while (auto r = f.finish()) out.push_back(dump(*r));
  }
  out.push_back(f.over_limit() ? "over_limit" : "within_limits");
  return out;
}

// Returns the responses of the whole input after checking that every split gives the same.
template <class Framer, class Dump>
std::vector<std::string> frame_every_split(std::string_view input, Dump dump,
                                           std::function<void(Framer&)> prep = {}, limits lim = {},
                                           bool finish = false) {
  const auto whole = run_chunks<Framer>({input}, dump, prep, lim, finish);
  for (std::size_t k = 0; k <= input.size(); ++k) {
    const auto split = run_chunks<Framer>({input.substr(0, k), input.substr(k)}, dump, prep, lim, finish);
    INFO("split at byte " << k);
    REQUIRE(split == whole);
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  const auto single = run_chunks<Framer>(bytes, dump, prep, lim, finish);
  INFO("one byte at a time");
  REQUIRE(single == whole);
  return whole;
}

// Feeds `input` in one piece and returns the responses (after the split check) as objects.
template <class Framer, class Response, class Dump>
std::vector<Response> frame(std::string_view input, Dump dump, std::function<void(Framer&)> prep = {},
                            limits lim = {}, bool finish = false) {
  frame_every_split<Framer>(input, dump, prep, lim, finish);
  Framer f(lim);
  if (prep) prep(f);
  f.feed(input);
  std::vector<Response> out;
  while (auto r = f.next()) out.push_back(std::move(*r));
  if (finish) {
    while (auto r = f.finish()) out.push_back(std::move(*r));
  }
  return out;
}

inline bool has_defect(const std::vector<defect>& ds, defect_kind k) {
  for (const auto& d : ds)
    if (d.kind == k) return true;
  return false;
}

}  // namespace mailspec::protocol::test
