// RFC 2449 (POP3 CAPA and extended response codes), RFC 3206 (SYS, AUTH codes).
#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::pop3_status;

void capa_format(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (upper(ex.command) != "CAPA" || ex.pop3.empty() || ex.pop3.front().status != pop3_status::ok) continue;
    const auto& r = ex.pop3.front();
    if (!r.multiline) {
      c.broken(&ex, "a multi-line +OK response listing capabilities", r.raw);
      continue;
    }
    bool ok = true;
    for (const auto& l : r.body) {
      bool good = !l.empty() && l.front() != ' ' && l.size() <= 510;
      for (unsigned char ch : l) good = good && ch >= 0x20 && ch < 0x7f;
      if (!good) {
        c.broken(&ex, "capa-tag *(SP param) on each line (printable ASCII)", l);
        ok = false;
        break;
      }
    }
    if (ok) c.held(&ex);
  }
}

bool resp_code_ok(std::string_view code) {
  // resp-code = resp-level *("/" resp-level); resp-level = 1*schar (schar: %x21-2E / %x30-5C / %x5E-7F)
  if (code.empty() || code.front() == '/' || code.back() == '/') return false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    unsigned char ch = code[i];
    if (ch == '/' && code[i + 1] == '/') return false;
    if (ch < 0x21 || ch > 0x7e || ch == ']') return false;
  }
  return true;
}

void resp_code_syntax(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& r : ex.pop3) {
      if (r.text.empty() || r.text.front() != '[' || r.status == pop3_status::continuation) continue;
      auto end = r.text.find(']');
      if (end != std::string::npos && resp_code_ok(std::string_view(r.text).substr(1, end - 1))) c.held(&ex);
      else c.broken(&ex, "\"[\" resp-code \"]\" with resp-code = resp-level *(\"/\" resp-level)", r.status_line);
    }
  }
}

// Capabilities from the first CAPA in the record (nullopt when the client never asked).
std::optional<std::vector<std::string>> first_capa(const record& rec) {
  for (const auto& ex : rec.exchanges)
    if (auto caps = pop3_capa(ex)) return caps;
  return std::nullopt;
}

bool capa_has(const std::vector<std::string>& caps, std::string_view tag) {
  for (const auto& l : caps) {
    auto w = split_ws(l);
    if (!w.empty() && w.front() == tag) return true;
  }
  return false;
}

void resp_codes_advertised(context& c) {
  auto caps = first_capa(c.rec);
  if (!caps) return;
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& r : ex.pop3) {
      if (r.code.empty()) continue;
      const std::string code = upper(r.code);
      const char* needs = code == "AUTH" ? "AUTH-RESP-CODE" : "RESP-CODES";
      if (capa_has(*caps, needs) || capa_has(*caps, "RESP-CODES")) c.held(&ex);
      else c.broken(&ex, std::string("the ") + needs + " capability advertised before [" + r.code + "] is used", r.status_line);
    }
  }
}

void capa_arg(context& c, std::string_view tag) {
  for (const auto& ex : c.rec.exchanges) {
    auto caps = pop3_capa(ex);
    if (!caps) continue;
    for (const auto& l : *caps) {
      auto w = split_ws(l);
      if (w.empty() || w.front() != tag) continue;
      bool ok = w.size() >= 2 && w.size() <= 3 && (all_digits(w[1]) || (tag == "EXPIRE" && w[1] == "NEVER")) &&
                (w.size() == 2 || w[2] == "USER");
      if (ok) c.held(&ex, l);
      else c.broken(&ex, std::string(tag) + (tag == "EXPIRE" ? " (NEVER / digits) [USER]" : " digits [USER]"), l);
    }
  }
}

// NUL and bytes that are not UTF-8 in a status line (greeting included): no POP3 grammar admits them.
void status_line_bytes(context& c) {
  for (const auto& ex : c.rec.exchanges)
    for (const auto& r : ex.pop3) {
      std::string_view line = r.status_line;
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
      if (auto bad = first_bad_text_byte(line, true))
        c.broken(&ex, "a status line without NUL and with well-formed text", r.status_line,
                 bad->what + " at offset " + std::to_string(bad->at));
      else c.held(&ex);
    }
}

}  // namespace

void add_pop3_rfc2449(std::vector<rule>& v) {
  v.push_back(row("pop3/rfc2449/5/capa-format", "pop3", "RFC 2449 §5, §3", level::must,
                  "An +OK response is followed by a list of capabilities, one per line. ... Each capability line "
                  "is limited to 512 octets (including the CRLF). The capability list is terminated by a line "
                  "containing a termination octet (\".\") and a CRLF pair. (§5) ... capability = capa-tag *(SP "
                  "param) CRLF ;512 octets maximum ... capa-tag = 1*cchar (§3)",
                  capa_format));
  v.push_back(row("pop3/rfc2449/8/resp-code-syntax", "pop3", "RFC 2449 §3, §8", level::must,
                  "resp-code = \"[\" resp-level *(\"/\" resp-level) \"]\" ... resp-level = 1*rchar (§3; §8 defines "
                  "the codes)",
                  resp_code_syntax));
  v.push_back(row("pop3/rfc2449/8/resp-codes-advertised", "pop3", "RFC 2449 §8, §6.4; RFC 3206", level::should,
                  "Summary: \"If a server supports extended response codes, it indicates this by including the "
                  "RESP-CODES capability in the CAPA response.\" (RFC 2449 §8; RFC 3206's AUTH-RESP-CODE capability "
                  "announces the [AUTH] code) No keyword makes it a requirement: a code sent without the "
                  "capability is reported as a warning.",
                  resp_codes_advertised));
  v.push_back(row("pop3/rfc2449/6.5/login-delay-syntax", "pop3", "RFC 2449 §6.5", level::must,
                  "CAPA tag: LOGIN-DELAY Arguments: minimum seconds between logins; optionally followed by USER in "
                  "AUTHENTICATION state. ... The LOGIN-DELAY capability includes an integer argument which "
                  "indicates the number of seconds after an \"+OK\" response to a PASS, APOP, or AUTH command before "
                  "another authentication will be accepted.",
                  [](context& c) { capa_arg(c, "LOGIN-DELAY"); }));
  v.push_back(row("pop3/rfc2449/6.7/expire-syntax", "pop3", "RFC 2449 §6.7", level::must,
                  "CAPA tag: EXPIRE Arguments: server-guaranteed minimum retention days, or NEVER; optionally "
                  "followed by USER in AUTHENTICATION state",
                  [](context& c) { capa_arg(c, "EXPIRE"); }));
  v.push_back(row("pop3/rfc2449/3/status-line-bytes", "pop3", "RFC 2449 §3", level::must,
                  "single-line = status [SP text] CRLF ;512 octets maximum ... text = *schar / resp-code *CHAR ... "
                  "schar = %x21-5A / %x5C-7F ;printable ASCII, excluding \"[\" (CHAR is %x01-7F, RFC 2234: judged: "
                  "NUL and bytes that are not UTF-8 break the grammar; well-formed UTF-8, which RFC 6856 allows "
                  "after UTF8, is not judged)",
                  status_line_bytes, severity::low));
}

}  // namespace mailspec::rules::detail
