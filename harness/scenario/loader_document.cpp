// Top level of a scenario document: identity, connection, requires, timeouts, vars.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/text.hpp"
#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

const std::vector<std::string> top_fields = {"$schema", "format", "id", "title", "protocol", "connection",
                                             "connections", "requires", "refs", "mutates",
                                             "allow_plaintext_secrets", "timeouts", "vars", "fixtures", "steps"};

bool valid_var_name(const std::string& n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::vector<std::string> string_list(checker& c, const json& j, const std::string& ptr, bool upper) {
  std::vector<std::string> out;
  if (!c.is_array(j, ptr, "a list of strings")) return out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (auto s = c.get_string(j[i], pointer_append(ptr, i), true)) {
      if (upper) *s = mailspec::upper(*s);  // the parameter `upper` hides the function
      out.push_back(std::move(*s));
    }
  }
  return out;
}

void parse_timeouts(checker& c, const json& j, scenario& s) {
  if (!c.is_object(j, "/timeouts", "an object")) return;
  c.check_fields(j, "/timeouts", {"connect_ms", "tls_ms", "step_ms"}, "timeouts");
  auto one = [&](const char* name, std::int64_t& into) {
    if (!j.contains(name)) return;
    if (auto v = c.get_int(j[name], pointer_append("/timeouts", name), 1, 600000)) into = *v;
  };
  one("connect_ms", s.time.connect_ms);
  one("tls_ms", s.time.tls_ms);
  one("step_ms", s.time.step_ms);
}

void parse_var(checker& c, const std::string& name, const json& j, scenario& s) {
  const std::string ptr = pointer_append("/vars", name);
  c.known_vars.push_back(name);  // known even when broken: avoids cascades of "unknown variable"
  if (!valid_var_name(name)) c.key_error(ptr, "invalid variable name \"" + name + "\" (letters, digits, _ and -)");
  if (!c.is_object(j, ptr, "an object with \"env\" or \"value\"")) return;
  c.check_fields(j, ptr, {"env", "value", "secret"}, "a variable");
  variable v;
  v.name = name;
  if (j.contains("secret")) v.secret = c.get_bool(j["secret"], ptr + "/secret").value_or(false);
  if (v.secret) c.secret_vars.push_back(name);
  if (j.contains("env")) v.env = c.get_string(j["env"], ptr + "/env", true);
  if (j.contains("value")) {
    if (v.secret) c.error(ptr + "/value", "a secret variable comes only from the environment: remove \"value\" and use \"env\"");
    else v.value = c.get_string(j["value"], ptr + "/value");
  }
  if (!j.contains("env") && !j.contains("value")) {
    c.error(ptr, "variable \"" + name + "\" needs \"env\" (an environment variable) or \"value\"");
  }
  const auto& opt = c.options();
  if (v.env && !v.value && opt.check_environment) {
    auto val = opt.getenv ? opt.getenv(*v.env) : std::nullopt;
    if (!opt.getenv) {
      if (const char* e = std::getenv(v.env->c_str())) val = std::string(e);
    }
    if (!val) c.error(ptr + "/env", "variable \"" + name + "\": environment variable " + *v.env + " is not set");
  }
  s.vars[name] = std::move(v);
}

void parse_identity(checker& c, const json& doc, scenario& s) {
  if (!doc.contains("format")) c.missing("", "format");
  else if (!doc["format"].is_number_integer() || doc["format"].get<std::int64_t>() != 1)
    c.error("/format", "expected 1 (the only scenario format this version reads), got " + got(doc["format"]));
  if (!doc.contains("id")) c.missing("", "id");
  else if (auto id = c.get_string(doc["id"], "/id", true)) {
    // Ids are path-shaped prefix filters (--only) and baseline keys: one word, no control bytes.
    bool word = std::none_of(id->begin(), id->end(), [](char ch) {
      auto u = static_cast<unsigned char>(ch);
      return u <= 0x20 || u == 0x7f;
    });
    if (!word) c.error("/id", "expected a path-shaped id without spaces or control characters (e.g. \"imap/login\"), got \"" + *id + "\"");
    s.id = *id;
  }
  s.id_pos = c.pos("/id");
  if (doc.contains("title")) s.title = c.get_string(doc["title"], "/title").value_or("");
  if (!doc.contains("protocol")) {
    c.missing("", "protocol");
  } else if (auto p = c.get_enum(doc["protocol"], "/protocol", {"smtp", "imap", "pop3"}, true)) {
    s.protocol = protocol_from_string(*p).value();  // get_enum allowed only its names
    c.protocol = s.protocol;
  }
}

}  // namespace

std::optional<scenario> parse_document(checker& c, const json& doc) {
  if (!c.is_object(doc, "", "a scenario object")) return std::nullopt;
  std::size_t before = c.error_count();
  scenario s;
  c.check_fields(doc, "", top_fields);
  parse_identity(c, doc, s);
  parse_connections(c, doc, s);
  if (doc.contains("requires") && c.is_object(doc["requires"], "/requires", "an object")) {
    c.check_fields(doc["requires"], "/requires", {"capabilities"}, "requires");
    if (doc["requires"].contains("capabilities"))
      s.required_capabilities = string_list(c, doc["requires"]["capabilities"], "/requires/capabilities", true);
  }
  if (doc.contains("refs")) s.refs = string_list(c, doc["refs"], "/refs", false);
  if (doc.contains("mutates")) s.mutates = c.get_bool(doc["mutates"], "/mutates").value_or(false);
  if (doc.contains("allow_plaintext_secrets"))
    s.allow_plaintext_secrets = c.get_bool(doc["allow_plaintext_secrets"], "/allow_plaintext_secrets").value_or(false);
  if (doc.contains("timeouts")) parse_timeouts(c, doc["timeouts"], s);
  if (doc.contains("vars") && c.is_object(doc["vars"], "/vars", "an object of variables")) {
    for (const auto& [name, v] : doc["vars"].items()) parse_var(c, name, v, s);
  }
  if (doc.contains("fixtures")) parse_fixtures(c, doc["fixtures"], s);
  if (doc.contains("steps")) parse_steps(c, doc["steps"], s);
  else c.missing("", "steps");
  // The first step's connection is the scenario's port and TLS mode (--port, the plan, the report).
  if (const auto* first = s.find_connection(s.steps.empty() ? std::string() : s.steps.front().conn)) {
    s.port = first->port;
    s.tls = first->tls;
  } else if (!s.connections.empty()) {
    s.port = s.connections.front().port;
    s.tls = s.connections.front().tls;
  }
  for (const auto& [ptr, name] : c.capture_refs)
    if (std::find(c.capture_defs.begin(), c.capture_defs.end(), name) == c.capture_defs.end())
      c.error(ptr, "\"${cap." + name + "}\": no matcher of this scenario binds \"" + name + "\" (a regex with (?<" +
                       name + ">...) or a parsed pattern with $" + name + " does)");
  if (!s.mutates) check_data_safety(c, s);
  if (c.error_count() != before) return std::nullopt;
  return s;
}

}  // namespace mailspec::scenario::detail
