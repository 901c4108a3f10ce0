// Steps: exactly one action (or a bare expect), optional id, timeout_ms and expect.
#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "protocol/sasl_client.hpp"
#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

const std::vector<std::string> action_names = {"send", "send_raw", "starttls", "auth",
                                               "message", "bdat", "sleep_ms", "expect_close"};
const std::vector<std::string> step_fields = {"id", "conn", "send", "send_raw", "starttls", "auth", "message", "bdat",
                                              "sleep_ms", "expect_close", "expect", "timeout_ms", "replies"};

// APOP (RFC 1939 §7) is not SASL: an auth mechanism of POP3 only, with the SASL password mechanisms' inputs.
constexpr const char* apop = "APOP";

bool known_mechanism(const std::string& m) { return m == apop || protocol::sasl::is_supported(m); }

// The mechanisms a load error offers: APOP only to POP3 scenarios.
std::vector<std::string> offered_mechanisms(const checker& c) {
  auto all = protocol::sasl::supported_mechanisms();
  if (c.protocol && *c.protocol == protocol_kind::pop3) all.emplace_back(apop);
  return all;
}

std::optional<action> parse_send(checker& c, const json& j, const std::string& ptr) {
  auto t = c.get_templ(j, ptr);
  if (!t) return std::nullopt;
  if (t->text.find_first_of("\r\n") != std::string::npos) {
    c.error(ptr, "\"send\" is one command line (CRLF is appended): use \"send_raw\" for CR or LF bytes");
    return std::nullopt;
  }
  return send_action{std::move(*t)};
}

std::optional<action> parse_send_raw(checker& c, const json& j, const std::string& ptr) {
  auto t = c.get_templ(j, ptr);
  if (!t) return std::nullopt;
  if (t->text.empty()) {
    c.error(ptr, "expected a non-empty string, got \"\"");
    return std::nullopt;
  }
  return send_raw_action{std::move(*t)};
}

std::optional<action> parse_starttls(checker& c, const json& j, const std::string& ptr) {
  if (!c.is_object(j, ptr, "an object like {\"verify\": \"hostname\"}")) return std::nullopt;
  c.check_fields(j, ptr, {"verify", "min_version", "sni"}, "starttls");
  starttls_action a;
  if (j.contains("verify")) {
    auto v = c.get_enum(j["verify"], ptr + "/verify", {"none", "chain", "hostname"}, true);
    if (v) a.verify = verify_mode_from_string(*v).value_or(verify_mode::hostname);
  }
  if (j.contains("min_version")) {
    auto v = c.get_enum(j["min_version"], ptr + "/min_version", {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, true);
    if (v) a.min_version = *v;
  }
  if (j.contains("sni")) a.sni = c.get_templ(j["sni"], ptr + "/sni");
  if (c.tls && *c.tls != tls_mode::starttls && !c.multi_conn) {
    c.key_error(ptr, std::string("a \"starttls\" step needs \"connection\": {\"tls\": \"starttls\"}, this scenario has \"") +
                         std::string(to_string(*c.tls)) + "\"");
  } else if (c.tls && *c.tls != tls_mode::starttls) {
    c.key_error(ptr, "a \"starttls\" step needs its connection to have \"tls\": \"starttls\", this one has \"" +
                         std::string(to_string(*c.tls)) + "\"");
  }
  return a;
}

// Which of user / pass / token / authzid a mechanism takes is protocol::sasl::inputs_of.
void check_auth_inputs(checker& c, const json& j, const std::string& ptr, const std::string& mech) {
  const auto in = mech == apop ? protocol::sasl::inputs{true, true, false, false} : protocol::sasl::inputs_of(mech);
  // The optional authzid is named too: docs/scenario-format.md lists it for PLAIN, SCRAM-* and EXTERNAL.
  const std::string optional = in.authzid ? ", optionally \"authzid\"" : "";
  const std::string takes = in.token  ? " (it takes \"user\" and \"token\"" + optional + ")"
                            : in.pass ? " (it takes \"user\" and \"pass\"" + optional + ")"
                                      : " (it uses the TLS client certificate given with --client-cert" + optional + ")";
  const std::pair<const char*, bool> fields[] = {{"user", in.user}, {"pass", in.pass}, {"token", in.token}};
  for (auto [name, needed] : fields) {
    if (needed && !j.contains(name)) c.missing(ptr, name);
    if (!needed && j.contains(name))
      c.key_error(pointer_append(ptr, name), "mechanism " + mech + " takes no \"" + name + "\"" + takes);
  }
  if (!in.authzid && j.contains("authzid"))
    c.key_error(ptr + "/authzid", "mechanism " + mech + " has no authorization identity (\"authzid\")");
}

// True when the template refers to a secret variable (${var.NAME} or ${var.NAME|filter}).
bool uses_secret_var(const std::string& text, const std::vector<std::string>& secret_vars) {
  for (const auto& name : secret_vars)
    for (const char* end : {"}", "|"})
      if (text.find("${var." + name + end) != std::string::npos) return true;
  return false;
}

// "initial_response" (docs/scenario-format.md, "SASL mechanisms"): only for a mechanism where the
// client speaks first; APOP is one command and has none.
void check_initial_response(checker& c, const json& j, const std::string& ptr, auth_action& a) {
  const std::string p = ptr + "/initial_response";
  if (!j.is_boolean()) {
    c.error(p, "expected true or false, got " + got(j));
    return;
  }
  a.initial_response = j.get<bool>();
  if (a.mechanism == apop) {
    c.key_error(p, "APOP is one command (APOP name digest): it has no SASL initial response");
  } else if (a.mechanism == "LOGIN" || a.mechanism == "CRAM-MD5") {
    c.key_error(p, "with " + a.mechanism + " the server speaks first: there is no initial response to send");
  }
}

std::optional<action> parse_auth(checker& c, const json& j, const std::string& ptr) {
  if (!c.is_object(j, ptr, "an object with \"mechanism\", \"user\" and \"pass\" (or \"token\")")) return std::nullopt;
  c.check_fields(j, ptr, {"mechanism", "user", "pass", "token", "authzid", "initial_response"}, "auth");
  auth_action a;
  std::size_t before = c.error_count();
  if (!j.contains("mechanism")) {
    c.missing(ptr, "mechanism");
  } else if (auto m = c.get_string(j["mechanism"], ptr + "/mechanism", true)) {
    *m = upper(*m);
    const auto all = offered_mechanisms(c);
    if (*m == apop && c.protocol && *c.protocol != protocol_kind::pop3) {
      c.error(ptr + "/mechanism", "APOP (RFC 1939 §7) is a POP3 command; this scenario's protocol is " +
                                      std::string(to_string(*c.protocol)));
    } else if (!known_mechanism(*m)) {
      std::string msg = "auth mechanism \"" + *m + "\" is not supported";
      if (auto near = did_you_mean(*m, all); !near.empty()) msg += " (did you mean \"" + near + "\"?)";
      std::string list;
      for (const auto& name : all) list += (list.empty() ? "" : ", ") + name;
      c.error(ptr + "/mechanism", msg + "; supported: " + list);
    } else {
      check_auth_inputs(c, j, ptr, *m);
    }
    a.mechanism = *m;
  }
  for (auto [name, into] : {std::pair{"user", &a.user}, std::pair{"pass", &a.pass}}) {
    if (j.contains(name))
      if (auto t = c.get_templ(j[name], pointer_append(ptr, name))) *into = std::move(*t);
  }
  if (j.contains("token")) {
    a.token = c.get_templ(j["token"], ptr + "/token");
    if (a.token && !uses_secret_var(a.token->text, c.secret_vars))
      c.error(ptr + "/token", "an OAuth token is a secret: use a secret variable, e.g. \"${var.token}\" with "
                              "\"token\": {\"env\": \"MAILSPEC_OAUTH_TOKEN\", \"secret\": true} under \"vars\"");
  }
  if (j.contains("authzid")) a.authzid = c.get_templ(j["authzid"], ptr + "/authzid");
  if (j.contains("initial_response")) check_initial_response(c, j["initial_response"], ptr, a);
  if (c.error_count() != before) return std::nullopt;
  return a;
}

std::optional<action> parse_message(checker& c, const json& j, const std::string& ptr) {
  if (!c.is_object(j, ptr, "an object like {\"lines\": [...]}")) return std::nullopt;
  c.check_fields(j, ptr, {"lines"}, "message");
  if (c.protocol && *c.protocol != protocol_kind::smtp)
    c.key_error(ptr, "\"message\" (an SMTP DATA body) is only for SMTP scenarios");
  message_action m;
  if (!j.contains("lines")) {
    c.missing(ptr, "lines");
    return std::nullopt;
  }
  const std::string lp = ptr + "/lines";
  if (!c.is_array(j["lines"], lp, "a list of strings")) return std::nullopt;
  for (std::size_t i = 0; i < j["lines"].size(); ++i) {
    auto t = c.get_templ(j["lines"][i], pointer_append(lp, i));
    if (t && t->text.find_first_of("\r\n") != std::string::npos)
      c.error(pointer_append(lp, i), "a message line cannot contain CR or LF (one line per list item)");
    else if (t) m.lines.push_back(std::move(*t));
  }
  return m;
}

// "bdat": one RFC 3030 chunk, {"data": "...", "last": true} or {"lines": [...]}.
std::optional<action> parse_bdat(checker& c, const json& j, const std::string& ptr) {
  if (!c.is_object(j, ptr, "an object like {\"lines\": [...], \"last\": true}")) return std::nullopt;
  c.check_fields(j, ptr, {"data", "lines", "last"}, "bdat");
  if (c.protocol && *c.protocol != protocol_kind::smtp)
    c.key_error(ptr, "\"bdat\" (an SMTP BDAT chunk, RFC 3030) is only for SMTP scenarios");
  bdat_action b;
  std::size_t before = c.error_count();
  if (j.contains("data") && j.contains("lines")) {
    c.key_error(ptr + "/lines", "a bdat chunk is \"data\" or \"lines\", not both");
  } else if (!j.contains("data") && !j.contains("lines")) {
    c.error(ptr, "missing \"data\" or \"lines\" (use \"data\": \"\" for an empty chunk, e.g. BDAT 0 LAST)");
  }
  if (j.contains("data")) b.data = c.get_templ(j["data"], ptr + "/data");
  if (j.contains("lines")) {
    const std::string lp = ptr + "/lines";
    if (c.is_array(j["lines"], lp, "a list of strings")) {
      for (std::size_t i = 0; i < j["lines"].size(); ++i) {
        auto t = c.get_templ(j["lines"][i], pointer_append(lp, i));
        if (t && t->text.find_first_of("\r\n") != std::string::npos)
          c.error(pointer_append(lp, i), "a bdat line cannot contain CR or LF (one line per list item; use \"data\" for exact bytes)");
        else if (t) b.lines.push_back(std::move(*t));
      }
    }
  }
  if (j.contains("last")) {
    if (j["last"].is_boolean()) b.last = j["last"].get<bool>();
    else c.error(ptr + "/last", "expected true or false, got " + got(j["last"]));
  }
  if (c.error_count() != before) return std::nullopt;
  return b;
}

std::optional<action> parse_expect_close(checker& c, const json& j, const std::string& ptr) {
  expect_close_action a;
  if (j.is_boolean() && j.get<bool>()) return a;
  if (!j.is_object()) {
    c.error(ptr, "expected true or an object like {\"timeout_ms\": 5000}, got " + got(j));
    return std::nullopt;
  }
  c.check_fields(j, ptr, {"timeout_ms", "no_data"}, "expect_close");
  if (j.contains("timeout_ms")) {
    auto v = c.get_int(j["timeout_ms"], ptr + "/timeout_ms", 1, 600000);
    if (!v) return std::nullopt;
    a.timeout_ms = *v;
  }
  if (j.contains("no_data")) {
    if (!j["no_data"].is_boolean()) {
      c.error(ptr + "/no_data", "expected true or false, got " + got(j["no_data"]));
      return std::nullopt;
    }
    a.no_data = j["no_data"].get<bool>();
  }
  return a;
}

std::optional<action> parse_action(checker& c, const std::string& name, const json& j, const std::string& ptr) {
  if (name == "send") return parse_send(c, j, ptr);
  if (name == "send_raw") return parse_send_raw(c, j, ptr);
  if (name == "starttls") return parse_starttls(c, j, ptr);
  if (name == "auth") return parse_auth(c, j, ptr);
  if (name == "message") return parse_message(c, j, ptr);
  if (name == "bdat") return parse_bdat(c, j, ptr);
  if (name == "expect_close") return parse_expect_close(c, j, ptr);
  auto ms = c.get_int(j, ptr, 0, 600000);
  if (!ms) return std::nullopt;
  return sleep_action{*ms};
}

// Which connection a step runs on: "conn", else the previous step's. Returns false when unknown.
struct conn_tracker {
  std::string current;
  bool have = false;
  std::map<std::string, std::string> closed;  // connection -> pointer of its expect_close step
};

void step_connection(checker& c, const json& j, const std::string& ptr, conn_tracker& t, step& st) {
  if (j.contains("conn")) {
    if (!c.multi_conn) {
      c.key_error(ptr + "/conn", "\"conn\" names one of \"connections\"; this scenario has one \"connection\"");
      return;
    }
    auto name = c.get_string(j["conn"], ptr + "/conn", true);
    if (!name) return;
    if (std::find(c.conn_names.begin(), c.conn_names.end(), *name) == c.conn_names.end()) {
      std::string msg = "unknown connection \"" + *name + "\"";
      if (auto near = did_you_mean(*name, c.conn_names); !near.empty()) msg += " (did you mean \"" + near + "\"?)";
      std::string list;
      for (const auto& n : c.conn_names) list += (list.empty() ? "" : ", ") + n;
      c.error(ptr + "/conn", msg + "; \"connections\" has " + list);
      return;
    }
    t.current = *name;
    t.have = true;
  } else if (!t.have) {
    if (c.conn_names.size() > 1) {
      std::string list;
      for (const auto& n : c.conn_names) list += (list.empty() ? "" : ", ") + n;
      c.error(ptr, "missing \"conn\": this scenario has several connections (" + list +
                       "); the first step names one, a later step without \"conn\" continues on the previous step's");
      return;
    }
    if (!c.conn_names.empty()) {
      t.current = c.conn_names.front();
      t.have = true;
    }
  }
  st.conn = t.current;
  auto tls = c.conn_tls.find(t.current);
  c.tls = tls != c.conn_tls.end() ? std::optional<tls_mode>(tls->second) : std::nullopt;
  if (auto it = t.closed.find(t.current); c.multi_conn && it != t.closed.end())
    c.error(ptr, "connection \"" + t.current + "\" was closed by the expect_close step at " + it->second +
                     ": a later step cannot use it");
}

std::optional<step> parse_step(checker& c, const json& j, std::size_t index, std::map<std::string, std::string>& ids,
                               conn_tracker& conns) {
  const std::string ptr = pointer_append("/steps", index);
  if (!c.is_object(j, ptr, "a step object")) return std::nullopt;
  c.check_fields(j, ptr, step_fields, "a step");
  std::size_t before = c.error_count();
  step st;
  st.index = static_cast<int>(index);
  st.id = "step-" + std::to_string(index);
  st.pos = c.pos(ptr);
  st.act = expect_only_action{};
  if (j.contains("id")) {
    if (auto id = c.get_string(j["id"], ptr + "/id", true)) {
      auto [it, fresh] = ids.emplace(*id, ptr);
      if (!fresh) c.error(ptr + "/id", "duplicate step id \"" + *id + "\" (first used at " + it->second + ")");
      st.id = *id;
    }
  }
  step_connection(c, j, ptr, conns, st);
  std::vector<std::string> found;
  for (const auto& a : action_names) {
    if (j.contains(a)) found.push_back(a);
  }
  if (found.size() == 1 && found[0] == "expect_close" && conns.have) conns.closed.emplace(conns.current, ptr);
  if (found.size() > 1) {
    c.key_error(pointer_append(ptr, found[1]), "a step has exactly one action, this one has \"" + found[0] +
                                                   "\" and \"" + found[1] + "\"" + (found.size() > 2 ? " and more" : ""));
  } else if (found.empty() && !j.contains("expect")) {
    c.error(ptr, "a step needs one action (send, send_raw, starttls, auth, message, bdat, sleep_ms, expect_close) or an \"expect\"");
  }
  for (const auto& a : found) {
    if (auto act = parse_action(c, a, j[a], pointer_append(ptr, a)); act && found.size() == 1) st.act = std::move(*act);
  }
  if (j.contains("timeout_ms")) st.timeout_ms = c.get_int(j["timeout_ms"], ptr + "/timeout_ms", 1, 600000);
  if (j.contains("replies")) {
    if (!j.contains("send_raw"))
      c.key_error(ptr + "/replies", "\"replies\" counts the replies to a \"send_raw\" step; this step has no send_raw");
    else if (auto n = c.get_int(j["replies"], ptr + "/replies", 1, 1000)) st.replies = static_cast<int>(*n);
  }
  if (j.contains("expect")) st.expect = parse_expect(c, j["expect"], ptr + "/expect");
  if (c.error_count() != before) return std::nullopt;
  return st;
}

}  // namespace

void parse_steps(checker& c, const json& steps, scenario& s) {
  if (!c.is_array(steps, "/steps", "a list of steps")) return;
  if (steps.empty()) {
    c.error("/steps", "expected at least one step, got an empty list");
    return;
  }
  std::map<std::string, std::string> ids;
  conn_tracker conns;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (auto st = parse_step(c, steps[i], i, ids, conns)) s.steps.push_back(std::move(*st));
  }
}

}  // namespace mailspec::scenario::detail
