// DNS lookups through libc's resolver (res_nquery + ns_parserr), optionally pinned to one
// server (--resolver IP[:PORT]): then no query goes anywhere else. Blocking, bounded by the
// resolver's own timeout and retry count. No hand-written packets.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

template <class T>
struct dns_answer {
  dns_status status = dns_status::error;
  std::string message;  // for the report: "NXDOMAIN", "timeout after 2 tries", ...
  std::vector<T> records;
  bool ok() const { return status == dns_status::ok; }
};

struct resolver_options {
  std::string server;  // "IP" or "IP:PORT" (IPv4); "" = the system's resolv.conf
  std::chrono::milliseconds timeout{3000};
  int attempts = 2;
};

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
  dns_answer<std::string> a(const std::string& name);
  dns_answer<std::string> aaaa(const std::string& name);
  // A then AAAA (IP literals returned as they are); ok when either has an address.
  dns_answer<std::string> addresses(const std::string& name);

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// "IP[:PORT]" -> ip, port (default 53); false + why on bad input.
bool parse_resolver_address(const std::string& in, std::string& ip, int& port, std::string& why);

}  // namespace mailspec::discovery
