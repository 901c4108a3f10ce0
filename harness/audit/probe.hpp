// Internal: one probe = one connection to one port, recorded like a scenario session
// (transcript, exchanges, steps, TLS facts) so the passive rules can judge it.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/secret.hpp"
#include "net/connection.hpp"
#include "session/record.hpp"
#include "session/wire.hpp"

namespace mailspec::audit::detail {

namespace asio = boost::asio;

// Facts the probes store in case_result.extra and the audit rules read.
namespace key {
inline constexpr const char* probe = "probe";
inline constexpr const char* service = "service";
inline constexpr const char* banner = "banner";
inline constexpr const char* software = "software";
inline constexpr const char* unreachable = "unreachable";
inline constexpr const char* throttled = "throttled";
inline constexpr const char* wrong_protocol = "wrong_protocol";
inline constexpr const char* starttls_offered = "starttls.offered";    // yes | no
inline constexpr const char* starttls_result = "starttls.result";      // ok | refused: REPLY | handshake failed: ...
inline constexpr const char* implicit_tls = "implicit_tls.result";     // ok | handshake failed: ...
// The implicit-TLS port answered in plaintext instead of TLS: its first line (visible form).
inline constexpr const char* not_tls = "implicit_tls.plaintext_reply";
inline constexpr const char* login_advertised = "plaintext_login.advertised";  // what the plaintext channel offers
inline constexpr const char* login_outcome = "plaintext_login.outcome";  // evaluated | refused | accepted | inconclusive
inline constexpr const char* login_reply = "plaintext_login.reply";
inline constexpr const char* canary_user = "canary.user";
inline constexpr const char* injection = "injection.outcome";  // vulnerable | not-vulnerable | refused | inconclusive
inline constexpr const char* injection_evidence = "injection.evidence";
inline constexpr const char* versions_accepted = "tls.versions.accepted";
inline constexpr const char* versions_refused = "tls.versions.refused";
inline constexpr const char* weak_ciphers = "tls.weak_ciphers";  // refused | accepted: CIPHER
inline constexpr const char* caps_added = "capabilities.added_after_tls";
inline constexpr const char* caps_removed = "capabilities.removed_after_tls";
}  // namespace key

struct cmd_result {
  std::size_t ex = 0;  // index into rec.exchanges
  session::read_outcome io;
  bool ok() const { return io.ok(); }
};

class probe {
 public:
  probe(asio::any_io_executor ex, const options& opt, const port_spec& port, std::string name);
  probe(const probe&) = delete;
  probe& operator=(const probe&) = delete;

  session::record rec;  // declared before w_: the wire writes into it
  const options& opt;
  const port_spec& port;

  std::chrono::milliseconds connect_timeout() const;
  std::chrono::milliseconds tls_timeout() const;
  std::chrono::milliseconds reply_timeout() const;
  // For replies to credentials: servers delay failed logins and add per-address penalties
  // (Dovecot: 2 s, doubling up to 15 s), so this is longer unless --timeout-ms says otherwise.
  std::chrono::milliseconds login_timeout() const;

  // Connects; on an implicit-TLS port also handshakes (verify hostname, facts recorded) unless
  // implicit_handshake is false. false: recorded as unreachable / handshake failure.
  asio::awaitable<bool> open(bool implicit_handshake = true);
  // Reads the greeting: banner + software, throttling (421, * BYE, -ERR) and protocol checks.
  asio::awaitable<bool> greet();
  // Sends one command (IMAP: tagged) and reads its response. multiline: POP3 body expected.
  // timeout: 0 = reply_timeout().
  asio::awaitable<cmd_result> command(std::string line, bool multiline = false,
                                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Sends several lines in one write (pipelined); reads the first line's response only.
  asio::awaitable<cmd_result> pipelined(std::vector<std::string> lines);
  // Reads one more response into an existing exchange under a deadline of `ms`.
  asio::awaitable<session::read_outcome> read_more(std::size_t ex, std::chrono::milliseconds ms,
                                                   const std::string& imap_tag = "");
  // EHLO / CAPABILITY / CAPA: the capability words (upper-cased first words); empty when none.
  asio::awaitable<std::vector<std::string>> capabilities();
  // The protocol's STARTTLS command; true when the server said go ahead.
  asio::awaitable<bool> starttls();
  // TLS handshake on the open connection; the facts are appended to rec.result.tls.
  asio::awaitable<bool> handshake(net::tls_options o);
  // The last handshake failed because its deadline expired (no answer: not a TLS judgement).
  bool handshake_timed_out() const { return handshake_timeout_; }
  net::tls_options tls_defaults(std::string mode) const;

  const session::exchange& ex(std::size_t i) const { return rec.exchanges[i]; }
  std::string last_tag() const { return tag_; }
  std::string next_tag();
  void meta(std::string text) { w_.meta(std::move(text)); }
  void note(const std::string& k, std::string v) { rec.result.extra[k] = std::move(v); }
  bool has(const std::string& k) const { return rec.result.extra.count(k) > 0; }
  // Marks the probe throttled when a response says so (421, BYE, -ERR [IN-USE] / [SYS/TEMP]).
  bool check_throttle(const session::exchange& e);
  // Best-effort goodbye (QUIT / LOGOUT, not awaited) and close: probes never linger.
  asio::awaitable<void> close();
  // Finishes the case: duration, verdict placeholder; returns the record.
  session::record take();

 private:
  net::connection conn_;
  secret_registry secrets_;
  session::wire w_;
  int step_ = 0;
  int tag_counter_ = 0;
  std::string tag_;
  std::chrono::steady_clock::time_point t0_;
  bool handshake_timeout_ = false;
  std::size_t begin_exchange(const std::string& command, const std::string& sent, bool pipelined);
  asio::awaitable<session::read_outcome> read_response(session::exchange& e, bool multiline);
  void end_step(std::size_t ex, const session::read_outcome& io);
  void implicit_failure();
};

// Upper-cased first word of each capability line / atom.
std::string join(const std::vector<std::string>& v, const char* sep = " ");
// The first line of a reply in visible form (core visible(): control and invalid UTF-8 bytes as \xNN).
std::string first_line(std::string_view raw);
// The first response text of an exchange (first line, visible form), for facts and evidence.
std::string reply_text(const session::exchange& e);

}  // namespace mailspec::audit::detail
