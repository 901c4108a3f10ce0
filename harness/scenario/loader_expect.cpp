// "expect" objects (by protocol) and matchers.
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "core/text.hpp"
#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

// Fields every protocol's expect has (an alternative of any_of has "label" and "warn", and neither
// save_capabilities nor any_of).
const std::vector<std::string> common_fields = {"save_capabilities", "capabilities", "assert", "any_of"};
const std::vector<std::string> smtp_fields = {"code", "enhanced", "lines", "contains"};
const std::vector<std::string> imap_fields = {"status", "code", "untagged", "extra_untagged"};
const std::vector<std::string> pop3_fields = {"status", "multiline", "lines"};

const std::vector<std::string>& own_fields(protocol_kind p) {
  return p == protocol_kind::smtp ? smtp_fields : p == protocol_kind::imap ? imap_fields : pop3_fields;
}

std::vector<std::string> fields_of(protocol_kind p, bool alternative) {
  std::vector<std::string> out = own_fields(p);
  for (const auto& f : common_fields)
    if (!alternative || (f != "save_capabilities" && f != "any_of")) out.push_back(f);
  if (alternative) {
    out.push_back("label");
    out.push_back("warn");
  }
  return out;
}

std::string upper_name(protocol_kind p) { return upper(to_string(p)); }

// Fields of another protocol get a message saying so; truly unknown ones a did-you-mean.
void check_expect_fields(checker& c, const json& j, const std::string& ptr, protocol_kind p, bool alternative) {
  const auto allowed = fields_of(p, alternative);
  json unknown = json::object();
  for (const auto& [key, value] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    if (alternative && (key == "save_capabilities" || key == "any_of")) {
      c.key_error(pointer_append(ptr, key), key == "any_of" ? "alternatives do not nest: list every alternative in one \"any_of\""
                                                            : "\"save_capabilities\" goes on the step's expect, not inside an alternative");
      continue;
    }
    if (!alternative && key == "label") {
      c.key_error(pointer_append(ptr, key), "\"label\" names an alternative of \"any_of\"; a step has \"id\"");
      continue;
    }
    if (!alternative && key == "warn") {
      c.key_error(pointer_append(ptr, key), "\"warn\" marks an alternative of \"any_of\" that deviates from a SHOULD; "
                                            "put it on that alternative");
      continue;
    }
    std::string owner;
    for (auto other : {protocol_kind::smtp, protocol_kind::imap, protocol_kind::pop3}) {
      const auto& f = own_fields(other);
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

std::vector<matcher> matcher_list(checker& c, const json& j, const std::string& ptr, bool allow_parsed = false) {
  std::vector<matcher> out;
  if (!c.is_array(j, ptr, allow_parsed ? "a list of matchers (strings, {\"exact\"}, {\"regex\"}, {\"parsed\"} or {\"any\": true})"
                                       : "a list of matchers (strings, {\"exact\"}, {\"regex\"} or {\"any\": true})"))
    return out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (auto m = parse_matcher(c, j[i], pointer_append(ptr, i), allow_parsed)) out.push_back(std::move(*m));
  }
  return out;
}

std::vector<std::string> capability_list(checker& c, const json& j, const std::string& ptr) {
  std::vector<std::string> out;
  if (!c.is_array(j, ptr, "a list of capability names, e.g. [\"STARTTLS\", \"AUTH=PLAIN\"]")) return out;
  if (j.empty()) c.error(ptr, "expected at least one capability, got an empty list");
  for (std::size_t i = 0; i < j.size(); ++i) {
    auto s = c.get_string(j[i], pointer_append(ptr, i), true);
    if (!s) continue;
    if (s->find_first_of(" \t\r\n") != std::string::npos) {
      c.error(pointer_append(ptr, i), "expected one capability name (the keyword, e.g. \"SIZE\" or \"AUTH=PLAIN\"), got " +
                                          got(j[i]));
      continue;
    }
    out.push_back(upper(*s));
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
      e.code = upper(*s);
    }
  }
  if (j.contains("untagged")) e.untagged = matcher_list(c, j["untagged"], ptr + "/untagged", true);
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

std::optional<matcher> parse_matcher(checker& c, const json& j, const std::string& ptr, bool allow_parsed) {
  if (j.is_string()) return matcher::glob(j.get<std::string>());
  const std::string want = allow_parsed ? "expected a matcher: a glob string, {\"exact\": \"...\"}, {\"regex\": \"...\"}, "
                                          "{\"parsed\": \"* ...\"} or {\"any\": true}, got "
                                        : "expected a matcher: a glob string, {\"exact\": \"...\"}, {\"regex\": \"...\"} or {\"any\": true}, got ";
  if (!j.is_object() || j.size() != 1) {
    if (j.is_object() && j.size() > 1) {
      c.error(ptr, allow_parsed ? "a matcher has exactly one of \"exact\", \"regex\", \"parsed\", \"any\""
                                : "a matcher has exactly one of \"exact\", \"regex\", \"any\"");
      return std::nullopt;
    }
    c.error(ptr, want + got(j));
    return std::nullopt;
  }
  const std::string key = j.begin().key();
  if (key == "parsed" && !allow_parsed) {
    c.key_error(pointer_append(ptr, key), "a parsed matcher states an IMAP response: it belongs under \"untagged\" (or an "
                                          "assertion's \"count\") of an IMAP scenario");
    return std::nullopt;
  }
  c.check_fields(j, ptr, allow_parsed ? std::vector<std::string>{"exact", "regex", "parsed", "any"}
                                      : std::vector<std::string>{"exact", "regex", "any"},
                 "a matcher");
  const json& value = j.begin().value();
  std::string vp = pointer_append(ptr, key);
  if (key == "parsed") {
    auto s = c.get_string(value, vp, true);
    if (!s) return std::nullopt;
    try {
      auto m = matcher::parsed(*s);
      bool ok = true;
      for (const auto& t : m.templates()) ok = c.check_templ_text(t, vp) && ok;
      for (auto& name : m.capture_names()) c.capture_defs.push_back(std::move(name));
      if (ok) return m;
    } catch (const std::invalid_argument& e) {
      c.error(vp, std::string("invalid parsed pattern: ") + e.what());
    }
    return std::nullopt;
  }
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

namespace {

std::optional<expectation> parse_body(checker& c, const json& j, const std::string& ptr, bool alternative);

std::vector<expectation> parse_any_of(checker& c, const json& j, const std::string& ptr) {
  std::vector<expectation> out;
  if (!c.is_array(j, ptr, "a list of alternative expect objects")) return out;
  if (j.size() < 2) c.error(ptr, "\"any_of\" lists at least two alternatives, got " + std::to_string(j.size()));
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (auto alt = parse_body(c, j[i], pointer_append(ptr, i), true)) out.push_back(std::move(*alt));
  }
  return out;
}

std::optional<expectation> parse_body(checker& c, const json& j, const std::string& ptr, bool alternative) {
  if (!c.is_object(j, ptr, alternative ? "an alternative (an expect object)" : "an expect object")) return std::nullopt;
  expectation e;
  e.explicit_given = true;
  if (!alternative && j.contains("save_capabilities"))
    e.save_capabilities = c.get_bool(j["save_capabilities"], ptr + "/save_capabilities").value_or(false);
  if (alternative && j.contains("label")) e.label = c.get_string(j["label"], ptr + "/label", true).value_or("");
  if (alternative && j.contains("warn")) e.warn = c.get_bool(j["warn"], ptr + "/warn").value_or(false);
  if (!c.protocol) return e;  // the protocol error is reported already
  check_expect_fields(c, j, ptr, *c.protocol, alternative);
  switch (*c.protocol) {
    case protocol_kind::smtp: e.smtp = parse_smtp(c, j, ptr); break;
    case protocol_kind::imap: e.imap = parse_imap(c, j, ptr); break;
    case protocol_kind::pop3: e.pop3 = parse_pop3(c, j, ptr); break;
  }
  if (j.contains("capabilities")) e.capabilities = capability_list(c, j["capabilities"], ptr + "/capabilities");
  if (j.contains("assert")) e.asserts = parse_assertions(c, j["assert"], ptr + "/assert");
  if (!alternative && j.contains("any_of")) e.any_of = parse_any_of(c, j["any_of"], ptr + "/any_of");
  return e;
}

}  // namespace

std::optional<expectation> parse_expect(checker& c, const json& j, const std::string& ptr) {
  return parse_body(c, j, ptr, false);
}

}  // namespace mailspec::scenario::detail
