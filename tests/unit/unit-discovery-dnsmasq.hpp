// A private dnsmasq (Debian's dnsmasq-base, from ci/setup) on 127.0.0.1 and a free port, serving
// the records a test gives it; stopped by PID when the object goes. Loopback only.
#pragma once
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "discovery/dns.hpp"

extern char** environ;

namespace unit_discovery {

inline bool can_bind(int type, int port) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A port free for both UDP and TCP (dnsmasq listens on both), below the ephemeral range so
// outgoing connections of other tests do not take it in between.
inline int free_udp_port() {
  static unsigned seed = static_cast<unsigned>(::getpid()) * 7919u;
  for (int i = 0; i < 200; ++i) {
    seed = seed * 1103515245u + 12345u;
    int port = 20000 + static_cast<int>((seed >> 8) % 12000);
    if (can_bind(SOCK_DGRAM, port) && can_bind(SOCK_STREAM, port)) return port;
  }
  throw std::runtime_error("no free port for dnsmasq");
}

class dnsmasq {
 public:
  // args: dnsmasq record options, e.g. "--srv-host=_imaps._tcp.lab.test,imap.lab.test,993,0,1".
  explicit dnsmasq(std::vector<std::string> records) : port_(free_udp_port()) {
    std::vector<std::string> args = {"/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                                      "--no-resolv", "--no-hosts", "--listen-address=127.0.0.1", "--bind-interfaces",
                                      "--port=" + std::to_string(port_), "--pid-file=", "--user=root",
                                      "--local=/lab.test/", "--log-facility=/dev/null"};
    args.insert(args.end(), records.begin(), records.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start /usr/sbin/dnsmasq (ci/setup installs dnsmasq-base)");
    // Ready when it answers a name it serves (bounded: 5 s).
    mailspec::discovery::resolver_options o;
    o.server = address();
    o.timeout = std::chrono::milliseconds(200);
    o.attempts = 1;
    mailspec::discovery::resolver r(o);
    for (int i = 0; i < 50; ++i) {
      auto a = r.a("ready.lab.test");
      if (a.status != mailspec::discovery::dns_status::timeout) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    stop();
    throw std::runtime_error("dnsmasq did not answer within 5 s");
  }
  ~dnsmasq() { stop(); }
  dnsmasq(const dnsmasq&) = delete;
  dnsmasq& operator=(const dnsmasq&) = delete;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = 0;
  }
  int port_;
  pid_t pid_ = 0;
};

}  // namespace unit_discovery
