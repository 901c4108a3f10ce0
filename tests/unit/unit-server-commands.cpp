// server/commands: what the scripted server reads in a client's command (verb, role, the
// credentials it carries and every form of them on the wire), and the keyed fingerprint.
#include <catch2/catch.hpp>

#include "core/secret.hpp"
#include "protocol/sasl.hpp"
#include "server/commands.hpp"
#include "server/serve.hpp"

namespace srv = mailspec::server;

TEST_CASE("serve: commands are parsed per protocol") {
  auto c = srv::parse_command("imap", "a1 login alice \"se cret\"\r\n");
  CHECK(c.tag == "a1");
  CHECK(c.verb == "LOGIN");
  CHECK(c.args == "alice \"se cret\"");
  CHECK(srv::parse_command("imap", "a2 uid fetch 1:* (FLAGS)\r\n").verb == "UID FETCH");
  CHECK(srv::parse_command("smtp", "ehlo client.example\r\n").verb == "EHLO");
  CHECK(srv::parse_command("pop3", "PASS\r\n").verb == "PASS");
  CHECK(srv::parse_command("smtp", "").verb.empty());
}

TEST_CASE("serve: command roles") {
  using srv::role;
  CHECK(srv::role_of("smtp", "EHLO") == role::discovery);
  CHECK(srv::role_of("smtp", "STARTTLS") == role::tls);
  CHECK(srv::role_of("smtp", "AUTH") == role::auth);
  CHECK(srv::role_of("smtp", "MAIL") == role::data);
  CHECK(srv::role_of("smtp", "QUIT") == role::quit);
  CHECK(srv::role_of("imap", "CAPABILITY") == role::discovery);
  CHECK(srv::role_of("imap", "LOGIN") == role::auth);
  CHECK(srv::role_of("imap", "SELECT") == role::data);
  CHECK(srv::role_of("imap", "LOGOUT") == role::quit);
  CHECK(srv::role_of("pop3", "STLS") == role::tls);
  CHECK(srv::role_of("pop3", "PASS") == role::auth);
  CHECK(srv::role_of("pop3", "STAT") == role::data);
}

TEST_CASE("serve: IMAP LOGIN credentials in atoms, quoted strings and literals") {
  auto k = srv::command_credential("imap", srv::parse_command("imap", "a1 LOGIN alice s3cret\r\n"));
  REQUIRE(k);
  CHECK(k->mechanism == "LOGIN");
  CHECK(k->secret == "s3cret");
  k = srv::command_credential("imap", srv::parse_command("imap", "a1 LOGIN \"alice\" \"pa\\\"ss word\"\r\n"));
  REQUIRE(k);
  CHECK(k->secret == "pa\"ss word");
  REQUIRE(k->forms.size() == 1);
  CHECK(k->forms[0] == "pa\\\"ss word");  // as it was on the wire
  k = srv::command_credential("imap", srv::parse_command("imap", "a1 LOGIN {5}\r\nalice {7+}\r\nsecr et\r\n"));
  REQUIRE(k);
  CHECK(k->secret == "secr et");
  CHECK_FALSE(srv::command_credential("imap", srv::parse_command("imap", "a1 LOGIN alice\r\n")));
  CHECK_FALSE(srv::command_credential("imap", srv::parse_command("imap", "a1 LOGIN alice {99}\r\nshort\r\n")));
  CHECK_FALSE(srv::command_credential("imap", srv::parse_command("imap", "a1 SELECT INBOX\r\n")));
}

TEST_CASE("serve: POP3 PASS and APOP credentials") {
  auto k = srv::command_credential("pop3", srv::parse_command("pop3", "PASS my secret\r\n"));
  REQUIRE(k);
  CHECK(k->mechanism == "USER/PASS");
  CHECK(k->secret == "my secret");
  k = srv::command_credential("pop3", srv::parse_command("pop3", "APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n"));
  REQUIRE(k);
  CHECK(k->mechanism == "APOP");
  CHECK(k->secret == "c4c9334bac560ecc979e58001b3e22fb");
  CHECK_FALSE(srv::command_credential("pop3", srv::parse_command("pop3", "USER alice\r\n")));
}

TEST_CASE("serve: SASL starts and responses") {
  auto s = srv::sasl_of("smtp", srv::parse_command("smtp", "AUTH plain AGFsaWNlAHMzY3JldA==\r\n"));
  REQUIRE(s);
  CHECK(s->mechanism == "PLAIN");
  CHECK(s->initial == "AGFsaWNlAHMzY3JldA==");
  CHECK_FALSE(srv::sasl_of("imap", srv::parse_command("imap", "a1 AUTH PLAIN\r\n")));  // IMAP says AUTHENTICATE
  s = srv::sasl_of("imap", srv::parse_command("imap", "a1 AUTHENTICATE LOGIN\r\n"));
  REQUIRE(s);
  CHECK(s->initial.empty());

  const std::string blob = mailspec::protocol::base64_encode(std::string("\0alice\0s3cret", 13));
  auto k = srv::sasl_credential("AUTH PLAIN", "PLAIN", blob + "\r\n", 0);
  REQUIRE(k);
  CHECK(k->secret == "s3cret");
  CHECK(k->forms == std::vector<std::string>{blob});
  CHECK_FALSE(srv::sasl_credential("AUTH LOGIN", "LOGIN", "YWxpY2U=\r\n", 0));  // the user name
  k = srv::sasl_credential("AUTH LOGIN", "LOGIN", "czNjcmV0\r\n", 1);
  REQUIRE(k);
  CHECK(k->secret == "s3cret");
  CHECK_FALSE(srv::sasl_credential("AUTH PLAIN", "PLAIN", "*\r\n", 0));
  k = srv::sasl_credential("AUTH XOAUTH2", "XOAUTH2", "dG9rZW4=\r\n", 0);
  REQUIRE(k);
  CHECK(k->secret == "dG9rZW4=");  // any other mechanism: the response is the credential
}

TEST_CASE("serve: every wire form of a credential is redacted once registered") {
  mailspec::secret_registry reg;
  const std::string blob = mailspec::protocol::base64_encode(std::string("\0alice\0s3cret-42", 16));
  auto k = srv::sasl_credential("AUTH PLAIN", "PLAIN", blob, 0);
  REQUIRE(k);
  reg.add("credential", k->secret);
  for (const auto& f : k->forms) reg.add_derived("credential", f);
  const std::string line = "AUTH PLAIN " + blob + "\r\n";
  CHECK(reg.redact(line).find(blob) == std::string::npos);
  CHECK(reg.redact("a1 LOGIN alice s3cret-42").find("s3cret-42") == std::string::npos);
}

TEST_CASE("serve: fingerprints are keyed, stable and never the value") {
  const auto a = srv::fingerprint("key-1", "s3cret");
  CHECK(a.rfind("hmac-sha256:", 0) == 0);
  CHECK(a.size() == 12 + 16);
  CHECK(a == srv::fingerprint("key-1", "s3cret"));
  CHECK(a != srv::fingerprint("key-2", "s3cret"));
  CHECK(a != srv::fingerprint("key-1", "s3cret2"));
  CHECK(a.find("s3cret") == std::string::npos);
}

TEST_CASE("serve: the next IMAP tag") {
  CHECK(srv::next_tag("A001") == "A002");
  CHECK(srv::next_tag("a9") == "a10");
  CHECK(srv::next_tag("A099") == "A100");
  CHECK(srv::next_tag("7") == "8");
  CHECK(srv::next_tag("tag").empty());
}

TEST_CASE("serve: the catalogue covers every protocol and quotes its RFCs") {
  for (const auto& p : srv::protocols()) {
    INFO(p);
    auto all = srv::select(p, {});
    CHECK(all.size() >= 7);
    bool baseline = false;
    for (const auto* t : all) {
      INFO(t->id);
      CHECK(t->id.rfind("serve/" + p + "/", 0) == 0);
      CHECK(t->spec.rfind("RFC ", 0) == 0);
      CHECK(t->requirement.size() > 40);
      CHECK_FALSE(t->study.empty());
      baseline = baseline || t->judge == srv::oracle::baseline;
    }
    CHECK(baseline);
  }
  CHECK(srv::select("imap", {"serve/imap/cert"}).size() == 4);
  CHECK(srv::find_test("serve/imap/preauth/greeting") != nullptr);
  CHECK(srv::find_test("serve/pop3/preauth/greeting") == nullptr);
  CHECK(srv::catalogue().size() == srv::tests().size());
  auto j = srv::listing_json();
  REQUIRE(j.size() == srv::tests().size());
  CHECK(j[0].contains("class"));
  CHECK(srv::listing_text().find("serve/imaps/implicit/refused") != std::string::npos);
}
