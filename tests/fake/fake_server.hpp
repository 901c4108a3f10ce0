// A scriptable fake mail server for tests: does what real servers won't (malformed, hostile,
// vulnerable behaviour). Runs on its own thread and io_context; loopback only.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "script.hpp"

namespace mailspec::fake {

struct server_options {
  std::string listen = "127.0.0.1";  // or "::1"
  int port = 0;                      // 0 = ephemeral
  int connections = 1;               // accepted before the listener closes (0 = unlimited)
  bool implicit_tls = false;         // TLS handshake right after accept, with `tls`
  tls_server_options tls;
  std::string tls_dir;               // certificates from generate_test_ca(dir); "" = test_ca()
  std::chrono::milliseconds io_timeout{5000};  // bound on every server read and write
  // When not empty, the i-th accepted connection runs scripts[i] (later ones the last script)
  // instead of the constructor's script: a scenario's several connections, fixtures set-up and
  // clean-up each get their own dialogue.
  std::vector<script> scripts;
};

class fake_server {
 public:
  // Listens before returning (port() is valid at once); throws std::runtime_error when it cannot.
  explicit fake_server(script s, server_options opt = {});
  ~fake_server();  // stops at once (bounded): pending connections are dropped
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  int port() const;
  // Waits until `connections` connections have run their script to the end (false on timeout).
  bool wait_done(std::chrono::milliseconds timeout) const;
  int accepted() const;
  int finished() const;

  // Everything clients sent, in arrival order: all of it, and only what came before TLS.
  std::string received() const;
  std::string received_plain() const;
  std::vector<std::string> lines() const;       // lines taken by expect_line / read_line (raw)
  std::vector<std::string> mismatches() const;  // expect_line failures: "expected 'GLOB', got 'LINE'"
  std::vector<std::string> events() const;      // "tls TLSv1.3", "handshake failed: ...", ...

  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace mailspec::fake
