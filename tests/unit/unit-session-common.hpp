// Shared by the session tests: one scenario run against a fake server (or any port on
// 127.0.0.1), and the text of a record that tests search for canaries and messages.
#pragma once
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <string>

#include "fake_server.hpp"
#include "scenario/loader.hpp"
#include "session/session.hpp"
#include "test_ca.hpp"

namespace mailspec::session_test {

// Runs the scenario to its end on 127.0.0.1:port; the fake server's test CA unless opt names one.
inline session::record run_at(const scenario::scenario& sc, const scenario::resolved_vars& vars, int port,
                              session::options opt = {}) {
  opt.host = "127.0.0.1";
  opt.port = port;
  if (opt.connection.ca_file.empty()) opt.connection.ca_file = fake::test_ca().ca_cert;
  boost::asio::io_context io;
  auto fut = boost::asio::co_spawn(io, session::run_scenario(sc, vars, opt), boost::asio::use_future);
  io.run();
  return fut.get();
}

// The log, each step's expected/actual/message/sent, and the SASL errors: where a leaked secret
// or a message would show.
inline std::string record_text(const session::record& rec) {
  std::string s;
  for (const auto& e : rec.result.log.entries()) s += e.text + "\n";
  for (const auto& st : rec.result.steps) s += st.expected + st.actual + st.message + st.sent + "\n";
  for (const auto& x : rec.sasl) s += x.server_error + "\n";
  return s;
}

}  // namespace mailspec::session_test
