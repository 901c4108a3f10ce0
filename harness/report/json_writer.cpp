// run_report -> report.json ("mailspec-report/1", DESIGN.md §5; schema: reports/schema/report-v1.json).
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

json tls_json(const tls_facts& t) {
  json chain = json::array();
  for (const auto& c : t.chain) chain.push_back(certificate_json(c));
  return {{"handshake_ok", t.handshake_ok},
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
}

json step_json(const step_result& s) {
  return {{"index", s.index},       {"id", s.id},           {"action", s.action},
          {"verdict", str(s.result)}, {"expected", s.expected}, {"actual", s.actual},
          {"message", s.message},   {"duration_ms", s.duration_ms}, {"sent", s.sent}};
}

json finding_json(const finding& f) {
  return {{"rule", f.rule},
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
}

json transcript_json(const transcript& t) {
  json out = json::array();
  for (const auto& e : t.entries())
    out.push_back({{"t_ms", e.t_ms},
                   {"dir", str(e.dir)},
                   {"channel", str(e.chan)},
                   {"step", e.step},
                   {"text", visible(e.text)},
                   {"elided", e.elided}});
  return out;
}

json case_json(const case_result& c) {
  json steps = json::array(), findings = json::array(), tls = json::array();
  for (const auto& s : c.steps) steps.push_back(step_json(s));
  for (const auto& f : c.findings) findings.push_back(finding_json(f));
  for (const auto& t : c.tls) tls.push_back(tls_json(t));
  const auto& t = c.target;
  return {{"id", c.scenario_id},
          {"file", c.scenario_file},
          {"title", c.title},
          {"protocol", c.protocol},
          {"kind", c.kind},
          {"run", c.run},
          {"target",
           {{"host", t.host}, {"ip", t.ip}, {"addresses", t.addresses}, {"port", t.port}, {"tls", t.tls_mode},
            {"bind", t.bind}}},
          {"verdict", str(c.result)},
          {"message", c.message},
          {"started", c.started},
          {"duration_ms", c.duration_ms},
          {"refs", c.refs},
          {"steps", steps},
          {"findings", findings},
          {"transcript", transcript_json(c.log)},
          {"transcript_dropped", c.log.dropped_entries()},
          {"tls", tls},
          {"capabilities", {{"before_tls", c.capabilities_before_tls}, {"after_tls", c.capabilities_after_tls}}},
          {"extra", c.extra}};
}

json summary_json(const run_report& r) {
  summary_counts s = summarize(r);
  int total_findings = 0;
  for (const auto& [k, n] : s.findings) total_findings += n;
  return {{"cases", s.cases}, {"findings", s.findings}, {"total", s.total_cases}, {"total_findings", total_findings}};
}

}  // namespace

json to_json(const run_report& r) {
  json rules = json::array();
  for (const auto& [id, ref] : r.rules)
    rules.push_back(
        {{"id", id}, {"spec", ref.spec}, {"requirement", ref.requirement}, {"level", ref.level}, {"protocol", ref.protocol}});
  json cases = json::array();
  for (const auto& c : r.cases) cases.push_back(case_json(c));
  json j = {{"format", report_format},
            {"tool", {{"name", "mailspec"}, {"version", r.tool_version}}},
            {"command", r.command},
            {"started", r.started},
            {"duration_ms", r.duration_ms},
            {"arguments", r.arguments},
            {"targets", r.targets},
            {"incomplete", r.incomplete},
            {"summary", summary_json(r)},
            {"rules", rules},
            {"cases", cases}};
  if (r.incomplete) j["incomplete_reason"] = r.incomplete_reason;
  return j;
}

std::string dump_json(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace mailspec::report
