#include "core/secret.hpp"

#include <algorithm>

namespace mailspec {

namespace {
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Shortest base64 fragment worth registering: shorter fragments would redact unrelated text.
constexpr std::size_t min_b64_fragment = 4;
}  // namespace

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += b64_alphabet[v >> 18 & 63];
    out += b64_alphabet[v >> 12 & 63];
    out += b64_alphabet[v >> 6 & 63];
    out += b64_alphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += b64_alphabet[v >> 18 & 63];
    out += b64_alphabet[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += b64_alphabet[v >> 18 & 63];
    out += b64_alphabet[v >> 12 & 63];
    out += b64_alphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::string secret_registry::marker(std::string_view name) {
  return std::string("\u2039secret:") + std::string(name) + "\u203a";
}

void secret_registry::insert(std::string name, std::string value) {
  if (value.empty()) return;
  for (const auto& f : forms_)
    if (f.value == value) return;
  forms_.push_back({std::move(name), std::move(value)});
  std::stable_sort(forms_.begin(), forms_.end(),
                   [](const form& a, const form& b) { return a.value.size() > b.value.size(); });
}

void secret_registry::add(std::string name, std::string_view value) {
  if (value.empty()) return;
  insert(name, std::string(value));
  // The secret preceded by k filler bytes: characters of the encoding that depend only on
  // secret bytes are the same wherever the secret sits in a longer encoded string.
  for (int k = 0; k < 3; ++k) {
    std::string padded(k, '\0');
    padded += value;
    std::string enc = base64_encode(padded);
    // Drop the characters that mix filler bits (first ceil(k*8/6) chars) and the tail that
    // mixes with whatever follows (the last group, which may be padded or partial).
    std::size_t head = (k * 8 + 5) / 6;
    std::size_t full_bits = padded.size() * 8;
    std::size_t stable_chars = full_bits / 6;  // chars fully determined by known bytes
    if (stable_chars <= head) continue;
    std::string frag = enc.substr(head, stable_chars - head);
    if (frag.size() >= min_b64_fragment) insert(name, frag);
  }
  insert(name, base64_encode(value));
}

void secret_registry::add_derived(std::string name, std::string_view value) {
  insert(std::move(name), std::string(value));
}

std::string secret_registry::redact(std::string_view text) const {
  if (forms_.empty()) return std::string(text);
  std::string out(text);
  for (const auto& f : forms_) {
    std::string m = marker(f.name);
    std::size_t pos = 0;
    while ((pos = out.find(f.value, pos)) != std::string::npos) {
      out.replace(pos, f.value.size(), m);
      pos += m.size();
    }
  }
  return out;
}

bool secret_registry::contains_secret(std::string_view text) const {
  for (const auto& f : forms_)
    if (text.find(f.value) != std::string_view::npos) return true;
  return false;
}

}  // namespace mailspec
