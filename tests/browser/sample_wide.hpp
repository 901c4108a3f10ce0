// A sample like a merged report of several servers, for the report's matrices and its --baseline
// view: the audit of seven ports of one host (Postfix on the SMTP ports, Dovecot on IMAP and POP3,
// about 40 rules in every requirement family, as `mailspec audit` of the lab gives), three more
// servers (two named by their audit, one known only by its greeting), and the marks a --baseline
// comparison leaves (new, known, fixed, not rerun). Used by make_sample_report --wide and the
// report unit tests.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "sample_report.hpp"

namespace mailspec::sample {

inline case_result on(case_result c, const std::string& host, int port) {
  c.target.host = c.target.ip = host;
  c.target.addresses = {host};
  c.target.port = port;
  c.log = transcript();
  c.log.add(0, direction::meta, channel::plain, -1, "connected to " + host + ":" + std::to_string(port));
  return c;
}

using rule_verdicts = std::vector<std::pair<std::string, verdict>>;

// One audit probe case: audit/<service>:<port>/<probe> with the given findings.
inline case_result probe_case(const std::string& host, const std::string& service, const std::string& protocol, int port,
                              const std::string& probe, const std::string& software, const std::string& greeting,
                              const rule_verdicts& rules) {
  case_result c = on(sample_case("audit/" + service + ":" + std::to_string(port) + "/" + probe, protocol, port, verdict::pass),
                     host, port);
  c.kind = "audit";
  c.target.service = service;
  auto& facts = c.probe.emplace();
  facts.family = probe_family_from_string(probe).value_or(probe_family::starttls);
  facts.banner = greeting;
  if (!software.empty()) facts.software = software;
  c.log.add(2, direction::server, channel::plain, 0, greeting + "\r\n");
  c.findings.clear();
  for (const auto& [rule, v] : rules) {
    finding f = sample_finding(rule, v, v == verdict::fail ? severity::high : severity::none);
    f.lvl = v == verdict::warn ? level::should : v == verdict::info ? level::info : level::must;
    c.findings.push_back(f);
  }
  c.result = combine_case_verdict(c);
  return c;
}

// The probes `mailspec audit` runs on one port (audit/README.md), with the rules each judges.
inline void audit_port(run_report& r, const std::string& host, const std::string& service, const std::string& protocol,
                       int port, bool implicit, const std::string& software, const std::string& greeting) {
  verdict anon = service == "submission" || service == "submissions" ? verdict::warn : verdict::pass;
  rule_verdicts proto;
  if (protocol == "smtp")
    proto = {{"smtp/rfc5321/4.2/reply-code-syntax", verdict::pass}, {"smtp/rfc5321/4.1.1.1/ehlo-response", verdict::pass},
             {"smtp/rfc3207/4/starttls-reply", verdict::pass}, {"smtp/rfc4954/4/auth-plain-before-tls", verdict::pass}};
  else if (protocol == "imap")
    proto = {{"imap/rfc9051/7.1/greeting", verdict::pass}, {"imap/rfc9051/7.2.2/capability-imap4rev", verdict::pass},
             {"imap/rfc3501/6.2.3/logindisabled-advertised", verdict::pass}};
  else
    proto = {{"pop3/rfc1939/4/greeting", verdict::pass}, {"pop3/rfc2449/5/capa-format", verdict::pass},
             {"pop3/rfc2595/4/stls-response", verdict::pass}};
  rule_verdicts main = {{"audit/reachable", verdict::pass}, {"audit/banner", verdict::info},
                        {"audit/protocol/greeting", verdict::pass}, {"tls/cert/chain", verdict::pass},
                        {"tls/cert/hostname", verdict::pass}, {"tls/cert/expired", verdict::pass},
                        {"tls/cert/expires-soon", verdict::pass}, {"tls/cert/not-yet-valid", verdict::pass},
                        {"tls/cert/key-size", verdict::pass}, {"tls/cert/signature", verdict::pass}};
  if (implicit) {
    main.insert(main.end(), {{"audit/implicit-tls/works", verdict::pass}, {"tls/rfc8314/implicit-tls", verdict::pass}});
  } else {
    main.insert(main.end(), {{"audit/starttls/works", verdict::pass}, {"tls/starttls/offered", verdict::pass},
                             {"audit/capabilities/before-after-tls", verdict::pass}});
  }
  main.insert(main.end(), proto.begin(), proto.end());
  r.cases.push_back(probe_case(host, service, protocol, port, implicit ? "tls" : "starttls", software, greeting, main));
  if (!implicit) {
    r.cases.push_back(probe_case(host, service, protocol, port, "plaintext-login", software, greeting,
                                 {{"audit/plaintext-login/" + protocol, verdict::pass},
                                  {"tls/starttls/required-before-auth", verdict::pass}}));
    r.cases.push_back(probe_case(host, service, protocol, port, "injection", software, greeting,
                                 {{"audit/starttls-injection/" + protocol, verdict::pass}}));
  }
  r.cases.push_back(probe_case(host, service, protocol, port, "tls-versions", software, greeting,
                               {{"tls/version/rfc8996-floor", verdict::pass}, {"tls/version/modern-supported", verdict::pass},
                                {"tls/version/tls13", verdict::pass}, {"audit/tls/versions", verdict::info}}));
  r.cases.push_back(probe_case(host, service, protocol, port, "tls-ciphers", software, greeting,
                               {{"tls/cipher/anon", anon}, {"tls/cipher/export", verdict::pass}, {"tls/cipher/null", verdict::pass},
                                {"tls/cipher/rc4", verdict::pass}, {"tls/cipher/weak", verdict::pass},
                                {"tls/cipher/forward-secrecy", verdict::pass}, {"audit/tls/weak-ciphers", verdict::pass}}));
}

inline run_report wide_report() {
  run_report r;
  r.tool_version = "0.1.0";
  r.command = "merge";
  r.started = "2026-11-28T03:00:00.000Z";
  r.duration_ms = 4321;
  r.arguments = {"mailspec", "merge", "a/report.json", "b/report.json", "--report-dir", "all"};
  r.targets = {"127.0.0.1", "127.0.0.3", "127.0.0.4", "127.0.0.5"};
  const std::string postfix = "220 mail.lab.test ESMTP Postfix (Debian/GNU)", dovecot = "* OK Dovecot (Debian) ready.";
  audit_port(r, "127.0.0.1", "smtp", "smtp", 10025, false, "Postfix", postfix);
  audit_port(r, "127.0.0.1", "submission", "smtp", 10587, false, "Postfix", postfix);
  audit_port(r, "127.0.0.1", "submissions", "smtp", 10465, true, "Postfix", postfix);
  audit_port(r, "127.0.0.1", "imap", "imap", 10143, false, "Dovecot", dovecot);
  audit_port(r, "127.0.0.1", "imaps", "imap", 10993, true, "Dovecot", dovecot);
  audit_port(r, "127.0.0.1", "pop3", "pop3", 10110, false, "Dovecot", "+OK Dovecot (Debian) ready.");
  audit_port(r, "127.0.0.1", "pop3s", "pop3", 10995, true, "Dovecot", "+OK Dovecot (Debian) ready.");
  // Scenario runs against the lab: named through the audit of the same ports.
  r.cases.push_back(on(sample_case("imap/starttls-login", "imap", 10143, verdict::pass), "127.0.0.1", 10143));
  r.cases.push_back(on(sample_case("smtp/submission-starttls", "smtp", 10587, verdict::pass), "127.0.0.1", 10587));
  // Exim: an audited port and a failing scenario (new since the baseline).
  audit_port(r, "127.0.0.3", "smtp", "smtp", 2525, false, "Exim", "220 exim.test ESMTP Exim 4.96");
  case_result exim = on(sample_case("smtp/ehlo", "smtp", 2525, verdict::fail), "127.0.0.3", 2525);
  exim.findings.front().baseline = baseline_mark::fresh;
  r.cases.push_back(exim);
  // Cyrus: one audited port, plaintext login evaluated.
  audit_port(r, "127.0.0.4", "imap", "imap", 3143, false, "Cyrus IMAP", "* OK cyrus.test Cyrus IMAP 3.6.1 server ready");
  for (auto& c : r.cases)
    if (c.scenario_id == "audit/imap:3143/plaintext-login") {
      c.findings.front().result = verdict::fail;
      c.findings.front().sev = severity::high;
      c.findings.front().message = "the plaintext LOGIN was evaluated";
      c.findings.front().baseline = baseline_mark::known;
      c.findings.front().baseline_reason = "allowplaintext: yes, ticket 42";
      c.result = combine_case_verdict(c);
    }
  // A server known only by its greeting (no audit): named by the first line it sent.
  case_result bare = on(sample_case("pop3/capa", "pop3", 4110, verdict::warn), "127.0.0.5", 4110);
  bare.probe.reset();
  bare.log.add(3, direction::server, channel::plain, 0, "+OK bare.test POP3 server (no name) ready\r\n");
  bare.findings.front().baseline = baseline_mark::fresh;
  r.cases.push_back(bare);
  // The submission port's anonymous suites were known; a weak suite the baseline had is gone.
  for (auto& c : r.cases)
    for (auto& f : c.findings)
      if (f.rule == "tls/cipher/anon" && f.result == verdict::warn) {
        f.baseline = baseline_mark::known;
        f.baseline_reason = "";
      }
  baseline_diff d;
  d.file = "previous/report.json";
  d.fixed.push_back({"audit/submission:10587/tls-ciphers", "127.0.0.1:10587", "tls/cipher/weak", "fail", "pass", ""});
  d.fixed.push_back({"", "", "tls/cert/expires-soon", "", "", "certificate renewal"});
  d.not_rerun.push_back({"imap/old-case", "127.0.0.4:3143", "imap/rfc9051/6.3.1/select-ok", "warn", "", ""});
  r.baseline = d;
  add_rules(r);
  return r;
}

}  // namespace mailspec::sample
