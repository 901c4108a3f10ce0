// nlohmann/json 3.11 keeps no source positions: this scanner walks the (already validated)
// text once and records where each value, and each member's key, starts.
#include <algorithm>
#include <cctype>
#include <set>

#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

class scanner {
 public:
  scanner(std::string_view t, position_map& out) : t_(t), out_(out) {
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // a UTF-8 BOM, which the parser skips too
  }

  void value(const std::string& ptr, int key_line, int key_col) {
    ws();
    if (i_ >= t_.size()) return;
    out_.at[ptr] = {line_, col_, key_line, key_col};
    char c = t_[i_];
    if (c == '{') {
      object(ptr);
    } else if (c == '[') {
      array(ptr);
    } else if (c == '"') {
      string();
    } else {
      while (i_ < t_.size() && !is_delim(t_[i_])) adv();
    }
  }

 private:
  static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_delim(char c) { return is_ws(c) || c == ',' || c == ']' || c == '}' || c == ':'; }

  void adv() {
    char c = t_[i_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++col_;
    }
  }
  void ws() {
    while (i_ < t_.size() && is_ws(t_[i_])) adv();
  }
  // Skips a string and returns its decoded value.
  std::string string() {
    std::size_t start = i_;
    bool escaped = false;
    adv();
    while (i_ < t_.size() && t_[i_] != '"') {
      if (t_[i_] == '\\') {
        escaped = true;
        adv();
      }
      if (i_ < t_.size()) adv();
    }
    if (i_ < t_.size()) adv();
    std::string_view raw = t_.substr(start, i_ - start);
    if (!escaped) return std::string(raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0));
    return json::parse(raw).get<std::string>();
  }
  void object(const std::string& ptr) {
    adv();
    std::set<std::string> seen;
    ws();
    while (i_ < t_.size() && t_[i_] != '}') {
      int kl = line_, kc = col_;
      std::string key = string();
      std::string child = pointer_append(ptr, key);
      if (!seen.insert(key).second) out_.duplicate_keys.push_back(child);
      ws();
      if (i_ < t_.size() && t_[i_] == ':') adv();
      value(child, kl, kc);
      ws();
      if (i_ < t_.size() && t_[i_] == ',') adv();
      ws();
    }
    if (i_ < t_.size()) adv();
  }
  void array(const std::string& ptr) {
    adv();
    ws();
    for (std::size_t n = 0; i_ < t_.size() && t_[i_] != ']'; ++n) {
      value(pointer_append(ptr, n), 0, 0);
      ws();
      if (i_ < t_.size() && t_[i_] == ',') adv();
      ws();
    }
    if (i_ < t_.size()) adv();
  }

  std::string_view t_;
  position_map& out_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

position_map scan_positions(std::string_view text) {
  position_map out;
  scanner(text, out).value("", 0, 0);
  return out;
}

std::pair<int, int> offset_to_line_col(std::string_view text, std::size_t offset) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {line, col};
}

std::optional<std::size_t> find_excess_depth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return i;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::string pointer_append(const std::string& base, std::string_view token) {
  std::string out = base + "/";
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string pointer_append(const std::string& base, std::size_t index) { return base + "/" + std::to_string(index); }

std::string got(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "a list";
    case json::value_t::null: return "null";
    default: break;
  }
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& allowed) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& a : allowed) {
    std::size_t d = edit_distance(name, a);
    if (d < best_d) {
      best_d = d;
      best = a;
    }
  }
  return best;
}

}  // namespace mailspec::scenario::detail
