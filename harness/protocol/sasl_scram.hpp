// SCRAM (RFC 5802, RFC 7677) without channel binding: message syntax and the key derivation.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/sasl_client.hpp"
#include "protocol/sasl_crypto.hpp"

namespace mailspec::protocol::sasl {

// Iteration counts above this are refused without computing anything: PBKDF2 runs on the
// session's thread, and one million iterations already take about a second.
constexpr std::uint64_t scram_max_iterations = 1000000;
// RFC 7677 §4 (and RFC 5802 §5.1 for SHA-1): the count SHOULD be at least 4096.
constexpr std::uint64_t scram_min_iterations = 4096;

// saslname (RFC 5802 §5.1): ',' and '=' escaped as "=2C" and "=3D".
std::string scram_saslname(std::string_view name);

struct scram_server_first {
  std::string nonce;        // the whole r= value (client nonce + server nonce)
  std::string salt;         // decoded
  std::uint64_t iterations = 0;  // saturates at UINT64_MAX for absurdly long numbers
};
// server-first-message (RFC 5802 §7); nullopt and `error` when it does not parse. A mandatory
// extension (m=) is an error too: the client cannot go on without understanding it.
std::optional<scram_server_first> parse_scram_server_first(std::string_view msg, std::string& error);

struct scram_keys {
  std::string client_proof;      // raw bytes
  std::string server_signature;  // raw bytes
};
// SaltedPassword = Hi(pass, salt, i); ClientProof = ClientKey XOR HMAC(H(ClientKey), AuthMessage);
// ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage).
scram_keys scram_compute(hash_alg h, std::string_view pass, std::string_view salt, std::uint64_t iterations,
                         std::string_view auth_message);

std::unique_ptr<client> make_scram_client(hash_alg h, credentials creds, nonce_source nonce);

}  // namespace mailspec::protocol::sasl
