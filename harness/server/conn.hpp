// One connection a client made to `mailspec serve`: plaintext TCP, then maybe TLS (at once on
// an Implicit TLS port, or after STARTTLS), every read and write under the session's one
// deadline, and what both sides sent recorded in the test's transcript (redacted).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.hpp"
#include "core/tls_facts.hpp"
#include "core/transcript.hpp"
#include "net/asio.hpp"
#include "session/record.hpp"

namespace mailspec::server {

namespace asio = net::asio;
namespace beast = net::beast;
namespace ssl = net::ssl;
using clock = std::chrono::steady_clock;

// The transcript and exchanges of one test (every session of it), redacted with the run's
// secrets: a credential is registered before the line that carries it is recorded.
class recorder {
 public:
  recorder(secret_registry& secrets, clock::time_point t0) : secrets(secrets), t0_(t0) {}
  int add(direction d, channel c, std::string_view bytes);
  void meta(const std::string& text) { add(direction::meta, channel::plain, text); }
  // One client command (already redacted) as an exchange the rules can point at.
  const session::exchange& command(int session, channel c, std::string redacted, std::string verb, int index);

  secret_registry& secrets;
  transcript log;
  std::vector<session::exchange> exchanges;

 private:
  clock::time_point t0_;
};

class conn {
 public:
  conn(asio::ip::tcp::socket s, recorder& rec, clock::time_point deadline);
  ~conn();
  conn(const conn&) = delete;
  conn& operator=(const conn&) = delete;

  bool tls() const { return tls_.has_value(); }
  channel chan() const { return tls() ? channel::tls : channel::plain; }
  bool open() const;
  clock::time_point deadline() const { return deadline_; }

  // Sends bytes (recorded as the server's on the current channel). False when the write failed.
  asio::awaitable<bool> send(std::string_view bytes);
  // Sends raw bytes that are not protocol text (a TLS alert), recorded as a note.
  asio::awaitable<bool> send_raw(std::string_view bytes, const std::string& note);

  // The next client line, CRLF or LF included. With `imap`, literals are read into the line (a
  // synchronizing literal gets a "+" continuation first). nullopt when the client closed, the
  // deadline passed or the line was over the bound: end() says which.
  asio::awaitable<std::optional<std::string>> line(bool imap);
  // Waits until `until` (bounded by the deadline) and tells whether the client sent anything more
  // meanwhile (a pipelined command, or one sent before the server's answer).
  asio::awaitable<bool> more_within(clock::time_point until);
  // Bytes read after the last line and not yet taken (a client that pipelined after STARTTLS).
  std::string take_buffered();
  // Implicit TLS ports: the first bytes within `wait`. tls: a TLS record (a ClientHello) was
  // read and kept for the handshake; plain: something else; none: nothing; closed: EOF/error.
  enum class first { tls, plain, none, closed };
  asio::awaitable<first> first_bytes(std::chrono::milliseconds wait);
  // Drops buffered bytes (a ClientHello answered in plaintext), noted in the transcript.
  void drop_buffered(const std::string& note);

  // Server side of the TLS handshake on this connection (bytes already read are handshake data).
  // facts: outcome, version, cipher, the SNI the client sent, the certificate presented.
  asio::awaitable<bool> handshake(ssl::context& ctx, const std::string& mode, tls_facts& facts);

  void close(const std::string& why);
  const std::string& end() const { return end_; }

  static constexpr std::size_t max_line = 64 * 1024;        // a command line
  static constexpr std::size_t max_literal = 1024 * 1024;   // one IMAP literal (APPEND of a message)
  static constexpr std::size_t max_command = 4 * 1024 * 1024;

 private:
  recorder& rec_;
  clock::time_point deadline_;
  std::optional<beast::tcp_stream> tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  std::string pending_;
  std::string end_;
  char buf_[16384];

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *tcp_; }
  // Reads more client bytes into pending_ before the deadline. False on EOF, timeout or error.
  asio::awaitable<bool> fill();
  asio::awaitable<bool> literal(std::string& cmd, std::size_t n, bool sync);
};

}  // namespace mailspec::server
