// RFC 1939 (POP3), the state model's rules (docs/architecture.md, "The state model"): the maildrop
// as STAT, LIST, UIDL, RETR and TOP describe it, through DELE and RSET, within one connection.
#include <set>

#include "rules/pop3_state.hpp"

namespace mailspec::rules::detail {
namespace {

using namespace pop3;

bool names_message(const pop3_command& c) {
  return (c.verb == "RETR" || c.verb == "TOP" || c.verb == "DELE" || c.verb == "LIST" || c.verb == "UIDL") &&
         c.arg(0).has_value();
}

bool full_listing(const pop3_command& c) { return (c.verb == "LIST" || c.verb == "UIDL") && c.args.empty(); }

std::string listing_sum(const std::map<std::uint64_t, std::string>& l, bool* ok) {
  std::uint64_t sum = 0;
  for (const auto& [n, size] : l) {
    if (!all_digits(size) || size.size() > 15) *ok = false;
    else sum += std::stoull(size);
  }
  return num(sum);
}

// STAT and a full LIST with no DELE or RSET between them describe the same maildrop.
void stat_matches_list(context& c) {
  for (const auto& cmds : commands(c.rec)) {
    std::optional<drop_listing> stat;
    std::optional<std::map<std::uint64_t, std::string>> list;
    for (const auto& cmd : cmds) {
      if ((cmd.verb == "DELE" || cmd.verb == "RSET") && cmd.ok()) stat.reset(), list.reset();
      if (auto s = parse_stat(cmd)) stat = s;
      else if (cmd.verb == "LIST" && cmd.args.empty()) list = parse_listing(cmd);
      else continue;
      if (!stat || !list) continue;
      bool sizes_ok = true;
      const std::string sum = listing_sum(*list, &sizes_ok);
      const std::string said = "STAT " + num(stat->count) + " " + num(stat->size) + ", LIST " + num(list->size()) +
                               " messages of " + sum + " octets";
      if (stat->count != list->size())
        c.broken(cmd.ex, "STAT's message count equal to the messages LIST lists", said);
      else if (sizes_ok && num(stat->size) != sum)
        c.emit(cmd.ex, verdict::warn, "STAT's maildrop size equal to the sum of LIST's sizes", said,
               "the counts agree; the maildrop size is not the sum of the message sizes");
      else c.held(cmd.ex, said);
      stat.reset(), list.reset();
    }
  }
}

void deleted_refused(context& c) {
  for (const auto& cmds : commands(c.rec)) {
    std::set<std::uint64_t> deleted;
    for (const auto& cmd : cmds) {
      if (cmd.verb == "RSET" && cmd.ok()) deleted.clear();
      if (!cmd.reply) continue;
      if (names_message(cmd) && deleted.count(*cmd.arg(0))) {
        if (cmd.err()) c.held(cmd.ex);
        else c.broken(cmd.ex, "-ERR: message " + num(*cmd.arg(0)) + " is marked as deleted", cmd.reply->status_line);
        continue;
      }
      if (full_listing(cmd) && !deleted.empty()) {
        if (auto l = parse_listing(cmd)) {
          std::string listed;
          for (auto n : deleted)
            if (l->count(n)) listed += (listed.empty() ? "" : ", ") + num(n);
          if (listed.empty()) c.held(cmd.ex);
          else c.broken(cmd.ex, "no listing line for a message marked as deleted", cmd.reply->raw,
                        cmd.verb + " lists deleted message " + listed);
        }
      }
      if (cmd.verb == "DELE" && cmd.ok() && cmd.arg(0)) deleted.insert(*cmd.arg(0));
    }
  }
}

// After RSET: STAT as before the first DELE, formerly deleted messages answered again.
void rset_unmarks(context& c) {
  for (const auto& cmds : commands(c.rec)) {
    std::optional<drop_listing> clean;  // the last STAT while nothing was marked deleted
    std::set<std::uint64_t> deleted, unmarked;
    bool after_rset = false;
    std::optional<drop_listing> expect;
    for (const auto& cmd : cmds) {
      if (cmd.verb == "DELE" && cmd.ok() && cmd.arg(0)) {
        deleted.insert(*cmd.arg(0));
        after_rset = false;
        continue;
      }
      if (cmd.verb == "RSET" && cmd.ok()) {
        after_rset = !deleted.empty();
        expect = clean;
        unmarked = std::move(deleted);
        deleted.clear();
        continue;
      }
      if (auto s = parse_stat(cmd)) {
        if (after_rset && expect) {
          const std::string said = "STAT " + num(s->count) + " " + num(s->size) + " after RSET, " + num(expect->count) +
                                   " " + num(expect->size) + " before DELE";
          if (s->count == expect->count && s->size == expect->size) c.held(cmd.ex, said);
          else c.broken(cmd.ex, "the maildrop of before the DELE commands", said, "RSET did not unmark the messages");
          expect.reset();
        }
        if (deleted.empty()) clean = s;
        continue;
      }
      if (!after_rset || !cmd.reply) continue;
      if (names_message(cmd) && cmd.verb != "DELE" && unmarked.count(*cmd.arg(0))) {
        if (cmd.ok()) c.held(cmd.ex);
        else c.broken(cmd.ex, "+OK: message " + num(*cmd.arg(0)) + " is unmarked by RSET", cmd.reply->status_line);
      }
      if (full_listing(cmd))
        if (auto l = parse_listing(cmd)) {
          std::string missing;
          for (auto n : unmarked)
            if (!l->count(n)) missing += (missing.empty() ? "" : ", ") + num(n);
          if (missing.empty()) c.held(cmd.ex);
          else c.broken(cmd.ex, "the messages unmarked by RSET listed again", cmd.reply->raw, "missing " + missing);
        }
    }
  }
}

void top_line_count(context& c) {
  for (const auto& cmds : commands(c.rec)) {
    std::map<std::uint64_t, message_text> retr;
    for (const auto& cmd : cmds) {
      if (!cmd.ok() || !cmd.reply->multiline || !cmd.arg(0)) continue;
      const auto t = parse_text(*cmd.reply);
      if (cmd.verb == "RETR" && t.complete) retr[*cmd.arg(0)] = t;
      if (cmd.verb != "TOP" || !cmd.arg(1)) continue;
      const std::uint64_t n = *cmd.arg(1);
      const std::string said = "TOP " + cmd.args[0] + " " + cmd.args[1] + ": " + num(t.header_lines) +
                                " header lines, " + num(t.body_lines) + " body lines";
      if (t.body_lines > n) {
        c.broken(cmd.ex, "the header, the blank line and at most " + num(n) + " body lines", said);
        continue;
      }
      auto it = retr.find(*cmd.arg(0));
      if (it == retr.end() || !t.complete) {
        c.held(cmd.ex, said);
        continue;
      }
      const auto& full = it->second;
      const std::uint64_t want = std::min<std::uint64_t>(n, full.body_lines);
      if (t.header_lines == full.header_lines && t.body_lines == want) c.held(cmd.ex, said);
      else
        c.broken(cmd.ex, num(full.header_lines) + " header lines and " + num(want) + " body lines (RETR showed " +
                             num(full.body_lines) + " body lines)", said);
    }
  }
}

// LIST n / UIDL n agree with the full listings, and a message's unique-id never changes.
void listing_consistent(context& c, const std::string& verb) {
  for (const auto& cmds : commands(c.rec)) {
    std::map<std::uint64_t, std::string> known;
    for (const auto& cmd : cmds) {
      if (cmd.verb != verb || !cmd.ok()) continue;
      auto l = parse_listing(cmd);
      if (!l) continue;
      if (cmd.arg(0) && (l->size() != 1 || l->begin()->first != *cmd.arg(0))) {
        c.broken(cmd.ex, "the listing line of message " + cmd.args[0], cmd.reply->status_line);
        continue;
      }
      bool compared = false, bad = false;
      for (const auto& [n, value] : *l) {
        auto it = known.find(n);
        if (it == known.end()) {
          known[n] = value;
          continue;
        }
        compared = true;
        if (it->second != value && !bad) {
          bad = true;
          c.broken(cmd.ex, verb + " of message " + num(n) + " as before: " + it->second,
                   num(n) + " " + value, "the same message is listed with a different " +
                                             std::string(verb == "UIDL" ? "unique-id" : "size") + " in one session");
        }
      }
      if (compared && !bad) c.held(cmd.ex);
    }
  }
}

// Two messages of different sizes cannot share a unique-id (identical copies may).
void uidl_unique(context& c) {
  for (const auto& cmds : commands(c.rec)) {
    std::map<std::uint64_t, std::string> sizes;
    for (const auto& cmd : cmds) {
      if (cmd.verb == "LIST" && cmd.args.empty())
        if (auto l = parse_listing(cmd)) sizes = *l;
      if (cmd.verb != "UIDL" || !cmd.args.empty()) continue;
      auto l = parse_listing(cmd);
      if (!l) continue;
      std::map<std::string, std::uint64_t> first;
      bool dup = false;
      for (const auto& [n, uid] : *l) {
        auto [it, fresh] = first.emplace(uid, n);
        if (fresh) continue;
        dup = true;
        auto a = sizes.find(it->second), b = sizes.find(n);
        if (a != sizes.end() && b != sizes.end() && a->second != b->second) {
          c.broken(cmd.ex, "a unique-id per message", num(it->second) + " " + uid + " / " + num(n) + " " + uid,
                   "messages " + num(it->second) + " and " + num(n) + " (" + a->second + " and " + b->second +
                       " octets) share a unique-id");
          break;
        }
      }
      if (!dup) c.held(cmd.ex);
    }
  }
}

}  // namespace

void add_pop3_rfc1939_state(std::vector<rule>& v) {
  v.push_back(row("pop3/rfc1939/5/stat-matches-list", "pop3", "RFC 1939 §5 (STAT, LIST)", level::must,
                  "The positive response consists of \"+OK\" followed by a single space, the number of messages in "
                  "the maildrop, a single space, and the size of the maildrop in octets. ... Note that messages "
                  "marked as deleted are not counted in either total. (STAT) ... After the initial +OK, for each "
                  "message in the maildrop, the POP3 server responds with a line containing information for that "
                  "message. (LIST; a different maildrop size with equal counts is a warning)",
                  stat_matches_list));
  v.push_back(row("pop3/rfc1939/5/deleted-message-refused", "pop3", "RFC 1939 §5 (DELE, LIST)", level::must,
                  "The POP3 server marks the message as deleted. Any future reference to the message-number "
                  "associated with the message in a POP3 command generates an error. (DELE) ... Note that messages "
                  "marked as deleted are not listed. (LIST)",
                  deleted_refused));
  v.push_back(row("pop3/rfc1939/5/rset-unmarks", "pop3", "RFC 1939 §5 (RSET)", level::must,
                  "If any messages have been marked as deleted by the POP3 server, they are unmarked. The POP3 "
                  "server then replies with a positive response. (STAT after RSET equals STAT before the DELE "
                  "commands; the unmarked messages are answered and listed again)",
                  rset_unmarks));
  v.push_back(row("pop3/rfc1939/7/top-line-count", "pop3", "RFC 1939 §7 (TOP)", level::must,
                  "After the initial +OK, the POP3 server sends the headers of the message, the blank line "
                  "separating the headers from the body, and then the number of lines of the indicated message's "
                  "body, ... Note that if the number of lines requested by the POP3 client is greater than than "
                  "the number of lines in the body, then the POP3 server sends the entire message. (Exactly that "
                  "many when an earlier RETR showed the message.)",
                  top_line_count));
  v.push_back(row("pop3/rfc1939/5/list-consistent", "pop3", "RFC 1939 §5 (LIST)", level::must,
                  "A scan listing consists of the message-number of the message, followed by a single space and "
                  "the exact size of the message in octets. (LIST n and every full LIST of a session agree.)",
                  [](context& c) { listing_consistent(c, "LIST"); }));
  v.push_back(row("pop3/rfc1939/7/uidl-stable", "pop3", "RFC 1939 §7 (UIDL)", level::must,
                  "The unique-id of a message is an arbitrary server-determined string, consisting of one to 70 "
                  "characters in the range 0x21 to 0x7E, which uniquely identifies a message within a maildrop "
                  "and which persists across sessions. (UIDL n and every full UIDL of a session agree.)",
                  [](context& c) { listing_consistent(c, "UIDL"); }));
  v.push_back(row("pop3/rfc1939/7/uidl-unique", "pop3", "RFC 1939 §7 (UIDL)", level::must,
                  "The unique-id of a message is an arbitrary server-determined string, ... which uniquely "
                  "identifies a message within a maildrop ... Clients should be able to handle a situation where "
                  "two identical copies of a message in a maildrop have the same unique-id. (So only messages of "
                  "different sizes sharing a unique-id are judged.)",
                  uidl_unique));
}

}  // namespace mailspec::rules::detail
