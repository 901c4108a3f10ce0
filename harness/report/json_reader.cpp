// report.json -> run_report (for merge and --baseline). Strict on types and enumerations,
// lenient on absent optional members; every error names the JSON pointer.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "report/facts.hpp"
#include "report/report.hpp"

namespace mailspec::report {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::runtime_error("invalid mailspec report: (" + where + ") " + what);
}

template <class T>
T opt(const json& j, const char* key, T def = T{}) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  return it->get<T>();
}

// Members that hold objects: a number or an array there is a damaged report, not defaults.
const json& need_object(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "expected an object, got " + std::string(j.type_name()));
  return j;
}

const json& object_at(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end()) bad(where, std::string("missing member \"") + key + "\"");
  return *it;
}

template <class E, class F>
E enum_of(const json& j, const char* key, E def, F parse, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  if (!it->is_string()) bad(where + "/" + key, "expected a string, got " + std::string(it->type_name()));
  auto v = parse(it->get<std::string>());
  if (!v) bad(where + "/" + key, "unknown value \"" + it->get<std::string>() + "\"");
  return *v;
}

certificate_facts certificate_from(const json& j) {
  certificate_facts c;
  c.subject = opt<std::string>(j, "subject");
  c.issuer = opt<std::string>(j, "issuer");
  c.san = opt<std::vector<std::string>>(j, "san");
  c.not_before = opt<std::string>(j, "not_before");
  c.not_after = opt<std::string>(j, "not_after");
  c.not_before_epoch = opt<std::int64_t>(j, "not_before_epoch");
  c.not_after_epoch = opt<std::int64_t>(j, "not_after_epoch");
  c.key_type = opt<std::string>(j, "key_type");
  c.key_bits = opt<int>(j, "key_bits");
  c.signature_algorithm = opt<std::string>(j, "signature_algorithm");
  c.serial = opt<std::string>(j, "serial");
  c.sha256_fingerprint = opt<std::string>(j, "sha256_fingerprint");
  c.self_signed = opt<bool>(j, "self_signed");
  return c;
}

tls_facts tls_from(const json& j) {
  tls_facts t;
  t.handshake_ok = opt<bool>(j, "handshake_ok");
  t.handshake_error = opt<std::string>(j, "handshake_error");
  t.mode = opt<std::string>(j, "mode");
  t.version = opt<std::string>(j, "version");
  t.cipher = opt<std::string>(j, "cipher");
  t.cipher_bits = opt<int>(j, "cipher_bits");
  t.sni = opt<std::string>(j, "sni");
  t.alpn = opt<std::string>(j, "alpn");
  t.verify_mode = opt<std::string>(j, "verify_mode");
  t.chain_ok = opt<bool>(j, "chain_ok");
  t.hostname_ok = opt<bool>(j, "hostname_ok");
  t.verify_name = opt<std::string>(j, "verify_name");
  t.verify_code = opt<long>(j, "verify_code");
  t.verify_error = opt<std::string>(j, "verify_error");
  t.peer_temp_key = opt<std::string>(j, "peer_temp_key");
  if (auto it = j.find("leaf"); it != j.end() && !it->is_null()) t.leaf = certificate_from(*it);
  if (auto it = j.find("chain"); it != j.end() && !it->is_null())
    for (const auto& c : *it) t.chain.push_back(certificate_from(c));
  t.plaintext_bytes_before_handshake = opt<std::uint64_t>(j, "plaintext_bytes_before_handshake");
  t.plaintext_before_handshake = from_visible(opt<std::string>(j, "plaintext_before_handshake"));
  t.handshake_ms = opt<std::int64_t>(j, "handshake_ms");
  if (auto it = j.find("dane"); it != j.end() && it->is_object()) {
    auto& d = t.dane.emplace();
    d.records = opt<std::vector<std::string>>(*it, "records");
    d.match_depth = opt<std::vector<int>>(*it, "match_depth");
    d.unusable = opt<std::vector<std::string>>(*it, "unusable");
    d.authenticated = opt<bool>(*it, "authenticated");
    d.depth = opt<int>(*it, "depth");
    d.matched = opt<std::string>(*it, "matched");
    d.verify_error = opt<std::string>(*it, "verify_error");
  }
  return t;
}

step_result step_from(const json& j, const std::string& where) {
  need_object(j, where);
  step_result s;
  s.index = opt<int>(j, "index");
  s.id = opt<std::string>(j, "id");
  s.action = opt<std::string>(j, "action");
  s.result = enum_of(j, "verdict", verdict::pass, verdict_from_string, where);
  s.expected = opt<std::string>(j, "expected");
  s.actual = opt<std::string>(j, "actual");
  s.message = opt<std::string>(j, "message");
  s.duration_ms = opt<std::int64_t>(j, "duration_ms");
  s.sent = opt<std::string>(j, "sent");
  return s;
}

finding finding_from(const json& j, const std::string& where) {
  need_object(j, where);
  finding f;
  f.rule = object_at(j, "rule", where).get<std::string>();
  f.spec = opt<std::string>(j, "spec");
  f.lvl = enum_of(j, "level", level::must, level_from_string, where);
  f.result = enum_of(j, "verdict", verdict::pass, verdict_from_string, where);
  f.sev = enum_of(j, "severity", severity::none, severity_from_string, where);
  f.requirement = opt<std::string>(j, "requirement");
  f.expected = opt<std::string>(j, "expected");
  f.actual = opt<std::string>(j, "actual");
  f.step = opt<int>(j, "step", -1);
  f.transcript_index = opt<int>(j, "transcript_index", -1);
  f.message = opt<std::string>(j, "message");
  if (auto it = j.find("baseline"); it != j.end() && !it->is_null()) {
    const json& b = need_object(*it, where + "/baseline");
    std::string state = object_at(b, "state", where + "/baseline").get<std::string>();
    if (state == "known") f.baseline = baseline_mark::known;
    else if (state == "new") f.baseline = baseline_mark::fresh;
    else bad(where + "/baseline/state", "unknown value \"" + state + "\" (expected known or new)");
    f.baseline_reason = opt<std::string>(b, "reason");
  }
  return f;
}

baseline_item baseline_item_from(const json& j, const std::string& where) {
  need_object(j, where);
  return {opt<std::string>(j, "case"), opt<std::string>(j, "target"), object_at(j, "rule", where).get<std::string>(),
          opt<std::string>(j, "was"),  opt<std::string>(j, "now"),    opt<std::string>(j, "reason")};
}

direction direction_of(const std::string& s, const std::string& where) {
  if (s == "c") return direction::client;
  if (s == "s") return direction::server;
  if (s == "meta") return direction::meta;
  bad(where + "/dir", "unknown direction \"" + s + "\" (expected c, s or meta)");
}

channel channel_of(const std::string& s, const std::string& where) {
  if (s == "plain") return channel::plain;
  if (s == "tls") return channel::tls;
  bad(where + "/channel", "unknown channel \"" + s + "\" (expected plain or tls)");
}

void transcript_from(const json& arr, transcript& log, const std::string& where) {
  if (!arr.is_array()) bad(where, "expected an array, got " + std::string(arr.type_name()));
  for (std::size_t i = 0; i < arr.size(); ++i) {
    std::string w = where + "/" + std::to_string(i);
    const json& e = need_object(arr[i], w);
    transcript_entry t;
    t.t_ms = opt<std::int64_t>(e, "t_ms");
    t.dir = direction_of(opt<std::string>(e, "dir", "meta"), w);
    t.chan = channel_of(opt<std::string>(e, "channel", "plain"), w);
    t.step = opt<int>(e, "step", -1);
    t.text = from_visible(opt<std::string>(e, "text"));
    t.elided = opt<std::uint64_t>(e, "elided");
    t.conn = opt<std::string>(e, "conn");
    log.restore(std::move(t));
  }
}

void target_from(const json& j, target_info& t) {
  t.host = opt<std::string>(j, "host");
  t.ip = opt<std::string>(j, "ip");
  t.addresses = opt<std::vector<std::string>>(j, "addresses");
  t.port = opt<int>(j, "port");
  t.tls_mode = opt<std::string>(j, "tls");
  t.bind = opt<std::string>(j, "bind");
  t.service = opt<std::string>(j, "service");
}

template <class F>
void each(const json& j, const char* key, const std::string& where, F f) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_array()) bad(where + "/" + key, "expected an array, got " + std::string(it->type_name()));
  for (std::size_t i = 0; i < it->size(); ++i) f((*it)[i], where + "/" + key + "/" + std::to_string(i));
}

case_result case_from(const json& j, const std::string& w) {
  if (!j.is_object()) bad(w, "expected an object, got " + std::string(j.type_name()));
  case_result c;
  c.scenario_id = object_at(j, "id", w).get<std::string>();
  c.scenario_file = opt<std::string>(j, "file");
  c.title = opt<std::string>(j, "title");
  c.protocol = opt<std::string>(j, "protocol");
  c.kind = opt<std::string>(j, "kind", "scenario");
  c.run = opt<int>(j, "run");
  if (auto it = j.find("target"); it != j.end() && !it->is_null()) target_from(need_object(*it, w + "/target"), c.target);
  c.result = enum_of(j, "verdict", verdict::error, verdict_from_string, w);
  c.message = opt<std::string>(j, "message");
  c.started = opt<std::string>(j, "started");
  c.duration_ms = opt<std::int64_t>(j, "duration_ms");
  c.refs = opt<std::vector<std::string>>(j, "refs");
  each(j, "steps", w, [&](const json& s, const std::string& sw) { c.steps.push_back(step_from(s, sw)); });
  each(j, "findings", w, [&](const json& f, const std::string& fw) { c.findings.push_back(finding_from(f, fw)); });
  if (auto it = j.find("transcript"); it != j.end() && !it->is_null()) transcript_from(*it, c.log, w + "/transcript");
  c.log.add_dropped(opt<std::uint64_t>(j, "transcript_dropped"));
  each(j, "tls", w, [&](const json& t, const std::string& tw) { c.tls.push_back(tls_from(need_object(t, tw))); });
  if (auto it = j.find("capabilities"); it != j.end() && !it->is_null()) {
    need_object(*it, w + "/capabilities");
    c.capabilities_before_tls = opt<std::vector<std::string>>(*it, "before_tls");
    c.capabilities_after_tls = opt<std::vector<std::string>>(*it, "after_tls");
  }
  unflatten_facts(opt<std::map<std::string, std::string>>(j, "extra"), c);
  return c;
}

run_report report_from(const json& j) {
  if (!j.is_object()) bad("", "expected a JSON object, got " + std::string(j.type_name()));
  std::string format = object_at(j, "format", "/format").get<std::string>();
  if (format != report_format)
    bad("/format", "unsupported format \"" + format + "\" (expected \"" + report_format + "\")");
  run_report r;
  if (auto it = j.find("tool"); it != j.end() && !it->is_null()) r.tool_version = opt<std::string>(*it, "version");
  r.command = opt<std::string>(j, "command");
  r.started = opt<std::string>(j, "started");
  r.duration_ms = opt<std::int64_t>(j, "duration_ms");
  r.arguments = opt<std::vector<std::string>>(j, "arguments");
  r.targets = opt<std::vector<std::string>>(j, "targets");
  r.incomplete = opt<bool>(j, "incomplete");
  r.incomplete_reason = opt<std::string>(j, "incomplete_reason");
  each(j, "rules", "", [&](const json& e, const std::string& w) {
    run_report::rule_ref ref{opt<std::string>(e, "spec"), opt<std::string>(e, "requirement"),
                             opt<std::string>(e, "level"), opt<std::string>(e, "protocol")};
    r.rules[object_at(e, "id", w).get<std::string>()] = ref;
  });
  if (auto it = j.find("baseline"); it != j.end() && !it->is_null()) {
    need_object(*it, "/baseline");
    baseline_diff d;
    d.file = opt<std::string>(*it, "file");
    each(*it, "fixed", "/baseline", [&](const json& e, const std::string& w) { d.fixed.push_back(baseline_item_from(e, w)); });
    each(*it, "not_rerun", "/baseline", [&](const json& e, const std::string& w) { d.not_rerun.push_back(baseline_item_from(e, w)); });
    r.baseline = std::move(d);
  }
  const json& cases = object_at(j, "cases", "/cases");
  if (!cases.is_array()) bad("/cases", "expected an array, got " + std::string(cases.type_name()));
  r.cases.reserve(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) r.cases.push_back(case_from(cases[i], "/cases/" + std::to_string(i)));
  return r;
}

}  // namespace

run_report from_json(const json& j) {
  try {
    return report_from(j);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("invalid mailspec report: ") + e.what());
  }
}

run_report read_json_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw std::runtime_error(path + ": a directory, not a report.json file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open report");
  std::stringstream buf;
  buf << in.rdbuf();
  json j;
  try {
    j = json::parse(buf.str());
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON: " + e.what());
  }
  try {
    return from_json(j);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace mailspec::report
