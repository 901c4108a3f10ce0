// Data safety (docs/scenario-format.md, "Data safety"): a scenario without "mutates" never
// deletes, moves or expunges a user's data. The loader refuses what a file says; the session
// checks the expanded bytes again before sending them.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "scenario/model.hpp"

namespace mailspec::scenario {

// Why a non-mutating IMAP scenario may not send these bytes (EXPUNGE, UID EXPUNGE, CLOSE, MOVE,
// UID MOVE, RENAME, DELETE, STORE adding \Deleted), or "" when it may.
std::string imap_safety_refusal(std::string_view bytes);
// The command verbs of bytes to send, one per line (IMAP: after the tag, lines inside literals
// skipped; "UID X" as one verb), upper-cased.
std::vector<std::string> command_verbs(std::string_view bytes, protocol_kind p);

}  // namespace mailspec::scenario
