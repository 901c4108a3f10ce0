// Internal helpers shared by the rule files.
#include "rules/detail.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace mailspec::rules::detail {

std::vector<std::vector<std::size_t>> by_connection(const record& rec) {
  std::vector<std::vector<std::size_t>> out;
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < rec.exchanges.size(); ++i) {
    const auto name = connection_of(rec.exchanges[i]);
    std::size_t k = 0;
    while (k < names.size() && names[k] != name) ++k;
    if (k == names.size()) {
      names.push_back(name);
      out.emplace_back();
    }
    out[k].push_back(i);
  }
  return out;
}

bool has_word(const std::vector<std::string>& words, std::string_view w) {
  const std::string u = upper(w);
  return std::any_of(words.begin(), words.end(), [&](const std::string& x) { return upper(x) == u; });
}

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string num(std::uint64_t n) { return std::to_string(n); }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_defect(const std::vector<protocol::defect>& d, protocol::defect_kind k) {
  return std::any_of(d.begin(), d.end(), [&](const protocol::defect& x) { return x.kind == k; });
}

std::string defect_detail(const std::vector<protocol::defect>& d, protocol::defect_kind k) {
  for (const auto& x : d)
    if (x.kind == k) return x.detail;
  return {};
}

std::vector<std::string> sent_lines(const record& rec, const exchange& ex) {
  if (ex.command.empty()) return {};
  if (ex.pipelined) {
    for (const auto& s : rec.result.steps) {
      if (s.index != ex.step || s.sent.empty()) continue;
      std::vector<std::string> out;
      std::size_t i = 0;
      while (i < s.sent.size()) {
        std::size_t j = s.sent.find('\n', i);
        std::string line = s.sent.substr(i, j == std::string::npos ? std::string::npos : j - i);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) out.push_back(std::move(line));
        if (j == std::string::npos) break;
        i = j + 1;
      }
      if (!out.empty()) return out;
    }
  }
  return {ex.command};
}

std::size_t commands_in(const record& rec, const exchange& ex) { return sent_lines(rec, ex).size(); }

std::optional<std::int64_t> parse_iso8601(std::string_view s) {
  std::tm tm{};
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (s.size() < 10 || std::sscanf(std::string(s).c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) < 3)
    return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return static_cast<std::int64_t>(timegm(&tm));
}

bool is_ehlo(const exchange& ex) { return ex.verb == "EHLO"; }

const protocol::smtp_reply* last_reply(const exchange& ex) { return ex.smtp.empty() ? nullptr : &ex.smtp.back(); }

std::optional<std::vector<std::string>> smtp_ehlo_before(const record& rec, std::size_t upto) {
  std::optional<std::vector<std::string>> out;
  for (std::size_t i = 0; i < upto && i < rec.exchanges.size(); ++i) {
    const auto& ex = rec.exchanges[i];
    if (is_ehlo(ex) && !ex.smtp.empty() && ex.smtp.front().code == 250)
      out = protocol::smtp_ehlo_keywords(ex.smtp.front());
    if (ex.verb == "STARTTLS" && !ex.smtp.empty() && ex.smtp.front().code == 220) out.reset();
  }
  return out;
}

std::vector<ehlo_line> smtp_ehlo_lines_all(const record& rec) {
  std::vector<ehlo_line> out;
  for (const auto& ex : rec.exchanges) {
    if (!is_ehlo(ex) || ex.smtp.empty() || ex.smtp.front().code != 250) continue;
    for (auto& l : protocol::smtp_ehlo_lines(ex.smtp.front())) out.push_back({&ex, std::move(l)});
  }
  return out;
}

void smtp_transaction::after(std::string_view verb, int code) {
  const bool ok = code >= 200 && code < 300;
  if (in_data) {  // the message body exchange ends the transaction whatever the reply
    *this = smtp_transaction{false, false, false, authed};
    return;
  }
  if (verb == "MAIL" && ok) mail_ok = true;
  if (verb == "RCPT" && ok && mail_ok) rcpt_ok = true;
  if (verb == "DATA") {
    if (code == 354) in_data = true;
    else if (code >= 400) *this = smtp_transaction{false, false, false, authed};
  }
  if ((verb == "RSET" && ok) || verb == "EHLO" || verb == "HELO") *this = smtp_transaction{false, false, false, authed};
  if (verb == "STARTTLS" && code == 220) *this = smtp_transaction{};
  if (verb == "AUTH" && code == 235) authed = true;
}

std::optional<std::vector<std::string>> pop3_capa(const exchange& ex) {
  if (upper(ex.command).rfind("CAPA", 0) != 0 || ex.pop3.empty()) return std::nullopt;
  const auto& r = ex.pop3.front();
  if (r.status != protocol::pop3_status::ok || !r.multiline) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& l : r.body) out.push_back(upper(l));
  return out;
}

namespace {

std::string hex_byte(unsigned char ch) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[ch >> 4] + digits[ch & 15];
}

}  // namespace

std::optional<bad_byte> first_bad_text_byte(std::string_view s, bool controls) {
  for (std::size_t i = 0; i < s.size();) {
    const auto ch = static_cast<unsigned char>(s[i]);
    if (ch == 0) return bad_byte{i, "NUL (0x00)"};
    if ((ch < 0x20 && ch != '\t' && !controls) || (ch == 0x7f && !controls))
      return bad_byte{i, "control character " + hex_byte(ch)};
    if (ch < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(s, i);  // core/text.hpp (RFC 3629)
    if (n == 0) return bad_byte{i, "invalid UTF-8 byte " + hex_byte(ch)};
    i += n;
  }
  return std::nullopt;
}

std::vector<std::string> imap_caps_in(const exchange& ex) {
  std::vector<std::string> out;
  for (const auto& r : ex.imap) {
    if (r.keyword == "CAPABILITY" || r.code_name() == "CAPABILITY") {
      auto c = protocol::imap_capabilities(r);
      out.insert(out.end(), c.begin(), c.end());
    }
  }
  return out;
}

}  // namespace mailspec::rules::detail

namespace mailspec::rules::detail {

std::vector<smtp_cmd> smtp_commands(const record& rec) {
  std::vector<smtp_cmd> out;
  for (std::size_t i = 0; i < rec.exchanges.size(); ++i) {
    const auto& ex = rec.exchanges[i];
    auto lines = sent_lines(rec, ex);
    for (std::size_t k = 0; k < lines.size(); ++k) {
      std::string verb = k == 0 && !ex.verb.empty() ? ex.verb : upper(split_ws(lines[k]).empty() ? "" : split_ws(lines[k])[0]);
      const protocol::smtp_reply* r = k < ex.smtp.size() ? &ex.smtp[k] : nullptr;
      if (!ex.pipelined && verb == "AUTH" && !ex.smtp.empty()) r = &ex.smtp.back();  // SASL rounds: the final reply
      out.push_back({i, &ex, lines[k], verb, r});
    }
  }
  return out;
}

bool smtp_domain_ok(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') return s.size() > 2;
  if (s.empty() || s.size() > 255) return false;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find('.', i);
    if (j == std::string_view::npos) j = s.size();
    auto label = s.substr(i, j - i);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    i = j + 1;
  }
  return true;
}

}  // namespace mailspec::rules::detail
