// The fake server's SCRAM arithmetic, written directly on libcrypto (independent of mailspec's
// own protocol/sasl code, so the two check each other).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailspec::fake {

std::string b64(std::string_view bytes);
std::optional<std::string> unb64(std::string_view text);

struct scram_server_keys {
  std::string client_proof;      // what a client with the right password sends (raw)
  std::string server_signature;  // raw
};
// hash: "SHA-1" or "SHA-256". Throws std::runtime_error on failure or an unknown hash.
scram_server_keys scram_keys(const std::string& hash, std::string_view pass, std::string_view salt,
                             std::uint64_t iterations, std::string_view auth_message);

}  // namespace mailspec::fake
