// SASL encodings (RFC 4422) used by SMTP AUTH, IMAP AUTHENTICATE and POP3 AUTH.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mailspec::protocol {

std::string base64_encode(std::string_view bytes);
// Strict RFC 4648 decoding; nullopt on invalid input. Whitespace is not allowed.
std::optional<std::string> base64_decode(std::string_view text);

// RFC 4616: authzid NUL authcid NUL passwd (not base64-encoded).
std::string sasl_plain(std::string_view authzid, std::string_view user, std::string_view pass);

// The LOGIN mechanism (draft-murchison-sasl-login): the server prompts "Username:" then
// "Password:" (base64); this decides what to answer to a decoded prompt.
enum class login_prompt { username, password, unknown };
login_prompt classify_login_prompt(std::string_view decoded_prompt);

}  // namespace mailspec::protocol
