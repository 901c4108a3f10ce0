// "fixtures": RFC 5322 message files appended to a scratch mailbox (IMAP) or submitted (SMTP)
// before the steps. The files are read and checked at load time.
#include <filesystem>
#include <fstream>

#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace fs = std::filesystem;
namespace {

constexpr std::uintmax_t max_message_bytes = 1024 * 1024;
constexpr std::size_t max_messages = 100;

// RFC 5322 §2.1, §2.2, §3.6.8 in outline: header fields ("name: value", folded lines start with
// SP or HTAB), then an empty line and the body; lines end in CRLF (LF alone is accepted in the
// file and stored as CRLF), at most 998 characters; no NUL, no CR outside a line end.
std::string check_message(const std::string& raw, std::string& crlf) {
  if (raw.empty()) return "the file is empty";
  bool in_header = true;
  std::size_t fields = 0, line_no = 0;
  for (std::size_t pos = 0; pos < raw.size();) {
    ++line_no;
    auto lf = raw.find('\n', pos);
    std::string line = raw.substr(pos, lf == std::string::npos ? std::string::npos : lf - pos);
    pos = lf == std::string::npos ? raw.size() : lf + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string at = "line " + std::to_string(line_no) + ": ";
    if (line.find('\0') != std::string::npos) return at + "a NUL byte";
    if (line.find('\r') != std::string::npos) return at + "a CR that does not end the line";
    if (line.size() > 998) return at + "longer than 998 characters (RFC 5322 §2.1.1)";
    if (in_header && line.empty()) {
      if (fields == 0) return at + "an empty line before any header field";
      in_header = false;
    } else if (in_header && (line[0] == ' ' || line[0] == '\t')) {
      if (fields == 0) return at + "a folded line before any header field";
    } else if (in_header) {
      auto colon = line.find(':');
      bool name_ok = colon != std::string::npos && colon > 0;
      for (std::size_t i = 0; name_ok && i < colon; ++i)
        name_ok = static_cast<unsigned char>(line[i]) >= 33 && static_cast<unsigned char>(line[i]) <= 126;
      if (!name_ok) return at + "not a header field (\"Name: value\") before the empty line that starts the body";
      ++fields;
    }
    crlf += line + "\r\n";
  }
  return "";
}

bool valid_flag(const std::string& f) {
  if (f.empty()) return false;
  for (std::size_t i = 0; i < f.size(); ++i) {
    auto u = static_cast<unsigned char>(f[i]);
    if (u <= 0x20 || u >= 0x7f || std::string_view("(){%*\"]").find(f[i]) != std::string_view::npos) return false;
    if (f[i] == '\\' && i != 0) return false;
  }
  return f != "\\";
}

std::optional<fixture_message> load_message(checker& c, const std::string& file, const std::string& ptr) {
  fs::path p(file);
  if (p.is_relative()) p = fs::path(c.file()).parent_path() / p;
  std::error_code ec;
  auto st = fs::status(p, ec);
  if (ec || !fs::exists(st)) {
    c.error(ptr, "message file " + p.string() + " not found (a path relative to the scenario file, e.g. \"../fixtures/plain.eml\")");
    return std::nullopt;
  }
  auto size = fs::file_size(p, ec);
  if (!fs::is_regular_file(st) || ec || size > max_message_bytes) {
    c.error(ptr, "message file " + p.string() + (fs::is_regular_file(st) && !ec ? " is larger than 1 MiB" : " is not a regular file"));
    return std::nullopt;
  }
  std::ifstream in(p, std::ios::binary);
  std::string raw(static_cast<std::size_t>(size), '\0');
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  if (!in) {
    c.error(ptr, "cannot read message file " + p.string());
    return std::nullopt;
  }
  fixture_message m;
  m.file = file;
  m.path = p.string();
  if (auto why = check_message(raw, m.content); !why.empty()) {
    c.error(ptr, "message file " + p.string() + " is not an RFC 5322 message: " + why);
    return std::nullopt;
  }
  return m;
}

std::optional<fixture_message> parse_message(checker& c, const json& j, const std::string& ptr, bool imap) {
  if (j.is_string()) {
    if (auto f = c.get_string(j, ptr, true)) return load_message(c, *f, ptr);
    return std::nullopt;
  }
  if (!c.is_object(j, ptr, "a file name or {\"file\": ..., \"flags\": [...]}")) return std::nullopt;
  c.check_fields(j, ptr, {"file", "flags"}, "a fixture message");
  if (!j.contains("file")) {
    c.missing(ptr, "file");
    return std::nullopt;
  }
  auto f = c.get_string(j["file"], ptr + "/file", true);
  std::optional<fixture_message> m = f ? load_message(c, *f, ptr + "/file") : std::nullopt;
  if (!j.contains("flags")) return m;
  const std::string fp = ptr + "/flags";
  if (!imap) {
    c.key_error(fp, "\"flags\" are IMAP APPEND flags; an SMTP fixture is sent as it is");
    return std::nullopt;
  }
  if (!c.is_array(j["flags"], fp, "a list of flags, e.g. [\"\\\\Seen\", \"$Forwarded\"]")) return std::nullopt;
  for (std::size_t i = 0; i < j["flags"].size(); ++i) {
    auto flag = c.get_string(j["flags"][i], pointer_append(fp, i), true);
    if (flag && !valid_flag(*flag)) {
      c.error(pointer_append(fp, i), "expected a flag like \"\\\\Seen\" or a keyword atom, got " + got(j["flags"][i]));
    } else if (flag && m) {
      m->flags.push_back(*flag);
    }
  }
  return m;
}

void protocol_fields(checker& c, const json& j, fixtures_spec& f, protocol_kind p) {
  auto templ_of = [&](const char* name) { return c.get_templ(j[name], pointer_append("/fixtures", name)); };
  const bool imap = p == protocol_kind::imap;
  for (const char* name : {"from", "to"})
    if (imap && j.contains(name))
      c.key_error(pointer_append("/fixtures", name), std::string("\"") + name + "\" is an SMTP envelope; IMAP fixtures are appended");
  if (imap) {
    for (const char* name : {"user", "pass"})
      if (!j.contains(name)) c.missing("/fixtures", name);
  } else {
    if (!j.contains("from")) c.missing("/fixtures", "from");
    if (!j.contains("to")) c.missing("/fixtures", "to");
    if (j.contains("user") != j.contains("pass")) c.missing("/fixtures", j.contains("user") ? "pass" : "user");
  }
  if (j.contains("user")) f.user = templ_of("user");
  if (j.contains("pass")) f.pass = templ_of("pass");
  if (!imap && j.contains("from")) f.from = templ_of("from");
  if (!imap && j.contains("to") && c.is_array(j["to"], "/fixtures/to", "a list of recipients")) {
    if (j["to"].empty()) c.error("/fixtures/to", "expected at least one recipient, got an empty list");
    for (std::size_t i = 0; i < j["to"].size(); ++i)
      if (auto t = c.get_templ(j["to"][i], pointer_append("/fixtures/to", i))) f.to.push_back(std::move(*t));
  }
}

}  // namespace

void parse_fixtures(checker& c, const json& j, scenario& s) {
  if (!c.is_object(j, "/fixtures", "an object with \"messages\"")) return;
  c.check_fields(j, "/fixtures", {"messages", "user", "pass", "from", "to"}, "fixtures");
  if (!c.protocol) return;
  if (*c.protocol == protocol_kind::pop3) {
    c.key_error("/fixtures", "POP3 cannot add messages: give a POP3 scenario its messages with an SMTP or IMAP "
                             "scenario, or on the server");
    return;
  }
  const bool imap = *c.protocol == protocol_kind::imap;
  if (!s.mutates)
    c.key_error("/fixtures", imap ? "fixtures create a scratch mailbox in the account: the scenario needs \"mutates\": "
                                    "true (it then runs only with --allow-mutation)"
                                  : "fixtures send messages: the scenario needs \"mutates\": true (it then runs only with "
                                    "--allow-mutation)");
  fixtures_spec f;
  protocol_fields(c, j, f, *c.protocol);
  if (!j.contains("messages") && !imap) c.missing("/fixtures", "messages");
  if (j.contains("messages") && c.is_array(j["messages"], "/fixtures/messages", "a list of message files")) {
    const json& ms = j["messages"];
    if (ms.size() > max_messages)
      c.error("/fixtures/messages", "at most " + std::to_string(max_messages) + " messages, got " + std::to_string(ms.size()));
    else if (ms.empty() && !imap)
      c.error("/fixtures/messages", "expected at least one message to send, got an empty list");
    for (std::size_t i = 0; i < ms.size() && i < max_messages; ++i)
      if (auto m = parse_message(c, ms[i], pointer_append("/fixtures/messages", i), imap)) f.messages.push_back(std::move(*m));
  }
  c.scratch = imap;
  s.fixtures = std::move(f);
}

}  // namespace mailspec::scenario::detail
