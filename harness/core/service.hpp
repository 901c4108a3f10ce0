// What a mail port speaks and how its TLS starts (docs/architecture.md, "Enumerations and
// connection options"): the protocol, the well-known service, the TLS mode and what a handshake
// verifies. Enums inside mailspec; strings only at the edges (the command line, scenario files,
// the report writers), through the one to_string / *_from_string pair of each.
#pragma once
#include <optional>
#include <span>
#include <string_view>

namespace mailspec {

enum class protocol_kind { smtp, imap, pop3 };
// none: plaintext only (a scenario's connection); a handshake is implicit or starttls.
enum class tls_mode { none, implicit, starttls };
// What a handshake checks and records (never enforces): nothing, the chain, the chain and the name.
enum class verify_mode { none, chain, hostname };
// The well-known services a port plays (RFC 6409 submission, RFC 8314 implicit TLS).
enum class service_kind { smtp, submission, submissions, imap, imaps, pop3, pop3s };

std::string_view to_string(protocol_kind p);
std::string_view to_string(tls_mode t);
std::string_view to_string(verify_mode v);
std::string_view to_string(service_kind s);
std::optional<protocol_kind> protocol_from_string(std::string_view s);
std::optional<tls_mode> tls_mode_from_string(std::string_view s);
std::optional<verify_mode> verify_mode_from_string(std::string_view s);
std::optional<service_kind> service_from_string(std::string_view s);

// A service's default port, protocol and TLS mode: smtp 25 smtp starttls, submission 587,
// submissions 465 implicit, imap 143, imaps 993, pop3 110, pop3s 995.
struct service_row {
  service_kind service;
  int default_port;
  protocol_kind protocol;
  tls_mode tls;
};
const service_row& row_of(service_kind s);
std::span<const service_row> service_rows();  // the seven, in the order above
// The service a protocol offers with that TLS mode (smtp starttls -> submission: the public MX is
// only ever named, never derived).
service_kind service_of(protocol_kind p, tls_mode t);

}  // namespace mailspec
