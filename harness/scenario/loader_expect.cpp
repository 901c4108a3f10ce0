// "expect" objects (by protocol) and matchers.
#include <cctype>
#include <stdexcept>

#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

const std::vector<std::string> smtp_fields = {"code", "enhanced", "lines", "contains", "save_capabilities"};
const std::vector<std::string> imap_fields = {"status", "code", "untagged", "extra_untagged", "save_capabilities"};
const std::vector<std::string> pop3_fields = {"status", "multiline", "lines", "save_capabilities"};

const std::vector<std::string>& fields_of(protocol_kind p) {
  return p == protocol_kind::smtp ? smtp_fields : p == protocol_kind::imap ? imap_fields : pop3_fields;
}

std::string upper_name(protocol_kind p) {
  std::string s(to_string(p));
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Fields of another protocol get a message saying so; truly unknown ones a did-you-mean.
void check_expect_fields(checker& c, const json& j, const std::string& ptr, protocol_kind p) {
  const auto& allowed = fields_of(p);
  json unknown = json::object();
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string owner;
    for (auto other : {protocol_kind::smtp, protocol_kind::imap, protocol_kind::pop3}) {
      const auto& f = fields_of(other);
      if (other != p && owner.empty() && std::find(f.begin(), f.end(), key) != f.end()) owner = upper_name(other);
    }
    if (owner.empty()) {
      unknown[key] = nullptr;
    } else {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      // "an SMTP", "an IMAP", but "a POP3".
      auto an = [](const std::string& w) { return std::string(!w.empty() && w[0] == 'P' ? "a " : "an ") + w; };
      c.key_error(pointer_append(ptr, key), "\"" + key + "\" is " + an(owner) + " expectation, not valid in " +
                                                an(upper_name(p)) + " scenario (expected one of: " + list + ")");
    }
  }
  c.check_fields(unknown, ptr, allowed, "expect");
}

std::vector<matcher> matcher_list(checker& c, const json& j, const std::string& ptr) {
  std::vector<matcher> out;
  if (!c.is_array(j, ptr, "a list of matchers (strings, {\"exact\"}, {\"regex\"} or {\"any\": true})")) return out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (auto m = parse_matcher(c, j[i], pointer_append(ptr, i))) out.push_back(std::move(*m));
  }
  return out;
}

const char* code_expected = "expected an integer, a list of integers or a class like \"2xx\", got ";

bool smtp_code_item(checker& c, const json& j, const std::string& ptr, smtp_expect& e) {
  if (j.is_number_integer()) {
    auto v = c.get_int(j, ptr, 100, 599);
    if (v) e.codes.push_back(static_cast<int>(*v));
    return true;
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() == 3 && s[0] >= '1' && s[0] <= '5' && std::tolower(s[1]) == 'x' && std::tolower(s[2]) == 'x') {
      e.classes.push_back(s[0] - '0');
      return true;
    }
  }
  c.error(ptr, code_expected + got(j));
  return false;
}

smtp_expect parse_smtp(checker& c, const json& j, const std::string& ptr) {
  smtp_expect e;
  if (j.contains("code")) {
    const json& code = j["code"];
    if (code.is_array() && !code.empty()) {
      for (std::size_t i = 0; i < code.size(); ++i) smtp_code_item(c, code[i], pointer_append(ptr + "/code", i), e);
    } else if (code.is_array()) {
      c.error(ptr + "/code", std::string(code_expected) + "an empty list");
    } else {
      smtp_code_item(c, code, ptr + "/code", e);
    }
  }
  if (j.contains("enhanced")) e.enhanced = parse_matcher(c, j["enhanced"], ptr + "/enhanced");
  if (j.contains("lines")) e.lines = matcher_list(c, j["lines"], ptr + "/lines");
  if (j.contains("contains")) e.contains = matcher_list(c, j["contains"], ptr + "/contains");
  return e;
}

imap_expect parse_imap(checker& c, const json& j, const std::string& ptr) {
  imap_expect e;
  const std::vector<std::string> statuses = {"OK", "NO", "BAD"};
  if (j.contains("status")) {
    const json& st = j["status"];
    if (st.is_array() && !st.empty()) {
      for (std::size_t i = 0; i < st.size(); ++i) {
        if (auto s = c.get_enum(st[i], pointer_append(ptr + "/status", i), statuses)) e.status.push_back(*s);
      }
    } else if (auto s = c.get_enum(st, ptr + "/status", statuses)) {
      e.status.push_back(*s);
    }
  }
  if (j.contains("code")) {
    auto s = c.get_string(j["code"], ptr + "/code", true);
    if (s && s->find_first_of(" []\r\n") != std::string::npos) {
      c.error(ptr + "/code", "expected a response code name like \"PRIVACYREQUIRED\", got " + got(j["code"]));
    } else if (s) {
      for (auto& ch : *s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      e.code = *s;
    }
  }
  if (j.contains("untagged")) e.untagged = matcher_list(c, j["untagged"], ptr + "/untagged");
  if (j.contains("extra_untagged")) {
    auto v = c.get_enum(j["extra_untagged"], ptr + "/extra_untagged", {"ignore", "fail"}, true);
    e.extra_untagged_fail = v && *v == "fail";
  }
  return e;
}

pop3_expect parse_pop3(checker& c, const json& j, const std::string& ptr) {
  pop3_expect e;
  if (j.contains("status")) {
    if (auto s = c.get_enum(j["status"], ptr + "/status", {"+OK", "-ERR"})) e.ok = *s == "+OK";
  }
  if (j.contains("multiline")) e.multiline = c.get_bool(j["multiline"], ptr + "/multiline");
  if (j.contains("lines")) e.lines = matcher_list(c, j["lines"], ptr + "/lines");
  return e;
}

}  // namespace

std::optional<matcher> parse_matcher(checker& c, const json& j, const std::string& ptr) {
  if (j.is_string()) return matcher::glob(j.get<std::string>());
  const char* want = "expected a matcher: a glob string, {\"exact\": \"...\"}, {\"regex\": \"...\"} or {\"any\": true}, got ";
  if (!j.is_object() || j.size() != 1) {
    if (j.is_object() && j.size() > 1) {
      c.error(ptr, "a matcher has exactly one of \"exact\", \"regex\", \"any\"");
      return std::nullopt;
    }
    c.error(ptr, want + got(j));
    return std::nullopt;
  }
  c.check_fields(j, ptr, {"exact", "regex", "any"}, "a matcher");
  const std::string key = j.begin().key();
  const json& value = j.begin().value();
  std::string vp = pointer_append(ptr, key);
  if (key == "exact") {
    if (auto s = c.get_string(value, vp)) return matcher::exact(*s);
  } else if (key == "regex") {
    auto s = c.get_string(value, vp, true);
    if (!s) return std::nullopt;
    try {
      auto m = matcher::regex(*s);
      for (auto& name : m.capture_names()) c.capture_defs.push_back(std::move(name));
      return m;
    } catch (const std::invalid_argument& e) {
      c.error(vp, std::string("invalid regex: ") + e.what());
    }
  } else if (key == "any") {
    if (value.is_boolean() && value.get<bool>()) return matcher::any();
    c.error(vp, "expected true, got " + got(value));
  }
  return std::nullopt;
}

std::optional<expectation> parse_expect(checker& c, const json& j, const std::string& ptr) {
  if (!c.is_object(j, ptr, "an expect object")) return std::nullopt;
  expectation e;
  e.explicit_given = true;
  if (j.contains("save_capabilities"))
    e.save_capabilities = c.get_bool(j["save_capabilities"], ptr + "/save_capabilities").value_or(false);
  if (!c.protocol) return e;  // the protocol error is reported already
  check_expect_fields(c, j, ptr, *c.protocol);
  switch (*c.protocol) {
    case protocol_kind::smtp: e.smtp = parse_smtp(c, j, ptr); break;
    case protocol_kind::imap: e.imap = parse_imap(c, j, ptr); break;
    case protocol_kind::pop3: e.pop3 = parse_pop3(c, j, ptr); break;
  }
  return e;
}

}  // namespace mailspec::scenario::detail
