#include "script.hpp"

#include <cctype>

namespace mailspec::fake {
namespace {

action make(action_kind k, std::string bytes = {}, std::uint64_t count = 0, int ms = 0) {
  action a;
  a.kind = k;
  a.bytes = std::move(bytes);
  a.count = count;
  a.ms = ms;
  return a;
}

}  // namespace

action send(std::string bytes) { return make(action_kind::send, std::move(bytes)); }
action expect_line(std::string glob) { return make(action_kind::expect_line, std::move(glob)); }
action read_line() { return make(action_kind::read_line); }
action starttls(tls_server_options tls) {
  auto a = make(action_kind::starttls);
  a.tls = std::move(tls);
  return a;
}
action sleep_ms(int ms) { return make(action_kind::sleep, {}, 0, ms); }
action trickle(std::string bytes, int interval_ms) { return make(action_kind::trickle, std::move(bytes), 0, interval_ms); }
action send_repeat(std::string bytes, std::uint64_t count) { return make(action_kind::send_repeat, std::move(bytes), count); }
action send_stream(std::string chunk, std::uint64_t size, std::string tail) {
  auto a = make(action_kind::send_stream, std::move(chunk), size);
  a.tail = std::move(tail);
  return a;
}
action close() { return make(action_kind::close); }
action reset() { return make(action_kind::reset); }
action read_until_close() { return make(action_kind::read_until_close); }
action drain(int ms) { return make(action_kind::drain, {}, 0, ms); }
action scram(scram_options o) {
  auto a = make(action_kind::scram);
  a.scram = std::move(o);
  return a;
}

action smtp_mta(mta_options o, tls_server_options tls) {
  auto a = make(action_kind::smtp_mta);
  a.mta = std::move(o);
  a.tls = std::move(tls);
  return a;
}

bool glob_match(std::string_view p, std::string_view t) {
  std::size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti])))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace mailspec::fake
