// RFC 9051 (IMAP), the state model's rules (docs/architecture.md, "The state model"): what the
// server says about the selected mailbox must agree with what it said before. Each rule is a
// visitor of the replay in imap_state.cpp; a rule that saw nothing to judge emits nothing.
#include <algorithm>
#include <set>

#include "rules/imap_state.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::imap_response;
using namespace imap;

bool is_search(const command& c) { return c.verb == "SEARCH"; }

// Base of the rules below: a visitor that reports through the rule's context.
struct judging : visitor {
  explicit judging(context& c) : c(c) {}
  context& c;
};

template <class Rule>
void run(context& c) {
  Rule r(c);
  walk(c.rec, r);
}

// --- UIDs -------------------------------------------------------------------------------------

struct uid_below_uidnext : judging {
  using judging::judging;
  void response(const session::exchange& ex, const command& cmd, const imap_response& r, const mailbox* box) override {
    if (!box || !box->uidnext) return;
    const std::uint64_t next = *box->uidnext;
    if (r.keyword == "FETCH" && r.number && *r.number <= box->before_uidnext) {
      const auto d = parse_fetch(r);
      if (!d.uid) return;
      if (*d.uid < next) c.held(&ex);
      else
        c.broken(&ex, "a UID below UIDNEXT " + num(next) + " for message " + num(*r.number) +
                          " (in the mailbox when UIDNEXT was announced)", r.raw);
      return;
    }
    const auto s = parse_search(r);
    // UID SEARCH hits are UIDs of messages that were there when UIDNEXT was announced, as long as
    // no message arrived since.
    if (!s || !(s->uid || (cmd.uid && is_search(cmd))) || box->exists.value_or(0) > box->before_uidnext) return;
    if (s->empty()) return;
    if (s->highest() < next) c.held(&ex);
    else c.broken(&ex, "UID SEARCH hits below UIDNEXT " + num(next), r.raw, "hit " + num(s->highest()));
  }
};

// The nearest known UIDs below and above a sequence number must be lower and higher.
struct uid_ascending : judging {
  using judging::judging;
  void response(const session::exchange& ex, const command&, const imap_response& r, const mailbox* box) override {
    if (!box || r.keyword != "FETCH" || !r.number) return;
    const auto d = parse_fetch(r);
    if (!d.uid) return;
    const std::uint64_t seq = *r.number, uid = *d.uid;
    bool compared = false;
    for (auto it = box->by_seq.lower_bound(seq); it != box->by_seq.begin();) {
      --it;
      if (!it->second.uid) continue;
      compared = true;
      if (*it->second.uid >= uid) return broken(ex, it->first, *it->second.uid, seq, uid);
      break;
    }
    for (auto it = box->by_seq.upper_bound(seq); it != box->by_seq.end(); ++it) {
      if (!it->second.uid) continue;
      compared = true;
      if (*it->second.uid <= uid) return broken(ex, seq, uid, it->first, *it->second.uid);
      break;
    }
    if (compared) c.held(&ex);
  }
  void broken(const session::exchange& ex, std::uint64_t s1, std::uint64_t u1, std::uint64_t s2, std::uint64_t u2) {
    c.broken(&ex, "higher sequence numbers have higher UIDs",
             "message " + num(s1) + " UID " + num(u1) + ", message " + num(s2) + " UID " + num(u2));
  }
};

struct uid_stable : judging {
  using judging::judging;
  void response(const session::exchange& ex, const command&, const imap_response& r, const mailbox* box) override {
    if (!box || r.keyword != "FETCH" || !r.number) return;
    const auto d = parse_fetch(r);
    auto it = box->by_seq.find(*r.number);
    if (!d.uid || it == box->by_seq.end() || !it->second.uid) return;
    if (*it->second.uid == *d.uid) c.held(&ex);
    else
      c.broken(&ex, "message " + num(*r.number) + " keeps UID " + num(*it->second.uid) +
                        " (no EXPUNGE or UIDVALIDITY change since)", r.raw);
  }
};

struct uidvalidity_never_decreases : judging {
  using judging::judging;
  std::map<std::string, std::uint64_t> seen;  // mailbox -> last UIDVALIDITY, this connection
  void connection() override { seen.clear(); }
  void check(const session::exchange& ex, const std::string& name, std::uint64_t v, const std::string& raw) {
    auto it = seen.find(name);
    if (it != seen.end()) {
      if (v >= it->second) c.held(&ex);
      else
        c.broken(&ex, "UIDVALIDITY of " + name + " not below the " + num(it->second) + " it had before", raw,
                 "UIDVALIDITY went down from " + num(it->second) + " to " + num(v));
    }
    seen[name] = v;
  }
  void response(const session::exchange& ex, const command& cmd, const imap_response& r, const mailbox* box) override {
    // A new value while the mailbox stays selected (the SELECT's own value is judged at its end).
    if (!box || cmd.verb == "SELECT" || cmd.verb == "EXAMINE" || r.code_name() != "UIDVALIDITY") return;
    const auto sp = r.code.find(' ');
    if (sp != std::string::npos && all_digits(r.code.substr(sp + 1)) && r.code.size() - sp < 20)
      check(ex, box->name, std::stoull(r.code.substr(sp + 1)), r.raw);
  }
  void completed(const session::exchange& ex, const command& cmd, const imap_response* t, const mailbox* box) override {
    if ((cmd.verb == "SELECT" || cmd.verb == "EXAMINE") && t && t->status == "OK" && box && box->uidvalidity)
      check(ex, box->name, *box->uidvalidity, t->raw);
  }
};

struct uid_fetch_in_set : judging {
  using judging::judging;
  number_set set;
  void command_start(const session::exchange&, const command& cmd, const mailbox*) override {
    set = cmd.uid && cmd.verb == "FETCH" && !cmd.args.empty() ? parse_set(cmd.args.front()) : number_set{};
  }
  void response(const session::exchange& ex, const command& cmd, const imap_response& r, const mailbox*) override {
    if (!cmd.uid || cmd.verb != "FETCH" || !set.valid || set.star || r.keyword != "FETCH") return;
    const auto d = parse_fetch(r);
    if (!d.uid) return;
    if (set.contains(*d.uid)) return c.held(&ex);
    // A FETCH of FLAGS (and MODSEQ) only may be an unsolicited flag update of another message.
    for (const auto& item : d.items)
      if (item != "UID" && item != "FLAGS" && item != "MODSEQ")
        return c.broken(&ex, "FETCH data only for UIDs in " + cmd.args.front(), r.raw,
                        "UID " + num(*d.uid) + " is not in the requested set");
  }
};

// --- sequence numbers and EXISTS ------------------------------------------------------------------

struct seq_within_exists : judging {
  using judging::judging;
  void response(const session::exchange& ex, const command& cmd, const imap_response& r, const mailbox* box) override {
    if (!box || !box->exists) return;
    const std::uint64_t exists = *box->exists;
    if (r.keyword == "FETCH" && r.number) return judge(ex, *r.number, exists, r.raw, "FETCH for message");
    const auto s = parse_search(r);
    if (!s || s->uid || cmd.uid) return;
    if (s->empty()) return;
    if (s->lowest() == 0) return judge(ex, 0, exists, r.raw, "SEARCH hit");
    judge(ex, s->highest(), exists, r.raw, "SEARCH hit");
  }
  void judge(const session::exchange& ex, std::uint64_t n, std::uint64_t exists, const std::string& raw, const char* what) {
    if (n >= 1 && n <= exists) c.held(&ex);
    else
      c.broken(&ex, "message sequence numbers from 1 to " + num(exists) + " (the last EXISTS)", raw,
               std::string(what) + " " + num(n) + " with " + num(exists) + " messages in the mailbox");
  }
};

struct expunge_within_exists : judging {
  using judging::judging;
  void response(const session::exchange& ex, const command&, const imap_response& r, const mailbox* box) override {
    if (!box || !box->exists || r.keyword != "EXPUNGE" || !r.number) return;
    if (*r.number >= 1 && *r.number <= *box->exists) c.held(&ex);
    else
      c.broken(&ex, "EXPUNGE of a message from 1 to " + num(*box->exists) + " (EXISTS less earlier EXPUNGEs)", r.raw);
  }
};

struct no_expunge_during_fetch : judging {
  using judging::judging;
  bool bad = false;
  static bool guarded(const command& cmd) {
    return !cmd.uid && (cmd.verb == "FETCH" || cmd.verb == "STORE" || cmd.verb == "SEARCH");
  }
  void command_start(const session::exchange&, const command&, const mailbox*) override { bad = false; }
  void response(const session::exchange& ex, const command& cmd, const imap_response& r, const mailbox*) override {
    if (!guarded(cmd) || r.keyword != "EXPUNGE") return;
    bad = true;
    c.broken(&ex, "no EXPUNGE response while answering " + cmd.verb, r.raw);
  }
  void completed(const session::exchange& ex, const command& cmd, const imap_response* t, const mailbox*) override {
    if (guarded(cmd) && t && !bad) c.held(&ex);
  }
};

// --- selection, READ-ONLY / READ-WRITE ----------------------------------------------------------

void examine_read_only(context& c) {
  struct v : judging {
    using judging::judging;
    void completed(const session::exchange& ex, const command& cmd, const imap_response* t, const mailbox*) override {
      if (cmd.verb != "EXAMINE" || !t || t->status != "OK") return;
      if (t->code_name() == "READ-ONLY") c.held(&ex);
      else c.broken(&ex, "[READ-ONLY] at the start of the tagged OK to EXAMINE", t->raw);
    }
  };
  run<v>(c);
}

void select_read_write(context& c) {
  struct v : judging {
    using judging::judging;
    void completed(const session::exchange& ex, const command& cmd, const imap_response* t, const mailbox*) override {
      if (cmd.verb != "SELECT" || !t || t->status != "OK") return;
      const auto code = t->code_name();
      if (code == "READ-WRITE" || code == "READ-ONLY") c.held(&ex, t->raw);
      else c.broken(&ex, "[READ-WRITE] (or [READ-ONLY] when the mailbox is read-only) on the tagged OK to SELECT", t->raw);
    }
  };
  run<v>(c);
}

}  // namespace

void store_returns_flags(context& c);  // imap_rfc9051_store.cpp
void search_all_every_message(context& c);  // imap_rfc9051_all.cpp
void fetch_all_every_message(context& c);   // imap_rfc9051_all.cpp

void add_imap_rfc9051_state(std::vector<rule>& v) {
  const char* uid_sentences =
      "Unique identifiers are assigned in a strictly ascending fashion in the mailbox; as each message is added "
      "to the mailbox, it is assigned a higher UID than those of all message(s) that are already in the "
      "mailbox. ... The next unique identifier value is the predicted value that will be assigned to a new "
      "message in the mailbox. (So a message that was in the mailbox when UIDNEXT was announced has a lower "
      "UID.)";
  v.push_back(row("imap/rfc9051/2.3.1.1/uid-below-uidnext", "imap", "RFC 9051 §2.3.1.1", level::must, uid_sentences,
                  run<uid_below_uidnext>));
  v.push_back(row("imap/rfc9051/2.3.1.1/uid-strictly-ascending", "imap", "RFC 9051 §2.3.1.1, §2.3.1.2", level::must,
                  "Unique identifiers are assigned in a strictly ascending fashion in the mailbox; as each message "
                  "is added to the mailbox, it is assigned a higher UID than those of all message(s) that are "
                  "already in the mailbox. (§2.3.1.1) ... A message sequence number is a relative position from 1 "
                  "to the number of messages in the mailbox. This position MUST be ordered by ascending unique "
                  "identifiers. (§2.3.1.2; judged across every FETCH of the selection, EXPUNGEs renumbering)",
                  run<uid_ascending>));
  v.push_back(row("imap/rfc9051/2.3.1.1/uid-stable", "imap", "RFC 9051 §2.3.1.1", level::must,
                  "The unique identifier of a message MUST NOT change during the session and SHOULD NOT change "
                  "between sessions. (\"Session\" is the time a mailbox is selected, §1.2: a message keeps its UID "
                  "while selected, EXPUNGEs renumbering and a new UIDVALIDITY aside.)",
                  run<uid_stable>));
  v.push_back(row("imap/rfc9051/2.3.1.1/uidvalidity-never-decreases", "imap", "RFC 9051 §2.3.1.1", level::must,
                  "If unique identifiers from an earlier session fail to persist in this session, the unique "
                  "identifier validity value MUST be greater than the one used in the earlier session. (Judged per "
                  "connection and mailbox name: a later UIDVALIDITY is equal or greater.)",
                  run<uidvalidity_never_decreases>));
  v.push_back(row("imap/rfc9051/6.4.9/uid-fetch-in-set", "imap", "RFC 9051 §6.4.9", level::must,
                  "In the first form, it takes as its arguments a COPY, MOVE, FETCH, or STORE command with "
                  "arguments appropriate for the associated command. However, the numbers in the sequence-set "
                  "argument are unique identifiers instead of message sequence numbers. (A FETCH response with "
                  "requested data for a UID outside the set answers another message; FLAGS-only responses may be "
                  "unsolicited updates and are not judged.)",
                  run<uid_fetch_in_set>));
  v.push_back(row("imap/rfc9051/2.3.1.2/seq-within-exists", "imap", "RFC 9051 §2.3.1.2, §7.4.1", level::must,
                  "A message sequence number is a relative position from 1 to the number of messages in the "
                  "mailbox. (§2.3.1.2) ... The EXISTS response reports the number of messages in the mailbox. "
                  "(§7.4.1; FETCH responses and SEARCH hits name messages 1 to the last EXISTS)",
                  run<seq_within_exists>));
  v.push_back(row("imap/rfc9051/7.5.1/expunge-within-exists", "imap", "RFC 9051 §7.5.1", level::must,
                  "The EXPUNGE response reports that the specified message sequence number has been permanently "
                  "removed from the mailbox. The message sequence number for each successive message in the "
                  "mailbox is immediately decremented by 1, and this decrement is reflected in message sequence "
                  "numbers in subsequent responses (including other untagged EXPUNGE responses). The EXPUNGE "
                  "response also decrements the number of messages in the mailbox; ...",
                  run<expunge_within_exists>));
  v.push_back(row("imap/rfc9051/7.5.1/no-expunge-during-fetch-store-search", "imap", "RFC 9051 §7.5.1", level::must,
                  "An EXPUNGE response MUST NOT be sent when no command is in progress, nor while responding to a "
                  "FETCH, STORE, or SEARCH command. ... Note: UID FETCH, UID STORE, and UID SEARCH are different "
                  "commands from FETCH, STORE, and SEARCH. An EXPUNGE response MAY be sent during a UID command.",
                  run<no_expunge_during_fetch>));
  v.push_back(row("imap/rfc9051/6.4.4/search-all-every-message", "imap", "RFC 9051 §6.4.4, §5.2", level::must,
                  "The SEARCH command searches the mailbox for messages that match the given searching criteria. "
                  "... ALL All messages in the mailbox; the default initial key for ANDing. (§6.4.4; SEARCH ALL "
                  "answers 1 to EXISTS; UID SEARCH ALL as many UIDs as EXISTS) ... A server MUST send mailbox size "
                  "updates automatically if a mailbox size change is observed during the processing of a command. "
                  "(§5.2; RFC 2180 §4.3 lets a server leave out of a SEARCH a message another session expunged and "
                  "not yet reported: fewer hits fail only when the next NOOP reports no EXPUNGE, and are a warning "
                  "when no NOOP follows)",
                  search_all_every_message));
  v.push_back(row("imap/rfc9051/6.4.5/fetch-all-every-message", "imap", "RFC 9051 §6.4.5, §6.4.9", level::must,
                  "The FETCH command retrieves data associated with a message in the mailbox. (§6.4.5) ... Thus, "
                  "any UID range with * as one of the endpoints indicates at least one message (the message with "
                  "the highest numbered UID), unless the mailbox is empty. (§6.4.9; FETCH 1:* and UID FETCH 1:* "
                  "answer each message, 1 to EXISTS)",
                  fetch_all_every_message));
  v.push_back(row("imap/rfc9051/6.3.3/examine-read-only", "imap", "RFC 9051 §6.3.3", level::must,
                  "The text of the tagged OK response to the EXAMINE command MUST begin with the \"[READ-ONLY]\" "
                  "response code.",
                  examine_read_only));
  v.push_back(row("imap/rfc9051/6.3.2/select-read-write", "imap", "RFC 9051 §6.3.2", level::should,
                  "If the client is permitted to modify the mailbox, the server SHOULD prefix the text of the "
                  "tagged OK response with the \"[READ-WRITE]\" response code. If the client is not permitted to "
                  "modify the mailbox but is permitted read access, the mailbox is selected as read-only, and the "
                  "server MUST prefix the text of the tagged OK response to SELECT with the \"[READ-ONLY]\" response "
                  "code.",
                  select_read_write));
  v.push_back(row("imap/rfc9051/6.4.6/store-returns-flags", "imap", "RFC 9051 §6.4.6, §7.1", level::must,
                  "+FLAGS <flag list> Add the argument to the flags for the message. The new value of the flags is "
                  "returned as if a FETCH of those flags was done. (§6.4.6; likewise FLAGS and -FLAGS) ... If the "
                  "client attempts to STORE a flag that is not in the PERMANENTFLAGS list, the server will either "
                  "ignore the change or store the state change for the remainder of the current session only. "
                  "(§7.1; only flags the mailbox can change permanently are judged)",
                  store_returns_flags));
}

}  // namespace mailspec::rules::detail
