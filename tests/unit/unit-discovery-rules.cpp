// The settings/ and policy/ rules on fixtures: every rule of discovery::catalogue() has a
// passing and a failing fixture (facts as the discovery and verification store them).
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <set>

#include "audit/audit.hpp"
#include "discovery/facts.hpp"
#include "discovery/settings.hpp"

namespace d = mailspec::discovery;
namespace f = mailspec::discovery::fact;
using mailspec::verdict;

namespace {

using facts = std::map<std::string, std::string>;

struct fixture {
  std::string rule;
  std::string role;
  facts pass;
  facts broken;
  verdict expected;  // the verdict of the broken fixture
  std::function<void(mailspec::session::record&, bool broken)> tweak = {};
};

const std::string policy_ok = "version: STSv1\r\nmode: enforce\r\nmx: *.lab.test\r\nmax_age: 604800\r\n";

std::vector<fixture> fixtures() {
  facts srv = {{f::p_type, "imap"}, {f::p_host, "imap.lab.test"}, {f::p_port, "993"}, {f::p_socket, "SSL"},
               {f::p_auth, "password-cleartext"}, {f::p_source, "file x.xml"}};
  auto with = [](facts base, facts more) {
    for (auto& [k, v] : more) base[k] = v;
    return base;
  };
  facts sts = {{f::sts_txt_status, "ok"}, {f::sts_txt, "v=STSv1; id=1"}, {f::sts_url, "https://mta-sts.lab.test/.well-known/mta-sts.txt"},
               {f::sts_fetch, "ok"}, {f::sts_ctype, "text/plain"}, {f::sts_body, policy_ok}, {f::mx_hosts, "mx.lab.test"}};
  return {
      {"settings/discovery/published", "discovery", {{f::servers, "imap imap.lab.test:993 SSL"}}, {{f::servers, ""}}, verdict::error},
      {"settings/autoconfig/valid", "discovery", {{f::autoconfig_source, "file x.xml"}},
       {{f::autoconfig_error, "x.xml: malformed XML at byte 3: Error parsing start element tag"}}, verdict::fail},
      {"settings/autoconfig/https", "discovery", {{f::autoconfig_source, "https://autoconfig.lab.test/mail/config-v1.1.xml"}},
       {{f::autoconfig_https, "https://autoconfig.lab.test/...: TLS handshake with autoconfig.lab.test: certificate not valid"}},
       verdict::fail},
      {"settings/autoconfig/redirect", "discovery", {{f::autoconfig_source, "https://autoconfig.lab.test/mail/config-v1.1.xml"}},
       {{f::autoconfig_redirect, "302 https://autoconfig.lab.test/x -> https://evil.example/x (another host: not followed)"}},
       verdict::warn},
      {"settings/srv/consistent", "discovery", {{f::autoconfig_source, "file x.xml"}, {f::srv, "_imaps._tcp.lab.test: ok [0 1 993 imap.lab.test]"}},
       {{f::autoconfig_source, "file x.xml"},
        {f::srv_mismatch, "SRV _imaps._tcp.lab.test: imap2.lab.test:993 | autoconfig imap (SSL): imap.lab.test:993 SSL"}},
       verdict::warn},
      {"settings/implicit-tls/recommended", "discovery", {{f::access_types, "SSL STARTTLS"}, {f::submission_types, "SSL"}},
       {{f::access_types, "SSL"}, {f::submission_types, "STARTTLS"}}, verdict::warn},
      {"settings/published/entry-valid", "server", srv, with(srv, {{f::p_problems, "no <port>"}}), verdict::fail},
      {"settings/published/hostname-resolves", "server", with(srv, {{f::c_address, "127.0.0.1:993"}}),
       with(srv, {{f::resolve_error, "A: NXDOMAIN; AAAA: NXDOMAIN"}, {f::resolve_status, "NXDOMAIN"}}), verdict::fail},
      {"settings/socket-type/not-plain", "server", srv, with(srv, {{f::p_socket, "plain"}}), verdict::fail},
      {"settings/auth/cleartext-needs-tls", "server", with(srv, {{f::p_socket, "STARTTLS"}}), with(srv, {{f::p_socket, "plain"}}),
       verdict::fail},
      {"settings/socket-type/matches", "server", with(srv, {{f::real_socket, "SSL"}}),
       with(srv, {{f::real_socket, "STARTTLS"}, {f::real_evidence, "plaintext greeting \"* OK\""}}), verdict::fail},
      {"settings/auth/offered", "server",
       with(srv, {{f::p_auth, "password-cleartext password-encrypted"},
                  {f::real_caps, "IMAP4REV1; AUTH=PLAIN; AUTH=SCRAM-SHA-256"}, {f::real_tls, "yes"}}),
       with(srv, {{f::p_auth, "password-cleartext OAuth2"}, {f::real_caps, "IMAP4REV1; AUTH=PLAIN; AUTH=SCRAM-SHA-256"},
                  {f::real_tls, "yes"}}),
       verdict::fail},
      {"policy/mta-sts/txt-record", "mta-sts", sts, with(sts, {{f::sts_txt, "v=STSv1; id=not-alnum"}}), verdict::fail},
      {"policy/mta-sts/policy-fetch", "mta-sts", sts,
       with(sts, {{f::sts_fetch, "TLS handshake with mta-sts.lab.test: certificate not valid for mta-sts.lab.test"}}), verdict::fail},
      {"policy/mta-sts/content-type", "mta-sts", sts, with(sts, {{f::sts_ctype, "text/html"}}), verdict::fail},
      {"policy/mta-sts/policy-syntax", "mta-sts", sts,
       with(sts, {{f::sts_body, "version: STSv1\nmode: strict\nmx: *.lab.test\nmax_age: 604800\n"}}), verdict::fail},
      {"policy/mta-sts/max-age", "mta-sts", sts,
       with(sts, {{f::sts_body, "version: STSv1\nmode: enforce\nmx: *.lab.test\nmax_age: 31557601\n"}}), verdict::fail},
      {"policy/mta-sts/mx-match", "mta-sts", sts, with(sts, {{f::mx_hosts, "mx.lab.test mail.other.test"}}), verdict::fail},
      {"policy/mta-sts/mx-starttls", "mx", {{f::mx_host, "mx.lab.test"}, {f::sts_mode, "enforce"}, {"starttls.result", "ok"}},
       {{f::mx_host, "mx.lab.test"}, {f::sts_mode, "enforce"}, {"starttls.result", "ok"}}, verdict::fail,
       [](mailspec::session::record& rec, bool broken) {
         mailspec::tls_facts t;
         t.chain_ok = true;
         t.hostname_ok = !broken;  // the broken fixture: a certificate for another name
         rec.result.tls.push_back(t);
       }},
      {"policy/tls-rpt/record", "tls-rpt", {{f::rpt_status, "ok"}, {f::rpt_txt, "v=TLSRPTv1; rua=mailto:tlsrpt@lab.test"}},
       {{f::rpt_status, "ok"}, {f::rpt_txt, "v=TLSRPTv1; rua=ftp://reports.lab.test"}}, verdict::fail},
  };
}

std::vector<mailspec::finding> run(const fixture& x, bool broken) {
  mailspec::session::record rec;
  rec.result.kind = "settings";
  rec.result.extra = broken ? x.broken : x.pass;
  rec.result.extra[f::role] = x.role;
  if (x.tweak) x.tweak(rec, broken);
  mailspec::rules::judge_options o;
  o.only = {x.rule};
  return d::judge(rec, o);
}

}  // namespace

TEST_CASE("settings rules: every rule has a passing and a failing fixture") {
  std::set<std::string> covered;
  for (const auto& x : fixtures()) {
    INFO(x.rule);
    REQUIRE(d::find_rule(x.rule));
    covered.insert(x.rule);
    auto ok = run(x, false);
    REQUIRE(ok.size() == 1);
    CHECK(ok[0].result == verdict::pass);
    auto bad = run(x, true);
    REQUIRE_FALSE(bad.empty());
    CHECK(bad[0].result == x.expected);
    CHECK(bad[0].rule == x.rule);
    if (x.expected == verdict::fail || x.expected == verdict::warn) {
      CHECK_FALSE(bad[0].expected.empty());
      CHECK_FALSE(bad[0].actual.empty());
    }
  }
  for (const auto& r : d::catalogue()) {
    INFO(r.id);
    CHECK(covered.count(r.id));
  }
}

TEST_CASE("settings rules: ids are unique, spec and requirement set, no clash with the other catalogues") {
  std::set<std::string> ids;
  for (const auto& r : d::catalogue()) {
    INFO(r.id);
    CHECK(ids.insert(r.id).second);
    CHECK_FALSE(r.spec.empty());
    CHECK_FALSE(r.requirement.empty());
    CHECK((r.id.rfind("settings/", 0) == 0 || r.id.rfind("policy/mta-sts/", 0) == 0 || r.id.rfind("policy/tls-rpt/", 0) == 0));
    CHECK(mailspec::rules::find_rule(r.id) == nullptr);
    CHECK(mailspec::audit::find_rule(r.id) == nullptr);
  }
}

TEST_CASE("settings rules: the seed problem, a cleartext password over plain, is critical") {
  mailspec::session::record rec;
  rec.result.extra = {{f::role, "server"}, {f::p_type, "pop3"}, {f::p_socket, "plain"}, {f::p_auth, "password-cleartext"}};
  auto out = d::judge(rec);
  bool critical = false, plain = false;
  for (const auto& x : out) {
    if (x.rule == "settings/auth/cleartext-needs-tls" && x.result == verdict::fail) critical = x.sev == mailspec::severity::critical;
    if (x.rule == "settings/socket-type/not-plain" && x.result == verdict::fail) plain = true;
  }
  CHECK(critical);
  CHECK(plain);
}

TEST_CASE("settings rules: the published method is looked up per protocol") {
  auto offered = [](const std::string& type, const std::string& auth, const std::string& caps) {
    mailspec::session::record rec;
    rec.result.extra = {{f::role, "server"}, {f::p_type, type}, {f::p_socket, "SSL"}, {f::p_auth, auth},
                        {f::real_caps, caps}, {f::real_tls, "yes"}};
    mailspec::rules::judge_options o;
    o.only = {"settings/auth/offered"};
    auto out = d::judge(rec, o);
    return !out.empty() && out[0].result == verdict::pass;
  };
  CHECK(offered("imap", "password-cleartext", "IMAP4REV1; AUTH=SCRAM-SHA-256"));     // LOGIN command, no LOGINDISABLED
  CHECK_FALSE(offered("imap", "password-cleartext", "IMAP4REV1; LOGINDISABLED"));
  CHECK(offered("pop3", "password-cleartext", "USER; SASL SCRAM-SHA-256"));
  CHECK_FALSE(offered("pop3", "password-encrypted", "USER; SASL PLAIN"));
  CHECK(offered("smtp", "password-encrypted", "SIZE 100; AUTH PLAIN CRAM-MD5"));
  CHECK(offered("smtp", "OAuth2", "AUTH=XOAUTH2"));
  CHECK_FALSE(offered("smtp", "password-cleartext", "SIZE 100; PIPELINING"));
  CHECK(offered("smtp", "TLS-client-cert", "AUTH EXTERNAL"));
}

TEST_CASE("settings rules: a DNS timeout is an error, never a fail of the published name") {
  mailspec::session::record rec;
  rec.result.extra = {{f::role, "server"}, {f::p_host, "imap.lab.test"}, {f::resolve_error, "A: no answer (timeout)"},
                      {f::resolve_status, "timeout"}};
  mailspec::rules::judge_options o;
  o.only = {"settings/published/hostname-resolves"};
  auto out = d::judge(rec, o);
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == verdict::error);
}

TEST_CASE("settings rules: a short MTA-STS max_age warns, --strict fails it") {
  mailspec::session::record rec;
  rec.result.extra = {{f::role, "mta-sts"}, {f::sts_fetch, "ok"},
                      {f::sts_body, "version: STSv1\nmode: testing\nmx: *.lab.test\nmax_age: 3600\n"}};
  mailspec::rules::judge_options o;
  o.only = {"policy/mta-sts/max-age"};
  auto out = d::judge(rec, o);
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == verdict::warn);
  o.strict = true;
  CHECK(d::judge(rec, o)[0].result == verdict::fail);
}
