// DNS lookups through libunbound (Debian libunbound-dev), a validating stub: every query goes to
// one server (--resolver IP[:PORT], [IPv6]:PORT) or the system's resolv.conf servers, nowhere
// else. Answers are parsed with libresolv's ns_parserr (no hand-written packets). Queries that ask
// for it are DNSSEC-validated against a trust anchor (--trust-anchor FILE): secure, insecure or
// bogus (RFC 4033 §5, RFC 4035 §4.3). Blocking, each query bounded by one deadline.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/tls_facts.hpp"

namespace mailspec::discovery {

enum class dns_status { ok, nxdomain, nodata, servfail, timeout, error };
const char* to_string(dns_status s);

struct srv_record {
  int priority = 0;
  int weight = 0;
  int port = 0;
  std::string target;  // "." = the service is decidedly not offered (RFC 2782)
};

struct mx_record {
  int preference = 0;
  std::string host;  // "." = null MX (RFC 7505)
};

// DNSSEC status of an answer (RFC 4035 §4.3): unchecked = not validated (no trust anchor, or
// the query did not ask). A bogus answer's records are withheld (status servfail).
enum class dnssec { unchecked, secure, insecure, bogus };
const char* to_string(dnssec s);

template <class T>
struct dns_answer {
  dns_status status = dns_status::error;
  std::string message;  // for the report: "NXDOMAIN", "no answer (timeout)", ...
  std::vector<T> records;
  dnssec security = dnssec::unchecked;
  std::string why_bogus;  // the validator's reason when bogus
  bool ok() const { return status == dns_status::ok; }
};

struct resolver_options {
  std::string server;  // "IP", "IP:PORT", "IPv6", "[IPv6]:PORT"; "" = the system's resolv.conf
  std::string trust_anchor;  // file of DS/DNSKEY records (zone-file format); "" = no validation
  std::chrono::milliseconds timeout{3000};  // per query
  int attempts = 2;  // kept for callers; libunbound retries within the deadline itself
};

struct resolver_impl;

class resolver {
 public:
  // Throws std::invalid_argument for a bad server ("--resolver: ...").
  explicit resolver(const resolver_options& opt);
  ~resolver();
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;

  // "127.0.0.1:5353" or "system resolver" (for the report).
  std::string describe() const;

  dns_answer<srv_record> srv(const std::string& name);  // sorted by priority, then weight (desc)
  dns_answer<mx_record> mx(const std::string& name);    // sorted by preference
  dns_answer<std::string> txt(const std::string& name); // each record's strings concatenated
  dns_answer<std::string> a(const std::string& name, bool validate = false);
  dns_answer<std::string> aaaa(const std::string& name, bool validate = false);
  // A then AAAA (IP literals returned as they are); ok when either has an address. validate:
  // the security is the weaker of the two (bogus < insecure < secure).
  dns_answer<std::string> addresses(const std::string& name, bool validate = false);
  // Validated (when a trust anchor is set) MX and TLSA answers, for DANE (RFC 7672).
  dns_answer<mx_record> mx_validated(const std::string& name);
  dns_answer<tlsa_record> tlsa(const std::string& name);  // always validated when possible
  bool validating() const;  // a trust anchor is loaded
  std::string trust_anchor() const;

 private:
  std::unique_ptr<resolver_impl> p_;
};

// "IP[:PORT]", "IPv6", "[IPv6]:PORT" -> ip, port (default 53); false + why on bad input.
bool parse_resolver_address(const std::string& in, std::string& ip, int& port, std::string& why);

}  // namespace mailspec::discovery
