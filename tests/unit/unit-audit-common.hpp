// Shared by the unit-audit*.cpp tests: audit options for a fake server on loopback, the probe
// runner and a finding lookup.
#pragma once
#include <catch2/catch.hpp>

#include <exception>
#include <optional>
#include <string>

#include "audit/audit.hpp"
#include "audit/probes.hpp"
#include "fake_server.hpp"
#include "session/record.hpp"
#include "test_ca.hpp"

namespace audit_test {

// One service on one loopback port, 1.5 s per operation.
inline mailspec::audit::options local_options(const std::string& service, int port) {
  mailspec::audit::options o;
  o.host = "127.0.0.1";
  o.ports = mailspec::audit::parse_ports(service + "=" + std::to_string(port));
  o.connection.ca_file = mailspec::fake::test_ca().ca_cert;
  o.connection.timeout_ms = 1500;
  o.connection.loopback_only = true;
  return o;
}

// A --ports list ("imap=N,pop3=M") on loopback, 1 s per operation.
inline mailspec::audit::options local_options(const std::string& ports) {
  mailspec::audit::options o;
  o.host = "127.0.0.1";
  o.ports = mailspec::audit::parse_ports(ports);
  o.connection.ca_file = mailspec::fake::test_ca().ca_cert;
  o.connection.timeout_ms = 1000;
  o.connection.loopback_only = true;
  return o;
}

// A fake server accepting any number of connections (one per probe).
inline mailspec::fake::server_options many() {
  mailspec::fake::server_options so;
  so.connections = 0;
  return so;
}

// The plaintext-login probe alone against the first port of `o`, judged as the audit judges it.
inline mailspec::case_result plaintext_login(const mailspec::audit::options& o) {
  boost::asio::io_context io;
  std::optional<mailspec::session::record> rec;
  boost::asio::co_spawn(io, mailspec::audit::detail::probe_plaintext_login(o, o.ports.front()),
                        [&](std::exception_ptr e, mailspec::session::record r) {
                          if (e) std::rethrow_exception(e);
                          rec = std::move(r);
                        });
  io.run();
  REQUIRE(rec);
  return mailspec::audit::detail::judge_case(std::move(*rec), o);
}

inline const mailspec::finding* find(const mailspec::case_result& c, const std::string& rule) {
  for (const auto& f : c.findings)
    if (f.rule == rule) return &f;
  return nullptr;
}

}  // namespace audit_test
