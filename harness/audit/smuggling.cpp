// SMTP smuggling: the variants, the test message and the audit rules that judge the probe's facts
// (smuggling.hpp; the probe is probe_smuggling.cpp).
#include "audit/smuggling.hpp"

namespace mailspec::audit::detail {

namespace {

using rules::context;

const std::string cves = "CVE-2023-51764, CVE-2023-51765, CVE-2023-51766 (SMTP smuggling)";

const smuggling_attempt* attempt_of(const context& c, std::string_view variant) {
  const probe_facts* f = c.probe();
  if (!f || f->family != probe_family::smtp_smuggling) return nullptr;
  auto it = f->smuggling.find(std::string(variant));
  return it == f->smuggling.end() ? nullptr : &it->second;
}

// The outcomes that tell nothing about the bytes: the server did not take the test message
// (skip: e.g. a submission port that wants AUTH first), or never answered it (error).
bool untested(context& c, const smuggling_attempt& a) {
  if (a.result == smuggling_outcome::not_tested) {
    c.emit_case(verdict::skip, "the test envelope and DATA accepted", a.evidence,
                "not tested: the server did not take the test message");
    return true;
  }
  if (a.result == smuggling_outcome::no_answer) {
    c.emit_case(verdict::error, "one reply to the test message", a.evidence, "no reply to the test message");
    return true;
  }
  return false;
}

void end_of_data(context& c, const smuggling_variant& v) {
  const auto* a = attempt_of(c, v.name);
  if (!a || untested(c, *a)) return;
  if (a->result == smuggling_outcome::rejected) return c.held_case("message rejected: " + a->evidence);
  if (a->result == smuggling_outcome::accepted) return c.held_case("kept as message data: " + a->evidence);
  c.broken_case("one reply to the message: " + std::string(v.label) + " kept as data or the message rejected",
                a->evidence,
                "the server ended DATA at " + std::string(v.label) +
                    " and answered the NOOP that followed it inside the message: a sender whose outbound server "
                    "passes the sequence on can smuggle a second, forged message through this server (" + cves + ")");
}

void bare_lf(context& c, const smuggling_variant& v) {
  const auto* a = attempt_of(c, v.name);
  if (!a || untested(c, *a)) return;
  if (a->result != smuggling_outcome::accepted) return c.held_case("message rejected: " + a->evidence);
  c.broken_case("the message rejected (a line ending in a bare <LF> is not a line of SMTP)", a->evidence,
                "the server accepted a message with a line that ends in a bare <LF>");
}

void bare_cr(context& c, const smuggling_variant& v) {
  const auto* a = attempt_of(c, v.name);
  if (!a || untested(c, *a)) return;
  c.emit_case(verdict::info, "", a->evidence,
              a->result == smuggling_outcome::accepted ? "a bare <CR> inside a line is accepted as message data"
                                                       : "a message with a bare <CR> inside a line is rejected");
}

const std::string not_a_terminator =
    "Conforming implementations MUST NOT recognize or generate any other character or character sequence as a "
    "line terminator.";
const std::string end_of_data_is =
    "The mail data are terminated by a line containing only a period, that is, the character sequence "
    "\"<CRLF>.<CRLF>\", where the first <CRLF> is actually the terminator of the previous line (see Section 4.5.2).";
const std::string how = " (Probed with one test message to the configured recipient whose body holds the sequence "
                        "followed by a NOOP line: a second reply means the server ended DATA there.)";

}  // namespace

const std::vector<smuggling_variant>& smuggling_variants() {
  static const std::vector<smuggling_variant> v = {
      {"lf-dot-lf", "<LF>.<LF>", "\n.\n", true},
      {"cr-dot-cr", "<CR>.<CR>", "\r.\r", true},
      {"lf-dot-crlf", "<LF>.<CR><LF>", "\n.\r\n", true},
      {"crlf-dot-lf", "<CR><LF>.<LF>", "\r\n.\n", true},
      {"bare-lf", "a bare <LF>", "\n", false},
      {"bare-cr", "a bare <CR>", "\r", false},
  };
  return v;
}

const smuggling_variant* find_smuggling_variant(std::string_view name) {
  for (const auto& v : smuggling_variants())
    if (v.name == name) return &v;
  return nullptr;
}

std::string smuggling_rule_id(const smuggling_variant& v) { return "audit/smtp-smuggling/" + std::string(v.name); }

std::string smuggling_message(const smuggling_variant& v, const std::string& from, const std::string& rcpt) {
  std::string m = "From: <" + from + ">\r\nTo: <" + rcpt + ">\r\nSubject: mailspec SMTP smuggling probe: " +
                  std::string(v.label) + "\r\nX-Mailspec-Probe: smtp-smuggling " + std::string(v.name) +
                  "\r\n\r\n"
                  "This test message was sent by mailspec (mailspec audit --smuggling) to see how this server\r\n"
                  "reads " + std::string(v.label) + " inside a message (RFC 5321 sections 2.3.8 and 4.1.1.4;\r\n"
                  "CVE-2023-51764, CVE-2023-51765, CVE-2023-51766). It needs no action.\r\n";
  if (v.end_of_data)
    m += "Before the sequence." + std::string(v.bytes) + "NOOP\r\nAfter the sequence: the message goes on.\r\n";
  else
    m += "This line holds " + std::string(v.label) + " here:" + std::string(v.bytes) + "and goes on.\r\n";
  return m + ".\r\n";
}

void add_smuggling_rules(rules::table& t) {
  for (const auto& v : smuggling_variants()) {
    const std::string id = smuggling_rule_id(v);
    if (v.name == "lf-dot-lf")
      t.push_back(rules::row(id, "smtp", "RFC 5321 §4.1.1.4, §2.3.8; " + cves, level::must,
                             "In particular, the sequence \"<LF>.<LF>\" (bare line feeds, without carriage returns) "
                             "MUST NOT be treated as equivalent to <CRLF>.<CRLF> as the end of mail data indication. "
                             "... " + not_a_terminator + how,
                             [v](context& c) { end_of_data(c, v); }, severity::high));
    else if (v.end_of_data)
      t.push_back(rules::row(id, "smtp", "RFC 5321 §2.3.8, §4.1.1.4; " + cves, level::must,
                             not_a_terminator + " ... " + end_of_data_is + " (So " + std::string(v.label) +
                                 " is not the end of mail data.)" + how,
                             [v](context& c) { end_of_data(c, v); }, severity::high));
    else if (v.name == "bare-lf")
      t.push_back(rules::row(id, "smtp", "RFC 5321 §4.1.1.4", level::must,
                             "The custom of accepting lines ending only in <LF>, as a concession to non-conforming "
                             "behavior on the part of some UNIX systems, has proven to cause more interoperability "
                             "problems than it solves, and SMTP server systems MUST NOT do this, even in the name of "
                             "improved robustness. (Probed with one test message holding a line that ends in a bare "
                             "<LF>; the hardened answer is a 5xx reply.)",
                             [v](context& c) { bare_lf(c, v); }, severity::low));
    else
      t.push_back(rules::row(id, "smtp", "RFC 5321 §2.3.8", level::info,
                             "In addition, the appearance of \"bare\" \"CR\" or \"LF\" characters in text (i.e., either "
                             "without the other) has a long history of causing problems in mail implementations and "
                             "applications that use the mail system as a tool. (An observation: RFC 5321 forbids "
                             "clients to send a bare <CR>; whether a server accepts one inside a line is reported.)",
                             [v](context& c) { bare_cr(c, v); }));
  }
}

}  // namespace mailspec::audit::detail
