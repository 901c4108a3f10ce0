#include <catch2/catch.hpp>

#include "protocol/imap.hpp"
#include "unit-protocol-split.hpp"

using namespace mailspec::protocol;
using test::has_defect;
using namespace std::string_literals;

namespace {

std::string imap_dump(const imap_response& r) {
  std::string out = std::to_string(static_cast<int>(r.kind)) + "|" + r.tag + "|" + r.status + "|" +
                    (r.number ? std::to_string(*r.number) : "-") + "|" + r.keyword + "|" + r.code + "|" + r.text +
                    "|" + r.raw + "|" + std::to_string(r.raw_elided) + "|" + std::to_string(r.literal_bytes_skipped) +
                    "|" + (r.complete ? "c" : "i") + "|";
  for (const auto& l : r.literals) out += "{" + l + "}";
  for (const auto& l : r.lines) out += "[" + l + "]";
  return out + test::dump_defects(r.defects);
}

std::vector<imap_response> imap_frames(std::string_view in, limits lim = {}, bool finish = false) {
  return test::frame<imap_framer, imap_response>(in, imap_dump, {}, lim, finish);
}

}  // namespace

TEST_CASE("imap: tagged status with response code") {
  auto rs = imap_frames("a1 OK [CAPABILITY IMAP4rev1 STARTTLS auth=plain] Logged in\r\na2 no [PRIVACYREQUIRED] no\r\n");
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].kind == imap_kind::tagged);
  CHECK(rs[0].tag == "a1");
  CHECK(rs[0].status == "OK");
  CHECK(rs[0].code == "CAPABILITY IMAP4rev1 STARTTLS auth=plain");
  CHECK(rs[0].code_name() == "CAPABILITY");
  CHECK(rs[0].text == "Logged in");
  CHECK(rs[0].raw == "a1 OK [CAPABILITY IMAP4rev1 STARTTLS auth=plain] Logged in\r\n");
  CHECK(imap_capabilities(rs[0]) == std::vector<std::string>{"IMAP4REV1", "STARTTLS", "AUTH=PLAIN"});
  CHECK(rs[0].defects.empty());
  CHECK(rs[1].status == "NO");
  CHECK(rs[1].code_name() == "PRIVACYREQUIRED");
}

TEST_CASE("imap: untagged status, numbered and keyword responses") {
  auto rs = imap_frames(
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* 23 EXISTS\r\n* CAPABILITY IMAP4rev2 STARTTLS\r\n"
      "* FLAGS (\\Answered \\Seen)\r\n* PREAUTH ready\r\n* BYE logging out\r\n* SEARCH 2 3\r\n* 5 expunge\r\n");
  REQUIRE(rs.size() == 8);
  CHECK(rs[0].kind == imap_kind::untagged);
  CHECK(rs[0].tag == "*");
  CHECK(rs[0].status == "OK");
  CHECK(rs[0].code_name() == "UIDVALIDITY");
  CHECK(rs[0].text == "UIDs valid");
  CHECK(rs[1].number == 23u);
  CHECK(rs[1].keyword == "EXISTS");
  CHECK(rs[1].status.empty());
  CHECK(rs[2].keyword == "CAPABILITY");
  CHECK(imap_capabilities(rs[2]) == std::vector<std::string>{"IMAP4REV2", "STARTTLS"});
  CHECK(rs[3].keyword == "FLAGS");
  CHECK(rs[3].text == "(\\Answered \\Seen)");
  CHECK(rs[4].status == "PREAUTH");
  CHECK(rs[5].status == "BYE");
  CHECK(rs[6].text == "2 3");
  CHECK(rs[7].keyword == "EXPUNGE");
  for (const auto& r : rs) CHECK(r.defects.empty());
}

TEST_CASE("imap: continuation requests") {
  auto rs = imap_frames("+ idling\r\n+\r\n+ \r\n+YWJj\r\n");
  REQUIRE(rs.size() == 4);
  CHECK(rs[0].kind == imap_kind::continuation);
  CHECK(rs[0].tag == "+");
  CHECK(rs[0].text == "idling");
  CHECK(rs[1].text.empty());
  CHECK(rs[2].text.empty());
  CHECK(rs[1].defects.empty());
  CHECK(has_defect(rs[3].defects, defect_kind::malformed_code));
}

TEST_CASE("imap: FETCH with literals {n} and {n+}") {
  const std::string in =
      "* 1 FETCH (UID 7 BODY[HEADER] {18}\r\nSubject: x {3}\r\n\r\n FLAGS (\\Seen))\r\n"
      "* 2 FETCH (BODY[] {5+}\r\na\r\nb) BODY[1] {0}\r\n UID 42)\r\na3 OK done\r\n";
  auto rs = imap_frames(in);
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].number == 1u);
  CHECK(rs[0].keyword == "FETCH");
  CHECK(rs[0].text == "(UID 7 BODY[HEADER] {18}");
  CHECK(rs[0].literals == std::vector<std::string>{"Subject: x {3}\r\n\r\n"});
  CHECK(rs[0].lines == std::vector<std::string>{"* 1 FETCH (UID 7 BODY[HEADER] {18}", " FLAGS (\\Seen))"});
  CHECK(rs[0].raw == in.substr(0, in.find("* 2")));
  CHECK(imap_fetch_uid(rs[0]) == 7u);
  CHECK(rs[1].literals == std::vector<std::string>{"a\r\nb)", ""});
  CHECK(imap_fetch_uid(rs[1]) == 42u);  // UID after the literals
  CHECK(rs[2].kind == imap_kind::tagged);
  for (const auto& r : rs) CHECK(r.defects.empty());
}

TEST_CASE("imap: UID inside a quoted string or a section is not the UID") {
  auto rs = imap_frames("* 3 FETCH (ENVELOPE (\"UID 9\") BODY[HEADER.FIELDS (UID)] {0}\r\n)\r\n* 4 FETCH (FLAGS ())\r\n");
  REQUIRE(rs.size() == 2);
  CHECK_FALSE(imap_fetch_uid(rs[0]));
  CHECK_FALSE(imap_fetch_uid(rs[1]));
  auto tagged = imap_frames("a1 OK UID 5\r\n");
  CHECK_FALSE(imap_fetch_uid(tagged.at(0)));
}

TEST_CASE("imap: status responses and continuations carry no literals") {
  auto rs = imap_frames("a1 OK weird {5}\r\n* OK odd {3}\r\n+ go {2}\r\n* 1 EXISTS\r\n");
  REQUIRE(rs.size() == 4);
  CHECK(rs[0].literals.empty());
  CHECK(rs[1].literals.empty());
  CHECK(rs[2].literals.empty());
  CHECK(rs[3].keyword == "EXISTS");
}

TEST_CASE("imap: malformed literal announcements") {
  auto rs = imap_frames("* LIST () \"/\" {}\r\n* LIST () \"/\" {1+2}\r\n* LIST () \"/\" {99999999999999999999999}\r\n"
                  "* LIST () \"/\" {abc}\r\n");
  REQUIRE(rs.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CHECK(has_defect(rs[i].defects, defect_kind::malformed_literal));
    CHECK(rs[i].literals.empty());
  }
  CHECK(rs[3].defects.empty());  // "{abc}" is text, not an announcement
}

TEST_CASE("imap: literal over max_literal is counted and skipped") {
  limits lim;
  lim.max_literal = 10;
  const std::string payload(100, 'z');
  const std::string in = "* 1 FETCH (BODY[] {100}\r\n" + payload + ")\r\n* 2 FETCH (BODY[] {3}\r\nabc)\r\n";
  auto rs = imap_frames(in, lim);
  REQUIRE(rs.size() == 2);
  CHECK(has_defect(rs[0].defects, defect_kind::literal_too_large));
  CHECK(rs[0].literals == std::vector<std::string>{""});
  CHECK(rs[0].literal_bytes_skipped == 100);
  CHECK(rs[0].raw == "* 1 FETCH (BODY[] {100}\r\n)\r\n");
  CHECK(rs[0].raw_elided == 100);
  CHECK(rs[1].literals == std::vector<std::string>{"abc"});
  imap_framer f(lim);
  f.feed(in);
  CHECK(f.over_limit());
}

TEST_CASE("imap: a 100 MB literal in 64 KiB chunks is never stored") {
  imap_framer f;
  f.feed("* 1 FETCH (BODY[] {104857600}\r\n");
  const std::string chunk(64 * 1024, 'q');
  for (std::size_t fed = 0; fed < 100u * 1024 * 1024; fed += chunk.size()) {
    f.feed(chunk);
    REQUIRE(f.pending().size() <= limits{}.max_raw);
  }
  f.feed(")\r\n");
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->literal_bytes_skipped == 100u * 1024 * 1024);
  CHECK(r->literals.at(0).empty());
  CHECK(r->raw.size() <= limits{}.max_raw);
  CHECK(has_defect(r->defects, defect_kind::literal_too_large));
  CHECK(f.over_limit());
}

TEST_CASE("imap: bounded raw with a large literal") {
  limits lim;
  lim.max_raw = 16;
  auto rs = imap_frames("* 1 FETCH (BODY[] {20}\r\n01234567890123456789)\r\n", lim);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].literals.at(0) == "01234567890123456789");
  CHECK(rs[0].raw == "* 1 FETCH (BODY[");
  CHECK(rs[0].raw_elided == 47 - 16);
}

TEST_CASE("imap: an over-long line still announces its literal") {
  limits lim;
  lim.max_line = 32;
  const std::string in = "* 1 FETCH (BODY[] " + std::string(100, 'x') + " {5}\r\nhello)\r\na1 OK\r\n";
  auto rs = imap_frames(in, lim);
  REQUIRE(rs.size() == 2);
  CHECK(has_defect(rs[0].defects, defect_kind::line_too_long));
  CHECK(rs[0].literals == std::vector<std::string>{"hello"});
  CHECK(rs[1].tag == "a1");
}

TEST_CASE("imap: malformed responses and line defects") {
  auto rs = imap_frames("garbage\r\na1 FOO bar\r\n* \r\n(x OK hi\r\n* 99999999999999999999999 EXISTS\r\n* OK a\rb\n"s);
  REQUIRE(rs.size() == 6);
  CHECK(rs[0].kind == imap_kind::malformed);
  CHECK(rs[0].text == "garbage");
  CHECK(has_defect(rs[0].defects, defect_kind::malformed_code));
  CHECK(rs[1].kind == imap_kind::malformed);
  CHECK(has_defect(rs[2].defects, defect_kind::malformed_code));
  CHECK(rs[3].kind == imap_kind::tagged);
  CHECK(has_defect(rs[3].defects, defect_kind::malformed_code));  // '(' in a tag
  CHECK(has_defect(rs[4].defects, defect_kind::malformed_code));
  CHECK(has_defect(rs[5].defects, defect_kind::bare_cr));
  CHECK(has_defect(rs[5].defects, defect_kind::bare_lf));
  auto nul = imap_frames("* OK a\0b \xff\r\n"s);
  CHECK(has_defect(nul.at(0).defects, defect_kind::nul_byte));
  CHECK(has_defect(nul.at(0).defects, defect_kind::invalid_utf8));
  auto code = imap_frames("a1 OK [ALERT unclosed\r\n");
  CHECK(has_defect(code.at(0).defects, defect_kind::malformed_code));
  CHECK(code.at(0).code.empty());
}

TEST_CASE("imap: finish inside a literal or a line") {
  auto rs = imap_frames("* 1 FETCH (BODY[] {10}\r\nabc", {}, true);
  REQUIRE(rs.size() == 1);
  CHECK_FALSE(rs[0].complete);
  CHECK(rs[0].literals.at(0) == "abc");
  CHECK(has_defect(rs[0].defects, defect_kind::unterminated));
  auto line = imap_frames("a1 OK don", {}, true);
  REQUIRE(line.size() == 1);
  CHECK_FALSE(line[0].complete);
  CHECK(line[0].status == "OK");
  auto after = imap_frames("* 1 FETCH (BODY[] {1}\r\nx", {}, true);
  REQUIRE(after.size() == 1);
  CHECK_FALSE(after[0].complete);
  imap_framer f;
  CHECK_FALSE(f.finish());
}

TEST_CASE("imap: pending holds bytes after the STARTTLS reply") {
  imap_framer f;
  f.feed("a1 OK Begin TLS now\r\n* OK injected\r\na2 ");
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->tag == "a1");
  CHECK(f.pending() == "* OK injected\r\na2 ");
  f.clear();
  CHECK(f.pending().empty());
  f.feed("* 1 FETCH (BODY[] {4}\r\nab");
  CHECK(f.pending() == "* 1 FETCH (BODY[] {4}\r\nab");
}

TEST_CASE("imap: quoting values") {
  CHECK(imap_quote("bob") == "\"bob\"");
  CHECK(imap_quote("") == "\"\"");
  CHECK(imap_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(imap_quote("p\xc3\xa4ss") == "{5}\r\np\xc3\xa4ss");
  CHECK(imap_quote("a\r\nb") == "{4}\r\na\r\nb");
  CHECK(imap_quote("a\0b"s) == "{3}\r\na\0b"s);
}

TEST_CASE("imap: too many literals in one response") {
  limits lim;
  lim.max_lines_per_response = 2;
  auto rs = imap_frames("* 1 FETCH (A {1}\r\na B {1}\r\nb C {1}\r\nc)\r\n", lim);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].literals == std::vector<std::string>{"a", "b"});
  CHECK(rs[0].literal_bytes_skipped == 1);
  CHECK(has_defect(rs[0].defects, defect_kind::literal_too_large));
}

TEST_CASE("regression: imap line over the line bound without LF sets over_limit before the LF arrives") {
  limits lim;
  lim.max_line = 32;
  imap_framer f(lim);
  f.feed("* OK " + std::string(27, 'c'));
  CHECK_FALSE(f.over_limit());
  f.feed("c");  // max_line + 1 bytes: could still be the CR of CRLF
  CHECK_FALSE(f.over_limit());
  f.feed("c");
  CHECK(f.over_limit());
  CHECK(f.line_over_limit());
}
