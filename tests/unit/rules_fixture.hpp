// Hand-built session::record fixtures for the rules tests: raw server bytes run through the
// real protocol framers, e.g.
//   smtp_session({{"", "220 mx ESMTP\r\n"}, {"EHLO x", "250-mx\r\n250 STARTTLS\r\n"}})
#pragma once
// Fixture turns are written as brace lists that leave trailing fields at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "protocol/imap.hpp"
#include "protocol/pop3.hpp"
#include "protocol/smtp.hpp"
#include "rules/rules.hpp"
#include "session/record.hpp"

namespace rules_fixture {

using mailspec::session::exchange;
using mailspec::session::record;

struct turn {
  std::string command;  // "" = greeting / passive read; "A\r\nB" = pipelined (send_raw)
  std::string server;   // the server's bytes, exactly
  bool tls = false;     // exchanged over TLS
  bool closed = false;  // the server closed the connection after these bytes
  bool timed_out = false;
  std::string verb;     // overrides the verb taken from the command (e.g. "DATA-BODY")
};

// A command and the server's reply (over TLS / then closed when those are set).
inline turn cmd(const std::string& c, const std::string& reply, bool tls = false, bool closed = false) {
  return {c, reply, tls, closed};
}

inline std::vector<std::string> split_crlf(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto j = s.find("\r\n", i);
    out.push_back(s.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j + 2;
  }
  return out;
}

inline std::string word(const std::string& s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t k = 0;; ++k) {
    while (i < s.size() && s[i] == ' ') ++i;
    auto j = s.find(' ', i);
    if (k == n) return s.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (j == std::string::npos) return "";
    i = j;
  }
}

inline std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline void frame(const std::string& proto, const std::vector<std::string>& lines, const turn& t, exchange& ex) {
  namespace p = mailspec::protocol;
  if (proto == "smtp") {
    p::smtp_framer f;
    f.feed(t.server);
    while (auto r = f.next()) ex.smtp.push_back(std::move(*r));
    if (t.closed)
      if (auto r = f.finish()) ex.smtp.push_back(std::move(*r));
  } else if (proto == "pop3") {
    p::pop3_framer f;
    if (lines.empty()) f.expect_multiline(false);
    for (const auto& l : lines) f.expect_multiline(p::pop3_command_is_multiline(l));
    f.feed(t.server);
    while (auto r = f.next()) ex.pop3.push_back(std::move(*r));
    if (t.closed)
      if (auto r = f.finish()) ex.pop3.push_back(std::move(*r));
  } else {
    p::imap_framer f;
    f.feed(t.server);
    while (auto r = f.next()) ex.imap.push_back(std::move(*r));
    if (t.closed)
      if (auto r = f.finish()) ex.imap.push_back(std::move(*r));
  }
}

inline record session(const std::string& proto, const std::vector<turn>& turns) {
  record rec;
  rec.result.protocol = proto;
  rec.result.started = "2026-06-01T00:00:00Z";
  rec.result.target.host = "mail.example";
  rec.result.target.port = proto == "smtp" ? 587 : proto == "imap" ? 143 : 110;
  rec.result.target.tls_mode = "none";
  for (std::size_t i = 0; i < turns.size(); ++i) {
    const turn& t = turns[i];
    auto lines = split_crlf(t.command);
    exchange ex;
    ex.step = static_cast<int>(i);
    ex.step_id = "s" + std::to_string(i);
    ex.chan = t.tls ? mailspec::channel::tls : mailspec::channel::plain;
    ex.greeting = i == 0 && t.command.empty();
    ex.transcript_index = static_cast<int>(i);
    ex.command = lines.empty() ? "" : lines.front();
    ex.pipelined = lines.size() > 1;
    if (proto == "imap" && !ex.command.empty()) {
      ex.tag = word(ex.command, 0);
      ex.verb = upper(word(ex.command, 1));
    } else {
      ex.verb = upper(word(ex.command, 0));
    }
    if (!t.verb.empty()) ex.verb = t.verb;
    ex.closed_after = t.closed;
    ex.timed_out = t.timed_out;
    frame(proto, lines, t, ex);
    mailspec::step_result sr;
    sr.index = static_cast<int>(i);
    sr.id = ex.step_id;
    sr.sent = t.command.empty() ? "" : t.command + "\r\n";
    rec.result.steps.push_back(sr);
    if (t.tls) rec.tls_active_at_end = true;
    rec.exchanges.push_back(std::move(ex));
  }
  return rec;
}

inline record smtp_session(const std::vector<turn>& t) { return session("smtp", t); }
inline record pop3_session(const std::vector<turn>& t) { return session("pop3", t); }
inline record imap_session(const std::vector<turn>& t) { return session("imap", t); }

inline std::int64_t epoch(int y, int m, int d) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  return static_cast<std::int64_t>(timegm(&tm));
}

// A handshake that every TLS rule accepts (the case starts 2026-06-01).
inline mailspec::tls_facts good_tls(const std::string& mode = "starttls") {
  mailspec::tls_facts t;
  t.handshake_ok = true;
  t.mode = mode;
  t.version = "TLSv1.3";
  t.cipher = "TLS_AES_256_GCM_SHA384";
  t.cipher_bits = 256;
  t.sni = "mail.example";
  t.verify_mode = "hostname";
  t.chain_ok = true;
  t.hostname_ok = true;
  t.verify_name = "mail.example";
  t.verify_error = "ok";
  t.peer_temp_key = "X25519";
  mailspec::certificate_facts c;
  c.subject = "CN=mail.example";
  c.issuer = "CN=Test CA";
  c.san = {"DNS:mail.example"};
  c.not_before = "2026-01-01T00:00:00Z";
  c.not_after = "2027-01-01T00:00:00Z";
  c.not_before_epoch = epoch(2026, 1, 1);
  c.not_after_epoch = epoch(2027, 1, 1);
  c.key_type = "RSA";
  c.key_bits = 2048;
  c.signature_algorithm = "sha256WithRSAEncryption";
  c.sha256_fingerprint = "AA:BB";
  t.leaf = c;
  t.chain = {c};
  return t;
}

inline record with_tls(record r, const mailspec::tls_facts& t) {
  r.result.tls.push_back(t);
  if (r.result.target.tls_mode == "none") r.result.target.tls_mode = t.mode;
  return r;
}

// One row of the pass/fail tables: a fixture where the rule holds, one where it is broken.
struct rule_case {
  std::string id;
  std::function<record()> pass;
  std::function<record()> fail;
};

const std::vector<rule_case>& smtp_cases();
const std::vector<rule_case>& pop3_cases();
const std::vector<rule_case>& imap_cases();
const std::vector<rule_case>& tls_cases();
const std::vector<rule_case>& sasl_cases();

// The findings of one rule on a record.
inline std::vector<mailspec::finding> findings_of(const record& rec, const std::string& id, bool strict = false) {
  mailspec::rules::judge_options o;
  o.only = {id};
  o.strict = strict;
  std::vector<mailspec::finding> out;
  for (auto& f : mailspec::rules::judge(rec, o))
    if (f.rule == id) out.push_back(std::move(f));
  return out;
}

}  // namespace rules_fixture
