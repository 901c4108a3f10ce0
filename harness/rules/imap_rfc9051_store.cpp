// RFC 9051 §6.4.6 (IMAP STORE), a state-model rule: the FETCH responses to a STORE (not .SILENT)
// that the server answered OK show the flags as stored.
#include "rules/imap_state.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::imap_response;
using namespace imap;

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  for (const auto& x : flags)
    if (same_flag(x, f)) return true;
  return false;
}

struct store_flags : visitor {
  explicit store_flags(context& c) : c(c) {}
  context& c;
  bool active = false;
  number_set set;
  char op = '=';  // '+', '-' or '=' (replace)
  std::vector<std::string> flags;
  struct seen {
    const session::exchange* ex;
    std::string raw, problem;
  };
  std::vector<seen> judged;

  void command_start(const session::exchange&, const command& cmd, const mailbox* box) override {
    active = false;
    judged.clear();
    const auto& a = cmd.args;
    if (cmd.verb != "STORE" || a.size() < 3) return;
    if (box && (box->examine || box->read_only.value_or(false))) return;  // a read-only mailbox stores nothing
    std::size_t i = 1;
    if (!a[i].empty() && a[i].front() == '(') {  // a store modifier: (UNCHANGEDSINCE n) may skip messages
      return;
    }
    std::string item = upper(a[i++]);
    if (item.size() > 7 && item.substr(item.size() - 7) == ".SILENT") return;
    op = item == "+FLAGS" ? '+' : item == "-FLAGS" ? '-' : item == "FLAGS" ? '=' : '?';
    if (op == '?') return;
    std::string value;
    for (; i < a.size(); ++i) value += (value.empty() ? "" : " ") + a[i];
    flags = list_words(value);
    set = parse_set(a.front());
    active = set.valid;
  }

  std::string problem(const std::vector<std::string>& now, const mailbox* box) const {
    for (const auto& f : flags) {
      if (same_flag(f, "\\Recent") || (box && !box->permanent(f))) continue;
      const bool there = has_flag(now, f);
      if (op != '-' && !there) return f + " missing after " + (op == '+' ? "+FLAGS" : "FLAGS");
      if (op == '-' && there) return f + " still set after -FLAGS";
    }
    if (op == '=')
      for (const auto& f : now)
        if (!same_flag(f, "\\Recent") && !has_flag(flags, f)) return f + " set although FLAGS replaced the flags";
    return {};
  }

  void response(const session::exchange& ex, const command& cmd, const imap_response& r, const mailbox* box) override {
    if (!active || r.keyword != "FETCH" || !r.number) return;
    const auto d = parse_fetch(r);
    if (!d.flags) return;
    const auto id = cmd.uid ? d.uid : r.number;
    if (!id || !set.contains(*id)) return;  // an unsolicited update of another message
    judged.push_back({&ex, r.raw, problem(*d.flags, box)});
  }

  void completed(const session::exchange& ex, const command&, const imap_response* t, const mailbox*) override {
    if (!active || !t || t->status != "OK") return;
    bool bad = false;
    for (const auto& j : judged) {
      if (j.problem.empty()) continue;
      bad = true;
      c.broken(j.ex, "the stored flags in the FETCH response to the STORE", j.raw, j.problem);
    }
    if (!bad && !judged.empty()) c.held(&ex);
    active = false;
  }
};

}  // namespace

void store_returns_flags(context& c) {
  store_flags v(c);
  walk(c.rec, v);
}

}  // namespace mailspec::rules::detail
