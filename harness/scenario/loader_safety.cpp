// Data safety at load time: a scenario without "mutates" never deletes, moves or expunges a
// user's data (docs/scenario-format.md, "Data safety"). The session checks the expanded
// commands again before sending them; this catches what the file itself says.
#include <cctype>

#include "core/text.hpp"
#include "scenario/loader_internal.hpp"
#include "scenario/safety.hpp"

namespace mailspec::scenario::detail {
namespace {

const char* mutates_hint = " (set \"mutates\": true to run it only with --allow-mutation)";

}  // namespace

// Why an IMAP command line is refused in a non-mutating scenario, or "".
std::string imap_refusal(const std::string& line) {
  const std::string verb = command_verb(line, true);
  if (verb == "EXPUNGE" || verb == "UID EXPUNGE")
    return verb + " removes messages for good: a scenario without \"mutates\" never expunges";
  if (verb == "CLOSE")
    return "CLOSE expunges the selected mailbox's \\Deleted messages (the user's own included): use UNSELECT or "
           "LOGOUT in a scenario without \"mutates\"";
  if (verb == "MOVE" || verb == "UID MOVE" || verb == "RENAME")
    return verb + " moves the user's data: a scenario without \"mutates\" never moves messages or mailboxes";
  if (verb == "DELETE") return "DELETE removes a mailbox and its messages: a scenario without \"mutates\" never deletes";
  if (verb == "STORE" || verb == "UID STORE") {
    // tag [UID] STORE set item (flags): adding \Deleted (FLAGS or +FLAGS) marks messages for expunge.
    std::string u = upper(line);
    auto at = u.find("STORE ");
    auto item = at == std::string::npos ? std::string::npos : u.find(' ', u.find_first_not_of(' ', at + 6));
    std::size_t item_start = item == std::string::npos ? item : u.find_first_not_of(' ', item);
    bool removing = item_start != std::string::npos && u[item_start] == '-';
    if (!removing && u.find("\\DELETED") != std::string::npos)
      return verb + " with \\Deleted marks messages for expunge: a scenario without \"mutates\" never does";
  }
  return "";
}

namespace {

std::vector<std::string> lines_of(const scenario& s, const step& st, bool& raw) {
  raw = false;
  if (auto a = std::get_if<send_action>(&st.act)) return {a->line.text};
  if (auto a = std::get_if<send_raw_action>(&st.act)) {
    raw = true;
    return command_lines(a->bytes.text, s.protocol == protocol_kind::imap);
  }
  return {};
}

std::string step_ptr(const step& st) {
  return st.pos.pointer + (std::holds_alternative<send_raw_action>(st.act) ? "/send_raw" : "/send");
}

void check_imap(checker& c, const scenario& s) {
  for (const auto& st : s.steps) {
    bool raw = false;
    for (const auto& line : lines_of(s, st, raw))
      if (auto why = imap_refusal(line); !why.empty()) {
        c.error(step_ptr(st), why + mutates_hint);
        break;
      }
  }
}

// POP3: DELE only in a send step, undone by an RSET step on the same connection before its QUIT.
void check_pop3(checker& c, const scenario& s) {
  std::map<std::string, const step*> pending;  // connection -> the DELE step not yet undone
  auto unresolved = [&](const std::string& conn, const char* what) {
    auto it = pending.find(conn);
    if (it == pending.end() || it->second == nullptr) return;
    c.error(step_ptr(*it->second), std::string("a scenario without \"mutates\" deletes nothing: DELE must be undone by an "
                                               "RSET step on the same connection before ") + what + mutates_hint);
    it->second = nullptr;
  };
  for (const auto& st : s.steps) {
    bool raw = false;
    for (const auto& line : lines_of(s, st, raw)) {
      const std::string verb = command_verb(line, false);
      if (verb == "DELE" && raw) {
        c.error(step_ptr(st), std::string("DELE in send_raw cannot be checked before QUIT: use a send step") + mutates_hint);
      } else if (verb == "DELE") {
        if (!pending.count(st.conn) || pending[st.conn] == nullptr) pending[st.conn] = &st;
      } else if (verb == "RSET") {
        pending.erase(st.conn);
      } else if (verb == "QUIT") {
        unresolved(st.conn, "QUIT");
      }
    }
  }
  for (const auto& [conn, st] : pending) unresolved(conn, "the scenario ends");
}

}  // namespace

std::vector<std::string> command_lines(std::string_view bytes, bool imap_literals) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto lf = bytes.find('\n', pos);
    std::string line(bytes.substr(pos, lf == std::string_view::npos ? std::string_view::npos : lf - pos));
    pos = lf == std::string_view::npos ? bytes.size() : lf + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
    if (!imap_literals || line.empty() || line.back() != '}') continue;
    auto open = line.rfind('{');
    std::string n = open == std::string::npos ? "" : line.substr(open + 1, line.size() - open - 2);
    if (!n.empty() && n.back() == '+') n.pop_back();
    if (!n.empty() && n.size() < 10 && n.find_first_not_of("0123456789") == std::string::npos) pos += std::stoul(n);
  }
  return out;
}

std::string command_verb(std::string_view line, bool tagged) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < line.size() && words.size() < 3) {
    while (i < line.size() && line[i] == ' ') ++i;
    auto j = line.find(' ', i);
    if (j == std::string_view::npos) j = line.size();
    if (j > i) words.push_back(upper(std::string(line.substr(i, j - i))));
    i = j;
  }
  std::size_t first = tagged ? 1 : 0;
  if (words.size() <= first) return "";
  if (words[first] == "UID" && words.size() > first + 1) return "UID " + words[first + 1];
  return words[first];
}

}  // namespace mailspec::scenario::detail

namespace mailspec::scenario {

std::string imap_safety_refusal(std::string_view bytes) {
  for (const auto& line : detail::command_lines(bytes, true))
    if (auto why = detail::imap_refusal(line); !why.empty()) return why;
  return "";
}

std::vector<std::string> command_verbs(std::string_view bytes, protocol_kind p) {
  std::vector<std::string> out;
  for (const auto& line : detail::command_lines(bytes, p == protocol_kind::imap))
    out.push_back(detail::command_verb(line, p == protocol_kind::imap));
  return out;
}

}  // namespace mailspec::scenario

namespace mailspec::scenario::detail {

void check_data_safety(checker& c, const scenario& s) {
  if (s.protocol == protocol_kind::imap) check_imap(c, s);
  if (s.protocol == protocol_kind::pop3) check_pop3(c, s);
}

}  // namespace mailspec::scenario::detail
