// Client sides of the SASL mechanisms (RFC 4422) mailspec speaks, as state machines without I/O:
// the session (or any other caller that logs in) frames them as SMTP AUTH, IMAP AUTHENTICATE
// or POP3 AUTH. Every mechanism reports what it checked about the server in `checks()`.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::protocol::sasl {

// Upper-case names, in the order shown to users.
const std::vector<std::string>& supported_mechanisms();
bool is_supported(std::string_view mechanism);  // exact upper-case name

// What a mechanism takes from the scenario: required, forbidden or optional inputs.
struct inputs {
  bool user = false;     // user name (authcid)
  bool pass = false;     // password
  bool token = false;    // OAuth 2.0 bearer token
  bool authzid = false;  // an authorization identity may be given
};
inputs inputs_of(std::string_view mechanism);

struct credentials {
  std::string authzid;
  std::string user;
  std::string pass;
  std::string token;
  std::string host;  // OAUTHBEARER host= (the target as given)
  int port = 0;      // OAUTHBEARER port=
};

// One thing the client verified about the server's side of the exchange.
struct check {
  std::string id;        // "scram-nonce", "scram-server-first", "scram-iterations", "scram-server-signature"
  bool ok = true;
  std::string expected;
  std::string actual;    // evidence: the server's message (never a secret)
};

// The client's answer to a challenge: data to send (base64-encoded by the caller; empty data is
// an empty line), or an abort ("*" on the wire) because the client cannot or must not go on.
struct reply {
  bool abort = false;
  std::string data;
  std::string reason;  // abort: why
  bool limit = false;  // the abort is one of mailspec's own bounds (the harness could not judge)
};
inline reply answer(std::string data) { return reply{false, std::move(data), "", false}; }
inline reply abort_with(std::string why, bool limit = false) { return reply{true, "", std::move(why), limit}; }

class client {
 public:
  virtual ~client() = default;
  virtual std::string_view name() const = 0;
  // The initial response (RFC 4422 §3.3), for mechanisms where the client speaks first.
  virtual std::optional<std::string> initial_response() = 0;
  // The next server challenge: decoded bytes, or nullopt when it was not valid base64 (`raw`
  // is the challenge text as received, e.g. a LOGIN server prompting in plain text).
  virtual reply challenge(const std::optional<std::string>& decoded, std::string_view raw) = 0;
  // The protocol reported success. "" when the client agrees; otherwise why the exchange must be
  // considered unsuccessful (SCRAM: the server never proved it knows the password).
  virtual std::string on_success() { return ""; }
  // Values derived from secrets that the redactor must know before anything is sent.
  virtual std::vector<std::string> secret_forms() const { return {}; }
  // What the server said when it rejected the exchange inside SASL (SCRAM e=, OAuth JSON).
  const std::string& server_error() const { return server_error_; }
  const std::vector<check>& checks() const { return checks_; }

 protected:
  std::string server_error_;
  std::vector<check> checks_;
};

// Random printable nonce source (tests pass a fixed one; the default is OpenSSL's CSPRNG).
using nonce_source = std::function<std::string()>;
std::string random_nonce();

// Throws std::invalid_argument for an unsupported mechanism.
std::unique_ptr<client> make_client(std::string_view mechanism, credentials creds, nonce_source nonce = {});

// The XOAUTH2 and OAUTHBEARER initial responses (also used to register their secret forms).
std::string xoauth2_response(std::string_view user, std::string_view token);
std::string oauthbearer_response(std::string_view user, std::string_view host, int port, std::string_view token);
// CRAM-MD5 (RFC 2195): "user SP lower-hex HMAC-MD5(pass, challenge)".
std::string cram_md5_response(std::string_view user, std::string_view pass, std::string_view challenge);

}  // namespace mailspec::protocol::sasl
