// The loader's error collector: typed getters that record "expected X, got Y" errors.
#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "scenario/expand.hpp"
#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

std::string join_quoted(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? (words.size() > 2 ? ", or " : " or ") : ", ";
    out += "\"" + words[i] + "\"";
  }
  return out;
}

}  // namespace

json_pos checker::lookup(const std::string& ptr) const {
  // A missing member reports at its closest existing parent.
  std::string p = ptr;
  for (;;) {
    auto it = pos_.at.find(p);
    if (it != pos_.at.end()) return it->second;
    if (p.empty()) return {1, 1, 0, 0};
    p.erase(p.rfind('/'));
  }
}

void checker::error(const std::string& ptr, std::string msg) {
  json_pos p = lookup(ptr);
  out_.push_back({file_, p.line, p.column, ptr, std::move(msg)});
  ++count_;
}

void checker::key_error(const std::string& ptr, std::string msg) {
  json_pos p = lookup(ptr);
  int line = p.key_line > 0 ? p.key_line : p.line;
  int col = p.key_line > 0 ? p.key_column : p.column;
  out_.push_back({file_, line, col, ptr, std::move(msg)});
  ++count_;
}

source_pos checker::pos(const std::string& ptr) const {
  json_pos p = lookup(ptr);
  return {file_, p.line, p.column, ptr};
}

void checker::check_fields(const json& obj, const std::string& ptr, const std::vector<std::string>& allowed,
                           const std::string& where) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string msg = "unknown field \"" + key + "\"" + (where.empty() ? "" : " in " + where);
    std::string near = did_you_mean(key, allowed);
    if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
    else msg += " (expected one of: " + join_quoted(allowed) + ")";
    key_error(pointer_append(ptr, key), std::move(msg));
  }
}

bool checker::is_object(const json& j, const std::string& ptr, std::string_view what) {
  if (j.is_object()) return true;
  error(ptr, "expected " + std::string(what) + ", got " + got(j));
  return false;
}

bool checker::is_array(const json& j, const std::string& ptr, std::string_view what) {
  if (j.is_array()) return true;
  error(ptr, "expected " + std::string(what) + ", got " + got(j));
  return false;
}

void checker::missing(const std::string& obj_ptr, std::string_view name) {
  error(pointer_append(obj_ptr, name), "missing required field \"" + std::string(name) + "\"");
}

std::optional<std::string> checker::get_string(const json& j, const std::string& ptr, bool non_empty) {
  if (!j.is_string()) {
    error(ptr, std::string("expected ") + (non_empty ? "a non-empty string" : "a string") + ", got " + got(j));
    return std::nullopt;
  }
  if (non_empty && j.get_ref<const std::string&>().empty()) {
    error(ptr, "expected a non-empty string, got \"\"");
    return std::nullopt;
  }
  return j.get<std::string>();
}

std::optional<std::int64_t> checker::get_int(const json& j, const std::string& ptr, std::int64_t min,
                                             std::int64_t max) {
  std::string want = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!j.is_number_integer() || (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(max))) {
    error(ptr, "expected " + want + ", got " + got(j));
    return std::nullopt;
  }
  auto v = j.get<std::int64_t>();
  if (v < min || v > max) {
    error(ptr, "expected " + want + ", got " + got(j));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> checker::get_bool(const json& j, const std::string& ptr) {
  if (j.is_boolean()) return j.get<bool>();
  error(ptr, "expected true or false, got " + got(j));
  return std::nullopt;
}

std::optional<templ> checker::get_templ(const json& j, const std::string& ptr) {
  auto s = get_string(j, ptr);
  if (!s || !check_templ_text(*s, ptr)) return std::nullopt;
  return templ{std::move(*s)};
}

bool checker::check_templ_text(const std::string& s, const std::string& ptr) {
  bool ok = true;
  for (auto& e : check_template(s, known_vars)) {
    error(ptr, std::move(e));
    ok = false;
  }
  if (!ok) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "$$") == 0) {
      ++i;
      continue;
    }
    if (s.compare(i, 18, "${scratch.mailbox}") == 0 || s.compare(i, 18, "${scratch.mailbox|") == 0) {
      if (!scratch) {
        error(ptr, "\"${scratch.mailbox}\" is the scratch mailbox of an IMAP scenario with \"fixtures\"; this one has none");
        ok = false;
      }
      continue;
    }
    if (s.compare(i, 6, "${cap.") != 0) continue;
    auto end = s.find_first_of("|}", i + 6);
    if (end == std::string::npos) break;
    capture_refs.emplace_back(ptr, s.substr(i + 6, end - i - 6));
  }
  return ok;
}

std::optional<std::string> checker::get_enum(const json& j, const std::string& ptr,
                                             const std::vector<std::string>& words, bool exact_case) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    for (const auto& w : words) {
      if (s == w || (!exact_case && upper(s) == upper(w))) return w;
    }
  }
  error(ptr, "expected " + join_quoted(words) + ", got " + got(j));
  return std::nullopt;
}

}  // namespace mailspec::scenario::detail
