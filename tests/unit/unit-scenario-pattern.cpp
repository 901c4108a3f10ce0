// Structured IMAP matching (scenario/imap_pattern.hpp): what a {"parsed": ...} matcher accepts.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "protocol/imap.hpp"
#include "scenario/imap_pattern.hpp"
#include "scenario/matcher.hpp"

namespace protocol = mailspec::protocol;
using mailspec::scenario::imap_pattern;

namespace {

protocol::imap_data data_of(const std::string& bytes) {
  protocol::imap_framer f;
  f.feed(bytes);
  auto r = f.next();
  REQUIRE(r);
  return protocol::parse_imap_data(*r);
}

bool match(const std::string& pattern, const std::string& response, std::map<std::string, std::string>* caps = nullptr,
           const std::map<std::string, std::string>* vars = nullptr) {
  std::map<std::string, std::string> own;
  auto& c = caps ? *caps : own;
  mailspec::scenario::expand_context ctx;
  ctx.vars = vars;
  return imap_pattern::compile(pattern).match(data_of(response), c, ctx);
}

std::string compile_error(const std::string& pattern) {
  try {
    imap_pattern::compile(pattern);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

const char* envelope_fetch =
    "* 1 FETCH (UID 41 FLAGS (\\Seen \\Recent) ENVELOPE (\"Mon, 07 Dec 2026 10:00:00 +0000\" \"Hello\" "
    "((\"Alice\" NIL \"alice\" \"example.invalid\")) ((\"Alice\" NIL \"alice\" \"example.invalid\")) "
    "((\"Alice\" NIL \"alice\" \"example.invalid\")) ((NIL NIL \"bob\" \"example.invalid\")) NIL NIL NIL "
    "\"<m1@example.invalid>\") BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 12 1 NIL "
    "NIL NIL NIL) RFC822.SIZE 345)\r\n";

}  // namespace

TEST_CASE("parsed: atoms, numbers and strings compare case-insensitively, NIL only NIL") {
  CHECK(match("* 3 exists", "* 3 EXISTS\r\n"));
  CHECK(match("* 03 EXISTS", "* 3 EXISTS\r\n"));
  CHECK_FALSE(match("* 4 EXISTS", "* 3 EXISTS\r\n"));
  CHECK(match("* LIST () \"/\" \"inbox\"", "* LIST () \"/\" INBOX\r\n"));
  CHECK(match("* LIST () \"/\" INBOX", "* LIST () \"/\" {5}\r\nINBOX\r\n"));
  CHECK_FALSE(match("* LIST () NIL INBOX", "* LIST () \"NIL\" INBOX\r\n"));
  CHECK(match("* LIST () NIL INBOX", "* LIST () nil INBOX\r\n"));
  CHECK_FALSE(match("* 3 EXISTS", "* 3 RECENT\r\n"));
  CHECK_FALSE(match("* 3 EXISTS extra", "* 3 EXISTS\r\n"));
  CHECK_FALSE(match("* SEARCH 1", "* SEARCH 1 2\r\n"));
}

TEST_CASE("parsed: a whole ENVELOPE and BODYSTRUCTURE, compact, with wildcards and captures") {
  std::map<std::string, std::string> caps;
  CHECK(match("* 1 FETCH (ENVELOPE ($date \"hello\" ((\"Alice\" NIL \"alice\" \"example.invalid\")) $ $ "
              "((NIL NIL \"bob\" $)) NIL NIL NIL $msgid) UID $uid)",
              envelope_fetch, &caps));
  CHECK(caps["uid"] == "41");
  CHECK(caps["date"] == "Mon, 07 Dec 2026 10:00:00 +0000");
  CHECK(caps["msgid"] == "<m1@example.invalid>");
  CHECK(match("* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" $size $ $*))",
              envelope_fetch));
  // The wrong subtype or a missing part does not match.
  CHECK_FALSE(match("* 1 FETCH (BODYSTRUCTURE (\"text\" \"html\" $*))", envelope_fetch));
  CHECK_FALSE(match("* 1 FETCH (ENVELOPE ($ \"Goodbye\" $*))", envelope_fetch));
}

TEST_CASE("parsed: FETCH items in any order, others allowed, FLAGS exact but \\Recent") {
  CHECK(match("* 1 FETCH (RFC822.SIZE 345 UID 41)", envelope_fetch));
  CHECK(match("* 1 FETCH (FLAGS (\\seen))", envelope_fetch));                 // \Recent ignored
  CHECK_FALSE(match("* 1 FETCH (FLAGS (\\Seen \\Answered))", envelope_fetch));  // \Answered missing
  CHECK_FALSE(match("* 1 FETCH (FLAGS ())", envelope_fetch));                  // \Seen is extra
  CHECK(match("* 1 FETCH (FLAGS ($!unordered \\Recent))", envelope_fetch));    // directives replace defaults
  CHECK_FALSE(match("* 1 FETCH ($!ordered $!noextra UID 41)", envelope_fetch));
  CHECK(match("* 1 FETCH ($!ordered $!extra UID 41 FLAGS $)", envelope_fetch));
  CHECK(match("* FLAGS (\\Seen \\Answered)", "* FLAGS (\\Answered \\Seen)\r\n"));
  CHECK_FALSE(match("* FLAGS (\\Seen)", "* FLAGS (\\Answered \\Seen)\r\n"));
  CHECK(match("* FLAGS ($!unordered \\Seen)", "* FLAGS (\\Answered \\Seen)\r\n"));
  CHECK(match("* FLAGS ($!unordered $!noextra $!ignore=\\Answered \\Seen)", "* FLAGS (\\Answered \\Seen)\r\n"));
  CHECK(match("* STATUS INBOX (UIDNEXT $n)", "* STATUS INBOX (MESSAGES 3 UIDNEXT 9)\r\n"));
  CHECK(match("* LIST (\\HasNoChildren) \".\" INBOX", "* LIST (\\Marked \\HasNoChildren) \".\" INBOX\r\n"));
}

TEST_CASE("parsed: captures bind once, then must match, nothing binds on a failed match") {
  std::map<std::string, std::string> caps;
  CHECK(match("* $n EXISTS", "* 3 EXISTS\r\n", &caps));
  CHECK(caps["n"] == "3");
  CHECK(match("* $n EXISTS", "* 3 EXISTS\r\n", &caps));
  CHECK_FALSE(match("* $n EXISTS", "* 4 EXISTS\r\n", &caps));
  CHECK_FALSE(match("* 1 FETCH (UID $u FLAGS (\\Draft))", envelope_fetch, &caps));
  CHECK(caps.count("u") == 0);
  CHECK(match("* SEARCH $*hits", "* SEARCH 2 3 4\r\n", &caps));
  CHECK(caps["hits"] == "2 3 4");
  CHECK(match("* SEARCH $*none", "* SEARCH\r\n", &caps));
  CHECK(caps["none"].empty());
  CHECK(match("* 1 FETCH (FLAGS $flags)", envelope_fetch, &caps));
  CHECK(caps["flags"] == "(\\Seen \\Recent)");
}

TEST_CASE("parsed: status responses, response codes and their text") {
  std::map<std::string, std::string> caps;
  CHECK(match("* OK [UIDNEXT $next]", "* OK [UIDNEXT 4] Predicted next UID\r\n", &caps));
  CHECK(caps["next"] == "4");
  CHECK_FALSE(match("* OK [UIDNEXT $x]", "* OK [UIDVALIDITY 1] UIDs valid\r\n"));
  CHECK(match("* OK [UIDVALIDITY $] uids*", "* OK [UIDVALIDITY 1] UIDs valid\r\n"));
  CHECK_FALSE(match("* OK [UIDVALIDITY $] nothing*", "* OK [UIDVALIDITY 1] UIDs valid\r\n"));
  CHECK(match("* OK [PERMANENTFLAGS (\\* \\Seen \\Deleted)]", "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] ok\r\n"));
  CHECK(match("* BYE *", "* BYE\r\n"));
  CHECK(match("+ $*text", "+ Ready for literal data\r\n", &caps));
  CHECK(caps["text"] == "Ready for literal data");
}

TEST_CASE("parsed: ${...} references are expanded at match time, $$ is a literal $") {
  std::map<std::string, std::string> vars = {{"who", "BOB"}};
  std::map<std::string, std::string> caps = {{"uid", "41"}};
  CHECK(match("* 1 FETCH (UID ${cap.uid})", envelope_fetch, &caps, &vars));
  CHECK(match("* 1 FETCH (ENVELOPE ($ $ $ $ $ ((NIL NIL \"${var.who}\" $)) $*))", envelope_fetch, &caps, &vars));
  CHECK_FALSE(match("* 1 FETCH (UID ${cap.nothing})", envelope_fetch, &caps, &vars));
  CHECK(match("* 1 FETCH (FLAGS ($$Forwarded))", "* 1 FETCH (FLAGS ($Forwarded))\r\n"));
}

TEST_CASE("parsed: what a pattern may not say is a compile error") {
  CHECK(compile_error("1 FETCH (UID 1)").find("starting with \"*\"") != std::string::npos);
  CHECK(compile_error("* 1 FETCH (UID 1").find("not IMAP data: missing \")\"") != std::string::npos);
  CHECK(compile_error("* 1 FETCH ($!sorted UID 1)").find("unknown directive \"$!sorted\"") != std::string::npos);
  CHECK(compile_error("* 1 FETCH (UID $!noextra)").find("must come first") != std::string::npos);
  CHECK(compile_error("* SEARCH $* 3").find("nothing may follow it") != std::string::npos);
  CHECK(compile_error("* 1 FETCH (UID 1 FLAGS)").find("name-value pairs") != std::string::npos);
  CHECK(compile_error("* 1 FETCH (UID $a.b)").find("invalid capture name") != std::string::npos);
  CHECK(compile_error("* FLAGS ($!unordered \\Seen $*)").find("unordered list") != std::string::npos);
  CHECK(imap_pattern::compile("* 1 FETCH (UID $u ENVELOPE ($ $*rest))").capture_names() ==
        std::vector<std::string>{"u", "rest"});
}

TEST_CASE("parsed: a matcher of that kind, on a line or a framed response") {
  auto m = mailspec::scenario::matcher::parsed("* $n EXISTS");
  CHECK(m.describe() == "parsed \"* $n EXISTS\"");
  std::map<std::string, std::string> caps;
  CHECK(m.matches("* 5 EXISTS", &caps));
  CHECK(caps["n"] == "5");
  CHECK_FALSE(m.matches("* 5 RECENT", &caps));
}
