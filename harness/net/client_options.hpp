// The connection settings a command gives every connection it opens (docs/architecture.md,
// "Enumerations and connection options"): declared once here, embedded whole as `connection` by
// app::common_options, runner::run_options, session::options, audit::options and
// discovery::settings_options, and copied in one assignment from one to the next. std only, so
// the option headers above net stay free of Asio.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace mailspec::net {

// The EHLO name when --helo is not given (RFC 5321 §4.1.1.1 wants the client's domain; .invalid
// says there is none, RFC 2606).
inline constexpr std::string_view default_helo = "mailspec.invalid";

struct client_options {
  std::string bind;           // --bind: source address ("" = any)
  std::string sni;            // --sni: name sent in TLS SNI ("" = the host when it is a name)
  std::string ca_file;        // --ca-file: trusted CA certificates, PEM ("" = the system store)
  std::string client_cert;    // --client-cert (PEM), presented when a server asks; SASL EXTERNAL
  std::string client_key;     // --client-key (PEM, unencrypted) of client_cert
  std::string helo;           // --helo: the EHLO name and ${target.helo} ("" = default_helo)
  std::int64_t timeout_ms = 0;  // --timeout-ms: overrides every connect / TLS / step deadline when > 0
  int per_host = 2;           // --per-host: concurrent connections per host (runner, audit)
  double rate = 0;            // --rate: new connections per second per host, evenly spaced (0 = unlimited)
  bool insecure = false;      // --insecure: secrets over plaintext or unverified TLS where a scenario allows it
  bool loopback_only = false; // tests: refuse every non-loopback address, before connecting

  std::string helo_name() const { return helo.empty() ? std::string(default_helo) : helo; }
};

}  // namespace mailspec::net
