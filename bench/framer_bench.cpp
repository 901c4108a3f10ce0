// Framing throughput of the IMAP and POP3 framers next to memcpy of the same bytes.
// Not built by default (bench/run.py builds it): `ninja -C build framer_bench`, then
//   build/bench/framer_bench [total_mb] [imap|pop3]
// Prints one JSON object per line: {"bench":..., "bytes":..., "seconds":..., "mb_per_s":...}.
// The stream is built in memory first, then fed in 64 KiB chunks, popping every response.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap.hpp"
#include "protocol/pop3.hpp"

namespace proto = mailspec::protocol;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

struct result {
  std::size_t responses = 0;
  std::size_t payload = 0;  // bytes of literals / body lines delivered
};

// "* n FETCH (UID n BODY[] {L}\r\n" + L bytes (CRLF-terminated text lines) + ")\r\n"
std::string imap_stream(std::size_t total, std::size_t literal) {
  std::string line(76, 'x');
  line += "\r\n";
  std::string payload;
  while (payload.size() + line.size() <= literal) payload += line;
  std::string out;
  out.reserve(total + literal);
  for (std::size_t n = 1; out.size() < total; ++n) {
    out += "* " + std::to_string(n) + " FETCH (UID " + std::to_string(n) + " BODY[] {" +
           std::to_string(payload.size()) + "}\r\n";
    out += payload;
    out += ")\r\n";
  }
  out += "a1 OK FETCH completed\r\n";
  return out;
}

// RETR responses: "+OK\r\n" + 78-byte lines (some dot-stuffed) + ".\r\n"
std::string pop3_stream(std::size_t total, std::size_t body, std::size_t& count) {
  std::string msg = "+OK message follows\r\n";
  for (std::size_t i = 0; msg.size() < body; ++i)
    msg += (i % 50 == 0 ? std::string("..") + std::string(74, 'y') : std::string(76, 'y')) + "\r\n";
  msg += ".\r\n";
  std::string out;
  out.reserve(total + msg.size());
  count = 0;
  while (out.size() < total) {
    out += msg;
    ++count;
  }
  return out;
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double last_cpu = 0;  // CPU seconds of the last measurement (wall time suffers on a shared machine)

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_now();
  f();
  last_cpu = cpu_now() - c0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void print(const char* name, std::size_t bytes, double s, const result& r) {
  std::printf("{\"bench\":\"%s\",\"bytes\":%zu,\"seconds\":%.4f,\"mb_per_s\":%.1f,\"cpu_seconds\":%.4f,"
              "\"mb_per_cpu_s\":%.1f,\"responses\":%zu,\"payload\":%zu}\n",
              name, bytes, s, bytes / s / 1e6, last_cpu, bytes / last_cpu / 1e6, r.responses, r.payload);
}

result frame_imap(std::string_view s) {
  proto::imap_framer f;
  result r;
  for (std::size_t i = 0; i < s.size(); i += chunk_size) {
    f.feed(s.substr(i, chunk_size));
    while (auto resp = f.next()) {
      ++r.responses;
      for (const auto& l : resp->literals) r.payload += l.size();
    }
  }
  return r;
}

result frame_pop3(std::string_view s, std::size_t count) {
  proto::pop3_framer f;
  for (std::size_t i = 0; i < count; ++i) f.expect_multiline(true);
  result r;
  for (std::size_t i = 0; i < s.size(); i += chunk_size) {
    f.feed(s.substr(i, chunk_size));
    while (auto resp = f.next()) {
      ++r.responses;
      for (const auto& l : resp->body) r.payload += l.size();
    }
  }
  return r;
}

result copy_chunks(std::string_view s, std::vector<char>& dst) {
  for (std::size_t i = 0; i < s.size(); i += chunk_size)
    std::memcpy(dst.data() + i, s.data() + i, std::min(chunk_size, s.size() - i));
  return result{1, static_cast<std::size_t>(dst[s.size() / 2])};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t total = (argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200) * 1000 * 1000;
  const std::string_view only = argc > 2 ? argv[2] : "";
  const std::string imap = only == "pop3" ? std::string() : imap_stream(total, 8 * 1024 * 1024);
  std::size_t retr_count = 0;
  const std::string pop3 = only == "imap" ? std::string() : pop3_stream(total, 5 * 1000 * 1000, retr_count);
  std::vector<char> dst(std::max(imap.size(), pop3.size()));
  for (int round = 0; round < 2; ++round) {  // the first round warms caches and the allocator
    result r;
    double s = 0;
    if (only != "pop3") {
      s = seconds([&] { r = copy_chunks(imap, dst); });
      if (round) print("memcpy_imap_stream", imap.size(), s, r);
      s = seconds([&] { r = frame_imap(imap); });
      if (round) print("imap_fetch_literals", imap.size(), s, r);
    }
    if (only != "imap") {
      s = seconds([&] { r = copy_chunks(pop3, dst); });
      if (round) print("memcpy_pop3_stream", pop3.size(), s, r);
      s = seconds([&] { r = frame_pop3(pop3, retr_count); });
      if (round) print("pop3_retr_bodies", pop3.size(), s, r);
    }
  }
  return 0;
}
