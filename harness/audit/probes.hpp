// Internal: the probes. Each returns the record of one connection (never throws for server
// behaviour); run.cpp merges the connections of one family (families.hpp) into one case.
#pragma once
#include <string>

#include "audit/probe.hpp"

namespace mailspec::audit::detail {

// "starttls" (STARTTLS ports) or "tls" (implicit ports): greeting, capabilities, upgrade,
// certificate and default handshake, capabilities after TLS.
asio::awaitable<session::record> probe_main(const options& opt, const port_spec& port);
// One handshake limited to one version (min = max; legacy for TLS 1.0/1.1): family "tls-versions".
asio::awaitable<session::record> probe_version(const options& opt, const port_spec& port, std::string version);
// One handshake offering only NULL/EXPORT/RC4/3DES/DES/anonymous suites, TLS <= 1.2: "tls-ciphers".
asio::awaitable<session::record> probe_weak_ciphers(const options& opt, const port_spec& port);
// Plaintext-login exposure with a random canary (STARTTLS ports only): "plaintext-login".
asio::awaitable<session::record> probe_plaintext_login(const options& opt, const port_spec& port);
// STARTTLS command injection (CVE-2011-0411 family, STARTTLS ports only): "injection".
asio::awaitable<session::record> probe_injection(const options& opt, const port_spec& port);
// SMTP smuggling, one variant (audit/smuggling.hpp) per connection: "smtp-smuggling" (opt-in).
asio::awaitable<session::record> probe_smuggling(const options& opt, const port_spec& port, std::string variant);

// One probe family's merged record -> its case: the passive rules the family's row names and
// audit::catalogue(), verdict combined (judge.cpp).
case_result judge_case(session::record&& rec, const options& opt);

// Random canary credentials: user "mailspec-canary-<hex>", password of 16 random characters.
struct canary {
  std::string user;
  std::string password;
};
canary make_canary();

}  // namespace mailspec::audit::detail
