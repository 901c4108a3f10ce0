// run_report -> report.json ("mailspec-report/1", docs/architecture.md; schema: reports/schema/report-v1.json).
#include <ostream>

#include "report/facts.hpp"
#include "report/report.hpp"

namespace mailspec::report {

using nlohmann::json;

namespace {

std::string str(auto v) { return std::string(to_string(v)); }

json certificate_json(const certificate_facts& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"san", c.san},
          {"not_before", c.not_before},
          {"not_after", c.not_after},
          {"not_before_epoch", c.not_before_epoch},
          {"not_after_epoch", c.not_after_epoch},
          {"key_type", c.key_type},
          {"key_bits", c.key_bits},
          {"signature_algorithm", c.signature_algorithm},
          {"serial", c.serial},
          {"sha256_fingerprint", c.sha256_fingerprint},
          {"self_signed", c.self_signed}};
}

json dane_json(const dane_facts& d) {
  return {{"records", d.records},           {"match_depth", d.match_depth}, {"unusable", d.unusable},
          {"authenticated", d.authenticated}, {"depth", d.depth},           {"matched", d.matched},
          {"verify_error", d.verify_error}};
}

json tls_json(const tls_facts& t) {
  json chain = json::array();
  for (const auto& c : t.chain) chain.push_back(certificate_json(c));
  json j = {{"handshake_ok", t.handshake_ok},
          {"handshake_error", t.handshake_error},
          {"mode", t.mode},
          {"version", t.version},
          {"cipher", t.cipher},
          {"cipher_bits", t.cipher_bits},
          {"sni", t.sni},
          {"alpn", t.alpn},
          {"verify_mode", t.verify_mode},
          {"chain_ok", t.chain_ok},
          {"hostname_ok", t.hostname_ok},
          {"verify_name", t.verify_name},
          {"verify_code", t.verify_code},
          {"verify_error", t.verify_error},
          {"peer_temp_key", t.peer_temp_key},
          {"leaf", t.leaf ? certificate_json(*t.leaf) : json(nullptr)},
          {"chain", chain},
          {"plaintext_bytes_before_handshake", t.plaintext_bytes_before_handshake},
          {"plaintext_before_handshake", visible(t.plaintext_before_handshake)},
          {"handshake_ms", t.handshake_ms}};
  if (t.dane) j["dane"] = dane_json(*t.dane);
  return j;
}

json step_json(const step_result& s) {
  return {{"index", s.index},       {"id", s.id},           {"action", s.action},
          {"verdict", str(s.result)}, {"expected", s.expected}, {"actual", s.actual},
          {"message", s.message},   {"duration_ms", s.duration_ms}, {"sent", s.sent}};
}

const char* baseline_state(baseline_mark m) { return m == baseline_mark::known ? "known" : "new"; }

json finding_json(const finding& f) {
  json j = {{"rule", f.rule},
          {"spec", f.spec},
          {"level", str(f.lvl)},
          {"verdict", str(f.result)},
          {"severity", str(f.sev)},
          {"requirement", f.requirement},
          {"expected", f.expected},
          {"actual", f.actual},
          {"step", f.step},
          {"transcript_index", f.transcript_index},
          {"message", f.message}};
  // Only in a run compared with --baseline: a report without one keeps its exact shape.
  if (f.baseline != baseline_mark::none) j["baseline"] = {{"state", baseline_state(f.baseline)}, {"reason", f.baseline_reason}};
  return j;
}

json baseline_item_json(const baseline_item& b) {
  return {{"case", b.case_id}, {"target", b.target}, {"rule", b.rule},
          {"was", b.was},      {"now", b.now},       {"reason", b.reason}};
}

// "known" and "new" count the findings so marked (written for readers; the findings are the data).
json baseline_json(const run_report& r) {
  const auto& d = *r.baseline;
  int known = 0, fresh = 0;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings) {
      known += f.baseline == baseline_mark::known;
      fresh += f.baseline == baseline_mark::fresh;
    }
  json fixed = json::array(), not_rerun = json::array();
  for (const auto& b : d.fixed) fixed.push_back(baseline_item_json(b));
  for (const auto& b : d.not_rerun) not_rerun.push_back(baseline_item_json(b));
  return {{"file", d.file}, {"known", known}, {"new", fresh}, {"fixed", std::move(fixed)}, {"not_rerun", std::move(not_rerun)}};
}

json transcript_json(const transcript& t) {
  json out = json::array();
  for (const auto& e : t.entries()) {
    json entry = {{"t_ms", e.t_ms},       {"dir", str(e.dir)},          {"channel", str(e.chan)},
                  {"step", e.step},       {"text", visible(e.text)},    {"elided", e.elided}};
    // A scenario with several connections names each entry's; one-connection reports stay as they were.
    if (!e.conn.empty()) entry["conn"] = e.conn;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

// Built with moves: a case's steps, findings and transcript are made once and moved into place
// (an initializer list copies each named part, and the cases array once more).
json to_json(const case_result& c) {
  json steps = json::array(), findings = json::array(), tls = json::array();
  for (const auto& s : c.steps) steps.push_back(step_json(s));
  for (const auto& f : c.findings) findings.push_back(finding_json(f));
  for (const auto& t : c.tls) tls.push_back(tls_json(t));
  const auto& t = c.target;
  json target = json::object();
  target["host"] = t.host;
  target["ip"] = t.ip;
  target["addresses"] = t.addresses;
  target["port"] = t.port;
  target["tls"] = t.tls_mode;
  target["bind"] = t.bind;
  target["service"] = t.service;
  json caps = json::object();
  caps["before_tls"] = c.capabilities_before_tls;
  caps["after_tls"] = c.capabilities_after_tls;
  json j = json::object();
  j["id"] = c.scenario_id;
  j["file"] = c.scenario_file;
  j["title"] = c.title;
  j["protocol"] = c.protocol;
  j["kind"] = c.kind;
  j["run"] = c.run;
  j["target"] = std::move(target);
  j["verdict"] = str(c.result);
  j["message"] = c.message;
  j["started"] = c.started;
  j["duration_ms"] = c.duration_ms;
  j["refs"] = c.refs;
  j["steps"] = std::move(steps);
  j["findings"] = std::move(findings);
  j["transcript"] = transcript_json(c.log);
  j["transcript_dropped"] = c.log.dropped_entries();
  j["tls"] = std::move(tls);
  j["capabilities"] = std::move(caps);
  j["extra"] = flatten_facts(c);
  return j;
}

json to_json_header(const run_report& r) {
  json rules = json::array();
  for (const auto& [id, ref] : r.rules)
    rules.push_back(
        {{"id", id}, {"spec", ref.spec}, {"requirement", ref.requirement}, {"level", ref.level}, {"protocol", ref.protocol}});
  summary_counts s = summarize(r);
  int total_findings = 0;
  for (const auto& [k, n] : s.findings) total_findings += n;
  json j = json::object();
  j["format"] = report_format;
  j["tool"] = {{"name", "mailspec"}, {"version", r.tool_version}};
  j["command"] = r.command;
  j["started"] = r.started;
  j["duration_ms"] = r.duration_ms;
  j["arguments"] = r.arguments;
  j["targets"] = r.targets;
  j["incomplete"] = r.incomplete;
  j["summary"] = {{"cases", s.cases}, {"findings", s.findings}, {"total", s.total_cases}, {"total_findings", total_findings}};
  j["rules"] = std::move(rules);
  j["cases"] = json::array();
  if (r.incomplete) j["incomplete_reason"] = r.incomplete_reason;
  if (r.baseline) j["baseline"] = baseline_json(r);
  return j;
}

json to_json(const run_report& r) {
  json j = to_json_header(r);
  auto& cases = j["cases"];
  // json's own push_back (not the array_t's): with JSON_DIAGNOSTICS it sets the parent links
  // that error messages use for their JSON pointer.
  for (const auto& c : r.cases) cases.push_back(to_json(c));
  return j;
}

std::string dump_json(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

void write_json(std::ostream& out, const run_report& r, int indent) {
  // The header is dumped with an empty "cases" and split there; each case is built, dumped and
  // dropped in turn, so a large run never holds more than one case as a JSON tree. The text is
  // that of dump_json(to_json(r), indent).
  const std::string head = dump_json(to_json_header(r), indent);
  const std::string marker = indent < 0 ? "\"cases\":[]" : "\"cases\": []";
  const auto at = head.find(marker);
  if (at == std::string::npos || r.cases.empty()) {
    out << head;
    return;
  }
  const std::size_t open = at + marker.size() - 1;  // just after '['
  out.write(head.data(), static_cast<std::streamsize>(open));
  const std::size_t level = indent < 0 ? 0 : static_cast<std::size_t>(indent);
  const std::string pad(2 * level, ' ');
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    const std::string text = dump_json(to_json(r.cases[i]), indent);
    if (i) out << ',';
    if (indent >= 0) out << '\n' << pad;
    // JSON strings hold no raw newline, so each newline is between tokens: indent it two levels.
    std::size_t from = 0;
    for (std::size_t lf; (lf = text.find('\n', from)) != std::string::npos; from = lf + 1) {
      out.write(text.data() + from, static_cast<std::streamsize>(lf + 1 - from));
      out << pad;
    }
    out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
  }
  if (indent >= 0) out << '\n' << std::string(level, ' ');
  out.write(head.data() + open, static_cast<std::streamsize>(head.size() - open));
}

}  // namespace mailspec::report
