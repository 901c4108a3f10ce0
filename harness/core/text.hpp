// Text helpers every folder shares (ASCII case, lists, UTF-8 well-formedness): one copy, here.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec {

std::string upper(std::string_view s);  // ASCII letters only; other bytes unchanged
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);  // ASCII case-insensitive

// "a, b" split at every `sep` (empty input: no items; empty items kept).
std::vector<std::string> split(std::string_view s, std::string_view sep);
std::string join(const std::vector<std::string>& v, std::string_view sep);

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF) that starts at s[i], or 0 when none does (an ASCII byte is a sequence of 1).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
// Offset of the first byte that starts no well-formed UTF-8 sequence, or npos. With `cut`, a
// sequence cut short by the end of s is accepted (the rest may come in the next read).
std::size_t invalid_utf8_at(std::string_view s, bool cut = false);

}  // namespace mailspec
