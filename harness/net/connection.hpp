// One client connection: TCP (IPv4/IPv6), implicit TLS or STARTTLS upgrade in place, a
// deadline on every operation, TLS facts recorded rather than enforced.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/case_result.hpp"
#include "core/service.hpp"
#include "core/tls_facts.hpp"
#include "net/asio.hpp"
#include "net/client_options.hpp"

namespace mailspec::net {

using clock = std::chrono::steady_clock;

// "[::1]" -> "::1" (an IPv6 literal as written in a URL or --target); anything else unchanged.
std::string strip_brackets(const std::string& host);

enum class io_status { ok, timeout, eof, refused, reset, unreachable, tls_error, cancelled, other };
std::string_view to_string(io_status s);

struct io_result {
  io_status status = io_status::ok;
  std::string operation;  // "resolve", "connect", "read", "write", "handshake", ...
  std::string message;    // human-readable, names the operation
  bool ok() const { return status == io_status::ok; }
};

struct connect_options {
  std::string host;
  int port = 0;
  std::string bind;  // source address ("" = any)
  std::chrono::milliseconds timeout{5000};
  // Refuse anything but loopback (tests); default allows every address.
  bool loopback_only = false;
};

struct tls_options {
  verify_mode verify = verify_mode::hostname;  // what is *checked and recorded*, never enforced
  std::string min_version;          // "", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
  std::string max_version;
  std::string sni;                  // "" -> the host name when it is not an IP literal
  std::string verify_name;          // name to check the certificate against ("" -> host)
  std::string ca_file;              // "" -> system default trust store
  std::string client_cert;          // PEM certificate (chain) presented when the server asks ("" = none)
  std::string client_key;           // PEM private key of client_cert
  std::string cipher_list;          // TLS <= 1.2 cipher list override ("" = OpenSSL default)
  std::string ciphersuites;         // TLS 1.3 suites override
  bool legacy = false;              // @SECLEVEL=0 so TLS 1.0/1.1 and weak ciphers can be offered (probes)
  std::chrono::milliseconds timeout{10000};
  tls_mode mode = tls_mode::starttls;  // implicit or starttls, recorded in tls_facts.mode
  // DANE (RFC 6698, RFC 7672): the TLSA records to match the chain against with OpenSSL's DANE
  // verification; the result goes to tls_facts.dane, chain_ok stays the PKIX result. The caller
  // picks the records (SMTP passes DANE-TA(2) and DANE-EE(3) only, RFC 7672 §3.1.3).
  std::vector<tlsa_record> tlsa;
};

// A connection and a handshake with a command's settings (client_options): every client
// connection of the session and the audit starts from these; the caller sets what is its own
// (a step's timeout, versions, a scenario's verify and sni).
connect_options connect_options_for(const client_options& c, std::string host, int port,
                                    std::chrono::milliseconds timeout);
// verify hostname, sni, ca_file, client_cert and client_key from c.
tls_options tls_options_for(const client_options& c, tls_mode mode);

struct read_result {
  io_result io;
  std::string_view data;  // valid until the next read
};

class connection {
 public:
  explicit connection(asio::any_io_executor ex, std::size_t read_buffer = 8192);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Resolves host (every address recorded in target.addresses), connects to each in turn
  // until one answers; target.ip/port are set to the one used.
  asio::awaitable<io_result> connect(const connect_options& opt, target_info& target);

  // Absolute deadline for every following operation until changed (one per step).
  void set_deadline(clock::time_point when);
  void clear_deadline();

  asio::awaitable<io_result> write(std::string_view bytes);
  // Reads what is available (at least one byte) before the deadline.
  asio::awaitable<read_result> read_some();

  // TLS handshake on the open connection (implicit TLS right after connect, or STARTTLS after
  // the server's go-ahead). Verification results are recorded in facts, never fatal:
  // the handshake itself failing is (facts.handshake_ok = false, io not ok).
  asio::awaitable<io_result> start_tls(const tls_options& opt, const std::string& host, tls_facts& facts);

  bool is_tls() const;
  bool is_open() const;
  // Closes without waiting (TLS close_notify is best-effort under the current deadline).
  asio::awaitable<void> shutdown();
  void close();
  // Cancels the pending operation (it completes with io_status::cancelled); the connection stays
  // usable. For SIGINT/SIGTERM: a slow read ends now, not at its deadline.
  void cancel();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace mailspec::net
