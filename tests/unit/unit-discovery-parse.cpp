// Discovery parsers without network: autoconfig XML, e-mail/domain input, URLs, MTA-STS records
// and policies, MX patterns, TLS-RPT records, and the bundled provider presets.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "discovery/autoconfig.hpp"
#include "discovery/https.hpp"
#include "discovery/policy.hpp"

namespace d = mailspec::discovery;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

d::email_address alice() {
  d::email_address a;
  std::string why;
  REQUIRE(d::parse_email_or_domain("alice@Lab.Test", a, why));
  return a;
}

}  // namespace

TEST_CASE("discovery: EMAIL or DOMAIN input") {
  d::email_address a;
  std::string why;
  REQUIRE(d::parse_email_or_domain("alice@Lab.Test", a, why));
  CHECK(a.address == "alice@lab.test");
  CHECK(a.local == "alice");
  CHECK(a.domain == "lab.test");
  REQUIRE(d::parse_email_or_domain("example.net.", a, why));
  CHECK(a.domain == "example.net");
  CHECK(a.address.empty());
  CHECK_FALSE(d::parse_email_or_domain("@example.net", a, why));
  CHECK_FALSE(d::parse_email_or_domain("localhost", a, why));
  CHECK_FALSE(d::parse_email_or_domain("a@b@", a, why));
  CHECK_FALSE(d::parse_email_or_domain("bad domain.net", a, why));
  CHECK(why.find("EMAIL") != std::string::npos);
}

TEST_CASE("discovery: autoconfig servers with placeholders, types and problems") {
  auto cfg = d::parse_autoconfig(slurp(MAILSPEC_TEST_DATA "/settings/lab-good.xml"), alice(), "file lab-good.xml");
  REQUIRE(cfg.ok);
  CHECK(cfg.provider_id == "lab.test");
  CHECK(cfg.domains == std::vector<std::string>{"lab.test"});
  REQUIRE(cfg.servers.size() == 3);
  CHECK(cfg.servers[0].type == "imap");
  CHECK(cfg.servers[0].hostname == "imap.lab.test");
  CHECK(cfg.servers[0].port == 993);
  CHECK(cfg.servers[0].socket_type == "SSL");
  CHECK(cfg.servers[0].authentication == std::vector<std::string>{"password-cleartext", "password-encrypted"});
  CHECK(cfg.servers[0].username == "alice@lab.test");
  CHECK(cfg.servers[1].username == "alice");
  CHECK(cfg.servers[2].direction == "outgoing");
  CHECK(cfg.servers[2].source == "file lab-good.xml");
  for (const auto& s : cfg.servers) CHECK(s.problems.empty());
  REQUIRE(cfg.ignored.size() == 1);
  CHECK(cfg.ignored[0].find("exchange") != std::string::npos);
}

TEST_CASE("discovery: autoconfig entry problems are listed, not thrown") {
  const char* xml = R"(<clientConfig version="1.1"><emailProvider id="x">
    <incomingServer type="imap"><hostname>%EMAILLOCALPART%.example.net</hostname><port>99999</port>
      <socketType>TLS</socketType><authentication>magic</authentication></incomingServer>
    <outgoingServer type="smtp"><port>587</port><socketType>STARTTLS</socketType></outgoingServer>
  </emailProvider></clientConfig>)";
  d::email_address dom;
  std::string why;
  REQUIRE(d::parse_email_or_domain("example.net", dom, why));
  auto cfg = d::parse_autoconfig(xml, dom, "t");
  REQUIRE(cfg.ok);
  REQUIRE(cfg.servers.size() == 2);
  auto& p = cfg.servers[0].problems;
  auto has = [&](const std::vector<std::string>& v, const std::string& needle) {
    for (const auto& x : v)
      if (x.find(needle) != std::string::npos) return true;
    return false;
  };
  CHECK(has(p, "unresolved placeholder"));
  CHECK(has(p, "not 1-65535"));
  CHECK(has(p, "not SSL, STARTTLS or plain"));
  CHECK(has(p, "unknown <authentication>: magic"));
  CHECK(has(cfg.servers[1].problems, "no <hostname>"));
  CHECK(cfg.servers[1].port == 587);
}

TEST_CASE("discovery: malformed, wrong or oversized autoconfig is an error, never a crash") {
  auto a = alice();
  for (std::string bad : {std::string("<clientConfig><emailProvider>"), std::string("not xml at all"), std::string(""),
                          std::string("<html><body>404</body></html>"), std::string("<clientConfig/>"),
                          std::string("<clientConfig><emailProvider id='x'><incomingServer type='imap'>&bogus;"),
                          std::string("\xff\xfe<\x00c\x00", 6)}) {
    auto cfg = d::parse_autoconfig(bad, a, "t");
    CHECK_FALSE(cfg.ok);
    CHECK_FALSE(cfg.error.empty());
  }
  auto big = d::parse_autoconfig(std::string(d::max_autoconfig_bytes + 1, ' '), a, "t");
  CHECK_FALSE(big.ok);
  CHECK(big.error.find("limit") != std::string::npos);
  // An internal DTD entity is not expanded into the host name (pugixml does not process DTDs).
  auto dtd = d::parse_autoconfig(R"(<!DOCTYPE c [<!ENTITY h "evil.example">]><clientConfig><emailProvider id="x">
      <incomingServer type="imap"><hostname>&h;</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
      </emailProvider></clientConfig>)", a, "t");
  REQUIRE(dtd.ok);
  REQUIRE(dtd.servers.size() == 1);
  CHECK(dtd.servers[0].hostname == "&h;");
  CHECK(dtd.servers[0].problems.front().find("not a host name") != std::string::npos);
}

TEST_CASE("discovery: every byte prefix of an autoconfig document parses or fails cleanly") {
  std::string doc = slurp(MAILSPEC_TEST_DATA "/settings/lab-good.xml");
  auto a = alice();
  int ok = 0;
  for (std::size_t n = 0; n <= doc.size(); ++n) ok += d::parse_autoconfig(doc.substr(0, n), a, "t").ok;
  CHECK(ok >= 1);
}

TEST_CASE("discovery: https URLs") {
  d::url_parts u;
  std::string why;
  REQUIRE(d::parse_url("https://autoconfig.Example.net/mail/config-v1.1.xml?emailaddress=a%40example.net", u, why));
  CHECK(u.host == "autoconfig.example.net");
  CHECK(u.port == 443);
  CHECK(u.target == "/mail/config-v1.1.xml?emailaddress=a%40example.net");
  REQUIRE(d::parse_url("https://127.0.0.1:8443", u, why));
  CHECK(u.port == 8443);
  CHECK(u.target == "/");
  CHECK(u.origin() == "https://127.0.0.1:8443");
  REQUIRE(d::parse_url("https://[::1]:444/x#frag", u, why));
  CHECK(u.host == "::1");
  CHECK(u.target == "/x");
  CHECK_FALSE(d::parse_url("http://example.net/", u, why));
  CHECK(why.find("only https") != std::string::npos);
  CHECK_FALSE(d::parse_url("https://user@example.net/", u, why));
  CHECK_FALSE(d::parse_url("https://example.net:0/", u, why));
  CHECK_FALSE(d::parse_url("https:///x", u, why));
  CHECK_FALSE(d::parse_url("https://example.net/a b", u, why));
  CHECK_FALSE(d::parse_url("example.net", u, why));
}

TEST_CASE("discovery: _mta-sts TXT records (RFC 8461 §3.1)") {
  CHECK(d::parse_sts_record("v=STSv1; id=20160831085700Z;").ok);
  CHECK(d::parse_sts_record("v=STSv1;id=abc").id == "abc");
  CHECK(d::parse_sts_record("v=STSv1; id=abc; ext_1=value").ok);
  CHECK_FALSE(d::parse_sts_record("v=STSv1;").ok);                         // no id
  CHECK_FALSE(d::parse_sts_record("v=STSv1; id=has-dash").ok);             // id alnum only
  CHECK_FALSE(d::parse_sts_record("v=STSv1; id=" + std::string(33, 'a')).ok);  // id too long
  CHECK_FALSE(d::parse_sts_record("id=abc; v=STSv1").ok);                  // v first
  CHECK_FALSE(d::parse_sts_record("v=STSv1; id=a; id=b").ok);
  CHECK_FALSE(d::parse_sts_record("v=STSv1;; id=a").ok);
  auto c = d::sts_candidates({"v=spf1 -all", "v=STSv1; id=1", "v=STSv10; id=2"});
  REQUIRE(c.size() == 1);
  CHECK(c[0] == "v=STSv1; id=1");
}

TEST_CASE("discovery: MTA-STS policies (RFC 8461 §3.2)") {
  auto p = d::parse_sts_policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n");
  CHECK(p.ok());
  CHECK(p.mode == "enforce");
  REQUIRE(p.max_age);
  CHECK(*p.max_age == 604800);
  CHECK(p.mx == std::vector<std::string>{"mail.example.com", "*.example.net"});
  CHECK(d::parse_sts_policy("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 86400\n").ok());  // LF lines
  CHECK(d::parse_sts_policy("version: STSv1\nmode: none\nmax_age: 86400").ok());  // none needs no mx
  CHECK_FALSE(d::parse_sts_policy("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1").ok());
  CHECK_FALSE(d::parse_sts_policy("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1").ok());
  CHECK_FALSE(d::parse_sts_policy("version: STSv1\nmode: enforce\nmax_age: 1").ok());  // no mx
  CHECK_FALSE(d::parse_sts_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -5").ok());
  CHECK_FALSE(d::parse_sts_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901").ok());
  CHECK_FALSE(d::parse_sts_policy("version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1").ok());
  CHECK_FALSE(d::parse_sts_policy("<html>not found</html>").ok());
  auto dup = d::parse_sts_policy("version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmax_age: 9");
  CHECK(dup.mode == "testing");
  CHECK(dup.notes.size() == 1);
  // Out of the RFC's range is parsed (the rule judges the range).
  auto big = d::parse_sts_policy("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 99999999");
  CHECK(big.ok());
  CHECK(*big.max_age > d::sts_max_age_limit);
}

TEST_CASE("discovery: MX patterns (RFC 8461 §4.1)") {
  CHECK(d::mx_pattern_matches("mail.example.com", "MAIL.example.com."));
  CHECK(d::mx_pattern_matches("*.example.com", "mx1.example.com"));
  CHECK_FALSE(d::mx_pattern_matches("*.example.com", "example.com"));
  CHECK_FALSE(d::mx_pattern_matches("*.example.com", "a.b.example.com"));
  CHECK_FALSE(d::mx_pattern_matches("*.example.com", "xexample.com"));
  CHECK_FALSE(d::mx_pattern_matches("mail.example.com", "mail.example.net"));
  CHECK(d::unmatched_mx({"*.lab.test"}, {"mx.lab.test", "mx.other.test"}) == std::vector<std::string>{"mx.other.test"});
  CHECK(d::is_text_plain("text/plain; charset=utf-8"));
  CHECK(d::is_text_plain("Text/Plain"));
  CHECK_FALSE(d::is_text_plain("text/html"));
  CHECK_FALSE(d::is_text_plain(""));
}

TEST_CASE("discovery: _smtp._tls TLS-RPT records (RFC 8460 §3)") {
  auto r = d::parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1");
  CHECK(r.ok);
  CHECK(r.rua.size() == 2);
  CHECK(d::parse_tlsrpt_record("v=TLSRPTv1;rua=mailto:a@b.example;").ok);
  CHECK_FALSE(d::parse_tlsrpt_record("v=TLSRPTv1;").ok);                      // no rua
  CHECK_FALSE(d::parse_tlsrpt_record("v=TLSRPTv1; rua=http://x.example/").ok);  // not https
  CHECK_FALSE(d::parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:nobody").ok);
  CHECK_FALSE(d::parse_tlsrpt_record("rua=mailto:a@b.example; v=TLSRPTv1").ok);
  CHECK(d::tlsrpt_candidates({"v=TLSRPTv1; rua=mailto:a@b.c", "v=spf1"}).size() == 1);
}

TEST_CASE("discovery: the bundled provider presets parse with placeholders resolved") {
  namespace fs = std::filesystem;
  auto a = alice();
  int n = 0;
  for (const auto& e : fs::directory_iterator(MAILSPEC_SOURCE_DIR "/scenarios/providers")) {
    if (e.path().extension() != ".xml") continue;
    ++n;
    INFO(e.path().string());
    std::string xml = slurp(e.path().string());
    auto cfg = d::parse_autoconfig(xml, a, "preset");
    REQUIRE(cfg.ok);
    CHECK_FALSE(cfg.servers.empty());
    bool in = false, out = false;
    for (const auto& s : cfg.servers) {
      INFO(s.type + " " + s.hostname);
      CHECK(s.problems.empty());
      CHECK(s.socket_type != "plain");
      CHECK(s.hostname.find('%') == std::string::npos);
      CHECK(s.username.find('%') == std::string::npos);
      CHECK_FALSE(s.authentication.empty());
      in = in || s.direction == "incoming";
      out = out || s.direction == "outgoing";
    }
    CHECK(in);
    CHECK(out);
  }
  CHECK(n >= 4);
}

// Microsoft Autodiscover answers (MS-OXDSCLI) and the ISPDB's MX-domain lookup.
#include "discovery/autodiscover.hpp"
#include "discovery/detail.hpp"

TEST_CASE("discovery autodiscover: POX settings, redirects and errors") {
  const char* xml = R"(<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
 <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
  <Account><Action>settings</Action>
   <Protocol><Type>IMAP</Type><Server>IMAP.lab.test</Server><Port>993</Port><SSL>on</SSL><SPA>off</SPA></Protocol>
   <Protocol><Type>POP3</Type><Server>pop3.lab.test</Server><Port>110</Port><Encryption>None</Encryption></Protocol>
   <Protocol><Type>SMTP</Type><Server>smtp.lab.test</Server><Port>587</Port><Encryption>TLS</Encryption><AuthRequired>on</AuthRequired></Protocol>
   <Protocol><Type>SMTP</Type><Server>smtp.lab.test</Server><Port>25</Port><SSL>on</SSL><SPA>on</SPA></Protocol>
   <Protocol><Type>EXCH</Type><Server>x</Server></Protocol>
  </Account></Response></Autodiscover>)";
  auto p = d::parse_pox(xml, "Autodiscover https://x");
  REQUIRE(p.ok);
  CHECK(p.action == "settings");
  REQUIRE(p.servers.size() == 4);
  CHECK(p.servers[0].hostname == "imap.lab.test");
  CHECK(p.servers[0].socket_type == "SSL");
  CHECK(p.servers[0].authentication == std::vector<std::string>{"password-cleartext"});
  CHECK(p.servers[1].socket_type == "plain");
  CHECK(p.servers[1].type == "pop3");
  CHECK(p.servers[2].socket_type == "STARTTLS");
  CHECK(p.servers[3].socket_type == "STARTTLS");  // SSL on, port 25: STARTTLS
  CHECK(p.servers[3].authentication == std::vector<std::string>{"NTLM"});
  CHECK(p.ignored == std::vector<std::string>{"EXCH"});
  auto r = d::parse_pox("<Autodiscover><Response><Account><Action>redirectUrl</Action><RedirectUrl>https://a/b</RedirectUrl>"
                        "</Account></Response></Autodiscover>", "x");
  REQUIRE(r.ok);
  CHECK(r.action == "redirectUrl");
  CHECK(r.redirect == "https://a/b");
  CHECK_FALSE(d::parse_pox("<Autodiscover><Response><Error><ErrorCode>600</ErrorCode><Message>Invalid Request</Message>"
                           "</Error></Response></Autodiscover>", "x").ok);
  CHECK_FALSE(d::parse_pox("<Autodiscover><Response", "x").ok);
  CHECK_FALSE(d::parse_pox("<Autodiscover><Response><Account><Action>redirectAddr</Action></Account></Response></Autodiscover>", "x").ok);
  // Never a credential in the request: the address only.
  auto req = d::pox_request("alice@lab.test");
  CHECK(req.find("<EMailAddress>alice@lab.test</EMailAddress>") != std::string::npos);
  CHECK(req.find("responseschema/2006a") != std::string::npos);
  std::string why;
  CHECK(d::parse_v2_json(R"({"Protocol":"AutodiscoverV1","Url":"https://a/autodiscover/autodiscover.xml"})", why) ==
        "https://a/autodiscover/autodiscover.xml");
  CHECK(d::parse_v2_json("{\"Url\": 3}", why).empty());
  CHECK(d::parse_v2_json("not json", why).empty());
}

TEST_CASE("discovery ispdb: the MX host's registrable domain") {
  CHECK(d::detail::registrable_domain("mx1.mail.example.net") == "example.net");
  CHECK(d::detail::registrable_domain("mx.example.co.uk.") == "example.co.uk");
  CHECK(d::detail::registrable_domain("example.net") == "example.net");
  CHECK(d::detail::registrable_domain("aspmx.l.google.com") == "google.com");
}
