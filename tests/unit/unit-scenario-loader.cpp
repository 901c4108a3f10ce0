#include <catch2/catch.hpp>

#include "scenario/loader.hpp"
#include "unit-scenario-common.hpp"

using namespace mailspec::scenario;
using scenario_test::no_env;

namespace {

// A document whose single step is STEP at line 7, column 5 (protocol and connection adjustable).
std::string doc_with_step(const std::string& step, const std::string& protocol = "smtp",
                          const std::string& connection = R"({ "port": 25 })") {
  return "{\n"
         "  \"format\": 1,\n"
         "  \"id\": \"t/x\",\n"
         "  \"protocol\": \"" + protocol + "\",\n"
         "  \"connection\": " + connection + ",\n"
         "  \"steps\": [\n"
         "    " + step + "\n"
         "  ]\n"
         "}\n";
}

std::vector<std::string> errors_of(const std::string& text, const load_options& opt = no_env()) {
  std::vector<std::string> out;
  for (const auto& e : load_text("t.json", text, opt).errors) out.push_back(e.format());
  return out;
}

// The expected message for an error inside the step, at the column where NEEDLE starts.
std::string at_step(const std::string& step, const std::string& needle, const std::string& ptr, const std::string& msg) {
  auto at = step.find(needle);
  REQUIRE(at != std::string::npos);
  return "t.json:7:" + std::to_string(5 + at) + " (" + ptr + "): " + msg;
}

void check_step_error(const std::string& step, const std::string& needle, const std::string& ptr,
                      const std::string& msg, const std::string& protocol = "smtp",
                      const std::string& connection = R"({ "port": 25 })") {
  INFO(step);
  auto errors = errors_of(doc_with_step(step, protocol, connection));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == at_step(step, needle, ptr, msg));
}

}  // namespace

TEST_CASE("the scenario-format example loads") {
  load_options opt;
  opt.getenv = [](const std::string& n) -> std::optional<std::string> { return "value-of-" + n; };
  auto r = load_paths({MAILSPEC_TEST_DATA "/scenario/valid/design-example.json"}, opt);
  for (const auto& e : r.errors) INFO(e.format());
  REQUIRE(r.errors.empty());
  REQUIRE(r.scenarios.size() == 1);
  const scenario& s = r.scenarios[0];
  CHECK(s.id == "imap/starttls-login");
  CHECK(s.protocol == protocol_kind::imap);
  CHECK(s.port == 143);
  CHECK(s.tls == tls_mode::starttls);
  CHECK(s.required_capabilities == std::vector<std::string>{"STARTTLS"});
  CHECK(s.refs.size() == 2);
  CHECK_FALSE(s.mutates);
  CHECK(s.time.tls_ms == 10000);
  REQUIRE(s.vars.count("pass") == 1);
  CHECK(s.vars.at("pass").secret);
  CHECK(s.vars.at("pass").env == std::optional<std::string>("MAILSPEC_PASSWORD"));
  REQUIRE(s.steps.size() == 8);
  CHECK(std::holds_alternative<expect_only_action>(s.steps[0].act));
  REQUIRE(s.steps[0].expect);
  CHECK(s.steps[0].expect->imap->untagged.size() == 1);
  CHECK(s.steps[1].expect->save_capabilities);
  CHECK(s.steps[1].expect->imap->status == std::vector<std::string>{"OK"});
  const auto& tls = std::get<starttls_action>(s.steps[3].act);
  CHECK(tls.verify == verify_mode::hostname);
  CHECK(tls.min_version == "TLSv1.2");
  CHECK(std::get<send_action>(s.steps[5].act).line.text == "${tag} LOGIN ${var.user|imap_quote} ${var.pass|imap_quote}");
  CHECK(std::get<expect_close_action>(s.steps[7].act).timeout_ms == 5000);
  CHECK(s.steps[7].id == "end");
  CHECK(s.steps[4].pos.line == 20);
  CHECK(s.steps[4].pos.pointer == "/steps/4");

  auto vars = resolve_vars(s, opt);
  CHECK(vars.values.at("pass") == "value-of-MAILSPEC_PASSWORD");
  CHECK(vars.secret.at("pass"));
  CHECK_FALSE(vars.secret.at("user"));
}

TEST_CASE("broken5: exactly five errors, one per file, with file:line:col and pointer") {
  auto r = load_paths({MAILSPEC_TEST_DATA "/scenario/broken5"}, no_env());
  CHECK(r.scenarios.empty());
  CHECK(r.files.size() == 5);
  REQUIRE(r.errors.size() == 5);
  const std::string dir = MAILSPEC_TEST_DATA "/scenario/broken5/";
  CHECK(r.errors[0].format() == dir + "1-unknown-field.json:4:3 (/titel): unknown field \"titel\" (did you mean \"title\"?)");
  CHECK(r.errors[1].format() == dir + "2-smtp-code.json:11:57 (/steps/3/expect/code): expected an integer, a list of integers or a class like \"2xx\", got \"OK\"");
  CHECK(r.errors[2].format() == dir + "3-port.json:6:27 (/connection/port): expected a port number from 1 to 65535 or a service name (smtp, submission, submissions, imap, imaps, pop3, pop3s), got 70000");
  CHECK(r.errors[3].format().rfind(dir + "4-regex.json:8:62 (/steps/0/expect/untagged/0/regex): invalid regex: ", 0) == 0);
  CHECK(r.errors[4].format() == dir + "5-secret-value.json:8:24 (/vars/pass/value): a secret variable comes only from the environment: remove \"value\" and use \"env\"");
  for (const auto& e : r.errors) {
    CHECK(e.line > 0);
    CHECK(e.column > 0);
    CHECK_FALSE(e.pointer.empty());
  }
}

TEST_CASE("every error in a file is reported, in document order") {
  auto r = load_paths({MAILSPEC_TEST_DATA "/scenario/multi/many-errors.json"}, no_env());
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.format().substr(e.format().find("many-errors.json:") + 17));
  std::vector<std::string> want = {
      "1:1 (/connection): missing required field \"connection\"",
      "2:13 (/format): expected 1 (the only scenario format this version reads), got 2",
      "5:3 (/conection): unknown field \"conection\" (did you mean \"connection\"?)",
      "6:30 (/vars/pass/env): variable \"pass\": environment variable P is not set",
      "6:60 (/vars/pass/value): a secret variable comes only from the environment: remove \"value\" and use \"env\"",
      "6:72 (/vars/n): variable \"n\" needs \"env\" (an environment variable) or \"value\"",
      "9:15 (/steps/1/send): unknown variable \"nope\" in \"${var.nope}\" (declare it under \"vars\")",
      "10:15 (/steps/2/send): unknown filter \"rot13\" in \"${var.pass|rot13}\" (expected b64, imap_quote, count, min or max)",
      "10:38 (/steps/2/send_raw): a step has exactly one action, this one has \"send\" and \"send_raw\"",
  };
  CHECK(got == want);
  CHECK(r.scenarios.empty());
}

TEST_CASE("top-level errors: format, required fields, protocol, port, tls") {
  CHECK(errors_of("{\"format\": 1}") == std::vector<std::string>{
      "t.json:1:1 (/id): missing required field \"id\"",
      "t.json:1:1 (/protocol): missing required field \"protocol\"",
      "t.json:1:1 (/connection): missing required field \"connection\"",
      "t.json:1:1 (/steps): missing required field \"steps\""});
  auto bad = doc_with_step(R"({ "expect": { "status": "+OK" } })", "nntp", R"({ "port": 0, "tls": "ssl" })");
  CHECK(errors_of(bad) == std::vector<std::string>{
      "t.json:4:15 (/protocol): expected \"smtp\", \"imap\", or \"pop3\", got \"nntp\"",
      "t.json:5:27 (/connection/port): expected a port number from 1 to 65535 or a service name (smtp, submission, "
      "submissions, imap, imaps, pop3, pop3s), got 0",
      "t.json:5:37 (/connection/tls): expected \"none\", \"implicit\", or \"starttls\", got \"ssl\""});
  CHECK(errors_of(doc_with_step(R"({ "expect": {} })", "smtp", "{ \"tls\": \"none\" }")) ==
        std::vector<std::string>{"t.json:5:17 (/connection/port): missing required field \"port\""});
  auto ok = load_text("t.json", doc_with_step(R"({ "expect": {} })", "smtp", R"({ "port": "submissions" })"), no_env());
  REQUIRE(ok.scenarios.size() == 1);
  CHECK(ok.scenarios[0].port == 465);
  CHECK(errors_of(doc_with_step(R"({ "expect": {} })", "smtp", R"({ "port": "imapx" })")).size() == 1);
}

TEST_CASE("step errors point at the offending value") {
  check_step_error(R"({ "send": "A", "auth": { "mechanism": "PLAIN", "user": "u", "pass": "p" } })", "\"auth\"",
                   "/steps/0/auth", "a step has exactly one action, this one has \"send\" and \"auth\"");
  check_step_error(R"({ "id": "x" })", "{", "/steps/0",
                   "a step needs one action (send, send_raw, starttls, auth, message, bdat, sleep_ms, expect_close) or an \"expect\"");
  check_step_error(R"({ "auth": { "mechanism": "scram-sha256", "user": "u", "pass": "p" } })", "\"scram-sha256\"",
                   "/steps/0/auth/mechanism",
                   "auth mechanism \"SCRAM-SHA256\" is not supported (did you mean \"SCRAM-SHA-256\"?); supported: "
                   "PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256, XOAUTH2, OAUTHBEARER, EXTERNAL");
  check_step_error(R"({ "auth": { "mechanism": "GSSAPI", "user": "u", "pass": "p" } })", "\"GSSAPI\"",
                   "/steps/0/auth/mechanism",
                   "auth mechanism \"GSSAPI\" is not supported; supported: "
                   "PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256, XOAUTH2, OAUTHBEARER, EXTERNAL");
  check_step_error(R"({ "auth": { "mechanism": "LOGIN", "user": "u" } })", "{ \"mechanism\"", "/steps/0/auth/pass",
                   "missing required field \"pass\"");
  check_step_error(R"({ "sleep_ms": 600001 })", "600001", "/steps/0/sleep_ms",
                   "expected an integer from 0 to 600000, got 600001");
  check_step_error(R"({ "expect_close": false })", "false", "/steps/0/expect_close",
                   "expected true or an object like {\"timeout_ms\": 5000}, got false");
  check_step_error(R"({ "send": "EHLO ${var.nope}" })", "\"EHLO", "/steps/0/send",
                   "unknown variable \"nope\" in \"${var.nope}\" (declare it under \"vars\")");
  check_step_error(R"({ "send": "A\r\nB" })", "\"A", "/steps/0/send",
                   "\"send\" is one command line (CRLF is appended): use \"send_raw\" for CR or LF bytes");
  check_step_error(R"({ "starttls": {} })", "\"starttls\"", "/steps/0/starttls",
                   "a \"starttls\" step needs \"connection\": {\"tls\": \"starttls\"}, this scenario has \"none\"");
  check_step_error(R"({ "starttls": { "verify": "strict" } })", "\"strict\"", "/steps/0/starttls/verify",
                   "expected \"none\", \"chain\", or \"hostname\", got \"strict\"", "smtp",
                   R"({ "port": 25, "tls": "starttls" })");
  check_step_error(R"({ "message": { "lines": ["a"] } })", "\"message\"", "/steps/0/message",
                   "\"message\" (an SMTP DATA body) is only for SMTP scenarios", "pop3", R"({ "port": 110 })");
  check_step_error(R"({ "expect": { "cod": 250 } })", "\"cod\"", "/steps/0/expect/cod",
                   "unknown field \"cod\" in expect (did you mean \"code\"?)");
  check_step_error(R"({ "send": "x", "timeout_ms": "5s" })", "\"5s\"", "/steps/0/timeout_ms",
                   "expected an integer from 1 to 600000, got \"5s\"");
  check_step_error(R"({ "sned": "x", "expect": {} })", "\"sned\"", "/steps/0/sned",
                   "unknown field \"sned\" in a step (did you mean \"send\"?)");
}

TEST_CASE("expect fields are checked against the scenario's protocol") {
  check_step_error(R"({ "expect": { "code": "OK" } })", "\"OK\"", "/steps/0/expect/code",
                   "expected an integer, a list of integers or a class like \"2xx\", got \"OK\"");
  check_step_error(R"({ "expect": { "code": [250, "2xx", "9xx"] } })", "\"9xx\"", "/steps/0/expect/code/2",
                   "expected an integer, a list of integers or a class like \"2xx\", got \"9xx\"");
  check_step_error(R"({ "expect": { "status": "OK" } })", "\"status\"", "/steps/0/expect/status",
                   "\"status\" is an IMAP expectation, not valid in an SMTP scenario (expected one of: code, enhanced, "
                   "lines, contains, save_capabilities, capabilities, assert, any_of)");
  check_step_error(R"({ "expect": { "code": 250 } })", "250", "/steps/0/expect/code",
                   "expected a non-empty string, got 250", "imap", R"({ "port": 143 })");
  check_step_error(R"({ "expect": { "status": "+OK" } })", "\"+OK\"", "/steps/0/expect/status",
                   "expected \"OK\", \"NO\", or \"BAD\", got \"+OK\"", "imap", R"({ "port": 143 })");
  check_step_error(R"({ "expect": { "extra_untagged": "warn" } })", "\"warn\"", "/steps/0/expect/extra_untagged",
                   "expected \"ignore\" or \"fail\", got \"warn\"", "imap", R"({ "port": 143 })");
  check_step_error(R"({ "expect": { "status": "OK" } })", "\"OK\"", "/steps/0/expect/status",
                   "expected \"+OK\" or \"-ERR\", got \"OK\"", "pop3", R"({ "port": 110 })");
  check_step_error(R"({ "expect": { "multiline": "yes" } })", "\"yes\"", "/steps/0/expect/multiline",
                   "expected true or false, got \"yes\"", "pop3", R"({ "port": 110 })");
  check_step_error(R"({ "expect": { "lines": [{ "regex": "(" }] } })", "\"(\"", "/steps/0/expect/lines/0/regex",
                   "invalid regex: Unmatched marking parenthesis ( or \\(.  The error occurred while parsing the "
                   "regular expression: '(>>>HERE>>>'.");
  check_step_error(R"({ "expect": { "lines": [{ "any": false }] } })", "false", "/steps/0/expect/lines/0/any",
                   "expected true, got false");
  check_step_error(R"({ "expect": { "contains": [{ "exact": "a", "regex": "b" }] } })", "{ \"exact\"",
                   "/steps/0/expect/contains/0", "a matcher has exactly one of \"exact\", \"regex\", \"any\"");
  check_step_error(R"({ "expect": { "contains": [{ "glob": "a" }] } })", "\"glob\"",
                   "/steps/0/expect/contains/0/glob", "unknown field \"glob\" in a matcher (expected one of: \"exact\", \"regex\", or \"any\")");
}

TEST_CASE("an SMTP expectation with every matcher kind loads") {
  auto r = load_text("t.json", doc_with_step(R"j({ "send": "EHLO x", "expect": { "code": [250, "2XX"], "enhanced": "2.0.0", "lines": ["250-*", {"exact": "250 OK"}, {"regex": "250 (?<kw>\\w+)"}, {"any": true}], "contains": ["*STARTTLS*"] } })j"), no_env());
  REQUIRE(r.errors.empty());
  const auto& e = *r.scenarios.at(0).steps.at(0).expect->smtp;
  CHECK(e.codes == std::vector<int>{250});
  CHECK(e.classes == std::vector<int>{2});
  CHECK(e.lines.size() == 4);
  CHECK(e.lines[2].type() == matcher::kind::regex);
  CHECK(e.enhanced->matches("2.0.0"));
}

TEST_CASE("send_raw keeps exact bytes, message lines") {
  auto r = load_text("t.json", doc_with_step(R"({ "send_raw": "A\r\nB\n" })"), no_env());
  REQUIRE(r.errors.empty());
  CHECK(std::get<send_raw_action>(r.scenarios[0].steps[0].act).bytes.text == "A\r\nB\n");
  r = load_text("t.json", doc_with_step(R"({ "message": { "lines": ["Subject: x", "", ".dot"] } })"), no_env());
  REQUIRE(r.errors.empty());
  CHECK(std::get<message_action>(r.scenarios[0].steps[0].act).lines.size() == 3);
}

TEST_CASE("duplicate step ids and duplicate keys") {
  std::string two = "{ \"id\": \"a\", \"expect\": {} },\n    { \"id\": \"a\", \"expect\": {} }";
  CHECK(errors_of(doc_with_step(two)) ==
        std::vector<std::string>{"t.json:8:13 (/steps/1/id): duplicate step id \"a\" (first used at /steps/0)"});
  CHECK(errors_of(doc_with_step(R"({ "send": "a", "send": "b" })")) ==
        std::vector<std::string>{"t.json:7:20 (/steps/0/send): field given twice (JSON would silently keep the last one)"});
}

TEST_CASE("template syntax errors and filters are load errors at the string") {
  check_step_error(R"({ "send": "A ${tag" })", "\"A", "/steps/0/send",
                   "unterminated \"${\" at offset 2 (write \"$${\" for a literal \"${\")");
  check_step_error(R"({ "send_raw": "${run.id|zip}\r\n" })", "\"${run", "/steps/0/send_raw",
                   "unknown filter \"zip\" in \"${run.id|zip}\" (expected b64, imap_quote, count, min or max)");
  check_step_error(R"({ "message": { "lines": ["ok", "${target.port}"] } })", "\"${target", "/steps/0/message/lines/1",
                   "unknown reference \"target.port\" in \"${target.port}\" (expected var.NAME, cap.NAME, tag, "
                   "target.host, target.helo, run.id or scratch.mailbox)");
  check_step_error(R"({ "message": { "lines": ["a\nb"] } })", "\"a\\n", "/steps/0/message/lines/0",
                   "a message line cannot contain CR or LF (one line per list item)");
  check_step_error(R"({ "auth": { "mechanism": "PLAIN", "user": "${var.u}", "pass": "p" } })", "\"${var.u}\"",
                   "/steps/0/auth/user", "unknown variable \"u\" in \"${var.u}\" (declare it under \"vars\")");
  auto r = load_text("t.json", doc_with_step(R"({ "send": "NOOP $${tag} $$" })"), no_env());
  CHECK(r.errors.empty());
}

TEST_CASE("requires, refs, timeouts, $schema and step defaults") {
  std::string doc = "{\"$schema\": \"../schema/scenario-v1.json\", \"format\": 1, \"id\": \"r\", \"protocol\": \"imap\","
                    " \"connection\": {\"port\": 143}, \"requires\": {\"capabilities\": [\"idle\", \"Move\"]},"
                    " \"mutates\": true, \"timeouts\": {\"step_ms\": 250},"
                    " \"steps\": [{\"send\": \"${tag} NOOP\", \"timeout_ms\": 100}, {\"expect\": {\"status\": [\"ok\", \"no\"], \"code\": \"trycreate\", \"extra_untagged\": \"fail\"}}]}";
  auto r = load_text("r.json", doc, no_env());
  REQUIRE(r.errors.empty());
  const auto& s = r.scenarios.at(0);
  CHECK(s.required_capabilities == std::vector<std::string>{"IDLE", "MOVE"});
  CHECK(s.mutates);
  CHECK(s.tls == tls_mode::none);
  CHECK(s.time.step_ms == 250);
  CHECK(s.time.connect_ms == 5000);
  CHECK(s.steps[0].id == "step-0");
  CHECK(s.steps[0].timeout_ms == std::optional<std::int64_t>(100));
  CHECK_FALSE(s.steps[0].expect);
  const auto& e = *s.steps[1].expect->imap;
  CHECK(e.status == std::vector<std::string>{"OK", "NO"});
  CHECK(e.code == std::optional<std::string>("TRYCREATE"));
  CHECK(e.extra_untagged_fail);
  CHECK(s.file == "r.json");
}

namespace {

// A document with a secret "token" variable and one auth step (at line 8, column 5).
std::string doc_with_auth(const std::string& auth) {
  return "{\n"
         "  \"format\": 1,\n"
         "  \"id\": \"t/oauth\",\n"
         "  \"protocol\": \"imap\",\n"
         "  \"connection\": { \"port\": 993, \"tls\": \"implicit\" },\n"
         "  \"vars\": { \"token\": { \"env\": \"T_TOKEN\", \"secret\": true }, \"plain\": { \"value\": \"x\" } },\n"
         "  \"steps\": [\n"
         "    { \"auth\": " + auth + " }\n"
         "  ]\n"
         "}\n";
}

std::vector<std::string> auth_errors(const std::string& auth) {
  load_options o;
  o.check_environment = false;
  std::vector<std::string> out;
  for (const auto& e : load_text("t.json", doc_with_auth(auth), o).errors) out.push_back(e.pointer + ": " + e.message);
  return out;
}

}  // namespace

TEST_CASE("auth mechanisms take the inputs they need, and only those") {
  using v = std::vector<std::string>;
  CHECK(auth_errors(R"({ "mechanism": "xoauth2", "user": "u", "token": "${var.token}" })").empty());
  CHECK(auth_errors(R"({ "mechanism": "OAUTHBEARER", "user": "u", "token": "Bearer-${var.token|b64}" })").empty());
  CHECK(auth_errors(R"({ "mechanism": "EXTERNAL" })").empty());
  CHECK(auth_errors(R"({ "mechanism": "EXTERNAL", "authzid": "admin" })").empty());
  CHECK(auth_errors(R"({ "mechanism": "SCRAM-SHA-1", "user": "u", "pass": "p", "authzid": "a" })").empty());
  CHECK(auth_errors(R"({ "mechanism": "CRAM-MD5", "user": "u", "pass": "p" })").empty());
  CHECK(auth_errors(R"({ "mechanism": "XOAUTH2", "user": "u" })") == v{"/steps/0/auth/token: missing required field \"token\""});
  CHECK(auth_errors(R"({ "mechanism": "XOAUTH2", "user": "u", "token": "${var.token}", "pass": "p" })") ==
        v{"/steps/0/auth/pass: mechanism XOAUTH2 takes no \"pass\" (it takes \"user\" and \"token\")"});
  CHECK(auth_errors(R"({ "mechanism": "SCRAM-SHA-256", "user": "u", "token": "${var.token}" })") ==
        v{"/steps/0/auth/pass: missing required field \"pass\"",
          "/steps/0/auth/token: mechanism SCRAM-SHA-256 takes no \"token\" (it takes \"user\" and \"pass\", optionally "
          "\"authzid\")"});
  CHECK(auth_errors(R"({ "mechanism": "CRAM-MD5", "user": "u", "token": "${var.token}", "pass": "p" })") ==
        v{"/steps/0/auth/token: mechanism CRAM-MD5 takes no \"token\" (it takes \"user\" and \"pass\")"});
  CHECK(auth_errors(R"({ "mechanism": "EXTERNAL", "user": "u" })") ==
        v{"/steps/0/auth/user: mechanism EXTERNAL takes no \"user\" (it uses the TLS client certificate given with "
          "--client-cert, optionally \"authzid\")"});
  CHECK(auth_errors(R"({ "mechanism": "CRAM-MD5", "user": "u", "pass": "p", "authzid": "a" })") ==
        v{"/steps/0/auth/authzid: mechanism CRAM-MD5 has no authorization identity (\"authzid\")"});
  CHECK(auth_errors(R"({ "mechanism": "EXTERNAL", "tokn": "x" })") ==
        v{"/steps/0/auth/tokn: unknown field \"tokn\" in auth (did you mean \"token\"?)"});
}

TEST_CASE("an OAuth token must come from a secret variable") {
  const std::string want =
      "/steps/0/auth/token: an OAuth token is a secret: use a secret variable, e.g. \"${var.token}\" with \"token\": "
      "{\"env\": \"MAILSPEC_OAUTH_TOKEN\", \"secret\": true} under \"vars\"";
  CHECK(auth_errors(R"({ "mechanism": "XOAUTH2", "user": "u", "token": "ya29.inline" })") == std::vector<std::string>{want});
  CHECK(auth_errors(R"({ "mechanism": "XOAUTH2", "user": "u", "token": "${var.plain}" })") == std::vector<std::string>{want});
  auto r = load_text("t.json", doc_with_auth(R"({ "mechanism": "XOAUTH2", "user": "u", "token": "${var.token}" })"),
                     [] {
                       load_options o;
                       o.check_environment = false;
                       return o;
                     }());
  REQUIRE(r.scenarios.size() == 1);
  const auto& a = std::get<auth_action>(r.scenarios[0].steps[0].act);
  CHECK(a.mechanism == "XOAUTH2");
  REQUIRE(a.token);
  CHECK(a.token->text == "${var.token}");
}

TEST_CASE("regression: a ${cap.NAME} that no regex of the scenario defines is a load error") {
  // It loaded, and the step failed only at run time ("cannot expand"), after connecting.
  check_step_error(R"({ "send": "VRFY ${cap.user}" })", "\"VRFY", "/steps/0/send",
                   "\"${cap.user}\": no matcher of this scenario binds \"user\" "
                   "(a regex with (?<user>...) or a parsed pattern with $user does)");
  std::string two = doc_with_step(
      R"({ "expect": { "code": 220, "lines": [{ "regex": "220 (?<host>\\S+) .*" }] } }, { "send": "EHLO ${cap.host|b64} $${cap.none}" })");
  CHECK(errors_of(two).empty());
}

TEST_CASE("regression: a scenario id with spaces is a load error (ids are --only prefixes and baseline keys)") {
  std::string doc = doc_with_step(R"({ "expect": { "code": 220 } })");
  doc.replace(doc.find("\"t/x\""), 5, "\"t x\"");
  auto errors = errors_of(doc);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("(/id): expected a path-shaped id without spaces") != std::string::npos);
}

TEST_CASE("send_raw replies: how many replies raw message data gets, send_raw only, 1 to 1000") {
  auto ok = load_text("t.json", doc_with_step(R"({ "send_raw": "a\nb\r\n.\r\n", "replies": 1 })"), no_env());
  REQUIRE(ok.errors.empty());
  REQUIRE(ok.scenarios.size() == 1);
  CHECK(ok.scenarios[0].steps[0].replies == 1);
  auto plain = load_text("t.json", doc_with_step(R"({ "send_raw": "NOOP\r\nNOOP\r\n" })"), no_env());
  REQUIRE(plain.errors.empty());
  CHECK_FALSE(plain.scenarios[0].steps[0].replies);
  check_step_error(R"({ "send": "DATA", "replies": 1 })", "\"replies\"", "/steps/0/replies",
                   "\"replies\" counts the replies to a \"send_raw\" step; this step has no send_raw");
  check_step_error(R"({ "send_raw": "x\r\n", "replies": 0 })", "0 }", "/steps/0/replies",
                   "expected an integer from 1 to 1000, got 0");
}
