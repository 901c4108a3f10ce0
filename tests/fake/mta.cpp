#include "mta.hpp"

#include <algorithm>
#include <cctype>

namespace mailspec::fake {

namespace {

struct sequence {
  const char* name;
  std::string_view bytes;
};
constexpr sequence permissive[] = {
    {"lf-dot-lf", "\n.\n"}, {"cr-dot-cr", "\r.\r"}, {"lf-dot-crlf", "\n.\r\n"}, {"crlf-dot-lf", "\r\n.\n"}};

bool has_bare_lf(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  return false;
}

bool has_bare_cr(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) return true;
  return false;
}

std::string verb_of(std::string_view line) {
  std::string v(line.substr(0, line.find(' ')));
  for (auto& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v;
}

}  // namespace

std::optional<data_end> find_data_end(std::string_view data, const mta_options& o) {
  // The virtual <CRLF> before the data lets a message that is only "." + <CRLF> end at once.
  const std::string buf = "\r\n" + std::string(data);
  std::optional<data_end> best;
  auto consider = [&](std::string_view seq) {
    auto at = buf.find(seq);
    if (at == std::string::npos) return;
    std::size_t end = at + seq.size();
    if (end < 2) return;
    data_end d{at < 2 ? 0 : at - 2, end - 2};
    if (!best || d.consumed < best->consumed) best = d;
  };
  consider("\r\n.\r\n");
  for (const auto& s : permissive)
    if (std::find(o.end_of_data.begin(), o.end_of_data.end(), s.name) != o.end_of_data.end()) consider(s.bytes);
  return best;
}

std::string data_reply(std::string_view content, const mta_options& o, int n) {
  if (o.reject_bare_lf && has_bare_lf(content)) return "550 5.5.2 Error: bare <LF> received\r\n";
  if (o.reject_bare_cr && has_bare_cr(content)) return "550 5.5.2 Error: bare <CR> received\r\n";
  return "250 2.0.0 Ok: queued as FAKE" + std::to_string(n) + "\r\n";
}

mta_reply command_reply(std::string_view line, const mta_options& o) {
  const std::string v = verb_of(line);
  if (v == "EHLO")
    return {std::string("250-fake.test\r\n250-PIPELINING\r\n") + (o.starttls ? "250-STARTTLS\r\n" : "") +
            "250 8BITMIME\r\n"};
  if (v == "HELO") return {"250 fake.test\r\n"};
  if (v == "MAIL") return {"250 2.1.0 Ok\r\n"};
  if (v == "RCPT") return {"250 2.1.5 Ok\r\n"};
  if (v == "DATA") return {"354 End data with <CR><LF>.<CR><LF>\r\n", true};
  if (v == "NOOP" || v == "RSET") return {"250 2.0.0 Ok\r\n"};
  if (v == "QUIT") return {"221 2.0.0 Bye\r\n", false, true};
  if (v == "STARTTLS" && o.starttls) return {"220 2.0.0 Ready to start TLS\r\n", false, false, true};
  return {"500 5.5.2 Error: command not recognized\r\n"};
}

}  // namespace mailspec::fake
