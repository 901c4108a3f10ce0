// The fake server's script: what to send, what to expect, how to misbehave.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "mta.hpp"

namespace mailspec::fake {

struct tls_server_options {
  std::string leaf = "valid";  // valid | expired | wrong_host | self_signed (see test_ca.hpp)
  std::string min_version;     // "", "TLSv1" .. "TLSv1.3"
  std::string max_version;
  std::string cipher_list;     // TLS <= 1.2; legacy versions get @SECLEVEL=0 automatically
  bool alert = false;          // read the ClientHello, answer a fatal handshake_failure alert, close
  // CVE-2011-0411 behaviour: plaintext that arrived with STARTTLS is processed after the
  // handshake (the next line reads consume it first). Normal STARTTLS discards it.
  bool buffered_plaintext_carried_over = false;
  // Ask for a client certificate (any is accepted; its subject is recorded as an event
  // "client certificate SUBJECT", or "no client certificate").
  bool request_client_cert = false;
  bool require_client_cert = false;  // the handshake fails without one (implies request)
};

// The server side of a SCRAM exchange (RFC 5802), computed from the client's real nonce.
// Reads the AUTH/AUTHENTICATE line (its initial response, or sends an empty challenge and reads
// one), sends server-first, reads client-final and checks its proof (a wrong proof is a
// mismatch), sends server-final; every client line after that is recorded. The script then
// sends the protocol's final reply. `misbehave`: "" | "wrong_signature" | "no_signature" (no
// server-final at all) | "foreign_nonce" (server nonce not extending the client's) | "error"
// (e=invalid-proof). A client that cancels ("*") ends the action early (event "scram: cancelled").
struct scram_options {
  std::string hash = "SHA-256";  // SHA-1 | SHA-256
  std::string user;
  std::string pass;
  std::string prefix = "+ ";     // challenge prefix: "334 " (SMTP) or "+ " (IMAP, POP3)
  std::uint64_t iterations = 4096;
  std::string salt = "c2FsdHlzYWx0";  // base64
  std::string misbehave;
};

enum class action_kind {
  send,              // bytes
  expect_line,       // bytes = glob (*, ?; case-insensitive, CRLF excluded); mismatch recorded
  read_line,         // read and record one line
  starttls,          // server-side handshake (tls)
  sleep,             // ms
  trickle,           // bytes, one byte every ms
  send_repeat,       // bytes, count times (0 = until the client is gone)
  send_stream,       // size bytes made of bytes repeated (never built in memory), then tail
  close,             // graceful close
  reset,             // SO_LINGER 0, then close (RST)
  read_until_close,  // record everything until the client closes
  drain,             // record everything until the client closes or ms passes (0 = no limit)
  scram,             // the server side of SCRAM (scram_options)
  smtp_mta,          // a small SMTP receiver until QUIT (mta_options; STARTTLS uses tls): mta.hpp
};

struct action {
  action_kind kind = action_kind::send;
  std::string bytes;
  std::string tail;        // send_stream: sent after size bytes (e.g. "\r\n")
  std::uint64_t count = 0; // send_repeat: repetitions; send_stream: total size
  int ms = 0;              // sleep, trickle interval, drain limit
  tls_server_options tls;  // starttls
  scram_options scram;     // scram
  mta_options mta;         // smtp_mta
};

using script = std::vector<action>;

// Builders: fake::script s{send("220 hi\r\n"), expect_line("EHLO*"), ...}.
action send(std::string bytes);
action expect_line(std::string glob);
action read_line();
action starttls(tls_server_options tls = {});
action sleep_ms(int ms);
action trickle(std::string bytes, int interval_ms);
action send_repeat(std::string bytes, std::uint64_t count);
action send_stream(std::string chunk, std::uint64_t size, std::string tail = "");
action close();
action reset();
action read_until_close();
action drain(int ms = 0);
action scram(scram_options o);
action smtp_mta(mta_options o, tls_server_options tls = {});

// Case-insensitive glob: '*' any run, '?' any one character.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace mailspec::fake
