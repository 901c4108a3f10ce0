// The digests SASL mechanisms need (CRAM-MD5, SCRAM), from OpenSSL's libcrypto. No I/O.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace mailspec::protocol::sasl {

enum class hash_alg { md5, sha1, sha256 };

std::size_t digest_size(hash_alg h);
std::string digest(hash_alg h, std::string_view data);
std::string hmac(hash_alg h, std::string_view key, std::string_view data);
// PBKDF2-HMAC (RFC 8018 §5.2) with a derived key of digest_size(h) bytes: SCRAM's Hi().
// Throws std::runtime_error when libcrypto fails.
std::string pbkdf2(hash_alg h, std::string_view password, std::string_view salt, unsigned iterations);
// n bytes from OpenSSL's CSPRNG. Throws std::runtime_error when it is not seeded.
std::string random_bytes(std::size_t n);
std::string hex_lower(std::string_view bytes);
// Equal-length comparison in time independent of the contents.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace mailspec::protocol::sasl
