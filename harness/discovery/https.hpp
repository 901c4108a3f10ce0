// HTTPS GET for autoconfig and MTA-STS policy files (Boost.Beast over OpenSSL): certificate
// chain and host name verified (a failure is an error, nothing is read), one deadline for the
// whole fetch, the body bounded, redirects followed only to the same host (at most
// max_redirects; another host or scheme is reported and not followed).
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "discovery/dns.hpp"

namespace mailspec::discovery {

struct url_parts {
  std::string scheme;  // https
  std::string host;    // lower case, brackets removed for IPv6 literals
  int port = 443;
  std::string target;  // "/path?query"
  std::string origin() const;  // "https://host[:port]"
};
// https URLs only (autoconfig and MTA-STS are HTTPS by spec); false + why otherwise. With
// allow_http, http URLs too (port 80): Autodiscover's redirect step only.
bool parse_url(const std::string& url, url_parts& out, std::string& why, bool allow_http = false);

struct fetch_options {
  std::string ca_file;  // "" = system trust store
  std::chrono::milliseconds timeout{10000};
  std::size_t max_bytes = 1024 * 1024;
  int max_redirects = 3;
  // Name -> addresses; discovery passes its resolver so no lookup bypasses --resolver.
  std::function<dns_answer<std::string>(const std::string&)> resolve;
  std::string user_agent = "mailspec";
  // POST (Autodiscover POX): the body and its Content-Type. No request ever carries credentials.
  std::string method = "GET";
  std::string body;
  std::string body_type;
  // Redirects to another https host are followed (listed in redirects) instead of refused;
  // a redirect to http is never followed. Autodiscover (MS-OXDISCO §3.1.5) only.
  bool cross_host_redirects = false;
  bool allow_http = false;  // the URL asked may be http (Autodiscover's HTTP redirect step)
};

struct fetch_result {
  bool ok = false;            // status 200 and the whole body read
  std::string url;            // as asked
  std::string final_url;      // after same-host redirects
  std::string address;        // IP:port connected to (last hop)
  int status = 0;             // HTTP status of the last response (0: none)
  std::string content_type;
  std::string body;
  std::string error;          // why not ok, naming the step ("resolve", "connect", "TLS", "HTTP 404", ...)
  bool tls_verified = false;  // chain and host name verified on the last hop
  std::string tls_version;
  std::string verify_error;   // OpenSSL's reason when verification failed
  std::vector<std::string> redirects;  // "301 https://a/x -> https://a/y" (followed)
  std::string redirect_refused;        // "302 -> https://other/..." (not followed)
  std::string location;                // the Location of the last 3xx answer, as sent
};

fetch_result https_get(const std::string& url, const fetch_options& opt);

}  // namespace mailspec::discovery
