// The POP3 state model's readers (pop3_state.hpp).
#include "rules/pop3_state.hpp"

namespace mailspec::rules::detail::pop3 {
namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (!all_digits(s) || s.size() > 19) return std::nullopt;
  return std::stoull(std::string(s));
}

}  // namespace


std::optional<std::uint64_t> pop3_command::arg(std::size_t i) const {
  return i < args.size() ? number(args[i]) : std::nullopt;
}

std::vector<std::vector<pop3_command>> commands(const session::record& rec) {
  std::vector<std::vector<pop3_command>> out;
  for (const auto& group : by_connection(rec)) {
    auto& cmds = out.emplace_back();
    for (std::size_t i : group) {
      const auto& ex = rec.exchanges[i];
      if (ex.greeting || ex.verb == "AUTH") continue;
      const auto lines = sent_lines(rec, ex);
      for (std::size_t k = 0; k < lines.size(); ++k) {
        auto w = split_ws(lines[k]);
        if (w.empty()) continue;
        pop3_command c;
        c.ex = &ex;
        c.verb = upper(w.front());
        c.args.assign(w.begin() + 1, w.end());
        c.reply = k < ex.pop3.size() ? &ex.pop3[k] : nullptr;
        cmds.push_back(std::move(c));
      }
    }
  }
  return out;
}

std::optional<drop_listing> parse_stat(const pop3_command& c) {
  if (c.verb != "STAT" || !c.ok()) return std::nullopt;
  auto w = split_ws(c.reply->text);
  if (w.size() < 2) return std::nullopt;
  auto n = number(w[0]), s = number(w[1]);
  if (!n || !s) return std::nullopt;
  return drop_listing{*n, *s};
}

std::optional<std::map<std::uint64_t, std::string>> parse_listing(const pop3_command& c) {
  if (!c.ok()) return std::nullopt;
  const auto& r = *c.reply;
  if (r.body_lines_elided > 0 || (r.multiline && !r.terminated)) return std::nullopt;
  std::map<std::uint64_t, std::string> out;
  auto take = [&](std::string_view line) {
    auto w = split_ws(line);
    auto n = w.size() >= 2 ? number(w[0]) : std::nullopt;
    if (!n) return false;
    out[*n] = w[1];
    return true;
  };
  if (!r.multiline) {
    if (!take(r.text)) return std::nullopt;
    return out;
  }
  for (auto line : r.body)
    if (!take(line)) return std::nullopt;
  return out;
}

message_text parse_text(const protocol::pop3_response& r) {
  message_text t;
  t.complete = r.body_lines_elided == 0 && r.terminated;
  for (auto line : r.body) {
    if (t.has_separator) ++t.body_lines;
    else if (line.empty()) t.has_separator = true;
    else ++t.header_lines;
  }
  return t;
}

}  // namespace mailspec::rules::detail::pop3
