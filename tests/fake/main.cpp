// mailspec-fake --script FILE [--port N] [--listen ADDR] [--tls-dir DIR] [--implicit-tls]
//               [--connections N] [--print-port]
// Prints the port it listens on (one line), serves the script, exits after N connections
// (0 = until SIGTERM/SIGINT). What clients sent is written to stderr at exit when --dump is given.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "fake_server.hpp"
#include "script_json.hpp"
#include "test_ca.hpp"

namespace {

int usage(const char* msg) {
  std::cerr << "mailspec-fake: " << msg << "\n"
            << "usage: mailspec-fake --script FILE [--port N] [--listen ADDR] [--tls-dir DIR] [--implicit-tls]\n"
               "                     [--connections N] [--print-port] [--dump]\n";
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mailspec::fake;
  std::string script_path, tls_dir, listen = "127.0.0.1";
  int port = 0, connections = -1;
  bool implicit = false, print_port = false, dump = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--script") script_path = value();
    else if (a == "--port") port = std::atoi(value().c_str());
    else if (a == "--listen") listen = value();
    else if (a == "--tls-dir") tls_dir = value();
    else if (a == "--implicit-tls") implicit = true;
    else if (a == "--connections") connections = std::atoi(value().c_str());
    else if (a == "--print-port") print_port = true;
    else if (a == "--dump") dump = true;
    else return usage(("unknown option " + a).c_str());
  }
  if (script_path.empty()) return usage("--script is required");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the server thread starts
  try {
    auto file = load_script(script_path);
    auto opt = file.server;
    opt.listen = listen;
    opt.port = port;
    if (implicit) opt.implicit_tls = true;
    if (connections >= 0) opt.connections = connections;
    if (!tls_dir.empty()) {
      generate_test_ca(tls_dir);
      opt.tls_dir = tls_dir;
    }
    fake_server server(std::move(file.actions), opt);
    (void)print_port;  // the port is always printed: integration tests read it
    std::cout << server.port() << std::endl;
    timespec tick{0, 100 * 1000 * 1000};
    for (;;) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) break;
      if (opt.connections > 0 && server.wait_done(std::chrono::milliseconds(0))) break;
    }
    server.stop();
    if (dump) std::cerr << server.received();
    for (const auto& m : server.mismatches()) std::cerr << "mismatch: " << m << "\n";
    return server.mismatches().empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "mailspec-fake: " << e.what() << "\n";
    return 1;
  }
}
