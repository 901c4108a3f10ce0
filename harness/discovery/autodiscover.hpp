// Microsoft Autodiscover, how Outlook finds its settings: the POX protocol (MS-OXDISCO: a POST of
// the request XML to https://DOMAIN/autodiscover/autodiscover.xml, then
// https://autodiscover.DOMAIN/..., then the HTTP redirect GET of http://autodiscover.DOMAIN/...,
// then the _autodiscover._tcp SRV record), the response read per MS-OXDSCLI (Protocol entries of
// type IMAP, POP3, SMTP), and the v2 JSON endpoint
// (https://autodiscover.DOMAIN/autodiscover/autodiscover.json/v1.0/EMAIL?Protocol=AutodiscoverV1),
// which names the POX URL. Never sends credentials: no Authorization header, ever; a 401 is an
// answer recorded as such. At most 10 redirects in all (HTTP 3xx, redirectUrl, redirectAddr).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "discovery/autoconfig.hpp"
#include "discovery/dns.hpp"
#include "discovery/https.hpp"

namespace mailspec::discovery {

// One parsed POX response (MS-OXDSCLI §2.2.4).
struct pox_response {
  bool ok = false;                      // a well-formed Autodiscover response
  std::string error;                    // why not (XML error, an <Error> element, no Account)
  std::string action;                   // settings | redirectAddr | redirectUrl
  std::string redirect;                 // the address or URL of a redirect action
  std::vector<published_server> servers;  // IMAP, POP3, SMTP Protocol entries
  std::vector<std::string> ignored;     // other Protocol types (EXCH, EXPR, WEB, ...)
};
pox_response parse_pox(std::string_view xml, const std::string& source);

// The request body for an address (MS-OXDSCLI §2.2.3, the Outlook response schema 2006a).
std::string pox_request(const std::string& email);

// The Url of a v2 JSON answer ({"Protocol": "AutodiscoverV1", "Url": "https://..."}), "" when none.
std::string parse_v2_json(std::string_view json, std::string& error);

struct autodiscover_result {
  std::vector<std::string> tried;   // "WHERE: OUTCOME", in order
  std::string source;               // the URL that answered with settings ("" = none)
  std::vector<std::string> errors;  // unusable answers: malformed XML/JSON, too many redirects
  std::vector<published_server> servers;
  int redirects = 0;
};

inline constexpr int autodiscover_max_redirects = 10;

// Every source in order until one answers with settings. fo: the fetch options (trust store,
// deadline, resolver); srv: the _autodiscover._tcp lookup.
autodiscover_result autodiscover(const email_address& who, const fetch_options& fo, resolver& r);

}  // namespace mailspec::discovery
