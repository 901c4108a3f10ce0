#include <catch2/catch.hpp>

#include "protocol/pop3.hpp"
#include "unit-protocol-split.hpp"

using namespace mailspec::protocol;
using test::has_defect;
using namespace std::string_literals;

namespace {

std::string pop3_dump(const pop3_response& r) {
  std::string out = std::to_string(static_cast<int>(r.status)) + "|" + r.status_line + "|" + r.text + "|" +
                    r.code + "|" + (r.multiline ? "m" : "s") + (r.terminated ? "t" : "u") + "|" +
                    std::to_string(r.body_bytes) + "|" + std::to_string(r.stuffed_lines) + "|" + r.raw + "|" +
                    std::to_string(r.raw_elided) + "|" + std::to_string(r.body_lines_elided) + "|";
  for (const auto b : r.body) out += "[" + std::string(b) + "]";
  for (const auto& b : r.unstuffed_dot_lines) out += "<" + b + ">";
  return out + test::dump_defects(r.defects);
}

using prep_fn = std::function<void(pop3_framer&)>;

std::vector<pop3_response> pop3_frames(std::string_view in, prep_fn prep = {}, limits lim = {}, bool finish = false) {
  return test::frame<pop3_framer, pop3_response>(in, pop3_dump, prep, lim, finish);
}

prep_fn expect(std::vector<bool> v) {
  return [v](pop3_framer& f) {
    for (bool b : v) f.expect_multiline(b);
  };
}

}  // namespace

TEST_CASE("pop3: status lines") {
  auto rs = pop3_frames("+OK POP3 ready\r\n-ERR [IN-USE] mailbox locked\r\n+ \r\n+\r\n+OK\r\n-ERR [SYS/TEMP] later\r\n");
  REQUIRE(rs.size() == 6);
  CHECK(rs[0].status == pop3_status::ok);
  CHECK(rs[0].text == "POP3 ready");
  CHECK(rs[0].status_line == "+OK POP3 ready\r\n");
  CHECK(rs[0].raw == "+OK POP3 ready\r\n");
  CHECK(rs[0].defects.empty());
  CHECK(rs[1].status == pop3_status::err);
  CHECK(rs[1].code == "IN-USE");
  CHECK(rs[1].text == "[IN-USE] mailbox locked");
  CHECK(rs[2].status == pop3_status::continuation);
  CHECK(rs[2].text.empty());
  CHECK(rs[3].status == pop3_status::continuation);
  CHECK(rs[4].status == pop3_status::ok);
  CHECK(rs[4].text.empty());
  CHECK(rs[5].code == "SYS/TEMP");
  for (const auto& r : rs) CHECK_FALSE(r.multiline);
}

TEST_CASE("pop3: malformed status lines") {
  auto rs = pop3_frames("OK ready\r\n+OKAY\r\n-err no\r\n\r\n+ [AUTH] x\r\n");
  REQUIRE(rs.size() == 5);
  for (int i = 0; i < 4; ++i) {
    CHECK(rs[i].status == pop3_status::malformed);
    CHECK(has_defect(rs[i].defects, defect_kind::malformed_code));
  }
  CHECK(rs[0].text == "OK ready");
  CHECK(rs[4].status == pop3_status::continuation);
  CHECK(rs[4].code == "AUTH");
}

TEST_CASE("pop3: multi-line body with dot-unstuffing") {
  const std::string in = "+OK 120 octets\r\nSubject: hi\r\n\r\n..leading dot\r\n...two\r\n.oops\r\nend\r\n.\r\n+OK next\r\n";
  auto rs = pop3_frames(in, expect({true}));
  REQUIRE(rs.size() == 2);
  const auto& r = rs[0];
  CHECK(r.multiline);
  CHECK(r.terminated);
  CHECK(r.body == std::vector<std::string>{"Subject: hi", "", ".leading dot", "..two", ".oops", "end"});
  CHECK(r.stuffed_lines == 2);
  CHECK(r.unstuffed_dot_lines == std::vector<std::string>{".oops"});
  CHECK(r.raw == in.substr(0, in.find("+OK next")));
  CHECK(r.body_bytes == in.find("+OK next") - std::string("+OK 120 octets\r\n").size());
  CHECK(r.defects.empty());
  CHECK_FALSE(rs[1].multiline);
  CHECK(rs[1].text == "next");
}

TEST_CASE("pop3: multi-line only when announced and +OK") {
  auto plain = pop3_frames("+OK 2 messages\r\n1 120\r\n.\r\n");
  REQUIRE(plain.size() == 3);  // not announced: every line is its own (malformed) response
  CHECK(plain[1].status == pop3_status::malformed);
  auto err = pop3_frames("-ERR no such message\r\n+OK\r\nbody\r\n.\r\n", expect({true, true}));
  REQUIRE(err.size() == 2);
  CHECK_FALSE(err[0].multiline);
  CHECK(err[1].multiline);
  CHECK(err[1].body == std::vector<std::string>{"body"});
}

TEST_CASE("pop3: pipelined expectations are consumed in order") {
  auto rs = pop3_frames("+OK\r\n+OK\r\n1 100\r\n.\r\n+OK bye\r\n", expect({false, true, false}));
  REQUIRE(rs.size() == 3);
  CHECK_FALSE(rs[0].multiline);
  CHECK(rs[1].body == std::vector<std::string>{"1 100"});
  CHECK(rs[2].text == "bye");
}

TEST_CASE("pop3: bare LF, bare CR, NUL and invalid UTF-8 in a body") {
  auto rs = pop3_frames("+OK\nline\rx\r\nnul\0z\r\nbad \xc3\x28\r\n.\n"s, expect({true}));
  REQUIRE(rs.size() == 1);
  const auto& r = rs[0];
  CHECK(r.terminated);
  REQUIRE(r.body.size() == 3);
  CHECK(r.body[0] == "line\rx");
  CHECK(r.status_line == "+OK\n");
  CHECK(has_defect(r.defects, defect_kind::bare_lf));
  CHECK(has_defect(r.defects, defect_kind::bare_cr));
  CHECK(has_defect(r.defects, defect_kind::nul_byte));
  CHECK(has_defect(r.defects, defect_kind::invalid_utf8));
  for (const auto& d : r.defects)
    if (d.kind == defect_kind::bare_cr) CHECK(d.line == 1);
}

TEST_CASE("pop3: finish inside a body yields the partial response") {
  auto rs = pop3_frames("+OK\r\nline one\r\nline tw", expect({true}), {}, true);
  REQUIRE(rs.size() == 1);
  CHECK_FALSE(rs[0].terminated);
  CHECK(rs[0].body == std::vector<std::string>{"line one", "line tw"});
  CHECK(has_defect(rs[0].defects, defect_kind::unterminated));
  auto st = pop3_frames("+OK partial", {}, {}, true);
  REQUIRE(st.size() == 1);
  CHECK(st[0].status == pop3_status::ok);
  CHECK_FALSE(st[0].terminated);
  CHECK(has_defect(st[0].defects, defect_kind::unterminated));
  auto dot = pop3_frames("+OK\r\nx\r\n.", expect({true}), {}, true);
  REQUIRE(dot.size() == 1);
  CHECK_FALSE(dot[0].terminated);  // "." without its line ending is not the terminator
}

TEST_CASE("pop3: pending and clear") {
  pop3_framer f;
  f.feed("+OK Begin TLS\r\n-ERR injected\r\n+O");
  REQUIRE(f.next());
  CHECK(f.pending() == "-ERR injected\r\n+O");
  f.clear();
  CHECK(f.pending().empty());
  f.expect_multiline(true);
  f.feed("+OK\r\nabc\r\n");
  CHECK(f.pending() == "+OK\r\nabc\r\n");
  CHECK_FALSE(f.next());
}

TEST_CASE("pop3: body line limits") {
  limits lim;
  lim.max_lines_per_response = 3;
  std::string in = "+OK\r\n";
  for (int i = 0; i < 10; ++i) in += "l" + std::to_string(i) + "\r\n";
  in += ".\r\n";
  auto rs = pop3_frames(in, expect({true}), lim);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].body.size() == 3);
  CHECK(rs[0].body_lines_elided == 7);
  CHECK(rs[0].terminated);
  pop3_framer f(lim);
  f.expect_multiline(true);
  f.feed(in);
  CHECK(f.over_limit());
}

TEST_CASE("pop3: over-long body line and bounded raw") {
  limits lim;
  lim.max_line = 8;
  lim.max_raw = 20;
  auto rs = pop3_frames("+OK\r\n0123456789abcdef\r\n.\r\n", expect({true}), lim);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].body == std::vector<std::string>{"01234567"});
  CHECK(has_defect(rs[0].defects, defect_kind::line_too_long));
  CHECK(rs[0].raw == "+OK\r\n01234567\r\n.\r\n");
  CHECK(rs[0].raw_elided == 0);
  CHECK(rs[0].body_bytes == 21);
  auto big = pop3_frames("+OK\r\n0123456\r\n0123456\r\n0123456\r\n.\r\n", expect({true}), lim);
  REQUIRE(big.size() == 1);
  CHECK(big[0].raw.size() == 20);
  CHECK(big[0].raw_elided == 35 - 20);
}

TEST_CASE("pop3: a 100 MB body line in 64 KiB chunks stays bounded") {
  pop3_framer f;
  f.expect_multiline(true);
  f.feed("+OK\r\n");
  const std::string chunk(64 * 1024, 'b');
  for (std::size_t fed = 0; fed < 100u * 1024 * 1024; fed += chunk.size()) f.feed(chunk);
  CHECK(f.pending().size() <= 5 + limits{}.max_line + 1);
  f.feed("\r\n.\r\n");
  auto r = f.next();
  REQUIRE(r);
  CHECK(r->body.at(0).size() == limits{}.max_line);
  CHECK(r->raw.size() <= limits{}.max_raw);
  CHECK(r->body_bytes == 100u * 1024 * 1024 + 5);
  CHECK(f.over_limit());
}

TEST_CASE("pop3: which commands are multi-line") {
  CHECK(pop3_command_is_multiline("CAPA"));
  CHECK(pop3_command_is_multiline("list\r\n"));
  CHECK_FALSE(pop3_command_is_multiline("LIST 1"));
  CHECK(pop3_command_is_multiline("UIDL"));
  CHECK_FALSE(pop3_command_is_multiline("UIDL 2"));
  CHECK(pop3_command_is_multiline("RETR 1"));
  CHECK(pop3_command_is_multiline("TOP 1 10"));
  CHECK(pop3_command_is_multiline("AUTH"));
  CHECK_FALSE(pop3_command_is_multiline("AUTH PLAIN"));
  CHECK_FALSE(pop3_command_is_multiline("STAT"));
  CHECK_FALSE(pop3_command_is_multiline("USER bob"));
}

TEST_CASE("regression: pop3 line over the line bound without LF sets over_limit before the LF arrives") {
  limits lim;
  lim.max_line = 8;
  pop3_framer f(lim);
  f.expect_multiline(true);
  f.feed("+OK\r\n" + std::string(8, 'b'));
  CHECK_FALSE(f.over_limit());
  f.feed("b");  // max_line + 1 bytes: could still be the CR of CRLF
  CHECK_FALSE(f.over_limit());
  f.feed("b");
  CHECK(f.over_limit());
  CHECK(f.line_over_limit());
}

TEST_CASE("pop3: body lines share one buffer and read back exactly, empty lines included") {
  line_list l;
  CHECK(l.empty());
  CHECK_THROWS_AS(l.at(0), std::out_of_range);
  l.push_back("first");
  l.push_back("");
  l.push_back(std::string_view("x\0y", 3));
  REQUIRE(l.size() == 3);
  CHECK(l[0] == "first");
  CHECK(l.at(1).empty());
  CHECK(l.back() == std::string_view("x\0y", 3));
  CHECK(l == std::vector<std::string>{"first", "", std::string("x\0y", 3)});
  CHECK_FALSE(l == std::vector<std::string>{"first", ""});
  CHECK_FALSE(l == std::vector<std::string>{"first", "", "xy"});
  std::string joined;
  for (const std::string_view s : l) joined += std::string(s) + "|";
  CHECK(joined == std::string("first||x\0y|", 11));
  CHECK(l.to_vector().size() == 3);
  l.clear();
  CHECK(l.empty());
}
