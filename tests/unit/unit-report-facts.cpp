// Typed facts are flattened only by the report writers (report/facts.cpp) and read back for
// `mailspec merge`: every field survives the round trip, server bytes are shown visibly.
#include <catch2/catch.hpp>

#include "report/facts.hpp"

namespace {

using namespace mailspec;

case_result probe_case() {
  case_result c;
  auto& p = c.probe.emplace();
  p.family = probe_family::tls_versions;
  p.banner = "220 mx\\relay \x01 ESMTP";
  p.software = "Postfix";
  p.throttled = "421 busy";
  p.starttls_offered = false;
  p.starttls = starttls_attempt{starttls_outcome::refused, "502 5.5.1 unknown"};
  p.implicit_tls = handshake_attempt{handshake_outcome::no_answer, "deadline expired"};
  p.login_advertised = std::vector<std::string>{};
  p.login = login_outcome::evaluated;
  p.login_reply = "535 5.7.8 no";
  p.canary_user = "mailspec-canary-0123456789";
  p.injection = injection_outcome::not_vulnerable;
  p.versions = {{"TLSv1", {handshake_outcome::refused, "protocol version"}},
                {"TLSv1.3", {handshake_outcome::accepted, "TLS_AES_256_GCM_SHA384"}}};
  p.weak_ciphers = handshake_attempt{handshake_outcome::not_tls, "plaintext"};
  return c;
}

}  // namespace

TEST_CASE("report facts: probe facts survive flatten and read-back, server bytes shown visibly") {
  auto c = probe_case();
  auto flat = report::flatten_facts(c);
  CHECK(flat.at("probe") == "tls-versions");
  CHECK(flat.at("banner") == "220 mx\\\\relay \\x01 ESMTP");
  CHECK(flat.at("starttls.result") == "refused: 502 5.5.1 unknown");
  CHECK(flat.at("tls.version.TLSv1.3") == "accepted: TLS_AES_256_GCM_SHA384");
  CHECK(flat.at("plaintext_login.advertised").empty());
  case_result back;
  report::unflatten_facts(flat, back);
  REQUIRE(back.probe);
  const auto& a = *c.probe;
  const auto& b = *back.probe;
  CHECK(b.family == a.family);
  CHECK(b.banner == a.banner);
  CHECK(b.software == a.software);
  CHECK(b.throttled == a.throttled);
  CHECK(b.starttls_offered == a.starttls_offered);
  REQUIRE(b.starttls);
  CHECK(b.starttls->result == a.starttls->result);
  CHECK(b.starttls->detail == a.starttls->detail);
  REQUIRE(b.implicit_tls);
  CHECK(b.implicit_tls->result == handshake_outcome::no_answer);
  REQUIRE(b.login_advertised);
  CHECK(b.login_advertised->empty());
  CHECK(b.login == a.login);
  CHECK(b.login_reply == a.login_reply);
  CHECK(b.canary_user == a.canary_user);
  CHECK(b.injection == a.injection);
  REQUIRE(b.versions.size() == 2);
  CHECK(b.versions.at("TLSv1.3").accepted());
  CHECK(b.versions.at("TLSv1").detail == "protocol version");
  REQUIRE(b.weak_ciphers);
  CHECK(b.weak_ciphers->result == handshake_outcome::not_tls);
  CHECK_FALSE(back.settings);
  CHECK(report::flatten_facts(back) == flat);
}

TEST_CASE("report facts: settings facts survive flatten and read-back, lists one item per line") {
  case_result c;
  auto& s = c.settings.emplace();
  s.role = settings_role::server;
  s.published = published_entry{"imap", "imap.lab.test", 993, "SSL", {"password-cleartext", "OAuth2"}, "%EMAILADDRESS%",
                                "file x.xml", {"no <port>"}};
  s.connected_port = 10993;
  s.connected_address = "127.0.0.1:10993";
  s.real_socket = socket_kind::ssl;
  s.real_evidence = "TLS handshake right after connecting";
  s.real_caps = std::vector<std::string>{"IMAP4REV1", "AUTH=PLAIN"};
  s.real_tls = true;
  s.sts_txt = {"v=STSv1; id=1", "other"};
  s.sts_fetch = "ok";
  auto flat = report::flatten_facts(c);
  CHECK(flat.at("settings.role") == "server");
  CHECK(flat.at("real.capabilities") == "IMAP4REV1\nAUTH=PLAIN");
  case_result back;
  report::unflatten_facts(flat, back);
  REQUIRE(back.settings);
  const auto& b = *back.settings;
  CHECK(b.role == settings_role::server);
  REQUIRE(b.published);
  CHECK(b.published->authentication == s.published->authentication);
  CHECK(b.published->port == 993);
  CHECK(b.published->problems == s.published->problems);
  CHECK(b.connected_port == 10993);
  CHECK(b.real_socket == socket_kind::ssl);
  CHECK(b.real_caps == s.real_caps);
  CHECK(b.real_tls == s.real_tls);
  CHECK(b.sts_txt == s.sts_txt);
  CHECK(b.sts_fetch == s.sts_fetch);
  CHECK(report::flatten_facts(back) == flat);
}

TEST_CASE("report facts: DANE, Autodiscover, ISPDB, comparison and every-address facts survive the round trip") {
  case_result c;
  auto& s = c.settings.emplace();
  s.role = settings_role::mx;
  s.mx_host = "mx.lab.test";
  s.addresses = {"127.0.0.1", "::1"};
  s.dnssec_mx = "secure";
  s.dnssec_address = "secure";
  s.dnssec_tlsa = "bogus";
  s.tlsa_name = "_25._tcp.mx.lab.test";
  s.tlsa_status = "bogus (DNSSEC validation failed: signature crypto failed)";
  s.tlsa = {"3 1 1 aa", "2 1 1 bb"};
  s.why_bogus = "TLSA _25._tcp.mx.lab.test: signature crypto failed";
  s.days = 30;
  s.ispdb = "https://ispdb.lab.test/v1.1/lab.test (the domain): not listed (HTTP 404)";
  s.autodiscover = {"POST https://lab.test/autodiscover/autodiscover.xml: not published (HTTP 404)", "GET http://x: 302 -> https://y"};
  s.autodiscover_source = "https://autodiscover.lab.test/autodiscover/autodiscover.xml";
  s.autodiscover_errors = {"https://a: malformed XML at byte 3"};
  s.comparison = {"imap imap.lab.test:993 SSL | SRV"};
  s.disagreements = {"imap (implicit TLS): a says x; b says y"};
  s.guessed = {"mail.lab.test: NXDOMAIN (not probed)"};
  s.guessed_host = true;
  auto flat = report::flatten_facts(c);
  CHECK(flat.at("tlsa.records") == "3 1 1 aa\n2 1 1 bb");
  CHECK(flat.at("addresses") == "127.0.0.1\n::1");
  case_result back;
  report::unflatten_facts(flat, back);
  REQUIRE(back.settings);
  const auto& b = *back.settings;
  CHECK(b.addresses == s.addresses);
  CHECK(b.dnssec_tlsa == "bogus");
  CHECK(b.tlsa == s.tlsa);
  CHECK(b.why_bogus == s.why_bogus);
  CHECK(b.days == 30);
  CHECK(b.ispdb == s.ispdb);
  CHECK(b.autodiscover == s.autodiscover);
  CHECK(b.autodiscover_source == s.autodiscover_source);
  CHECK(b.autodiscover_errors == s.autodiscover_errors);
  CHECK(b.comparison == s.comparison);
  CHECK(b.disagreements == s.disagreements);
  CHECK(b.guessed == s.guessed);
  CHECK(b.guessed_host);
  CHECK(report::flatten_facts(back) == flat);
}

TEST_CASE("report facts: client facts of mailspec serve survive flatten and read-back") {
  case_result c;
  auto& f = c.client.emplace();
  f.certificate = "self-signed";
  f.sessions.push_back({"ok TLSv1.3 (self-signed certificate)", {"CAPABILITY", "STARTTLS"}, {"LOGIN", "LOGOUT"}, "client closed"});
  f.sessions.push_back({"none", {}, {}, "timeout"});
  f.credentials.push_back({"AUTHENTICATE PLAIN", channel::tls, 1, "hmac-sha256:0011223344556677"});
  f.credentials.push_back({"USER/PASS", channel::plain, 2, "hmac-sha256:8899aabbccddeeff"});
  f.injection = "after the TLS handshake, the client sent\r\nmore";
  f.pipelined_starttls = "EHLO x\r\n";
  auto flat = report::flatten_facts(c);
  CHECK(flat.at("client.sessions") == "2");
  CHECK(flat.at("client.session.1.secure") == "LOGIN LOGOUT");
  CHECK(flat.at("client.credentials") ==
        "AUTHENTICATE PLAIN over tls, session 1, hmac-sha256:0011223344556677\n"
        "USER/PASS over plain, session 2, hmac-sha256:8899aabbccddeeff");
  CHECK(flat.at("client.injection").find("\\r\\n") != std::string::npos);
  case_result back;
  report::unflatten_facts(flat, back);
  REQUIRE(back.client);
  CHECK(back.client->certificate == f.certificate);
  REQUIRE(back.client->sessions.size() == 2);
  CHECK(back.client->sessions[0].plain == f.sessions[0].plain);
  CHECK(back.client->sessions[0].secure == f.sessions[0].secure);
  CHECK(back.client->sessions[1].end == "timeout");
  CHECK(back.client->sessions[1].plain.empty());
  REQUIRE(back.client->credentials.size() == 2);
  CHECK(back.client->credentials[0].mechanism == "AUTHENTICATE PLAIN");
  CHECK(back.client->credentials[0].chan == channel::tls);
  CHECK(back.client->credentials[1].session == 2);
  CHECK(back.client->credentials[1].fingerprint == "hmac-sha256:8899aabbccddeeff");
  CHECK(back.client->injection == f.injection);
  CHECK(back.client->pipelined_starttls == f.pipelined_starttls);
  CHECK(back.client->cached_capabilities.empty());
}
