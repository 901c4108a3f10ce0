// RFC 9051 §6.4.4 and §6.4.5, state-model rules: SEARCH ALL and FETCH 1:* name every message of
// the selected mailbox (docs/architecture.md, "The state model").
#include <algorithm>
#include <set>

#include "rules/imap_state.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::imap_response;
using namespace imap;

// SEARCH ALL and FETCH 1:* name every message of the mailbox, 1 to EXISTS. A SEARCH ALL that
// leaves messages out is not judged at once: RFC 2180 §4.3 lets a server leave out a message another
// session expunged and not yet reported; RFC 9051 §5.2 then has it report the EXPUNGE at the next
// command, so the omission is judged at the next NOOP of the connection (an EXPUNGE before or in it:
// pass; none: fail) and is a warning when the connection asks nothing more.
struct all_messages : visitor {
  all_messages(context& c, bool search) : c(c), search(search) {}
  context& c;
  static constexpr std::size_t max_ranges = 1000000;
  bool search;
  bool active = false, changed = false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> got;  // numbers named, as ranges
  std::optional<std::uint64_t> count;
  std::string evidence;
  struct omission {
    const session::exchange* ex;
    std::string expected, evidence, message;
  };
  std::optional<omission> left_out;  // a SEARCH ALL that left messages out, awaiting the next NOOP

  void connection() override { finish(); }
  void finish() {
    if (!left_out) return;
    c.emit(left_out->ex, verdict::warn, left_out->expected, left_out->evidence,
           left_out->message + "; no NOOP followed in the connection to show whether another session had "
                               "expunged them (RFC 2180 §4.3 allows leaving such messages out until the EXPUNGE is sent)");
    left_out.reset();
  }
  void command_start(const session::exchange&, const command& cmd, const mailbox*) override {
    static const std::set<std::string> leaves = {"SELECT", "EXAMINE", "CLOSE", "UNSELECT", "LOGOUT"};
    if (left_out && leaves.count(cmd.verb)) finish();
    got.clear();
    count.reset();
    evidence.clear();
    changed = false;
    const auto& a = cmd.args;
    if (search) active = cmd.verb == "SEARCH" && ((a.size() == 1 && upper(a[0]) == "ALL") ||
                                                 (a.size() == 3 && upper(a[0]) == "CHARSET" && upper(a[2]) == "ALL"));
    else active = cmd.verb == "FETCH" && !a.empty() && parse_set(a.front()).all();
  }
  void response(const session::exchange&, const command& cmd, const imap_response& r, const mailbox*) override {
    if (left_out && r.keyword == "EXPUNGE") {  // the server reports what it had left out
      c.held(left_out->ex);
      left_out.reset();
    }
    if (!active) return;
    if (r.keyword == "EXISTS" || r.keyword == "EXPUNGE") changed = true;  // the mailbox moved meanwhile
    if (!search && r.keyword == "FETCH" && r.number) {
      const std::uint64_t n = cmd.uid ? parse_fetch(r).uid.value_or(0) : *r.number;
      got.emplace_back(n, n);
      if (evidence.size() < 200) evidence += r.raw;
    }
    if (const auto s = search ? parse_search(r) : std::nullopt) {
      got.insert(got.end(), s->ranges.begin(), s->ranges.end());
      count = s->count;
      evidence = r.raw;
    }
    if (got.size() > max_ranges) {  // too much to judge
      changed = true;
      got.clear();
    }
  }
  std::uint64_t highest() const {
    std::uint64_t h = 0;
    for (const auto& r : got) h = std::max(h, r.second);
    return h;
  }
  // Distinct numbers named and whether they are exactly 1..n.
  std::pair<std::uint64_t, bool> distinct(std::uint64_t n) {
    std::sort(got.begin(), got.end());
    std::uint64_t total = 0, end = 0;  // numbers counted so far are < end
    bool from_one = got.empty() || got.front().first == 1, contiguous = true;
    for (const auto& [lo, hi] : got) {
      if (hi < end) continue;
      if (lo > end && end > 0) contiguous = false;
      total += hi - std::max(lo, end) + 1;
      end = hi + 1;
    }
    return {total, from_one && contiguous && (got.empty() || end == n + 1)};
  }
  void completed(const session::exchange& ex, const command& cmd, const imap_response* t, const mailbox* box) override {
    if (left_out && cmd.verb == "NOOP" && t && t->status == "OK") {
      c.broken(left_out->ex, left_out->expected, left_out->evidence,
               left_out->message + ", and the NOOP that followed reported no EXPUNGE (RFC 9051 §5.2)");
      left_out.reset();
    }
    if (!active || changed || !t || t->status != "OK" || t->code_name() == "EXPUNGEISSUED" || !box || !box->exists) return;
    const std::uint64_t exists = *box->exists;
    const auto [total, exact] = distinct(exists);
    const bool ok = total == exists && (!count || *count == exists) && (cmd.uid || exact);
    if (ok) return c.held(&ex);
    std::string expected = (search ? "the " : "a FETCH response for each of the ") + num(exists) +
                           (search ? " messages of the mailbox (EXISTS)" : " messages (EXISTS)");
    std::string shown = evidence.empty() ? t->raw : evidence;
    std::string message = num(total) + (search ? " hits" : " messages answered") + " with " + num(exists) +
                          " messages in the mailbox";
    // Fewer hits, none outside the mailbox: maybe messages another session expunged (above).
    const bool fewer = total < exists && (!count || *count == total) && (cmd.uid || highest() <= exists);
    if (search && fewer) {
      finish();
      left_out = omission{&ex, std::move(expected), std::move(shown), std::move(message)};
      return;
    }
    c.broken(&ex, std::move(expected), shown, std::move(message));
  }
};

}  // namespace

void search_all_every_message(context& c) {
  all_messages r(c, true);
  walk(c.rec, r);
  r.finish();
}

void fetch_all_every_message(context& c) {
  all_messages r(c, false);
  walk(c.rec, r);
}

}  // namespace mailspec::rules::detail
