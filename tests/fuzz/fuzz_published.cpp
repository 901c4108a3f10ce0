// libFuzzer target for what a domain publishes and the network hands us verbatim: the autoconfig
// XML (pugixml underneath), the MTA-STS policy body and TXT records, TLS-RPT records and MX
// pattern matching. Built from harness/discovery/{autoconfig,policy}.cpp only, so it needs no
// Asio. Input: byte 0 picks the parser, the rest is the document.
// Properties: no crash or sanitizer report; every field stays within the input's size; the
// parsers are deterministic; a pattern always matches a name it is equal to.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "discovery/autoconfig.hpp"
#include "discovery/policy.hpp"

using namespace mailspec::discovery;

namespace {

void check(bool ok) {
  if (!ok) abort();
}

void fuzz_autoconfig(std::string_view doc) {
  email_address who{"alice@example.net", "alice", "example.net"};
  auto a = parse_autoconfig(doc, who, "fuzz");
  auto b = parse_autoconfig(doc, who, "fuzz");
  check(a.ok == b.ok && a.error == b.error && a.servers.size() == b.servers.size());
  if (!a.ok) return;
  // Placeholders expand to at most the address per occurrence: bound the growth.
  const std::size_t bound = doc.size() * (who.address.size() + 1) + 64;
  for (const auto& s : a.servers) {
    check(s.hostname.size() <= bound && s.username.size() <= bound);
    check(s.port >= 0 && s.port <= 65535);
    check(s.type == "imap" || s.type == "pop3" || s.type == "smtp");
  }
}

void fuzz_policy(std::string_view doc) {
  auto p = parse_sts_policy(doc);
  auto q = parse_sts_policy(doc);
  check(p.mode == q.mode && p.mx == q.mx && p.errors == q.errors);
  for (const auto& m : p.mx) {
    check(m.size() <= doc.size());
    (void)mx_pattern_matches(m, "mx.example.net");
  }
  (void)unmatched_mx(p.mx, {"mx.example.net", "MX2.example.net."});
  if (p.max_age) check(p.max_age_text.size() <= doc.size());
}

void fuzz_records(std::string_view doc) {
  auto s = parse_sts_record(doc);
  check(s.id.size() <= doc.size());
  auto t = parse_tlsrpt_record(doc);
  for (const auto& u : t.rua) check(u.size() <= doc.size());
  (void)is_text_plain(doc);
  // A name is matched by itself as a pattern (case-insensitive, no wildcard involved).
  if (!doc.empty() && doc.front() != '*' && doc.find('.') != std::string_view::npos) {
    std::string upper(doc);
    for (auto& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    (void)mx_pattern_matches(doc, upper);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_autoconfig(doc); break;
    case 1: fuzz_policy(doc); break;
    default: fuzz_records(doc); break;
  }
  return 0;
}
