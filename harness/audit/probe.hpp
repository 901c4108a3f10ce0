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

struct cmd_result {
  std::size_t ex = 0;  // index into rec.exchanges
  session::read_outcome io;
  bool ok() const { return io.ok(); }
};

class probe {
 public:
  probe(asio::any_io_executor ex, const options& opt, const port_spec& port, probe_family family);
  probe(const probe&) = delete;
  probe& operator=(const probe&) = delete;

  session::record rec;  // declared before w_: the wire writes into it
  probe_facts& facts;   // rec.result.probe: what this connection found
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
  // Sends `bytes` exactly as they are (message data after 354) and reads one reply; the exchange's
  // command is `label` (the bytes are in the step and the transcript).
  asio::awaitable<cmd_result> raw(std::string label, std::string bytes);
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
  net::tls_options tls_defaults(tls_mode mode) const;

  const session::exchange& ex(std::size_t i) const { return rec.exchanges[i]; }
  std::string last_tag() const { return tag_; }
  std::string next_tag();
  void meta(std::string text) { w_.meta(std::move(text)); }
  // Marks the probe throttled when the exchange holds a refusal as the session reads one
  // (session::throttle_signal: 421, 454 to STARTTLS, * BYE, -ERR [IN-USE]/[SYS/TEMP]/[LOGIN-DELAY]).
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
// The first line of a reply, as received (without CR/LF): facts keep bytes, displays make them visible.
std::string first_line(std::string_view raw);
// The first response line of an exchange (the tagged one for IMAP), for facts and evidence.
std::string reply_text(const session::exchange& e);

}  // namespace mailspec::audit::detail
