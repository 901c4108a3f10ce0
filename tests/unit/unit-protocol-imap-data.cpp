// IMAP data as values (protocol/imap_data.hpp): what structured matchers and rules read.
#include <catch2/catch.hpp>

#include "protocol/imap.hpp"
#include "protocol/imap_data.hpp"

using namespace mailspec::protocol;
using vt = imap_value::type;

namespace {

imap_response imap_response_of(const std::string& bytes) {
  imap_framer f;
  f.feed(bytes);
  auto r = f.next();
  REQUIRE(r);
  return *r;
}

// The parsed items in IMAP form, "|" between top-level items, for compact assertions.
std::string shape(const imap_data& d) {
  std::string out;
  for (const auto& v : d.items) out += (out.empty() ? "" : "|") + v.to_imap();
  return out;
}

}  // namespace

TEST_CASE("imap data: a FETCH with a literal, NIL, nested lists and a section name") {
  auto r = imap_response_of("* 12 FETCH (UID 7 FLAGS (\\Seen $Forwarded) ENVELOPE (NIL \"Hi \\\"you\\\"\" NIL) "
                 "BODY[HEADER.FIELDS (SUBJECT)] {14}\r\nSubject: x\r\n\r\n)\r\n");
  auto d = parse_imap_data(r);
  INFO(d.error);
  REQUIRE(d.ok());
  REQUIRE(d.items.size() == 4);
  CHECK(d.items[0].text == "*");
  CHECK(d.items[1].kind == vt::number);
  CHECK(d.items[2].text == "FETCH");
  const auto& l = d.items[3];
  REQUIRE(l.kind == vt::list);
  REQUIRE(l.items.size() == 8);
  CHECK(l.items[1].kind == vt::number);
  CHECK(l.items[3].to_imap() == "(\\Seen $Forwarded)");
  CHECK(l.items[5].items[0].kind == vt::nil);
  CHECK(l.items[5].items[1].text == "Hi \"you\"");
  CHECK(l.items[6].text == "BODY[HEADER.FIELDS (SUBJECT)]");
  CHECK(l.items[7].kind == vt::string);
  CHECK(l.items[7].literal);
  CHECK(l.items[7].text == "Subject: x\r\n\r\n");
}

TEST_CASE("imap data: status responses keep their code and text apart") {
  auto d = parse_imap_data(imap_response_of("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Flags permitted.\r\n"));
  REQUIRE(d.ok());
  CHECK(shape(d) == "*|OK|[PERMANENTFLAGS (\\Deleted \\Seen \\*)]|Flags permitted.");
  CHECK(d.items[2].kind == vt::code);
  CHECK(d.items[3].kind == vt::text);
  auto t = parse_imap_data(imap_response_of("A001 OK [READ-ONLY] EXAMINE completed\r\n"));
  CHECK(shape(t) == "A001|OK|[READ-ONLY]|EXAMINE completed");
  auto bye = parse_imap_data(imap_response_of("* BYE\r\n"));
  CHECK(shape(bye) == "*|BYE");
  auto cont = parse_imap_data(imap_response_of("+ Ready for literal data\r\n"));
  CHECK(shape(cont) == "+|Ready for literal data");
}

TEST_CASE("imap data: LIST, NAMESPACE, SEARCH and STATUS") {
  CHECK(shape(parse_imap_data(imap_response_of("* LIST (\\HasNoChildren) \".\" INBOX\r\n"))) == "*|LIST|(\\HasNoChildren)|\".\"|INBOX");
  auto ns = parse_imap_data(imap_response_of("* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n"));
  REQUIRE(ns.ok());
  CHECK(ns.items[2].items[0].items[0].text == "INBOX.");
  CHECK(ns.items[3].kind == vt::nil);
  CHECK(shape(parse_imap_data(imap_response_of("* SEARCH 1 2 3\r\n"))) == "*|SEARCH|1|2|3");
  CHECK(shape(parse_imap_data(imap_response_of("* SEARCH\r\n"))) == "*|SEARCH");
  CHECK(shape(parse_imap_data(imap_response_of("* STATUS \"a b\" (MESSAGES 3 UIDNEXT 9)\r\n"))) ==
        "*|STATUS|\"a b\"|(MESSAGES 3 UIDNEXT 9)");
}

TEST_CASE("imap data: malformed data is an error, never a crash") {
  CHECK_FALSE(parse_imap_data(imap_response_of("* 1 FETCH (FLAGS (\\Seen)\r\n")).ok());
  CHECK_FALSE(parse_imap_data(imap_response_of("* 1 FETCH (FLAGS \"unterminated)\r\n")).ok());
  CHECK_FALSE(parse_imap_data(imap_response_of("* 1 FETCH )\r\n")).ok());
  CHECK_FALSE(parse_imap_data(imap_response_of("* 1 FETCH (BODY[TEXT x)\r\n")).ok());
  std::string deep = "* 1 FETCH " + std::string(10000, '(') + std::string(10000, ')') + "\r\n";
  auto d = parse_imap_data(imap_response_of(deep));
  CHECK_FALSE(d.ok());
  CHECK(d.error.find("nested deeper") != std::string::npos);
}

TEST_CASE("imap data: a pattern line keeps ${...} inside its atom or string") {
  auto d = parse_imap_line("* 1 FETCH (UID ${cap.uid} BODY[${var.part}] \"${var.s}\" $uid $*rest)");
  INFO(d.error);
  REQUIRE(d.ok());
  const auto& l = d.items[3].items;
  CHECK(l[1].text == "${cap.uid}");
  CHECK(l[2].text == "BODY[${var.part}]");
  CHECK(l[3].kind == vt::string);
  CHECK(l[4].text == "$uid");
  CHECK(l[5].text == "$*rest");
}
