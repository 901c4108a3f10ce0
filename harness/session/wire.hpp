// The session's side of the connection: sends and reads framed responses under one
// deadline per step, recording everything (redacted) in the transcript.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "net/connection.hpp"
#include "protocol/imap.hpp"
#include "protocol/pop3.hpp"
#include "protocol/smtp.hpp"
#include "session/record.hpp"

namespace mailspec::session {

namespace asio = boost::asio;

enum class read_status { ok, timeout, eof, io_error, over_limit, cancelled };
std::string_view to_string(read_status s);

struct read_outcome {
  read_status status = read_status::ok;
  std::string message;  // names the operation and the bound / error
  bool ok() const { return status == read_status::ok; }
};

class wire {
 public:
  // IMAP responses to one command kept for the rules; later ones are counted (exchange::elided_responses).
  static constexpr std::size_t max_stored_responses = 20000;

  // conn_name names the connection in the transcript ("" for a one-connection scenario); start is
  // when the case began (default: now); shared_bytes, when given, counts the bytes of every
  // connection of the case against max_session_bytes.
  wire(net::connection& conn, record& rec, const secret_registry& secrets, protocol::limits lim,
       std::uint64_t max_session_bytes, std::string conn_name = {},
       std::optional<std::chrono::steady_clock::time_point> start = std::nullopt,
       std::uint64_t* shared_bytes = nullptr);

  std::int64_t now_ms() const;
  void set_step(int step) { step_ = step; }
  void set_deadline_ms(std::int64_t ms);
  channel chan() const { return conn_.is_tls() ? channel::tls : channel::plain; }
  void meta(std::string text);

  asio::awaitable<read_outcome> send(std::string_view bytes);

  // One SMTP reply into ex.smtp.
  asio::awaitable<read_outcome> read_smtp(exchange& ex);
  // One POP3 response into ex.pop3 (multi-line body read when announced).
  asio::awaitable<read_outcome> read_pop3(exchange& ex, bool multiline);
  // IMAP responses into ex.imap until the tagged completion for `tag`, or a continuation request
  // when stop_at_continuation, or (tag empty) one response (the greeting).
  asio::awaitable<read_outcome> read_imap(exchange& ex, const std::string& tag, bool stop_at_continuation);
  // Reads until the server closes; whatever arrives is recorded. ok = closed before the deadline.
  asio::awaitable<read_outcome> read_until_close(exchange& ex);

  // Bytes received but not consumed as responses; clears them.
  std::string take_pending();
  // Right before a STARTTLS handshake: bytes the server sent ahead of it are evidence (a server
  // answering ahead of the handshake, or injected data), never passed through. Returns the
  // handshake's facts with them recorded (redacted, first 4 KiB), notes them in the transcript
  // and discards them. The session's starttls step and the audit's probes both use it.
  tls_facts pre_handshake_evidence();
  std::uint64_t bytes_read() const { return *bytes_read_; }
  const std::string& conn_name() const { return conn_name_; }

 private:
  net::connection& conn_;
  record& rec_;
  const secret_registry& secrets_;
  protocol::limits lim_;
  std::uint64_t max_bytes_;
  std::uint64_t own_bytes_ = 0;
  std::uint64_t* bytes_read_;
  std::string conn_name_;
  int step_ = -1;
  std::chrono::steady_clock::time_point start_;
  protocol::smtp_framer smtp_;
  protocol::pop3_framer pop3_;
  protocol::imap_framer imap_;
  // Reads one chunk and feeds it to `feed`. Returns not-ok on timeout/eof/error/bounds.
  template <typename Framer>
  asio::awaitable<read_outcome> fill(Framer& f);
  template <typename Framer>
  void record_partial(Framer& f, const read_outcome& why);
  int record_server(const std::string& raw, std::uint64_t elided = 0);
};

}  // namespace mailspec::session
