#include <catch2/catch.hpp>

#include "protocol/smtp.hpp"
#include "unit-protocol-split.hpp"

using namespace mailspec::protocol;
using test::has_defect;
using namespace std::string_literals;

namespace {

std::string smtp_dump(const smtp_reply& r) {
  std::string out = std::to_string(r.code) + "|" + r.enhanced + "|" + (r.complete ? "c" : "i") + "|" +
                    std::to_string(r.lines_elided) + "|";
  for (const auto& l : r.lines)
    out += "[" + l.raw + "/" + std::to_string(l.code) + "/" + std::string(1, l.sep ? l.sep : '0') + "/" + l.text + "]";
  return out + test::dump_defects(r.defects);
}

std::vector<smtp_reply> smtp_frames(std::string_view in, limits lim = {}, bool finish = false) {
  return test::frame<smtp_framer, smtp_reply>(in, smtp_dump, {}, lim, finish);
}

}  // namespace

TEST_CASE("smtp: single-line reply keeps raw bytes") {
  auto rs = smtp_frames("220 mail.example.org ESMTP ready\r\n");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].code == 220);
  CHECK(rs[0].complete);
  REQUIRE(rs[0].lines.size() == 1);
  CHECK(rs[0].lines[0].raw == "220 mail.example.org ESMTP ready\r\n");
  CHECK(rs[0].lines[0].sep == ' ');
  CHECK(rs[0].lines[0].text == "mail.example.org ESMTP ready");
  CHECK(rs[0].defects.empty());
  CHECK(rs[0].raw() == "220 mail.example.org ESMTP ready\r\n");
}

TEST_CASE("smtp: multi-line EHLO reply, keywords and lines") {
  const std::string in =
      "250-mail.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-auth PLAIN LOGIN\r\n"
      "250-STARTTLS\r\n250 8BITMIME\r\n221 2.0.0 Bye\r\n";
  auto rs = smtp_frames(in);
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].code == 250);
  CHECK(rs[0].lines.size() == 6);
  CHECK(rs[0].defects.empty());
  CHECK(rs[0].texts().back() == "8BITMIME");
  CHECK(smtp_ehlo_keywords(rs[0]) ==
        std::vector<std::string>{"PIPELINING", "SIZE", "AUTH", "STARTTLS", "8BITMIME"});
  CHECK(smtp_ehlo_lines(rs[0])[1] == "SIZE 10240000");
  CHECK(rs[0].raw() == in.substr(0, in.find("221")));
  CHECK(rs[1].code == 221);
  CHECK(rs[1].enhanced == "2.0.0");
}

TEST_CASE("smtp: code-only line ends a reply") {
  auto rs = smtp_frames("250-first\r\n250\r\n");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].lines.size() == 2);
  CHECK(rs[0].lines[1].sep == 0);
  CHECK(rs[0].lines[1].text.empty());
  CHECK(rs[0].defects.empty());
}

TEST_CASE("smtp: bare LF is a defect but the line is taken") {
  auto rs = smtp_frames("250-a\n250 b\r\n");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].lines[0].raw == "250-a\n");
  CHECK(rs[0].lines[0].text == "a");
  CHECK(has_defect(rs[0].defects, defect_kind::bare_lf));
  CHECK(rs[0].defects.size() == 1);
  CHECK(rs[0].defects[0].line == 0);
}

TEST_CASE("smtp: bare CR, NUL and invalid UTF-8 are recorded") {
  auto rs = smtp_frames("250 o\rk\r\n250 a\0b\r\n250 \xff\xfe\r\n250 caf\xc3\xa9\r\n250 x\r\r\n"s);
  REQUIRE(rs.size() == 5);
  CHECK(has_defect(rs[0].defects, defect_kind::bare_cr));
  CHECK(rs[0].lines[0].text == "o\rk");
  CHECK(has_defect(rs[1].defects, defect_kind::nul_byte));
  CHECK(rs[1].lines[0].text == std::string("a\0b", 3));
  CHECK(has_defect(rs[2].defects, defect_kind::invalid_utf8));
  CHECK(rs[3].defects.empty());  // valid UTF-8 is fine
  CHECK(has_defect(rs[4].defects, defect_kind::bare_cr));
  CHECK(rs[4].lines[0].raw == "250 x\r\r\n");
}

TEST_CASE("smtp: overlong and surrogate UTF-8 are invalid") {
  auto rs = smtp_frames("250 \xc0\xaf\r\n250 \xed\xa0\x80\r\n250 \xf0\x9f\x98\x80\r\n");
  REQUIRE(rs.size() == 3);
  CHECK(has_defect(rs[0].defects, defect_kind::invalid_utf8));
  CHECK(has_defect(rs[1].defects, defect_kind::invalid_utf8));
  CHECK(rs[2].defects.empty());
}

TEST_CASE("smtp: malformed code lines end the reply") {
  auto rs = smtp_frames("hello\r\n199 too low\r\n25\r\n250-x\r\n600 y\r\n");
  REQUIRE(rs.size() == 4);
  CHECK(rs[0].code == -1);
  CHECK(rs[0].lines[0].text == "hello");
  CHECK(has_defect(rs[0].defects, defect_kind::malformed_code));
  CHECK(rs[1].code == -1);
  CHECK(has_defect(rs[1].defects, defect_kind::malformed_code));
  CHECK(has_defect(rs[2].defects, defect_kind::malformed_code));
  // "250-x" continues; "600 y" is malformed and ends that reply.
  CHECK(rs[3].lines.size() == 2);
  CHECK(rs[3].code == -1);
  CHECK(has_defect(rs[3].defects, defect_kind::malformed_code));
}

TEST_CASE("smtp: different codes in one reply are inconsistent") {
  auto rs = smtp_frames("250-a\r\n251-b\r\n250 c\r\n");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].code == 250);
  REQUIRE(has_defect(rs[0].defects, defect_kind::inconsistent_code));
  CHECK(rs[0].defects[0].line == 1);
}

TEST_CASE("smtp: a bad separator ends the reply with bad_continuation") {
  auto rs = smtp_frames("250_x\r\n250 y\r\n");
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].code == 250);
  CHECK(rs[0].lines[0].sep == 0);
  CHECK(rs[0].lines[0].text == "_x");
  CHECK(has_defect(rs[0].defects, defect_kind::bad_continuation));
  CHECK(rs[1].defects.empty());
}

TEST_CASE("smtp: enhanced status codes") {
  CHECK(parse_enhanced_code("2.1.0 Sender OK") == "2.1.0");
  CHECK(parse_enhanced_code("5.7.1") == "5.7.1");
  CHECK(parse_enhanced_code("4.123.999 later") == "4.123.999");
  CHECK(parse_enhanced_code("3.1.0 x").empty());
  CHECK(parse_enhanced_code("2.1234.0 x").empty());
  CHECK(parse_enhanced_code("2.1.0000").empty());
  CHECK(parse_enhanced_code("2.1. x").empty());
  CHECK(parse_enhanced_code("2.1.0x").empty());
  CHECK(parse_enhanced_code("2..0").empty());
  CHECK(parse_enhanced_code("Ok 2.1.0").empty());
  auto rs = smtp_frames("250-2.1.0 first\r\n250 2.1.0 Ok\r\n");
  CHECK(rs.at(0).enhanced == "2.1.0");
}

TEST_CASE("smtp: finish at end of stream returns the partial reply") {
  auto rs = smtp_frames("250-a\r\n250 b", {}, true);
  REQUIRE(rs.size() == 1);
  CHECK_FALSE(rs[0].complete);
  CHECK(rs[0].code == 250);
  CHECK(rs[0].lines.size() == 2);
  CHECK(rs[0].lines[1].raw == "250 b");
  CHECK(has_defect(rs[0].defects, defect_kind::unterminated));
  auto rs2 = smtp_frames("250-a\r\n250-b\r\n", {}, true);
  REQUIRE(rs2.size() == 1);
  CHECK_FALSE(rs2[0].complete);
  CHECK(has_defect(rs2[0].defects, defect_kind::unterminated));
  smtp_framer f;
  CHECK_FALSE(f.finish());
}

TEST_CASE("smtp: pending shows bytes not yet returned (STARTTLS evidence)") {
  smtp_framer f;
  f.feed("220 Ready to start TLS\r\n250 injected\r\n25");
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->code == 220);
  CHECK(f.pending() == "250 injected\r\n25");
  f.feed("0-x\r\n");
  CHECK(f.pending() == "250 injected\r\n250-x\r\n");
  f.clear();
  CHECK(f.pending().empty());
  CHECK_FALSE(f.next());
}

TEST_CASE("smtp: over-long line is cut with line_too_long") {
  limits lim;
  lim.max_line = 16;
  const std::string in = "250 " + std::string(40, 'x') + "\r\n250 ok\r\n";
  auto rs = smtp_frames(in, lim);
  REQUIRE(rs.size() == 2);
  CHECK(rs[0].lines[0].raw == "250 xxxxxxxxxxxx\r\n");
  CHECK(has_defect(rs[0].defects, defect_kind::line_too_long));
  CHECK_FALSE(has_defect(rs[0].defects, defect_kind::bare_lf));
  CHECK(rs[1].lines[0].raw == "250 ok\r\n");
  // Exactly max_line bytes of content plus CRLF is not over the bound.
  auto ok = smtp_frames("250 " + std::string(12, 'y') + "\r\n", lim);
  CHECK(ok.at(0).defects.empty());
  auto over = smtp_frames("250 " + std::string(13, 'y') + "\n", lim);
  CHECK(has_defect(over.at(0).defects, defect_kind::line_too_long));
  CHECK(has_defect(over.at(0).defects, defect_kind::bare_lf));
}

TEST_CASE("smtp: too many lines in one reply sets over_limit, keeps the last line") {
  limits lim;
  lim.max_lines_per_response = 5;
  std::string in;
  for (int i = 0; i < 9; ++i) in += "250-line" + std::to_string(i) + "\r\n";
  in += "250 last\r\n";
  auto rs = smtp_frames(in, lim);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].lines.size() == 6);
  CHECK(rs[0].lines_elided == 4);
  CHECK(rs[0].lines.back().text == "last");
  smtp_framer f(lim);
  f.feed(in);
  CHECK(f.over_limit());
}

TEST_CASE("smtp: a 100 MB line without LF keeps memory bounded") {
  smtp_framer f;
  const std::string chunk(64 * 1024, 'a');
  std::size_t fed = 0;
  f.feed("250 ");
  while (fed < 100u * 1024 * 1024) {
    f.feed(chunk);
    fed += chunk.size();
    REQUIRE(f.pending().size() <= limits{}.max_line + 1);
  }
  CHECK_FALSE(f.next());
  f.feed("\r\n");
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->lines.at(0).raw.size() == limits{}.max_line + 2);
  CHECK(f.over_limit());
  CHECK(has_defect(r->defects, defect_kind::line_too_long));
  CHECK(f.pending().empty());
}

TEST_CASE("smtp: many defects are capped per reply, each kind kept") {
  limits lim;
  lim.max_defects = 3;
  std::string in;
  for (int i = 0; i < 10; ++i) in += "250-x\n";
  in += "250 \xff\r\n";
  smtp_framer f(lim);
  f.feed(in);
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->defects.size() == 4);
  CHECK(has_defect(r->defects, defect_kind::invalid_utf8));
}

TEST_CASE("regression: a line over the line bound without LF sets over_limit before the LF arrives") {
  limits lim;
  lim.max_line = 16;
  smtp_framer f(lim);
  f.feed("250 " + std::string(12, 'x'));  // exactly max_line bytes: not over
  CHECK_FALSE(f.over_limit());
  f.feed("x");  // max_line + 1 bytes: could still be the CR of CRLF
  CHECK_FALSE(f.over_limit());
  f.feed("x");
  CHECK(f.over_limit());
  CHECK(f.line_over_limit());
  CHECK_FALSE(f.next());
}
