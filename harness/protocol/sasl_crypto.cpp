#include "protocol/sasl_crypto.hpp"

#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace mailspec::protocol::sasl {

namespace {

const EVP_MD* md_of(hash_alg h) {
  switch (h) {
    case hash_alg::md5: return EVP_md5();
    case hash_alg::sha1: return EVP_sha1();
    case hash_alg::sha256: return EVP_sha256();
  }
  return EVP_sha256();
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::size_t digest_size(hash_alg h) { return static_cast<std::size_t>(EVP_MD_get_size(md_of(h))); }

std::string digest(hash_alg h, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, md_of(h), nullptr) != 1)
    throw std::runtime_error("libcrypto: digest failed");
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string hmac(hash_alg h, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(md_of(h), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(), out, &n))
    throw std::runtime_error("libcrypto: HMAC failed");
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string pbkdf2(hash_alg h, std::string_view password, std::string_view salt, unsigned iterations) {
  std::string out(digest_size(h), '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes_of(salt),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), md_of(h),
                        static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("libcrypto: PBKDF2 failed");
  return out;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("libcrypto: the random number generator is not available");
  return out;
}

std::string hex_lower(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace mailspec::protocol::sasl
