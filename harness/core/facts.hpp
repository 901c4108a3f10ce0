// Typed facts a case carries besides its transcript and TLS facts: what an audit probe found
// (probe_facts), what `mailspec settings` found published and verified (settings_facts) and what
// a mail client did against `mailspec serve` (client_facts).
// Probes and discovery fill them, rules read them, and only the report writers flatten them into
// text (report/facts.cpp). Text fields hold the bytes as received (first line only, never CR/LF);
// whoever displays them makes them visible. See docs/architecture.md.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transcript.hpp"

namespace mailspec {

// The audit's probe families: one connection kind each, one row each in audit/families.cpp.
enum class probe_family { starttls, tls, plaintext_login, injection, tls_versions, tls_ciphers, smtp_smuggling };
std::string_view to_string(probe_family f);  // "starttls", "tls", "plaintext-login", ...
std::optional<probe_family> probe_family_from_string(std::string_view s);

// What a canary login over plaintext showed.
enum class login_outcome { refused, evaluated, accepted, inconclusive };
std::string_view to_string(login_outcome o);
std::optional<login_outcome> login_outcome_from_string(std::string_view s);

// Whether a command pipelined with STARTTLS was executed after the handshake.
enum class injection_outcome { vulnerable, not_vulnerable, refused, inconclusive };
std::string_view to_string(injection_outcome o);
std::optional<injection_outcome> injection_outcome_from_string(std::string_view s);

// What one SMTP smuggling variant did (family smtp-smuggling, docs/architecture.md): the server
// ended DATA at the sequence (it answered the command that followed it), rejected the message,
// accepted the whole message (the sequence kept as data), or the probe could not tell (the
// test envelope was refused: `not_tested`; no reply to the message: `no_answer`).
enum class smuggling_outcome { ends_data, rejected, accepted, not_tested, no_answer };
std::string_view to_string(smuggling_outcome o);  // "ends-data", "rejected", "accepted", ...
std::optional<smuggling_outcome> smuggling_outcome_from_string(std::string_view s);
struct smuggling_attempt {
  smuggling_outcome result = smuggling_outcome::no_answer;
  std::string evidence;  // the replies as received, one per line (or why it was not tested)
};

// One restricted TLS handshake (a version probe, the weak-cipher probe, the implicit-TLS
// handshake): accepted, refused by the server, no answer within the deadline, or a plaintext
// answer instead of TLS. `detail`: the cipher (and version) when accepted, else the error.
enum class handshake_outcome { accepted, refused, no_answer, not_tls };
struct handshake_attempt {
  handshake_outcome result = handshake_outcome::refused;
  std::string detail;
  bool accepted() const { return result == handshake_outcome::accepted; }
};

// The STARTTLS upgrade of a main probe.
enum class starttls_outcome { ok, refused, handshake_failed };
struct starttls_attempt {
  starttls_outcome result = starttls_outcome::refused;
  std::string detail;  // the refusing reply, or the handshake error
  bool ok() const { return result == starttls_outcome::ok; }
};

struct probe_facts {
  probe_family family = probe_family::starttls;
  std::optional<std::string> banner;          // the greeting's first line
  std::optional<std::string> software;        // guessed from the banner
  std::optional<std::string> unreachable;     // why the port could not be probed
  std::optional<std::string> throttled;       // the refusing reply (421, * BYE, -ERR [IN-USE], reset)
  std::optional<std::string> wrong_protocol;  // a greeting of another protocol
  std::optional<bool> starttls_offered;
  std::optional<starttls_attempt> starttls;
  std::optional<handshake_attempt> implicit_tls;
  std::optional<std::string> not_tls;         // an implicit-TLS port's plaintext answer
  // What the plaintext channel offers for logging in (empty: nothing).
  std::optional<std::vector<std::string>> login_advertised;
  std::optional<login_outcome> login;
  std::string login_reply;
  std::string canary_user;      // random, no account: deliberately shown, never a secret
  std::string canary_password;
  std::optional<injection_outcome> injection;
  std::string injection_evidence;
  std::map<std::string, handshake_attempt> versions;  // "TLSv1" .. "TLSv1.3"
  std::optional<handshake_attempt> weak_ciphers;
  // SMTP smuggling, per variant ("lf-dot-lf", ..., "bare-lf", "bare-cr"; audit/smuggling.hpp).
  std::map<std::string, smuggling_attempt> smuggling;
  std::vector<std::string> caps_added;    // capabilities after a STARTTLS upgrade, not before
  std::vector<std::string> caps_removed;  // before, not after

  // The probe judged nothing: the port refused it or never answered.
  bool untested() const { return unreachable || throttled; }
};

// The role of a settings case.
enum class settings_role { discovery, server, mx, mta_sts, tls_rpt };
std::string_view to_string(settings_role r);
std::optional<settings_role> settings_role_from_string(std::string_view s);

// What a port really does, as the audit's main probe found it (settings/socket-type/matches).
enum class socket_kind { ssl, starttls, plain, unknown };
std::string_view to_string(socket_kind k);  // "SSL", "STARTTLS", "plain", "unknown"
std::optional<socket_kind> socket_kind_from_string(std::string_view s);

// One published server entry (autoconfig, SRV, a preset) as published.
struct published_entry {
  std::string type;         // imap | pop3 | smtp
  std::string hostname;
  int port = 0;
  std::string socket_type;  // SSL | STARTTLS | plain | what the document said
  std::vector<std::string> authentication;
  std::string username;
  std::string source;       // where it was published
  std::vector<std::string> problems;
};

struct settings_facts {
  settings_role role = settings_role::discovery;

  // settings/discovery
  std::string input;
  std::string resolver;
  std::vector<std::string> sources;            // "WHERE: OUTCOME", one per source tried
  std::string autoconfig_source;               // the document used ("" = none)
  std::vector<std::string> autoconfig_errors;  // fetched documents that did not parse
  std::vector<std::string> https_errors;       // TLS failures of existing autoconfig hosts
  std::vector<std::string> redirects_refused;
  std::vector<std::string> unanswered;         // autoconfig fetches that timed out
  std::vector<std::string> srv;                // "NAME: RECORDS | STATUS", one per SRV name
  std::vector<std::string> srv_mismatch;       // "SRV ... | autoconfig ..."
  std::vector<std::string> servers;            // one line per published server
  std::vector<std::string> access_types;       // socket types published for imap/pop3
  std::vector<std::string> submission_types;   // socket types published for smtp
  std::string provider_id;
  std::string display_name;
  std::string ispdb;                           // "URL: OUTCOME" ("" = not asked: autoconfig was published)
  std::vector<std::string> autodiscover;       // Autodiscover: "WHERE: OUTCOME", in the order tried
  std::string autodiscover_source;             // the URL (or SRV) that answered ("" = none)
  std::vector<std::string> autodiscover_errors;  // answers that were not usable (XML, JSON, loops)
  std::vector<std::string> comparison;         // every source's servers side by side, one line each
  std::vector<std::string> disagreements;      // "SERVICE: SOURCE says ...; SOURCE says ..."
  std::vector<std::string> guessed;            // guessed host names tried, with the outcome

  // settings/<type>:<host>:<port> and settings/mx:<host>:<port>
  std::optional<published_entry> published;
  bool guessed_host = false;      // a host name guessed the way auto-detecting clients do, not published
  int connected_port = 0;         // the published port after --port
  std::string connected_address;  // "IP:PORT" ("" = not connected)
  std::optional<std::string> resolve_error;
  std::string resolve_status;     // NXDOMAIN | no record | timeout | SERVFAIL | error
  std::optional<socket_kind> real_socket;
  std::string real_evidence;
  std::optional<std::vector<std::string>> real_caps;  // on the channel a client logs in on
  std::optional<bool> real_tls;                       // that channel is TLS
  std::string mx_host;
  std::string sts_mode;           // the valid MTA-STS policy's mode ("" = none)
  // Every address the host resolved to (A then AAAA); each is probed in a case of its own.
  std::vector<std::string> addresses;

  // settings/mx: DANE (RFC 7672). DNSSEC status of each answer: secure | insecure | bogus |
  // "not validated" (no trust anchor); "" = not looked up.
  std::string dnssec_mx;          // the domain's MX RRset
  std::string dnssec_address;     // the MX host's A/AAAA RRsets
  std::string dnssec_tlsa;        // the TLSA RRset
  std::string tlsa_name;          // _25._tcp.HOST
  std::string tlsa_status;        // ok | NXDOMAIN | no record | SERVFAIL | timeout | the bogus reason
  std::vector<std::string> tlsa;  // every TLSA record, presentation form ("3 1 1 ab..")
  std::string why_bogus;          // the validator's reason for the first bogus answer
  int days = 0;                   // --days: certificate expiry look-ahead

  // policy/mta-sts
  std::string sts_txt_status;
  std::vector<std::string> sts_txt;  // every TXT string
  std::string sts_url;
  std::optional<std::string> sts_fetch;  // "ok" or the error
  std::string sts_body;
  std::string sts_content_type;
  std::vector<std::string> mx_hosts;     // the real MX set

  // policy/tls-rpt
  std::string rpt_status;
  std::vector<std::string> rpt_txt;
};

// A credential a client sent to `mailspec serve`. The value never leaves the server: a keyed
// fingerprint (the key is random per run) tells two credentials of one run apart.
struct client_credential {
  std::string mechanism;  // LOGIN, USER/PASS, APOP, AUTHENTICATE PLAIN, AUTH LOGIN, ...
  channel chan = channel::plain;
  int session = 1;         // which connection of the test (1-based)
  std::string fingerprint; // "hmac-sha256:" + 16 hex digits
};

// One connection a client made during a serve test.
struct client_session {
  // TLS on this connection: "none", "ok TLSv1.3", "failed: <why>", "refused by the test",
  // "plaintext answer", "not attempted" ...: the server's view, for people.
  std::string tls;
  std::vector<std::string> plain;   // the client's command verbs before TLS, in order (bounded)
  std::vector<std::string> secure;  // ... over TLS
  std::string end;                  // how it ended: "client closed", "timeout", ...
};

struct client_facts {
  std::string certificate;  // the leaf the test presents: valid, self-signed, expired, wrong-host, unknown-ca
  std::vector<client_session> sessions;
  std::vector<client_credential> credentials;
  // The client acted on bytes injected before TLS: what shows it ("" = it did not).
  std::string injection;
  // The client used a capability only the (attacker-controlled) pre-TLS list offered.
  std::string cached_capabilities;
  // The client sent commands after STARTTLS before the TLS handshake (RFC 9051 §6.2.1).
  std::string pipelined_starttls;

  bool connected() const { return !sessions.empty(); }
};

}  // namespace mailspec
