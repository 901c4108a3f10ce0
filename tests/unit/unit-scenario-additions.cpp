// Scenario format 1 additions (docs/scenario-format.md): each construct loads into the model,
// and each misuse is a load error at file:line:col with its JSON pointer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "scenario/loader.hpp"

using namespace mailspec::scenario;

namespace {

load_options env() {
  load_options o;
  o.getenv = [](const std::string& n) -> std::optional<std::string> { return "value-of-" + n; };
  return o;
}

// A file inside scenarios/imap so that "../fixtures/..." finds the bundled fixtures.
const std::string file = MAILSPEC_SOURCE_DIR "/scenarios/imap/t.json";

load_result load(const std::string& text) { return load_text(file, text, env()); }

// "FILE:line:col (pointer): message" with the position of NEEDLE's first occurrence.
std::string at(const std::string& text, const std::string& needle, const std::string& ptr, const std::string& msg) {
  auto off = text.find(needle);
  REQUIRE(off != std::string::npos);
  int line = 1, col = 1;
  for (std::size_t i = 0; i < off; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + " (" + ptr + "): " + msg;
}

void one_error(const std::string& text, const std::string& needle, const std::string& ptr, const std::string& msg) {
  INFO(text);
  auto r = load(text);
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.format());
  REQUIRE(got == std::vector<std::string>{at(text, needle, ptr, msg)});
}

// An IMAP scenario with the given steps (and extra top-level members).
std::string imap(const std::string& steps, const std::string& extra = "") {
  return "{\n \"format\": 1, \"id\": \"t/x\", \"protocol\": \"imap\",\n"
         " \"connection\": {\"port\": 993, \"tls\": \"implicit\"},\n" +
         extra + " \"steps\": [\n" + steps + "\n ]\n}\n";
}

std::string smtp(const std::string& steps) {
  return "{\n \"format\": 1, \"id\": \"t/x\", \"protocol\": \"smtp\",\n \"connection\": {\"port\": 25},\n \"steps\": [\n" +
         steps + "\n ]\n}\n";
}

}  // namespace

TEST_CASE("additions: capabilities, parsed matchers, assertions and any_of load into the model") {
  const std::string text = imap(
      R"(  {"id": "caps", "send": "${tag} CAPABILITY", "expect": {"status": "OK", "capabilities": ["imap4rev1", "AUTH=PLAIN"]}},
  {"id": "ex", "send": "${tag} EXAMINE INBOX", "expect": {"untagged": [{"parsed": "* $exists EXISTS"}, {"parsed": "* OK [UIDNEXT $next]"}],
    "assert": [{"that": "${cap.next}", "gt": 0}, {"count": {"parsed": "* $ EXISTS"}, "eq": 1}, {"that": "${cap.exists}", "in": [0, "1", "${cap.next}"]}]}},
  {"id": "alt", "send": "${tag} NOOP", "expect": {"any_of": [{"label": "ok", "status": "OK"}, {"status": "NO", "code": "INUSE"}]}})");
  auto r = load(text);
  for (const auto& e : r.errors) INFO(e.format());
  REQUIRE(r.errors.empty());
  const auto& s = r.scenarios.at(0);
  CHECK(s.steps[0].expect->capabilities == std::vector<std::string>{"IMAP4REV1", "AUTH=PLAIN"});
  REQUIRE(s.steps[1].expect->imap->untagged.size() == 2);
  CHECK(s.steps[1].expect->imap->untagged[0].type() == matcher::kind::parsed);
  REQUIRE(s.steps[1].expect->asserts.size() == 3);
  CHECK(s.steps[1].expect->asserts[0].oper == assertion::op::gt);
  CHECK(s.steps[1].expect->asserts[0].operands[0].text == "0");
  CHECK(s.steps[1].expect->asserts[1].count.has_value());
  CHECK(s.steps[1].expect->asserts[2].operands.size() == 3);
  REQUIRE(s.steps[2].expect->any_of.size() == 2);
  CHECK(s.steps[2].expect->any_of[0].label == "ok");
  CHECK(s.steps[2].expect->any_of[1].imap->code == "INUSE");
  CHECK(s.connections.size() == 1);
  CHECK(s.connections[0].name.empty());
}

TEST_CASE("additions: capabilities misuse") {
  std::string t = imap(R"(  {"send": "${tag} CAPABILITY", "expect": {"capabilities": "IMAP4rev1"}})");
  one_error(t, "\"IMAP4rev1\"", "/steps/0/expect/capabilities",
            "expected a list of capability names, e.g. [\"STARTTLS\", \"AUTH=PLAIN\"], got \"IMAP4rev1\"");
  t = imap(R"(  {"send": "${tag} CAPABILITY", "expect": {"capabilities": ["SIZE 100"]}})");
  one_error(t, "\"SIZE 100\"", "/steps/0/expect/capabilities/0",
            "expected one capability name (the keyword, e.g. \"SIZE\" or \"AUTH=PLAIN\"), got \"SIZE 100\"");
  t = imap(R"(  {"send": "${tag} CAPABILITY", "expect": {"capabilities": []}})");
  one_error(t, "[]", "/steps/0/expect/capabilities", "expected at least one capability, got an empty list");
  t = imap(R"(  {"send": "${tag} CAPABILITY", "expect": {"capabilites": ["X"]}})");
  one_error(t, "\"capabilites\"", "/steps/0/expect/capabilites",
            "unknown field \"capabilites\" in expect (did you mean \"capabilities\"?)");
}

TEST_CASE("additions: parsed matcher misuse") {
  std::string t = imap(R"(  {"send": "${tag} NOOP", "expect": {"untagged": [{"parsed": "3 EXISTS"}]}})");
  one_error(t, "\"3 EXISTS\"", "/steps/0/expect/untagged/0/parsed",
            "invalid parsed pattern: a parsed pattern is a whole untagged response, starting with \"*\" (or \"+\" for a "
            "continuation request)");
  t = imap(R"j(  {"send": "${tag} FETCH 1 FLAGS", "expect": {"untagged": [{"parsed": "* 1 FETCH ($!sorted FLAGS $)"}]}})j");
  one_error(t, "\"* 1 FETCH ($!sorted", "/steps/0/expect/untagged/0/parsed",
            "invalid parsed pattern: unknown directive \"$!sorted\" (expected $!ordered, $!unordered, $!unordered=N, "
            "$!noextra, $!extra or $!ignore=ITEM)");
  t = imap(R"j(  {"send": "${tag} FETCH 1 FLAGS", "expect": {"untagged": [{"parsed": "* 1 FETCH (UID ${var.nope})"}]}})j");
  one_error(t, "\"* 1 FETCH (UID ${var", "/steps/0/expect/untagged/0/parsed",
            "unknown variable \"nope\" in \"${var.nope}\" (declare it under \"vars\")");
  t = imap(R"j(  {"send": "${tag} FETCH 1 FLAGS", "expect": {"untagged": [{"parsed": "* 1 FETCH (UID ${cap.uid})"}]}})j");
  one_error(t, "\"* 1 FETCH (UID ${cap", "/steps/0/expect/untagged/0/parsed",
            "\"${cap.uid}\": no matcher of this scenario binds \"uid\" (a regex with (?<uid>...) or a parsed pattern with $uid does)");
  t = smtp(R"(  {"send": "EHLO x", "expect": {"contains": [{"parsed": "* OK"}]}})");
  one_error(t, "\"parsed\"", "/steps/0/expect/contains/0/parsed",
            "a parsed matcher states an IMAP response: it belongs under \"untagged\" (or an assertion's \"count\") of an "
            "IMAP scenario");
  t = imap(R"(  {"send": "${tag} NOOP", "expect": {"untagged": [{"parsd": "* OK"}]}})");
  one_error(t, "\"parsd\"", "/steps/0/expect/untagged/0/parsd",
            "unknown field \"parsd\" in a matcher (did you mean \"parsed\"?)");
}

TEST_CASE("additions: a capture of a parsed pattern feeds ${cap.NAME} of later steps") {
  auto r = load(imap(R"j(  {"send": "${tag} FETCH 1 UID", "expect": {"untagged": [{"parsed": "* 1 FETCH (UID $uid)"}]}},
  {"send": "${tag} UID FETCH ${cap.uid} FLAGS"})j"));
  for (const auto& e : r.errors) INFO(e.format());
  CHECK(r.errors.empty());
}

TEST_CASE("additions: assertion misuse") {
  auto step = [](const std::string& a) { return imap("  {\"send\": \"${tag} NOOP\", \"expect\": {\"assert\": [" + a + "]}}"); };
  std::string t = step(R"({"eq": 1})");
  one_error(t, "{\"eq\"", "/steps/0/expect/assert/0", "an assertion needs a subject: \"that\" (a ${...} value) or \"count\" (a matcher)");
  t = step(R"({"that": "${run.id}", "count": "x", "eq": 1})");
  one_error(t, "{\"that\"", "/steps/0/expect/assert/0", "an assertion has one subject: \"that\" or \"count\", not both");
  t = step(R"({"that": "${run.id}"})");
  one_error(t, "{\"that\"", "/steps/0/expect/assert/0", "an assertion needs one operator: eq, ne, lt, le, gt, ge, in or matches");
  t = step(R"({"that": "${run.id}", "eq": 1, "ne": 2})");
  one_error(t, "{\"that\"", "/steps/0/expect/assert/0", "an assertion has one operator, this one has \"eq\" and \"ne\"");
  t = step(R"({"that": "${run.id}", "eqq": 1})");
  auto r = load(t);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[1].format() == at(t, "\"eqq\"", "/steps/0/expect/assert/0/eqq", "unknown field \"eqq\" in an assertion (did you mean \"eq\"?)"));
  t = step(R"({"that": "${run.id}", "lt": "ten"})");
  one_error(t, "\"ten\"", "/steps/0/expect/assert/0/lt", "a numeric comparison needs an integer or a ${...} reference, got \"ten\"");
  t = step(R"({"that": "${run.id}", "in": []})");
  one_error(t, "[]", "/steps/0/expect/assert/0/in", "expected a non-empty list of values, got an empty list");
  t = step(R"({"count": "* OK*", "matches": "1*"})");
  one_error(t, "\"matches\"", "/steps/0/expect/assert/0/matches", "a count is a number: compare it with eq, ne, lt, le, gt, ge or in");
  t = step(R"({"that": "${cap.nope}", "eq": 1})");
  one_error(t, "\"${cap.nope}\"", "/steps/0/expect/assert/0/that",
            "\"${cap.nope}\": no matcher of this scenario binds \"nope\" (a regex with (?<nope>...) or a parsed pattern with $nope does)");
  t = step(R"({"that": "${run.id|sum}", "eq": 1})");
  one_error(t, "\"${run.id|sum}\"", "/steps/0/expect/assert/0/that",
            "unknown filter \"sum\" in \"${run.id|sum}\" (expected b64, imap_quote, count, min or max)");
  t = step(R"({"that": "x", "eq": true})");
  one_error(t, "true", "/steps/0/expect/assert/0/eq", "expected a string (${...} allowed) or an integer, got true");
}

TEST_CASE("additions: any_of misuse") {
  auto step = [](const std::string& e) { return imap("  {\"send\": \"${tag} NOOP\", \"expect\": " + e + "}"); };
  std::string t = step(R"({"any_of": [{"status": "OK"}]})");
  one_error(t, "[{", "/steps/0/expect/any_of", "\"any_of\" lists at least two alternatives, got 1");
  t = step(R"({"any_of": [{"status": "OK"}, {"any_of": []}]})");
  one_error(t, "\"any_of\": []", "/steps/0/expect/any_of/1/any_of", "alternatives do not nest: list every alternative in one \"any_of\"");
  t = step(R"({"any_of": [{"status": "OK"}, {"save_capabilities": true}]})");
  one_error(t, "\"save_capabilities\"", "/steps/0/expect/any_of/1/save_capabilities",
            "\"save_capabilities\" goes on the step's expect, not inside an alternative");
  t = step(R"({"label": "x", "status": "OK"})");
  one_error(t, "\"label\"", "/steps/0/expect/label", "\"label\" names an alternative of \"any_of\"; a step has \"id\"");
  t = step(R"({"warn": true, "status": "OK"})");
  one_error(t, "\"warn\"", "/steps/0/expect/warn",
            "\"warn\" marks an alternative of \"any_of\" that deviates from a SHOULD; put it on that alternative");
  t = step(R"({"any_of": [{"status": "OK"}, {"status": "NO", "warn": "yes"}]})");
  one_error(t, "\"yes\"", "/steps/0/expect/any_of/1/warn", "expected true or false, got \"yes\"");
  t = step(R"({"any_of": [{"status": "OK"}, {"code": 250}]})");
  one_error(t, "250", "/steps/0/expect/any_of/1/code", "expected a non-empty string, got 250");
  t = step(R"({"any_of": [{"status": "OK"}, {"contains": ["x"]}]})");
  one_error(t, "\"contains\"", "/steps/0/expect/any_of/1/contains",
            "\"contains\" is an SMTP expectation, not valid in an IMAP scenario (expected one of: status, code, untagged, "
            "extra_untagged, capabilities, assert, label, warn)");
  t = step(R"({"any_of": {"status": "OK"}})");
  one_error(t, "{\"status\"", "/steps/0/expect/any_of", "expected a list of alternative expect objects, got an object");
}

TEST_CASE("additions: several named connections, steps choose with conn") {
  const std::string text = R"({
 "format": 1, "id": "t/x", "protocol": "imap",
 "connections": {"a": {"port": 993, "tls": "implicit"}, "b": {"port": 143, "tls": "starttls"}},
 "steps": [
  {"conn": "b", "expect": {"untagged": ["* OK*"]}},
  {"send": "${tag} STARTTLS"},
  {"starttls": {}},
  {"conn": "a", "expect": {"untagged": ["* OK*"]}},
  {"conn": "b", "send": "${tag} LOGOUT"},
  {"expect_close": true},
  {"conn": "a", "send": "${tag} NOOP"}
 ]
}
)";
  auto r = load(text);
  for (const auto& e : r.errors) INFO(e.format());
  REQUIRE(r.errors.empty());
  const auto& s = r.scenarios.at(0);
  REQUIRE(s.connections.size() == 2);
  CHECK(s.port == 143);  // the first step's connection
  CHECK(s.tls == tls_mode::starttls);
  std::vector<std::string> conns;
  for (const auto& st : s.steps) conns.push_back(st.conn);
  CHECK(conns == std::vector<std::string>{"b", "b", "b", "a", "b", "b", "a"});
}

TEST_CASE("additions: connections misuse") {
  auto doc = [](const std::string& conns, const std::string& steps) {
    return "{\n \"format\": 1, \"id\": \"t/x\", \"protocol\": \"imap\",\n " + conns + ",\n \"steps\": [\n" + steps + "\n ]\n}\n";
  };
  const std::string two = R"("connections": {"a": {"port": 993, "tls": "implicit"}, "b": {"port": 993, "tls": "implicit"}})";
  std::string t = doc(R"("connection": {"port": 993}, "connections": {"a": {"port": 993}})", R"(  {"send": "x"})");
  one_error(t, "\"connections\"", "/connections", "give either \"connection\" (one) or \"connections\" (several, named), not both");
  t = doc(R"("connections": {"a b": {"port": 993}})", R"(  {"send": "x"})");
  one_error(t, "\"a b\"", "/connections/a b", "invalid connection name \"a b\" (1 to 32 letters, digits, _ and -)");
  t = doc(R"("connections": {"setup": {"port": 993}})", R"(  {"send": "x"})");
  one_error(t, "\"setup\"", "/connections/setup", "\"setup\" names mailspec's own fixtures connection in reports: choose another name");
  t = doc(R"("connections": {})", R"(  {"send": "x"})");
  one_error(t, "{}", "/connections", "expected 1 to 8 named connections, got 0");
  t = doc(two, R"(  {"send": "${tag} NOOP"})");
  one_error(t, "{\"send\"", "/steps/0",
            "missing \"conn\": this scenario has several connections (a, b); the first step names one, a later step "
            "without \"conn\" continues on the previous step's");
  t = doc(two, R"(  {"conn": "c", "send": "${tag} NOOP"})");
  one_error(t, "\"c\"", "/steps/0/conn", "unknown connection \"c\" (did you mean \"a\"?); \"connections\" has a, b");
  t = imap(R"(  {"conn": "a", "send": "${tag} NOOP"})");
  one_error(t, "\"conn\"", "/steps/0/conn", "\"conn\" names one of \"connections\"; this scenario has one \"connection\"");
  t = doc(two, R"(  {"conn": "a", "expect_close": true},
  {"conn": "b", "send": "${tag} NOOP"},
  {"conn": "a", "send": "${tag} NOOP"})");
  one_error(t, "{\"conn\": \"a\", \"send\"", "/steps/2",
            "connection \"a\" was closed by the expect_close step at /steps/0: a later step cannot use it");
  t = doc(two, R"(  {"conn": "a", "starttls": {}})");
  one_error(t, "\"starttls\"", "/steps/0/starttls",
            "a \"starttls\" step needs its connection to have \"tls\": \"starttls\", this one has \"implicit\"");
}

TEST_CASE("additions: fixtures load their message files, CRLF line ends") {
  const std::string text = imap(R"(  {"send": "${tag} SELECT ${scratch.mailbox|imap_quote}"})",
                                R"( "mutates": true,
 "vars": {"user": {"env": "U"}, "pass": {"env": "P", "secret": true}},
 "fixtures": {"user": "${var.user}", "pass": "${var.pass}",
   "messages": ["../fixtures/plain.eml", {"file": "../fixtures/utf8-headers.eml", "flags": ["\\Seen", "$Forwarded"]}]},
)");
  auto r = load(text);
  for (const auto& e : r.errors) INFO(e.format());
  REQUIRE(r.errors.empty());
  const auto& f = *r.scenarios.at(0).fixtures;
  REQUIRE(f.messages.size() == 2);
  CHECK(f.messages[0].content.rfind("From: Alice Example <alice@example.invalid>\r\n", 0) == 0);
  CHECK(f.messages[0].content.find("\r\n\r\nHello Bob,\r\n") != std::string::npos);
  CHECK(f.messages[0].content.find('\n', 0) == f.messages[0].content.find("\r\n") + 1);
  CHECK(f.messages[1].flags == std::vector<std::string>{"\\Seen", "$Forwarded"});
  CHECK(credential_vars(r.scenarios[0]).count("pass") == 1);
}

TEST_CASE("additions: fixtures misuse") {
  const std::string vars = R"( "vars": {"user": {"env": "U"}, "pass": {"env": "P", "secret": true}},
)";
  std::string t = imap(R"(  {"send": "${tag} NOOP"})", vars + R"( "fixtures": {"user": "${var.user}", "pass": "${var.pass}"},
)");
  one_error(t, "\"fixtures\"", "/fixtures",
            "fixtures create a scratch mailbox in the account: the scenario needs \"mutates\": true (it then runs only "
            "with --allow-mutation)");
  t = imap(R"(  {"send": "${tag} NOOP"})", " \"mutates\": true,\n" + vars + R"( "fixtures": {"user": "${var.user}", "pass": "${var.pass}", "messages": ["../fixtures/none.eml"]},
)");
  one_error(t, "\"../fixtures/none.eml\"", "/fixtures/messages/0",
            "message file " + std::string(MAILSPEC_SOURCE_DIR) + "/scenarios/imap/../fixtures/none.eml not found (a path "
            "relative to the scenario file, e.g. \"../fixtures/plain.eml\")");
  t = imap(R"(  {"send": "${tag} NOOP"})", " \"mutates\": true,\n" + vars + R"( "fixtures": {"user": "${var.user}", "pass": "${var.pass}", "from": "a@b"},
)");
  one_error(t, "\"from\"", "/fixtures/from", "\"from\" is an SMTP envelope; IMAP fixtures are appended");
  t = imap(R"(  {"send": "${tag} NOOP"})", " \"mutates\": true,\n" + vars + R"( "fixtures": {"user": "${var.user}"},
)");
  one_error(t, "{\"user\": \"${var", "/fixtures/pass", "missing required field \"pass\"");
  t = imap(R"(  {"send": "${tag} NOOP"})", " \"mutates\": true,\n" + vars + R"( "fixtures": {"user": "${var.user}", "pass": "${var.pass}", "messages": [{"file": "../fixtures/plain.eml", "flags": ["(x"]}]},
)");
  one_error(t, "\"(x\"", "/fixtures/messages/0/flags/0", "expected a flag like \"\\\\Seen\" or a keyword atom, got \"(x\"");
  t = imap(R"(  {"send": "${tag} SELECT ${scratch.mailbox}"})");
  one_error(t, "\"${tag} SELECT", "/steps/0/send",
            "\"${scratch.mailbox}\" is the scratch mailbox of an IMAP scenario with \"fixtures\"; this one has none");
  t = "{\n \"format\": 1, \"id\": \"t/x\", \"protocol\": \"pop3\", \"connection\": {\"port\": 110},\n \"fixtures\": {},\n"
      " \"steps\": [{\"send\": \"STAT\"}]\n}\n";
  one_error(t, "\"fixtures\"", "/fixtures",
            "POP3 cannot add messages: give a POP3 scenario its messages with an SMTP or IMAP scenario, or on the server");
  t = "{\n \"format\": 1, \"id\": \"t/x\", \"protocol\": \"smtp\", \"connection\": {\"port\": 25}, \"mutates\": true,\n"
      " \"fixtures\": {\"from\": \"a@b\", \"messages\": [{\"file\": \"../fixtures/plain.eml\", \"flags\": [\"\\\\Seen\"]}]},\n"
      " \"steps\": [{\"send\": \"NOOP\"}]\n}\n";
  auto r = load(t);
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.format());
  CHECK(got == std::vector<std::string>{at(t, "{\"from\"", "/fixtures/to", "missing required field \"to\""),
                                        at(t, "\"flags\"", "/fixtures/messages/0/flags",
                                           "\"flags\" are IMAP APPEND flags; an SMTP fixture is sent as it is")});
}

TEST_CASE("additions: a fixture that is not an RFC 5322 message is a load error naming the line") {
  auto dir = std::filesystem::temp_directory_path() / "mailspec-unit-fixtures";
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return (dir / name).string();
  };
  struct bad_case {
    std::string content, why;
  };
  const std::vector<bad_case> cases = {
      {"", "the file is empty"},
      {"Hello world\n\nbody\n", "line 1: not a header field (\"Name: value\") before the empty line that starts the body"},
      {"\nbody\n", "line 1: an empty line before any header field"},
      {"Subject: a\rb\n\nx\n", "line 1: a CR that does not end the line"},
      {std::string("Subject: a\0b\n\nx\n", 16), "line 1: a NUL byte"},
      {"Subject: x\n\n" + std::string(999, 'a') + "\n", "line 3: longer than 998 characters (RFC 5322 §2.1.1)"},
  };
  int n = 0;
  for (const auto& c : cases) {
    std::string path = write(("bad" + std::to_string(n++) + ".eml").c_str(), c.content);
    std::string t = imap(R"(  {"send": "${tag} NOOP"})", " \"mutates\": true,\n \"fixtures\": {\"user\": \"u\", \"pass\": \"p\", \"messages\": [\"" +
                                                              path + "\"]},\n");
    one_error(t, "\"" + path, "/fixtures/messages/0", "message file " + path + " is not an RFC 5322 message: " + c.why);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("data safety: a scenario without mutates may not expunge, move or delete (IMAP)") {
  struct refused {
    std::string send, why;
  };
  const std::vector<refused> cases = {
      {"${tag} EXPUNGE", "EXPUNGE removes messages for good: a scenario without \"mutates\" never expunges"},
      {"${tag} uid expunge 1:3", "UID EXPUNGE removes messages for good: a scenario without \"mutates\" never expunges"},
      {"${tag} CLOSE",
       "CLOSE expunges the selected mailbox's \\Deleted messages (the user's own included): use UNSELECT or LOGOUT in a "
       "scenario without \"mutates\""},
      {"${tag} UID MOVE 1 Trash", "UID MOVE moves the user's data: a scenario without \"mutates\" never moves messages or mailboxes"},
      {"${tag} RENAME INBOX Old", "RENAME moves the user's data: a scenario without \"mutates\" never moves messages or mailboxes"},
      {"${tag} DELETE Archive", "DELETE removes a mailbox and its messages: a scenario without \"mutates\" never deletes"},
      {"${tag} STORE 1 +FLAGS.SILENT (\\\\Deleted)", "STORE with \\Deleted marks messages for expunge: a scenario without \"mutates\" never does"},
      {"${tag} UID STORE 1 FLAGS (\\\\Seen \\\\Deleted)",
       "UID STORE with \\Deleted marks messages for expunge: a scenario without \"mutates\" never does"},
  };
  for (const auto& c : cases) {
    std::string t = imap("  {\"send\": \"" + c.send + "\"}");
    std::string needle = c.send.substr(0, 6);
    needle.insert(needle.begin(), '"');
    one_error(t, needle, "/steps/0/send", c.why + " (set \"mutates\": true to run it only with --allow-mutation)");
  }
  std::string t = imap(R"(  {"send_raw": "${tag} NOOP\r\nA2 EXPUNGE\r\n"})");
  one_error(t, "\"${tag} NOOP", "/steps/0/send_raw",
            "EXPUNGE removes messages for good: a scenario without \"mutates\" never expunges (set \"mutates\": true to run "
            "it only with --allow-mutation)");
  // Removing \Deleted, a literal that mentions EXPUNGE, UNSELECT: allowed; and everything with mutates.
  for (const char* ok : {R"j({"send": "${tag} STORE 1 -FLAGS (\\Deleted)"})j", R"({"send": "${tag} UNSELECT"})",
                         R"({"send_raw": "${tag} APPEND x {12}\r\nA1 EXPUNGE\r\n\r\n"})"}) {
    auto r = load(imap(std::string("  ") + ok));
    for (const auto& e : r.errors) INFO(e.format());
    CHECK(r.errors.empty());
  }
  auto r = load(imap(R"(  {"send": "${tag} EXPUNGE"}, {"send": "${tag} CLOSE"})", " \"mutates\": true,\n"));
  CHECK(r.errors.empty());
}

TEST_CASE("data safety: POP3 DELE only in a send step, undone by RSET on its connection before QUIT") {
  auto pop3 = [](const std::string& steps, const std::string& conn = R"("connection": {"port": 995, "tls": "implicit"})") {
    return "{\n \"format\": 1, \"id\": \"t/x\", \"protocol\": \"pop3\",\n " + conn + ",\n \"steps\": [\n" + steps + "\n ]\n}\n";
  };
  const std::string why = "a scenario without \"mutates\" deletes nothing: DELE must be undone by an RSET step on the "
                          "same connection before ";
  const std::string hint = " (set \"mutates\": true to run it only with --allow-mutation)";
  std::string t = pop3(R"(  {"send": "DELE 1"}, {"send": "QUIT"})");
  one_error(t, "\"DELE 1\"", "/steps/0/send", why + "QUIT" + hint);
  t = pop3(R"(  {"send": "DELE 1"}, {"send": "NOOP"})");
  one_error(t, "\"DELE 1\"", "/steps/0/send", why + "the scenario ends" + hint);
  t = pop3(R"(  {"send_raw": "DELE 1\r\nRSET\r\n"})");
  one_error(t, "\"DELE 1", "/steps/0/send_raw", "DELE in send_raw cannot be checked before QUIT: use a send step" + hint);
  t = pop3(R"(  {"conn": "a", "send": "DELE 1"}, {"conn": "b", "send": "RSET"}, {"conn": "a", "send": "QUIT"})",
           R"("connections": {"a": {"port": 995, "tls": "implicit"}, "b": {"port": 995, "tls": "implicit"}})");
  one_error(t, "\"DELE 1\"", "/steps/0/send", why + "QUIT" + hint);
  auto r = load(pop3(R"(  {"send": "DELE 1"}, {"send": "RSET"}, {"send": "QUIT"})"));
  CHECK(r.errors.empty());
}
