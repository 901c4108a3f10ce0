// Thunderbird autoconfig (config-v1.1.xml): the servers a provider publishes for its users.
// Parsed with pugixml (no DTDs, no external entities); every problem is data, never a throw.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::discovery {

// An address split for the %EMAIL...% placeholders. From a bare domain, local is "".
struct email_address {
  std::string address;  // alice@example.net ("" when only a domain was given)
  std::string local;    // alice
  std::string domain;   // example.net (lower case)
};
// "alice@Example.NET" or "example.net"; false (and a reason) when it is neither.
bool parse_email_or_domain(std::string_view in, email_address& out, std::string& why);

// One published server, placeholders substituted.
struct published_server {
  std::string direction;    // incoming | outgoing
  std::string type;         // imap | pop3 | smtp
  std::string hostname;
  int port = 0;
  std::string socket_type;  // SSL | STARTTLS | plain (as published; "" when absent)
  std::vector<std::string> authentication;  // as published: password-cleartext, OAuth2, ...
  std::string username;
  std::string source;       // where it was published: URL, file, "preset NAME", DNS name
  std::vector<std::string> problems;  // what is wrong with the entry itself
};

struct autoconfig {
  bool ok = false;            // the document parsed and has a clientConfig/emailProvider
  std::string error;          // when !ok: why (XML error with offset, missing element)
  std::string provider_id;
  std::string display_name;
  std::vector<std::string> domains;
  std::vector<published_server> servers;  // imap, pop3, smtp entries only, document order
  std::vector<std::string> ignored;       // other server types (exchange, ews, ...), noted
};

// Autoconfig documents are a few KB; anything larger is refused before parsing.
inline constexpr std::size_t max_autoconfig_bytes = 1024 * 1024;

autoconfig parse_autoconfig(std::string_view xml, const email_address& who, const std::string& source);

// Replaces %EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN% (an unknown local part stays as is).
std::string substitute(std::string_view s, const email_address& who);

// Known values of <authentication> (Thunderbird's list).
bool known_authentication(std::string_view method);

}  // namespace mailspec::discovery
