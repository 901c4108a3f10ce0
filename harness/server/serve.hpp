// `mailspec serve` (docs/architecture.md, "mailspec serve"): mailspec plays a scripted mail
// server on a loopback listener and judges the mail client the user points at it. Each test
// (`serve/<protocol>/<class>/<name>`) is one row of the catalogue below: what the server does
// differently from a correct server (a stripped STARTTLS, bytes injected after the STARTTLS
// answer, a bad certificate, ...) and which oracle judges what the client did. The verdicts are
// rule rows (catalogue()), judged by rules::judge on the typed client_facts of the case.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run_report.hpp"
#include "rules/rules.hpp"

namespace mailspec::server {

enum class port_kind { starttls, implicit };

// The certificate a test presents. valid: signed by the run's CA for localhost, 127.0.0.1 and
// ::1; expired: the same names, validity ended; wrong_host: signed by the CA for another name;
// self_signed: the right names, signed by itself; unknown_ca: the right names, signed by a CA
// nobody was told to trust.
enum class leaf { valid, self_signed, expired, wrong_host, unknown_ca };
std::string_view to_string(leaf l);  // "valid", "self-signed", "expired", "wrong-host", "unknown-ca"

// How the verdict is reached (server/oracle.cpp).
enum class oracle { baseline, downgrade, injection, tampered, certificate };

// The STARTTLS command's answer.
enum class on_starttls {
  upgrade,               // OK, then a TLS handshake
  refuse,                // BAD / -ERR / 454
  plaintext_after_ok,    // OK, then the ClientHello is answered in plaintext (an error)
  inject_after_ok,       // OK with answers to the next commands appended in the same segment
  inject_after_refusal,  // refused, with answers to the next commands appended (curl CVE-2021-22947)
};
// Implicit TLS ports: the answer to the client's ClientHello.
enum class on_hello { handshake, alert, plaintext };

// What the scripted server does differently from a correct one.
struct script {
  bool hide_starttls = false;  // the STARTTLS capability is not advertised (and the command is unknown)
  on_starttls starttls = on_starttls::upgrade;
  on_hello hello = on_hello::handshake;
  // The plaintext capabilities invite a login (AUTH offered, no LOGINDISABLED), as an attacker in
  // the middle would make them; a correct server offers no password mechanism before TLS.
  bool lure = false;
  bool preauth = false;        // IMAP: a PREAUTH greeting on the STARTTLS port
  bool alert = false;          // IMAP: an [ALERT] in the greeting
  bool untagged_caps = false;  // IMAP: an unsolicited CAPABILITY without STARTTLS after the real one
  bool tampered_caps = false;  // the pre-TLS mechanisms differ from those offered over TLS
  leaf cert = leaf::valid;
};

struct test_def {
  std::string id;        // serve/imap/strip/starttls-bad
  std::string protocol;  // the --protocol value: smtp, submission, submissions, imap, imaps, pop3, pop3s
  std::string base;      // smtp | imap | pop3
  port_kind port = port_kind::starttls;
  std::string cls;       // strip, inject, preauth, alert, untagged, caps, implicit, cert, ok
  std::string name;
  std::string title;     // what the server does, one line
  std::string study;     // the study class the test comes from
  std::string spec;      // "RFC 9051 §6.2.3; RFC 8314 §5.2"
  std::string requirement;  // the RFC sentence the client would break, verbatim, or "Summary: ..."
  oracle judge = oracle::downgrade;
  severity sev = severity::high;
  script s;
};

// The --protocol values, in listing order.
const std::vector<std::string>& protocols();
bool is_protocol(std::string_view p);
std::string base_protocol(std::string_view protocol);  // submission -> smtp, imaps -> imap
port_kind port_of(std::string_view protocol);
// The public MX role (smtp): RFC 8314 (submission and access) does not apply to it.
inline bool mx_role(std::string_view protocol) { return protocol == "smtp"; }

// Every test of every protocol, in listing order.
const std::vector<test_def>& tests();
const test_def* find_test(std::string_view id);
// The tests of `protocol` whose id starts with one of the prefixes (every test when none).
std::vector<const test_def*> select(std::string_view protocol, const std::vector<std::string>& prefixes);

// The serve rule table: one rule per test, id = the test id, its check the test's oracle.
const rules::table& catalogue();
// `mailspec serve --list`: every test with its class, study, RFC references and requirement.
nlohmann::json listing_json();
std::string listing_text();

struct options {
  std::string protocol;                 // one of protocols()
  std::string listen = "127.0.0.1:0";   // ADDR:PORT ([v6]:PORT), loopback only; port 0 = any free port
  std::vector<std::string> tests;       // id prefixes (--test); empty = every test of the protocol
  std::string client = "client";        // the report's target name
  std::string cert_file, key_file;      // the valid leaf (--cert/--key); "" = generated per run
  int sessions = 1;                     // connections expected per test
  std::chrono::milliseconds timeout{20000};  // waiting for a connection; one session's whole length
  std::chrono::milliseconds linger{600};     // further connections after the last one ended belong to the test
  std::string report_dir;               // where the run's CA certificate is written (serve-ca.pem)
  const std::atomic<bool>* stop = nullptr;   // SIGINT/SIGTERM: end the current test, run no more
};

// Throws std::invalid_argument for options that are wrong before anything listens (protocol,
// --listen not loopback, --test matching nothing, unreadable --cert/--key).
void check_options(const options& opt);

// A test starts listening: `where` is ADDR:PORT (what a driver script waits for).
using announce_fn = std::function<void(const test_def&, const std::string& where)>;
using progress_fn = std::function<void(const case_result&, int done, int total)>;
// A note for the console before the first test (where the CA was written, the listener).
using note_fn = std::function<void(const std::string&)>;

// Runs the selected tests one after another on one listener. Throws std::invalid_argument as
// check_options, std::runtime_error when the listener or the certificates cannot be set up.
run_report run(const options& opt, const announce_fn& announce = {}, const progress_fn& progress = {},
               const note_fn& note = {});

}  // namespace mailspec::server
