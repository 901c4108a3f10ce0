// Private: what the fake server saw, shared between its thread and the test thread.
#pragma once
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::fake {

struct recorder {
  mutable std::mutex m;
  mutable std::condition_variable cv;
  std::string received, plain;
  std::vector<std::string> lines, mismatches, events;
  int accepted = 0, finished = 0;

  void bytes(std::string_view b, bool tls) {
    std::lock_guard lock(m);
    received.append(b);
    if (!tls) plain.append(b);
  }
  void add(std::vector<std::string>& to, std::string s) {
    std::lock_guard lock(m);
    to.push_back(std::move(s));
  }
  void line(std::string s) { add(lines, std::move(s)); }
  void mismatch(std::string s) { add(mismatches, std::move(s)); }
  void event(std::string s) { add(events, std::move(s)); }
  void accept() {
    std::lock_guard lock(m);
    ++accepted;
  }
  void done() {
    {
      std::lock_guard lock(m);
      ++finished;
    }
    cv.notify_all();
  }
};

}  // namespace mailspec::fake
