// Issue 20 item 3: NUL and bytes that are not UTF-8 in server text break the reply grammars
// (RFC 5321 §4.2 textstring, RFC 9051 §9, RFC 2449 §3): `fail`, not the 8-bit SHOULD's `warn`.
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

using namespace rules_fixture;
using mailspec::verdict;

namespace {

// The verdicts of one rule on a record, in order.
std::vector<verdict> verdicts(const record& rec, const std::string& id) {
  std::vector<verdict> out;
  for (const auto& f : findings_of(rec, id)) out.push_back(f.result);
  return out;
}

const std::vector<std::string> BAD = {std::string("\x00", 1), "\xc3\x28", "\xff", "\x1b[31m"};

}  // namespace

TEST_CASE("SMTP: NUL, invalid UTF-8 and control bytes in reply text fail the grammar rule") {
  for (const auto& bad : BAD) {
    INFO("bytes: " << mailspec::rules::evidence(bad));
    auto rec = smtp_session({{"", "220 mx.example ESMTP " + bad + " ready\r\n"}, {"NOOP", "250 ok\r\n"}});
    CHECK(verdicts(rec, "smtp/rfc5321/4.2/reply-text-bytes") == std::vector<verdict>{verdict::fail});
    // One violation (judge keeps violations, not the passes beside them); the 8-bit SHOULD leaves
    // these bytes to the MUST (no second finding for the same bytes).
    CHECK(verdicts(rec, "smtp/rfc5321/2.4/ascii-replies") == std::vector<verdict>{verdict::pass});
  }
}

TEST_CASE("SMTP: well-formed UTF-8 reply text is the 8-bit SHOULD's warning, not a grammar failure") {
  auto rec = smtp_session({{"", "220 mx.example ESMTP pr\xc3\xaat\r\n"}});
  CHECK(verdicts(rec, "smtp/rfc5321/4.2/reply-text-bytes") == std::vector<verdict>{verdict::pass});
  CHECK(verdicts(rec, "smtp/rfc5321/2.4/ascii-replies") == std::vector<verdict>{verdict::warn});
}

TEST_CASE("IMAP: NUL and invalid UTF-8 in a response line fail, a literal's bytes are not judged") {
  for (const auto& bad : {std::string("\x00", 1), std::string("\xc3\x28"), std::string("\xff")}) {
    auto rec = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi " + bad + "\r\n"}});
    CHECK(verdicts(rec, "imap/rfc9051/9/text-bytes") == std::vector<verdict>{verdict::fail});
  }
  auto literal = imap_session({{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hi\r\n"},
                               {"a1 FETCH 1 BODY[]", "* 1 FETCH (BODY[] {3}\r\n\xff\xfe\xfd)\r\na1 OK done\r\n"}});
  CHECK(verdicts(literal, "imap/rfc9051/9/text-bytes") == std::vector<verdict>{verdict::pass});
}

TEST_CASE("POP3: NUL and invalid UTF-8 in a status line fail, a message body is not judged") {
  for (const auto& bad : {std::string("\x00", 1), std::string("\xc3\x28"), std::string("\xff")}) {
    auto rec = pop3_session({{"", "+OK ready " + bad + "\r\n"}});
    CHECK(verdicts(rec, "pop3/rfc2449/3/status-line-bytes") == std::vector<verdict>{verdict::fail});
  }
  auto body = pop3_session({{"", "+OK ready\r\n"}, {"RETR 1", "+OK\r\nSubject: \xff\r\n.\r\n"}});
  CHECK(verdicts(body, "pop3/rfc2449/3/status-line-bytes") == std::vector<verdict>{verdict::pass});
}
