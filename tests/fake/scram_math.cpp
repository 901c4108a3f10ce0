#include "scram_math.hpp"

#include <stdexcept>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace mailspec::fake {

std::string b64(std::string_view bytes) {
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<char*>(out.data()), static_cast<std::size_t>(n));
}

std::optional<std::string> unb64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::vector<unsigned char> out(text.size() / 4 * 3 + 1);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text.size() > 1 && text[text.size() - 2] == '=' ? 2 : 1;
  return std::string(reinterpret_cast<char*>(out.data()), static_cast<std::size_t>(n) - pad);
}

namespace {

std::string mac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace

scram_server_keys scram_keys(const std::string& hash, std::string_view pass, std::string_view salt,
                             std::uint64_t iterations, std::string_view auth_message) {
  const EVP_MD* md = hash == "SHA-1" ? EVP_sha1() : hash == "SHA-256" ? EVP_sha256() : nullptr;
  if (!md) throw std::runtime_error("scram: unknown hash " + hash);
  std::string salted(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
  if (PKCS5_PBKDF2_HMAC(pass.data(), static_cast<int>(pass.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), md, static_cast<int>(salted.size()),
                        reinterpret_cast<unsigned char*>(salted.data())) != 1)
    throw std::runtime_error("scram: PBKDF2 failed");
  const std::string client_key = mac(md, salted, "Client Key");
  unsigned char stored[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(client_key.data(), client_key.size(), stored, &n, md, nullptr);
  std::string proof = mac(md, std::string_view(reinterpret_cast<char*>(stored), n), auth_message);
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ client_key[i]);
  return {proof, mac(md, mac(md, salted, "Server Key"), auth_message)};
}

}  // namespace mailspec::fake
