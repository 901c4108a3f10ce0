#include "protocol/sasl.hpp"

#include <cctype>

namespace mailspec::protocol {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += rest == 2 ? alphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict: length a multiple of 4, padding only at the end, unused bits zero (RFC 4648 §3.5).
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    int v[4] = {0, 0, 0, 0};
    for (int k = 0; k < 4 - pad; ++k) {
      v[k] = decode_char(text[i + k]);
      if (v[k] < 0) return std::nullopt;
    }
    const unsigned n = static_cast<unsigned>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>(n >> 16 & 255);
    if (pad == 2) {
      if (n & 0xFFFF) return std::nullopt;
      break;
    }
    out += static_cast<char>(n >> 8 & 255);
    if (pad == 1) {
      if (n & 0xFF) return std::nullopt;
      break;
    }
    out += static_cast<char>(n & 255);
  }
  return out;
}

std::string sasl_plain(std::string_view authzid, std::string_view user, std::string_view pass) {
  std::string out;
  out.reserve(authzid.size() + user.size() + pass.size() + 2);
  out.append(authzid);
  out += '\0';
  out.append(user);
  out += '\0';
  out.append(pass);
  return out;
}

login_prompt classify_login_prompt(std::string_view decoded_prompt) {
  const std::string p = lower_trimmed(decoded_prompt);
  if (p.rfind("user", 0) == 0 || p == "login:" || p == "login") return login_prompt::username;
  if (p.rfind("pass", 0) == 0) return login_prompt::password;
  return login_prompt::unknown;
}

}  // namespace mailspec::protocol
