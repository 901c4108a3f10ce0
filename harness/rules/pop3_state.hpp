// The POP3 half of the state model (docs/architecture.md, "The state model"): every command of a
// record with its response, per connection, and what the responses say about the maildrop (drop
// listing, scan listings, unique-id listings, message texts). Nothing here judges or does I/O.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rules/detail.hpp"

namespace mailspec::rules::detail::pop3 {

struct pop3_command {
  const session::exchange* ex = nullptr;
  std::string verb;               // upper-cased
  std::vector<std::string> args;
  const protocol::pop3_response* reply = nullptr;  // nullptr when none came
  bool ok() const { return reply && reply->status == protocol::pop3_status::ok; }
  bool err() const { return reply && reply->status == protocol::pop3_status::err; }
  std::optional<std::uint64_t> arg(std::size_t i) const;  // a numeric argument
};

// The commands of each connection, in order (pipelined lines paired with their responses;
// greetings, AUTH exchanges and STLS upgrades' plaintext evidence left out).
std::vector<std::vector<pop3_command>> commands(const session::record& rec);

// "+OK nn mm" of STAT.
struct drop_listing {
  std::uint64_t count = 0;
  std::uint64_t size = 0;
};
std::optional<drop_listing> parse_stat(const pop3_command& c);

// A full LIST or UIDL listing ("msg value" per line), or one line of LIST n / UIDL n. nullopt when
// a line does not parse or the listing was cut (elided lines).
std::optional<std::map<std::uint64_t, std::string>> parse_listing(const pop3_command& c);

// A message text as RETR or TOP return it: header lines, then the body after the first empty line.
struct message_text {
  std::size_t header_lines = 0;
  std::size_t body_lines = 0;
  bool has_separator = false;  // an empty line ends the header
  bool complete = true;        // no line was elided
};
message_text parse_text(const protocol::pop3_response& r);

}  // namespace mailspec::rules::detail::pop3
