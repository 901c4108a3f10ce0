// libFuzzer target for the SASL clients' handling of server challenges (hostile servers).
// Input: byte 0 picks the mechanism; the rest is up to eight challenges separated by '\n', each
// given both decoded and as raw text. The client nonce is fixed ("fuzznonce") so inputs can
// reach SCRAM's later states. Nothing may crash; an abort carries no data; a SCRAM client that
// accepts a success must have verified the server signature.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "protocol/sasl_client.hpp"

using namespace mailspec::protocol::sasl;

namespace {

void require(bool ok) {
  if (!ok) abort();
}

// PBKDF2 cost grows with the iteration count: inputs asking for many are skipped, not run slowly.
bool cheap(std::string_view in) {
  for (std::size_t i = in.find("i="); i != std::string_view::npos; i = in.find("i=", i + 2)) {
    std::size_t digits = 0;
    while (i + 2 + digits < in.size() && in[i + 2 + digits] >= '0' && in[i + 2 + digits] <= '9') ++digits;
    if (digits > 4) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& names = supported_mechanisms();
  const std::string mech = names[data[0] % names.size()];
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!cheap(in)) return 0;
  credentials c;
  c.user = "user";
  c.pass = "pencil";
  c.token = "token";
  c.host = "mail.example";
  c.port = 993;
  auto client = make_client(mech, c, [] { return std::string("fuzznonce"); });
  client->initial_response();
  std::size_t pos = 0;
  for (int round = 0; round < 8 && pos <= in.size(); ++round) {
    auto nl = in.find('\n', pos);
    std::string_view ch = in.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    auto r = client->challenge(std::string(ch), ch);
    if (r.abort) require(r.data.empty() && !r.reason.empty());
    if (r.abort || nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  const std::string verdict = client->on_success();
  if (mech.rfind("SCRAM-", 0) == 0 && verdict.empty()) {
    bool signed_ok = false;
    for (const auto& k : client->checks()) signed_ok = signed_ok || (k.id == "scram-server-signature" && k.ok);
    require(signed_ok);
  }
  return 0;
}
