// The IMAP half of the state model (docs/architecture.md, "The state model"): what the server
// itself said about the selected mailbox (EXISTS, EXPUNGE, UIDVALIDITY, UIDNEXT, READ-ONLY /
// READ-WRITE, sequence number <-> UID, flags, PERMANENTFLAGS, MODSEQ), rebuilt from a record's
// exchanges in order, one connection at a time. Rules read it through a visitor; nothing here
// does I/O or judges.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/detail.hpp"

namespace mailspec::rules::detail::imap {

// A set of numbers as a client sends it ("1:3,7", "5:*", "*"). "$" (a saved search) and anything
// unparsable leave `valid` false.
struct number_set {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // lo <= hi, "*" not included
  bool star = false;  // "*" (the largest number in use) appears: membership is then unknown
  bool valid = false;
  // Whether n is in the set; true for every n when the set holds "*" (a range "5:*" also holds the
  // largest number in use, which may be below 5).
  bool contains(std::uint64_t n) const;
  bool all() const;  // exactly "1:*" (or "*:1"): every message
};
number_set parse_set(std::string_view s);

// The data of one FETCH response ("* n FETCH (...)"), literals included.
struct fetch_data {
  bool parsed = false;
  std::vector<std::string> items;  // data item names, upper-cased, in order
  std::optional<std::uint64_t> uid;
  std::optional<std::uint64_t> modseq;
  std::optional<std::vector<std::string>> flags;  // as sent
  bool has(std::string_view item) const;
};
fetch_data parse_fetch(const protocol::imap_response& r);

// The numbers of a SEARCH response ("* SEARCH 2 3 4") or an ESEARCH response ("* ESEARCH (TAG
// "a1") UID ALL 1:3 COUNT 3").
struct search_data {
  bool esearch = false;
  bool uid = false;  // ESEARCH with the UID indicator
  // SEARCH hits (one range each) and ESEARCH MIN, MAX and ALL, as ranges lo <= hi: a range costs a
  // few bytes on the wire whatever its length, so nothing is expanded.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  std::optional<std::uint64_t> count;  // ESEARCH COUNT, or the number of SEARCH hits
  bool empty() const { return ranges.empty(); }
  std::uint64_t lowest() const;   // 0 when empty
  std::uint64_t highest() const;  // 0 when empty
};
std::optional<search_data> parse_search(const protocol::imap_response& r);

// A command as sent: "a1 UID FETCH 1:* (UID FLAGS)" -> verb FETCH, uid true, args {"1:*", "(UID FLAGS)"}.
struct command {
  std::string tag;
  std::string verb;               // upper-cased; for UID commands the command after UID
  bool uid = false;
  std::vector<std::string> args;  // split at top-level spaces; quoted strings and lists kept whole
  bool continued = false;         // the exchange carries the rest of an earlier command (literal data)
};
command parse_command(const session::exchange& ex);
// A mailbox argument as the server compares it: quotes removed, INBOX in upper case.
std::string mailbox_name(std::string_view arg);
// The words of a parenthesised list (or a single atom), without the parentheses.
std::vector<std::string> list_words(std::string_view s);
bool same_flag(std::string_view a, std::string_view b);  // flags compare case-insensitively

struct message {
  std::optional<std::uint64_t> uid;
  std::optional<std::vector<std::string>> flags;
  std::optional<std::uint64_t> modseq;
};

struct mailbox {
  std::string name;  // "" when a FETCH came without a SELECT in the record
  bool examine = false;
  std::optional<bool> read_only;  // from the tagged OK's [READ-ONLY] / [READ-WRITE]
  std::optional<std::uint64_t> exists;
  std::optional<std::uint64_t> uidvalidity;
  std::optional<std::uint64_t> uidnext;
  std::optional<std::uint64_t> highestmodseq;
  std::optional<std::vector<std::string>> flags;            // FLAGS response
  std::optional<std::vector<std::string>> permanent_flags;  // OK [PERMANENTFLAGS (...)]
  // Messages 1..n were in the mailbox when UIDNEXT was announced (EXPUNGEs renumber them): their
  // UIDs are below UIDNEXT.
  std::uint64_t before_uidnext = 0;
  std::map<std::uint64_t, message> by_seq;  // what FETCH responses said, by sequence number
  // Whether a flag can be changed permanently (PERMANENTFLAGS lists it or \*, or was not sent).
  bool permanent(std::string_view flag) const;
};

// What a rule sees. Every callback has a default that does nothing.
class visitor {
 public:
  virtual ~visitor() = default;
  // A new connection starts (state of the previous one is gone).
  virtual void connection() {}
  // A command is about to get its responses; `box` is the mailbox selected before it.
  virtual void command_start(const session::exchange&, const command&, const mailbox* /*box*/) {}
  // An untagged response, with the mailbox as it was just before it (nullptr: nothing selected or
  // the state is unknown, e.g. responses were elided).
  virtual void response(const session::exchange&, const command&, const protocol::imap_response&,
                        const mailbox* /*box*/) {}
  // The command's tagged response (nullptr when none came) and the mailbox after it.
  virtual void completed(const session::exchange&, const command&, const protocol::imap_response* /*tagged*/,
                         const mailbox* /*box*/) {}
};

// Replays the record's IMAP exchanges, connection by connection, in order.
void walk(const session::record& rec, visitor& v);

}  // namespace mailspec::rules::detail::imap
