// The serve test catalogue: one row per test, built from one template per (protocol family,
// port kind) and expanded to every --protocol of that family. The RFC sentences are quoted
// verbatim ("..." marks a cut, parentheses are mailspec's notes).
#include <sstream>

#include "server/serve.hpp"

namespace mailspec::server {

namespace {

// The study classes the tests come from.
const std::string no_starttls = "NO STARTTLS (Poddebniak, Ising, Böck, Schinzel; USENIX Security 2021)";
const std::string ndss = "NDSS 2025 study of TLS and auto-detection in mail clients";

// RFC sentences, verbatim.
const std::string rfc3207_6_strip =
    "A man-in-the-middle attack can be launched by deleting the \"250 STARTTLS\" response from the server. This would "
    "cause the client not to try to start a TLS session. ... In order to defend against such attacks both clients and "
    "servers MUST be able to be configured to require successful TLS negotiation of an appropriate cipher suite for "
    "selected hosts before messages can be successfully transferred. (RFC 3207 §6)";
const std::string rfc3207_4_454 =
    "If the client receives the 454 response, the client must decide whether or not to continue the SMTP session. "
    "Such a decision is based on local policy. (RFC 3207 §4)";
const std::string rfc3207_6_discard =
    "Before the TLS handshake has begun, any protocol interactions are performed in the clear and may be modified by "
    "an active attacker. For this reason, clients and servers MUST discard any knowledge obtained prior to the start "
    "of the TLS handshake upon completion of the TLS handshake. (RFC 3207 §6)";
const std::string rfc3207_42 =
    "The client MUST discard any knowledge obtained from the server, such as the list of SMTP service extensions, "
    "which was not obtained from the TLS negotiation itself. The client SHOULD send an EHLO command as the first "
    "command after a successful TLS negotiation. (RFC 3207 §4.2)";
const std::string rfc2595_22 =
    "Both clients and servers SHOULD have a privacy operational mode which refuses authentication unless successful "
    "activation of an encryption layer (such as that provided by TLS) occurs prior to or at the time of "
    "authentication and which will terminate the connection if that encryption layer is deactivated. (RFC 2595 §2.2)";
const std::string rfc2595_24 =
    "During the TLS negotiation, the client MUST check its understanding of the server hostname against the server's "
    "identity as presented in the server Certificate message, in order to prevent man-in-the-middle attacks. (RFC "
    "2595 §2.4)";
const std::string rfc2595_31 =
    "Once TLS has been started, the client MUST discard cached information about server capabilities and SHOULD "
    "re-issue the CAPABILITY command. This is necessary to protect against man-in-the-middle attacks which alter the "
    "capabilities list prior to STARTTLS. (RFC 2595 §3.1)";
const std::string rfc2595_4 =
    "Once TLS has been started, the client MUST discard cached information about server capabilities and SHOULD "
    "re-issue the CAPA command. This is necessary to protect against man-in-the-middle attacks which alter the "
    "capabilities list prior to STLS. (RFC 2595 §4)";
const std::string rfc9051_621_caps =
    "Once TLS has been started, the client MUST discard cached information about server capabilities and SHOULD "
    "reissue the CAPABILITY command. (RFC 9051 §6.2.1)";
const std::string rfc9051_623 =
    "A client implementation MUST NOT send a LOGIN command if the LOGINDISABLED capability is advertised. (RFC 9051 "
    "§6.2.3)";
const std::string rfc9051_714 =
    "Clients that require mandatory TLS MUST close the connection after receiving the PREAUTH response on a "
    "non-protected port. (RFC 9051 §7.1.4)";
const std::string rfc9051_71_alert =
    "Content of ALERT response codes received on a connection without TLS or SASL security-layer confidentiality "
    "SHOULD be ignored by clients. ... If displayed, such alerts MUST be clearly marked as potentially suspicious. "
    "(RFC 9051 §7.1)";
const std::string rfc8314_52 =
    "An MUA that is configured to require a minimum level of confidentiality for a Mail Account MUST NOT attempt to "
    "perform any operation other than capability discovery, or STARTTLS for servers not using Implicit TLS, unless "
    "the minimum level of confidentiality is provided by that connection. (RFC 8314 §5.2)";
const std::string rfc8314_51 =
    "... an MUA MUST NOT attempt to \"test\" a particular Mail Account configuration by submitting the user's "
    "authentication credentials to a server, unless a TLS session meeting minimum confidentiality levels has been "
    "established with that server. (RFC 8314 §5.1)";
const std::string rfc8314_52_default =
    "The default minimum expected level of confidentiality for all new accounts MUST require successful validation of "
    "the server's certificate and SHOULD require negotiation of TLS version 1.1 or greater. (RFC 8314 §5.2)";
const std::string rfc8314_53 =
    "MUAs MUST validate TLS server certificates according to [RFC7817] and PKIX [RFC5280]. (RFC 8314 §5.3)";
const std::string rfc9525_66 =
    "If the client is an automated application, then it SHOULD terminate the communication attempt with a bad "
    "certificate error and log the error appropriately. The application MAY provide a configuration setting to "
    "disable this behavior, but it MUST NOT disable this security control by default. (RFC 9525 §6.6, when no "
    "presented identifier matches the name the client connected to)";

// One test before it is expanded to the protocols of its family.
struct tmpl {
  tmpl(std::string cls, std::string name, std::string title, std::string study, std::string spec, std::string req,
       oracle judge, script s, severity sev = severity::high)
      : cls(std::move(cls)), name(std::move(name)), title(std::move(title)), study(std::move(study)),
        spec(std::move(spec)), requirement(std::move(req)), judge(judge), s(s), sev(sev) {}
  std::string cls, name, title, study, spec, requirement;
  oracle judge;
  script s;
  severity sev;
};

// Scripts by what they change (every other field as a correct server).
script starttls_answer(on_starttls a, bool lure, bool hide = false) {
  script s;
  s.starttls = a;
  s.lure = lure;
  s.hide_starttls = hide;
  return s;
}
script hello_answer(on_hello h) {
  script s;
  s.hello = h;
  s.lure = true;
  return s;
}
script imap_trick(bool preauth, bool untagged, bool alert) {
  script s;
  s.preauth = preauth;
  s.untagged_caps = untagged;
  s.alert = alert;
  return s;
}
script certificate(leaf l) {
  script s;
  s.cert = l;
  return s;
}
script tampered_script() {
  script s;
  s.tampered_caps = true;
  return s;
}

std::vector<tmpl> certificate_tests(const std::string& family) {
  const std::string ports = family == "smtp" ? " (the public MX role, port 25, is reported as warn: RFC 8314 covers "
                                               "submission and mail access)"
                                             : "";
  auto cert = [&](leaf l, std::string name, std::string what) {
    const bool host = l == leaf::wrong_host;
    return tmpl{"cert", std::move(name), "TLS works, but the certificate is " + what,
                ndss + ": certificates accepted without validation; " + no_starttls,
                host ? "RFC 9525 §6.6; RFC 2595 §2.4; RFC 8314 §5.3" : "RFC 8314 §5.3, §5.2",
                (host ? rfc9525_66 + " " + rfc2595_24 : rfc8314_53 + " " + rfc8314_52_default) + ports,
                oracle::certificate, certificate(l)};
  };
  return {cert(leaf::self_signed, "self-signed", "self-signed (the right names, signed by itself)"),
          cert(leaf::expired, "expired", "expired (signed by the run's CA, validity ended yesterday)"),
          cert(leaf::wrong_host, "wrong-host", "for another host (signed by the run's CA for wrong-host.invalid)"),
          cert(leaf::unknown_ca, "unknown-ca", "signed by an unknown CA (the right names, a CA nobody trusts)")};
}

std::vector<tmpl> starttls_tests(const std::string& f) {
  const bool smtp = f == "smtp", imap = f == "imap";
  const std::string cmd = f == "pop3" ? "STLS" : "STARTTLS";
  const std::string refusal = smtp ? "454" : imap ? "BAD" : "-ERR";
  const std::string proto_spec = smtp ? "RFC 3207 §4.2" : imap ? "RFC 9051 §6.2.1" : "RFC 2595 §4";
  const std::string discard = smtp ? rfc3207_42 : imap ? rfc2595_31 : rfc2595_4;
  const std::string privacy = smtp ? rfc3207_6_strip : rfc2595_22;
  const std::string privacy_spec = smtp ? "RFC 3207 §6" : "RFC 2595 §2.2";
  std::vector<tmpl> v;
  v.push_back({"ok", "starttls",
               "a correct server: " + cmd + " offered and working, a certificate from the run's CA, no password "
               "mechanism before TLS",
               "baseline (no attack): shows the client works against this server", proto_spec + "; RFC 8314 §5.2",
               "Summary: against a correct server the client upgrades with " + cmd + ", validates the certificate "
               "(issued by the run's CA, which the client must be told to trust) and only then logs in or sends mail. " +
                   rfc8314_52,
               oracle::baseline, script{}});
  v.push_back({"strip", "capability-hidden",
               cmd + " removed from the capabilities (and the command answered as unknown); the plaintext list offers "
               "a password login",
               no_starttls + ": STARTTLS stripping", privacy_spec + "; RFC 8314 §5.2", privacy + " " + rfc8314_52,
               oracle::downgrade, starttls_answer(on_starttls::refuse, true, true)});
  v.push_back({"strip", smtp ? "starttls-454" : imap ? "starttls-bad" : "stls-err",
               cmd + " offered but answered " + refusal + "; the plaintext list offers a password login",
               no_starttls + ": STARTTLS stripping", (smtp ? "RFC 3207 §4" : privacy_spec) + "; RFC 8314 §5.2",
               (smtp ? rfc3207_4_454 : privacy) + " " + rfc8314_52, oracle::downgrade,
               starttls_answer(on_starttls::refuse, true)});
  v.push_back({"strip", "error-after-ok",
               cmd + " answered OK, then the ClientHello answered with a plaintext error (the upgrade fails after OK)",
               no_starttls + ": STARTTLS stripping", privacy_spec + "; RFC 8314 §5.2", privacy + " " + rfc8314_52,
               oracle::downgrade, starttls_answer(on_starttls::plaintext_after_ok, true)});
  v.push_back({"inject", "starttls-response",
               "answers to the client's next commands appended to the " + cmd + " OK in the same TCP segment",
               no_starttls + ": response injection",
               smtp ? "RFC 3207 §6, §4.2" : imap ? "RFC 9051 §6.2.1; RFC 2595 §3.1" : "RFC 2595 §4",
               (smtp ? rfc3207_6_discard : imap ? rfc9051_621_caps + " " + rfc2595_31 : rfc2595_4) +
                   " (Bytes that arrived before the handshake answer no command sent over TLS.)",
               oracle::injection, starttls_answer(on_starttls::inject_after_ok, false)});
  v.push_back({"inject", "after-refusal",
               cmd + " refused, with answers to the client's next commands appended (curl CVE-2021-22947)",
               no_starttls + ": response injection", (smtp ? "RFC 3207 §6" : privacy_spec) + "; RFC 8314 §5.2",
               (smtp ? rfc3207_6_discard : privacy) + " " + rfc8314_52, oracle::injection,
               starttls_answer(on_starttls::inject_after_refusal, true)});
  if (imap) {
    v.push_back({"preauth", "greeting", "a PREAUTH greeting on the STARTTLS port: no way to start TLS",
                 no_starttls + ": STARTTLS stripping (PREAUTH)", "RFC 9051 §7.1.4; RFC 8314 §5.2",
                 rfc9051_714 + " " + rfc8314_52, oracle::downgrade, imap_trick(true, false, false)});
    v.push_back({"untagged", "capability-before-starttls",
                 "an unsolicited CAPABILITY without STARTTLS or LOGINDISABLED follows the real answer, before STARTTLS",
                 no_starttls + ": untagged responses injected before STARTTLS", "RFC 2595 §2.2; RFC 8314 §5.2",
                 rfc2595_22 + " " + rfc8314_52, oracle::downgrade, imap_trick(false, true, false)});
    v.push_back({"alert", "before-starttls", "an [ALERT] in the greeting, text an attacker controls, before STARTTLS",
                 no_starttls + ": ALERT and greeting spoofing", "RFC 9051 §7.1; RFC 8314 §5.2",
                 rfc9051_71_alert + " (Whether the client shows the text cannot be seen from the server: the test "
                 "judges what the client sends after it.) " + rfc8314_52,
                 oracle::downgrade, imap_trick(false, false, true)});
  }
  v.push_back({"caps", "tampered",
               "the capabilities before TLS offer a SASL mechanism (IMAP: and LOGIN) that the capabilities over TLS "
               "do not",
               no_starttls + ": capability tampering before STARTTLS",
               smtp ? "RFC 3207 §4.2, §6" : imap ? "RFC 9051 §6.2.1, §6.2.3; RFC 2595 §3.1" : "RFC 2595 §4",
               imap ? rfc9051_621_caps + " " + rfc9051_623 : discard, oracle::tampered,
               tampered_script(), severity::medium});
  for (auto& t : certificate_tests(f)) v.push_back(std::move(t));
  return v;
}

std::vector<tmpl> implicit_tests(const std::string& f) {
  std::vector<tmpl> v;
  v.push_back({"ok", "implicit",
               "a correct Implicit TLS server: a TLS handshake at once, a certificate from the run's CA",
               "baseline (no attack): shows the client works against this server", "RFC 8314 §5.3, §5.2",
               "Summary: against a correct Implicit TLS server the client completes the handshake, validates the "
               "certificate (issued by the run's CA, which the client must be told to trust) and logs in over TLS. " +
                   rfc8314_53,
               oracle::baseline, script{}});
  v.push_back({"implicit", "refused",
               "the ClientHello is answered with a TLS handshake_failure alert; a later connection that does not start "
               "TLS is served in plaintext",
               ndss + ": auto-detection falls back to plaintext", "RFC 8314 §5.2, §5.1", rfc8314_52 + " " + rfc8314_51,
               oracle::downgrade, hello_answer(on_hello::alert)});
  v.push_back({"implicit", "plaintext-answer",
               "the ClientHello is answered with a plaintext greeting, as from a plaintext port, and the connection "
               "goes on in plaintext",
               ndss + ": auto-detection falls back to plaintext", "RFC 8314 §5.2, §5.1", rfc8314_52 + " " + rfc8314_51,
               oracle::downgrade, hello_answer(on_hello::plaintext)});
  for (auto& t : certificate_tests(f)) v.push_back(std::move(t));
  return v;
}

// RFC 9525 is not stored in tests/data/rfc (no public copy of its plain text was found), so its
// sentence above cannot be checked against the RFC: a requirement whose spec cites it is marked
// "Summary:" (its other RFC sentences stay as they are).
std::string requirement_of(const tmpl& t) {
  if (t.spec.find("RFC 9525") == std::string::npos || t.requirement.rfind("Summary:", 0) == 0) return t.requirement;
  return "Summary: " + t.requirement;
}

std::vector<test_def> build_tests() {
  std::vector<test_def> out;
  for (const auto& p : protocols()) {
    const std::string f = base_protocol(p);
    const port_kind k = port_of(p);
    for (auto& t : k == port_kind::starttls ? starttls_tests(f) : implicit_tests(f)) {
      test_def d;
      d.id = "serve/" + p + "/" + t.cls + "/" + t.name;
      d.protocol = p;
      d.base = f;
      d.port = k;
      d.cls = t.cls;
      d.name = t.name;
      d.title = t.title;
      d.study = t.study;
      d.spec = t.spec;
      d.requirement = requirement_of(t);
      d.judge = t.judge;
      d.sev = t.sev;
      d.s = t.s;
      out.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(leaf l) {
  switch (l) {
    case leaf::valid: return "valid";
    case leaf::self_signed: return "self-signed";
    case leaf::expired: return "expired";
    case leaf::wrong_host: return "wrong-host";
    case leaf::unknown_ca: return "unknown-ca";
  }
  return "valid";
}

const std::vector<std::string>& protocols() {
  static const std::vector<std::string> p{"smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"};
  return p;
}

bool is_protocol(std::string_view p) {
  for (const auto& x : protocols())
    if (x == p) return true;
  return false;
}

std::string base_protocol(std::string_view p) {
  if (p == "submission" || p == "submissions" || p == "smtp") return "smtp";
  if (p == "imaps" || p == "imap") return "imap";
  return "pop3";
}

port_kind port_of(std::string_view p) {
  return p == "submissions" || p == "imaps" || p == "pop3s" ? port_kind::implicit : port_kind::starttls;
}

const std::vector<test_def>& tests() {
  static const std::vector<test_def> all = build_tests();
  return all;
}

const test_def* find_test(std::string_view id) {
  for (const auto& t : tests())
    if (t.id == id) return &t;
  return nullptr;
}

std::vector<const test_def*> select(std::string_view protocol, const std::vector<std::string>& prefixes) {
  std::vector<const test_def*> out;
  for (const auto& t : tests())
    if (t.protocol == protocol && rules::selected(t.id, prefixes)) out.push_back(&t);
  return out;
}

nlohmann::json listing_json() {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& t : tests())
    a.push_back({{"id", t.id},
                 {"protocol", t.protocol},
                 {"port", t.port == port_kind::starttls ? "starttls" : "implicit"},
                 {"class", t.cls},
                 {"title", t.title},
                 {"study", t.study},
                 {"spec", t.spec},
                 {"severity", std::string(to_string(t.sev))},
                 {"requirement", t.requirement}});
  return a;
}

std::string listing_text() {
  std::ostringstream os;
  std::string last;
  for (const auto& t : tests()) {
    if (t.protocol != last)
      os << (last.empty() ? "" : "\n") << "== --protocol " << t.protocol << " ("
         << (t.port == port_kind::starttls ? "STARTTLS" : "Implicit TLS") << ")\n";
    last = t.protocol;
    os << t.id << "  [" << t.cls << ", " << to_string(t.sev) << "]  " << t.spec << "\n    " << t.title << "\n    study: "
       << t.study << "\n";
  }
  os << "\n" << tests().size() << " tests; the RFC sentences: mailspec serve --list --format json, or mailspec rules\n";
  return os.str();
}

}  // namespace mailspec::server
