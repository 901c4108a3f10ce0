// The IMAP state model's replay (imap_state.hpp): applies every untagged response to the selected
// mailbox in the order the server sent it, and tells the visitor before each one.
#include "rules/imap_state.hpp"

namespace mailspec::rules::detail::imap {
namespace {

using protocol::imap_kind;

std::optional<std::uint64_t> code_number(std::string_view arg) {
  if (!all_digits(arg) || arg.size() > 19) return std::nullopt;
  return std::stoull(std::string(arg));
}

class replay {
 public:
  explicit replay(visitor& v) : v_(v) {}

  void exchange(const session::exchange& ex) {
    command c = parse_command(ex);
    if (c.continued) {
      auto it = pending_.find(ex.tag);
      if (it != pending_.end()) c = it->second;
    } else if (!c.tag.empty()) {
      pending_[c.tag] = c;
    }
    const bool selecting = !c.continued && (c.verb == "SELECT" || c.verb == "EXAMINE");
    if (ex.elided_responses > 0) known_ = false;  // responses were dropped: the state is unknown
    if (!c.continued) v_.command_start(ex, c, current());  // a passive read too: no command carries over
    if (selecting) start_selection(c);
    const protocol::imap_response* tagged = nullptr;
    for (const auto& r : ex.imap) {
      if (r.kind == imap_kind::untagged) {
        v_.response(ex, c, r, current());
        apply(r, selecting);
      } else if (r.kind == imap_kind::tagged && !c.tag.empty() && r.tag == c.tag) {
        tagged = &r;
        if (r.status == "OK" && box_) apply_code(r, selecting);
      }
    }
    if (tagged && selecting && tagged->status == "OK" && box_ && box_->uidnext)
      box_->before_uidnext = box_->exists.value_or(0);
    if (tagged || ex.closed_after || ex.timed_out) {
      v_.completed(ex, c, tagged, current());
      pending_.erase(c.tag);
    }
    const bool ok = tagged && tagged->status == "OK";
    if ((selecting && !ok) || (ok && (c.verb == "CLOSE" || c.verb == "UNSELECT")) || c.verb == "LOGOUT") box_.reset();
  }

 private:
  // Work bounds: a hostile server answering FETCH 1:* with many messages and then EXPUNGE after
  // EXPUNGE would make the renumbering quadratic. Past them the per-message view is dropped (the
  // rules that need it see nothing more); EXISTS, UIDNEXT and the rest stay.
  static constexpr std::size_t max_messages = 100000;
  static constexpr std::uint64_t max_renumbering = 1000000;
  visitor& v_;
  std::optional<mailbox> box_;
  bool known_ = true;
  bool per_message_ = true;
  std::uint64_t renumbered_ = 0;
  std::map<std::string, command> pending_;  // commands awaiting their tagged response, by tag

  mailbox* current() { return box_ && known_ ? &*box_ : nullptr; }

  mailbox& ensure() {
    if (!box_) box_ = mailbox{};
    return *box_;
  }

  void start_selection(const command& c) {
    box_ = mailbox{};
    box_->name = c.args.empty() ? std::string() : mailbox_name(c.args.front());
    box_->examine = c.verb == "EXAMINE";
    known_ = true;
  }

  void apply(const protocol::imap_response& r, bool selecting) {
    if (r.keyword == "EXISTS" && r.number) return exists(*r.number);
    if (r.keyword == "EXPUNGE" && r.number) return expunge(*r.number);
    if (r.keyword == "FETCH" && r.number) return fetch(r);
    if (r.keyword == "FLAGS" && box_) box_->flags = list_words(r.text);
    if (r.status == "OK" && box_) apply_code(r, selecting);
  }

  void exists(std::uint64_t n) {
    auto& b = ensure();
    if (b.exists && n < *b.exists) b.by_seq.erase(b.by_seq.upper_bound(n), b.by_seq.end());
    b.exists = n;
  }

  void expunge(std::uint64_t n) {
    if (!box_) return;
    auto& b = *box_;
    b.by_seq.erase(n);
    // Keys above n move down by one, in ascending order so none collides.
    for (auto it = b.by_seq.upper_bound(n); it != b.by_seq.end() && per_message_;) {
      auto node = b.by_seq.extract(it++);
      node.key() -= 1;
      b.by_seq.insert(std::move(node));
      if (++renumbered_ > max_renumbering) stop_per_message();
    }
    if (b.exists && *b.exists > 0) --*b.exists;
    if (n <= b.before_uidnext && b.before_uidnext > 0) --b.before_uidnext;
  }

  void stop_per_message() {
    per_message_ = false;
    if (box_) box_->by_seq.clear();
  }

  void fetch(const protocol::imap_response& r) {
    auto& b = ensure();
    if (!per_message_ || (b.by_seq.size() >= max_messages && !b.by_seq.count(*r.number))) return;
    const auto d = parse_fetch(r);
    if (!d.parsed) return;
    auto& m = b.by_seq[*r.number];
    if (d.uid) m.uid = d.uid;
    if (d.flags) m.flags = d.flags;
    if (d.modseq) m.modseq = d.modseq;
  }

  void apply_code(const protocol::imap_response& r, bool selecting) {
    auto& b = *box_;
    const std::string name = r.code_name();
    const auto sp = r.code.find(' ');
    const std::string_view arg = sp == std::string::npos ? std::string_view() : std::string_view(r.code).substr(sp + 1);
    if (name == "READ-ONLY") b.read_only = true;
    if (name == "READ-WRITE") b.read_only = false;
    if (name == "PERMANENTFLAGS") b.permanent_flags = list_words(arg);
    if (name == "HIGHESTMODSEQ") b.highestmodseq = code_number(arg);
    if (name == "UIDVALIDITY") {
      auto n = code_number(arg);
      if (b.uidvalidity && n != b.uidvalidity) b.by_seq.clear();  // a new UID epoch (RFC 9051 §6.4.4.1)
      b.uidvalidity = n;
    }
    if (name == "UIDNEXT") {
      b.uidnext = code_number(arg);
      if (!selecting) b.before_uidnext = b.exists.value_or(0);  // re-announced: the mailbox as it is now
    }
  }
};

}  // namespace

void walk(const session::record& rec, visitor& v) {
  for (const auto& group : by_connection(rec)) {
    v.connection();
    replay r(v);
    for (std::size_t i : group) r.exchange(rec.exchanges[i]);
  }
}

}  // namespace mailspec::rules::detail::imap
