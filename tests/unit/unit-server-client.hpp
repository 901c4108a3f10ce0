// Test doubles of mail clients for the serve tests: server::run on its own thread, and a line
// client built on net::connection (deadlines, STARTTLS, verification recorded) that each test
// scripts as a good or a bad client.
#pragma once
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <unistd.h>

#include "net/asio.hpp"
#include "net/connection.hpp"
#include "server/serve.hpp"

namespace serve_test {

namespace asio = mailspec::net::asio;
namespace net = mailspec::net;
using namespace std::chrono_literals;

inline const std::string canary = "canary-Pw-7f3a9c21e5";  // the password the test clients send

class line_client {
 public:
  explicit line_client(asio::any_io_executor ex) : c_(ex) { c_.set_deadline(net::clock::now() + 10s); }

  asio::awaitable<bool> connect(int port) {
    mailspec::target_info t;
    net::connect_options o;
    o.host = "127.0.0.1";
    o.port = port;
    o.timeout = 2s;
    o.loopback_only = true;
    co_return (co_await c_.connect(o, t)).ok();
  }
  // One line without its CRLF; "" once the server closed.
  asio::awaitable<std::string> line() {
    while (buf_.find('\n') == std::string::npos) {
      auto r = co_await c_.read_some();
      if (!r.io.ok()) co_return std::exchange(buf_, {});
      buf_.append(r.data);
    }
    auto lf = buf_.find('\n');
    std::string l = buf_.substr(0, lf);
    buf_.erase(0, lf + 1);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    co_return l;
  }
  // Lines until one starts with `prefix` (that line), or "" when the server closed first.
  asio::awaitable<std::string> until(const std::string& prefix) {
    for (int i = 0; i < 100; ++i) {
      auto l = co_await line();
      if (l.empty()) co_return l;
      if (l.rfind(prefix, 0) == 0) co_return l;
    }
    co_return "";
  }
  asio::awaitable<bool> send(const std::string& s) { co_return (co_await c_.write(s)).ok(); }
  // keep_buffer: a buggy client that keeps what it read before the handshake.
  asio::awaitable<bool> tls(const std::string& ca, mailspec::tls_facts& f, const std::string& mode = "starttls",
                            bool keep_buffer = false) {
    net::tls_options o;
    o.ca_file = ca;
    o.mode = mailspec::tls_mode_from_string(mode).value();
    o.timeout = 3s;
    if (!keep_buffer) buf_.clear();
    co_return (co_await c_.start_tls(o, "127.0.0.1", f)).ok();
  }
  void close() { c_.close(); }

 private:
  net::connection c_;
  std::string buf_;
};

using client_fn = std::function<asio::awaitable<void>(int port, std::string test_id, std::string ca)>;

struct served {
  mailspec::run_report report;
  std::string dir;
};

inline std::string temp_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "mailspec-serve-XXXXXX").string();
  if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
  return t;
}

// Runs the tests of `opt` (report_dir set to a fresh directory) and, for each announced test,
// the client coroutine (none: nobody connects).
inline served serve_with(mailspec::server::options opt, const client_fn& client) {
  served out;
  out.dir = temp_dir();
  opt.report_dir = out.dir;
  if (opt.timeout == std::chrono::milliseconds(20000)) opt.timeout = 3000ms;
  opt.linger = 300ms;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::pair<std::string, int>> ready;
  bool done = false;
  std::thread th([&] {
    try {
      out.report = mailspec::server::run(opt, [&](const mailspec::server::test_def& t, const std::string& where) {
        std::lock_guard<std::mutex> g(m);
        ready.emplace_back(t.id, std::stoi(where.substr(where.rfind(':') + 1)));
        cv.notify_all();
      });
    } catch (...) {
    }
    std::lock_guard<std::mutex> g(m);
    done = true;
    cv.notify_all();
  });
  for (;;) {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return done || !ready.empty(); });
    if (ready.empty()) break;
    auto [id, port] = ready.front();
    ready.pop_front();
    lk.unlock();
    if (!client) continue;
    asio::io_context io;
    asio::co_spawn(io, client(port, id, out.dir + "/serve-ca.pem"), asio::detached);
    io.run();
  }
  th.join();
  return out;
}

}  // namespace serve_test
