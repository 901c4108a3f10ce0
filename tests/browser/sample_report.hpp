// A sample run_report with every verdict, TLS facts, audit cases and hostile server text
// (invalid UTF-8, NUL bytes, "</script>"). Used by make_sample_report and the report unit tests.
#pragma once
#include <string>

#include "core/run_report.hpp"

namespace mailspec::sample {

inline certificate_facts sample_cert(const std::string& cn, bool self_signed) {
  certificate_facts c;
  c.subject = "CN=" + cn;
  c.issuer = self_signed ? c.subject : "CN=mailspec test CA";
  c.san = {"DNS:" + cn, "IP:127.0.0.1"};
  c.not_before = "2026-01-01T00:00:00Z";
  c.not_after = "2027-01-01T00:00:00Z";
  c.not_before_epoch = 1767225600;
  c.not_after_epoch = 1798761600;
  c.key_type = "EC";
  c.key_bits = 256;
  c.signature_algorithm = "ecdsa-with-SHA256";
  c.serial = "1A2B3C";
  c.sha256_fingerprint = "AB:CD:EF:01";
  c.self_signed = self_signed;
  return c;
}

inline tls_facts sample_tls(const std::string& mode, bool ok) {
  tls_facts t;
  t.handshake_ok = ok;
  t.handshake_error = ok ? "" : "tlsv1 alert protocol version";
  t.mode = mode;
  t.version = ok ? "TLSv1.3" : "";
  t.cipher = ok ? "TLS_AES_256_GCM_SHA384" : "";
  t.cipher_bits = ok ? 256 : 0;
  t.sni = "localhost";
  t.verify_mode = "hostname";
  t.chain_ok = ok;
  t.hostname_ok = ok;
  t.verify_name = "localhost";
  t.verify_error = ok ? "ok" : "self-signed certificate";
  t.verify_code = ok ? 0 : 18;
  t.peer_temp_key = "X25519";
  if (ok) {
    t.leaf = sample_cert("localhost", false);
    t.chain = {*t.leaf, sample_cert("mailspec test CA", true)};
  }
  t.handshake_ms = 7;
  return t;
}

inline finding sample_finding(const std::string& rule, verdict v, severity s = severity::none) {
  finding f;
  f.rule = rule;
  f.spec = "RFC 5321 \xc2\xa7" "4.2.1";
  f.lvl = v == verdict::warn ? level::should : level::must;
  f.result = v;
  f.sev = s;
  f.requirement = "Every reply begins with a three digit code.";
  f.expected = "a reply code 2xx";
  f.actual = "554 no";
  f.step = 0;
  f.transcript_index = 1;
  f.message = std::string("sample ") + std::string(to_string(v));
  return f;
}

inline case_result sample_case(const std::string& id, const std::string& protocol, int port, verdict v) {
  case_result c;
  c.scenario_id = id;
  c.scenario_file = "scenarios/" + id + ".json";
  c.title = "Sample " + std::string(to_string(v)) + " case";
  c.protocol = protocol;
  c.target = {"localhost", "127.0.0.1", {"127.0.0.1", "::1"}, port, port == 993 ? "implicit" : "starttls", "", ""};
  c.result = v;
  c.started = "2026-11-28T03:00:00.000Z";
  c.duration_ms = 12;
  c.refs = {"RFC 9051 \xc2\xa7" "6.2.1"};
  step_result s;
  s.index = 0;
  s.id = "greeting";
  s.action = "expect";
  s.result = v == verdict::fail ? verdict::fail : verdict::pass;
  s.expected = "* OK*";
  s.actual = "* OK ready";
  c.steps.push_back(s);
  c.log.add(0, direction::meta, channel::plain, -1, "connected to 127.0.0.1:" + std::to_string(port));
  c.log.add(3, direction::server, channel::plain, 0, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
  c.log.add(4, direction::client, channel::plain, 1, "a1 STARTTLS\r\n");
  c.log.add(9, direction::client, channel::tls, 2, "a2 LOGIN user \xe2\x80\xb9secret:pass\xe2\x80\xba\r\n");
  c.log.add(11, direction::server, channel::tls, 2, "a2 OK done\r\n");
  c.capabilities_before_tls = {"IMAP4rev1", "STARTTLS", "LOGINDISABLED"};
  c.capabilities_after_tls = {"IMAP4rev1", "AUTH=PLAIN"};
  c.probe.emplace().banner = "* OK ready";
  if (v != verdict::pass && v != verdict::skip)
    c.findings.push_back(sample_finding(protocol + "/rfc5321/4.2/reply-code-syntax", v,
                                        v == verdict::fail ? severity::high : severity::none));
  c.findings.push_back(sample_finding("tls/version/rfc8996-floor", verdict::pass));
  if (v == verdict::skip) c.message = "server lacks STARTTLS";
  if (v == verdict::error) c.message = "connection refused";
  c.tls.push_back(sample_tls(c.target.tls_mode, v != verdict::error));
  return c;
}

template <std::size_t N>
std::string bytes(const char (&s)[N]) { return std::string(s, N - 1); }

// The hostile case: invalid UTF-8, NUL bytes, markup and "</script>" in server text.
inline case_result hostile_case() {
  case_result c = sample_case("smtp/hostile-banner", "smtp", 25, verdict::fail);
  c.title = "Banner with </script><script>alert(1)</script> and \xff\xfe bytes";
  c.log.add(12, direction::server, channel::plain, 0,
            bytes("220 \xc3\x28 evil </script><img src=x onerror=alert(1)> \0nul\x01\r\n"));
  c.findings.front().actual = bytes("bad \xff\xc0 utf8 \0 and </script>");
  if (!c.probe) c.probe.emplace();
  c.probe->software = "\xe9vil/1.0";
  c.message = "<b>not bold</b>";
  return c;
}

inline case_result audit_case(int port, const std::string& protocol, verdict plaintext) {
  case_result c = sample_case("audit/" + protocol + "/" + std::to_string(port), protocol, port, plaintext);
  c.kind = "audit";
  c.findings.clear();
  c.findings.push_back(sample_finding("audit/plaintext-login/" + protocol, plaintext,
                                      plaintext == verdict::fail ? severity::critical : severity::none));
  c.findings.push_back(sample_finding("tls/starttls/offered", verdict::pass));
  c.findings.push_back(sample_finding("tls/version/rfc8996-floor", port == 993 ? verdict::warn : verdict::pass));
  c.result = combine_case_verdict(c);
  return c;
}

inline void add_rules(run_report& r) {
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      r.rules[f.rule] = {f.spec, f.requirement, std::string(to_string(f.lvl)), c.protocol};
}

// A report with every verdict; `copies` > 1 repeats the set (for load tests).
inline run_report sample_report(int copies = 1) {
  run_report r;
  r.tool_version = "0.1.0";
  r.command = "run";
  r.started = "2026-11-28T03:00:00.000Z";
  r.duration_ms = 1234;
  r.arguments = {"mailspec", "run", "scenarios", "--target", "localhost"};
  r.targets = {"localhost"};
  const char* protocols[] = {"imap", "pop3", "smtp"};
  const int ports[] = {143, 110, 25};
  for (int k = 0; k < copies; ++k) {
    int p = k % 3;
    for (auto v : {verdict::pass, verdict::fail, verdict::warn, verdict::info, verdict::skip, verdict::error}) {
      case_result c = sample_case(std::string(protocols[p]) + "/sample-" + std::string(to_string(v)), protocols[p], ports[p], v);
      c.run = k;
      r.cases.push_back(std::move(c));
    }
  }
  r.cases.push_back(hostile_case());
  r.cases.push_back(audit_case(143, "imap", verdict::fail));
  r.cases.push_back(audit_case(993, "imap", verdict::pass));
  r.cases.push_back(audit_case(110, "pop3", verdict::warn));
  add_rules(r);
  return r;
}

}  // namespace mailspec::sample
