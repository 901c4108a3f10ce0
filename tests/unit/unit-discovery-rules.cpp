// The settings/ and policy/ rules on fixtures: every rule of discovery::catalogue() has a
// passing and a failing fixture (the typed settings facts the discovery and verification record).
#include <catch2/catch.hpp>
#include <ctime>
#include <functional>
#include <map>
#include <set>

#include "audit/audit.hpp"
#include "discovery/settings.hpp"

namespace d = mailspec::discovery;
using mailspec::settings_facts;
using mailspec::settings_role;
using mailspec::socket_kind;
using mailspec::verdict;

namespace {

using facts = std::function<void(settings_facts&)>;

// Facts built step by step: all(a, b) applies a, then b.
facts all(std::vector<facts> fs) {
  return [fs](settings_facts& f) {
    for (const auto& x : fs) x(f);
  };
}

struct fixture {
  std::string rule;
  settings_role role;
  facts pass;
  facts broken;
  verdict expected;  // the verdict of the broken fixture
  std::function<void(mailspec::session::record&, bool broken)> tweak = {};
};

const std::string policy_ok = "version: STSv1\r\nmode: enforce\r\nmx: *.lab.test\r\nmax_age: 604800\r\n";

facts published(std::string type, std::string socket, std::vector<std::string> auth) {
  return [=](settings_facts& f) {
    f.published = mailspec::published_entry{type, type + ".lab.test", 993, socket, auth, "", "file x.xml", {}};
  };
}
facts socket(std::string s) {
  return [=](settings_facts& f) { f.published->socket_type = s; };
}
facts auth(std::vector<std::string> a) {
  return [=](settings_facts& f) { f.published->authentication = a; };
}
facts real(socket_kind k, std::vector<std::string> caps = {}, std::string evidence = "") {
  return [=](settings_facts& f) {
    f.real_socket = k;
    f.real_evidence = evidence;
    if (!caps.empty()) f.real_caps = caps;
    f.real_tls = true;
  };
}
facts sts_with(std::function<void(settings_facts&)> change) {
  return [=](settings_facts& f) {
    f.sts_txt_status = "ok";
    f.sts_txt = {"v=STSv1; id=1"};
    f.sts_url = "https://mta-sts.lab.test/.well-known/mta-sts.txt";
    f.sts_fetch = "ok";
    f.sts_content_type = "text/plain";
    f.sts_body = policy_ok;
    f.mx_hosts = {"mx.lab.test"};
    if (change) change(f);
  };
}
facts body(std::string b) {
  return sts_with([=](settings_facts& f) { f.sts_body = b; });
}

// An MX with a secure TLSA RRset: a matching DANE-EE record and one for the next key.
std::string hex64() { return std::string(64, 'a'); }
facts dane(std::function<void(settings_facts&)> change = {}) {
  return [=](settings_facts& f) {
    f.mx_host = "mx.lab.test";
    f.connected_address = "127.0.0.1:25";
    f.dnssec_mx = f.dnssec_address = f.dnssec_tlsa = "secure";
    f.tlsa_name = "_25._tcp.mx.lab.test";
    f.tlsa_status = "ok";
    f.tlsa = {"3 1 1 " + hex64(), "3 1 1 " + std::string(64, 'b')};
    f.days = 30;
    if (change) change(f);
  };
}
// A STARTTLS handshake whose DANE verification matched (or not); depths per record.
void handshake(mailspec::session::record& rec, bool matched, std::vector<int> depths, std::string record = "3 1 1 " + hex64()) {
  rec.result.probe.emplace().starttls = mailspec::starttls_attempt{mailspec::starttls_outcome::ok, ""};
  mailspec::tls_facts t;
  t.handshake_ok = true;
  t.leaf.emplace().subject = "CN=mx.lab.test";
  t.leaf->not_after = "2030-01-01T00:00:00Z";
  t.leaf->not_after_epoch = 1893456000;
  auto& d = t.dane.emplace();
  d.records = {"3 1 1 " + hex64(), "3 1 1 " + std::string(64, 'b')};
  d.match_depth = depths;
  d.authenticated = matched;
  d.depth = matched ? 0 : -1;
  d.matched = matched ? record : "";
  d.verify_error = matched ? "ok" : "no matching DANE TLSA records";
  rec.result.tls.push_back(t);
}
facts guessed() {
  return [](settings_facts& f) {
    f.published = mailspec::published_entry{"imap", "imap.lab.test", 143, "STARTTLS", {}, "", "guessed (imap.lab.test, as auto-detecting clients do)", {}};
    f.connected_address = "127.0.0.1:143";
  };
}

std::vector<fixture> fixtures() {
  const facts srv = published("imap", "SSL", {"password-cleartext"});
  const facts sts = sts_with({});
  const facts ac_https = [](settings_facts& f) { f.autoconfig_source = "https://autoconfig.lab.test/mail/config-v1.1.xml"; };
  const facts ac_file = [](settings_facts& f) { f.autoconfig_source = "file x.xml"; };
  return {
      {"settings/discovery/published", settings_role::discovery,
       [](settings_facts& f) { f.servers = {"imap imap.lab.test:993 SSL"}; }, [](settings_facts&) {}, verdict::error},
      {"settings/autoconfig/valid", settings_role::discovery, ac_file,
       [](settings_facts& f) { f.autoconfig_errors = {"x.xml: malformed XML at byte 3: Error parsing start element tag"}; },
       verdict::fail},
      {"settings/autoconfig/https", settings_role::discovery, ac_https,
       [](settings_facts& f) {
         f.https_errors = {"https://autoconfig.lab.test/...: TLS handshake with autoconfig.lab.test: certificate not valid"};
       },
       verdict::fail},
      {"settings/autoconfig/redirect", settings_role::discovery, ac_https,
       [](settings_facts& f) {
         f.redirects_refused = {"302 https://autoconfig.lab.test/x -> https://evil.example/x (another host: not followed)"};
       },
       verdict::warn},
      {"settings/srv/consistent", settings_role::discovery,
       all({ac_file, [](settings_facts& f) { f.srv = {"_imaps._tcp.lab.test: ok [0 1 993 imap.lab.test]"}; }}),
       all({ac_file,
            [](settings_facts& f) {
              f.srv_mismatch = {"SRV _imaps._tcp.lab.test: imap2.lab.test:993 | autoconfig imap (SSL): imap.lab.test:993 SSL"};
            }}),
       verdict::warn},
      {"settings/implicit-tls/recommended", settings_role::discovery,
       [](settings_facts& f) {
         f.access_types = {"SSL", "STARTTLS"};
         f.submission_types = {"SSL"};
       },
       [](settings_facts& f) {
         f.access_types = {"SSL"};
         f.submission_types = {"STARTTLS"};
       },
       verdict::warn},
      {"settings/published/entry-valid", settings_role::server, srv,
       all({srv, [](settings_facts& f) { f.published->problems = {"no <port>"}; }}), verdict::fail},
      {"settings/published/hostname-resolves", settings_role::server,
       all({srv, [](settings_facts& f) { f.connected_address = "127.0.0.1:993"; }}),
       all({srv,
            [](settings_facts& f) {
              f.resolve_error = "A: NXDOMAIN; AAAA: NXDOMAIN";
              f.resolve_status = "NXDOMAIN";
            }}),
       verdict::fail},
      {"settings/socket-type/not-plain", settings_role::server, srv, all({srv, socket("plain")}), verdict::fail},
      {"settings/auth/cleartext-needs-tls", settings_role::server, all({srv, socket("STARTTLS")}),
       all({srv, socket("plain")}), verdict::fail},
      {"settings/socket-type/matches", settings_role::server, all({srv, real(socket_kind::ssl)}),
       all({srv, real(socket_kind::starttls, {}, "plaintext greeting \"* OK\"")}), verdict::fail},
      {"settings/auth/offered", settings_role::server,
       all({srv, auth({"password-cleartext", "password-encrypted"}),
            real(socket_kind::ssl, {"IMAP4REV1", "AUTH=PLAIN", "AUTH=SCRAM-SHA-256"})}),
       all({srv, auth({"password-cleartext", "OAuth2"}), real(socket_kind::ssl, {"IMAP4REV1", "AUTH=PLAIN", "AUTH=SCRAM-SHA-256"})}),
       verdict::fail},
      {"policy/mta-sts/txt-record", settings_role::mta_sts, sts,
       sts_with([](settings_facts& f) { f.sts_txt = {"v=STSv1; id=not-alnum"}; }), verdict::fail},
      {"policy/mta-sts/policy-fetch", settings_role::mta_sts, sts,
       sts_with([](settings_facts& f) {
         f.sts_fetch = "TLS handshake with mta-sts.lab.test: certificate not valid for mta-sts.lab.test";
       }),
       verdict::fail},
      {"policy/mta-sts/content-type", settings_role::mta_sts, sts,
       sts_with([](settings_facts& f) { f.sts_content_type = "text/html"; }), verdict::fail},
      {"policy/mta-sts/policy-syntax", settings_role::mta_sts, sts,
       body("version: STSv1\nmode: strict\nmx: *.lab.test\nmax_age: 604800\n"), verdict::fail},
      {"policy/mta-sts/max-age", settings_role::mta_sts, sts,
       body("version: STSv1\nmode: enforce\nmx: *.lab.test\nmax_age: 31557601\n"), verdict::fail},
      {"policy/mta-sts/mx-match", settings_role::mta_sts, sts,
       sts_with([](settings_facts& f) { f.mx_hosts = {"mx.lab.test", "mail.other.test"}; }), verdict::fail},
      {"policy/mta-sts/mx-starttls", settings_role::mx,
       [](settings_facts& f) {
         f.mx_host = "mx.lab.test";
         f.sts_mode = "enforce";
       },
       [](settings_facts& f) {
         f.mx_host = "mx.lab.test";
         f.sts_mode = "enforce";
       },
       verdict::fail,
       [](mailspec::session::record& rec, bool broken) {
         rec.result.probe.emplace().starttls = mailspec::starttls_attempt{mailspec::starttls_outcome::ok, ""};
         mailspec::tls_facts t;
         t.chain_ok = true;
         t.hostname_ok = !broken;  // the broken fixture: a certificate for another name
         rec.result.tls.push_back(t);
       }},
      // DANE (RFC 7672): the MX case's DNSSEC facts and the handshake's DANE facts.
      {"policy/dane/dnssec-valid", settings_role::mx, dane(), dane([](settings_facts& f) {
         f.dnssec_tlsa = "bogus";
         f.why_bogus = "TLSA _25._tcp.mx.lab.test: signature crypto failed";
       }),
       verdict::fail},
      {"policy/dane/published", settings_role::mx, dane(), dane([](settings_facts& f) {
         f.dnssec_tlsa = f.dnssec_address = f.dnssec_mx = "insecure";
       }),
       verdict::info},
      {"policy/dane/tlsa-match", settings_role::mx, dane(), dane(), verdict::fail,
       [](mailspec::session::record& rec, bool broken) { handshake(rec, !broken, {0, -1}); }},
      {"policy/dane/records", settings_role::mx, dane(), dane([](settings_facts& f) { f.tlsa = {"1 1 1 " + hex64()}; }),
       verdict::warn},
      {"policy/dane/rollover", settings_role::mx, dane(), dane(), verdict::info,
       [](mailspec::session::record& rec, bool broken) { handshake(rec, true, broken ? std::vector<int>{0, 0} : std::vector<int>{0, -1}); }},
      {"policy/dane/expiry", settings_role::mx, dane(), dane(), verdict::warn,
       [](mailspec::session::record& rec, bool broken) {
         handshake(rec, true, {0, -1}, "2 1 1 " + hex64());
         rec.result.tls.back().leaf->not_after_epoch = std::time(nullptr) + (broken ? 5 : 90) * 86400;
       }},
      // Other sources of settings, and the comparison.
      {"settings/autodiscover/valid", settings_role::discovery,
       [](settings_facts& f) { f.autodiscover_source = "https://autodiscover.lab.test/autodiscover/autodiscover.xml"; },
       [](settings_facts& f) {
         f.autodiscover_errors = {"https://autodiscover.lab.test/autodiscover/autodiscover.xml: malformed XML at byte 9"};
       },
       verdict::fail},
      {"settings/ispdb/used", settings_role::discovery, ac_https,
       [](settings_facts& f) { f.autoconfig_source = "ISPDB https://ispdb.lab.test/v1.1/lab.test"; }, verdict::info},
      {"settings/consistency/sources", settings_role::discovery,
       [](settings_facts& f) {
         f.comparison = {"imap imap.lab.test:993 SSL | https://autoconfig.lab.test/x", "imap imap.lab.test:993 SSL | SRV"};
       },
       [](settings_facts& f) {
         f.comparison = {"imap imap.lab.test:993 SSL | a", "imap mail.lab.test:993 SSL | b"};
         f.disagreements = {"imap (implicit TLS): a says imap.lab.test:993 SSL; b says mail.lab.test:993 SSL"};
       },
       verdict::warn},
      {"settings/guessed/plaintext-login", settings_role::server, guessed(), guessed(), verdict::fail,
       [](mailspec::session::record& rec, bool broken) {
         rec.result.capabilities_before_tls = broken ? std::vector<std::string>{"IMAP4rev1", "STARTTLS", "AUTH=PLAIN"}
                                                     : std::vector<std::string>{"IMAP4rev1", "STARTTLS", "LOGINDISABLED"};
       }},
      {"policy/tls-rpt/record", settings_role::tls_rpt,
       [](settings_facts& f) {
         f.rpt_status = "ok";
         f.rpt_txt = {"v=TLSRPTv1; rua=mailto:tlsrpt@lab.test"};
       },
       [](settings_facts& f) {
         f.rpt_status = "ok";
         f.rpt_txt = {"v=TLSRPTv1; rua=ftp://reports.lab.test"};
       },
       verdict::fail},
  };
}

mailspec::session::record record_of(settings_role role, const facts& set) {
  mailspec::session::record rec;
  rec.result.kind = "settings";
  auto& f = rec.result.settings.emplace();
  f.role = role;
  if (set) set(f);
  return rec;
}

std::vector<mailspec::finding> settings_judge(const mailspec::session::record& rec, mailspec::rules::judge_options o = {}) {
  return mailspec::rules::judge(rec, d::catalogue(), o);
}

const mailspec::rules::rule* settings_rule(const std::string& id) {
  for (const auto& r : d::catalogue())
    if (r.id == id) return &r;
  return nullptr;
}

std::vector<mailspec::finding> run(const fixture& x, bool broken) {
  auto rec = record_of(x.role, broken ? x.broken : x.pass);
  if (x.tweak) x.tweak(rec, broken);
  mailspec::rules::judge_options o;
  o.only = {x.rule};
  return settings_judge(rec, o);
}

}  // namespace

TEST_CASE("settings rules: every rule has a passing and a failing fixture") {
  std::set<std::string> covered;
  for (const auto& x : fixtures()) {
    INFO(x.rule);
    REQUIRE(settings_rule(x.rule));
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
    CHECK((r.id.rfind("settings/", 0) == 0 || r.id.rfind("policy/mta-sts/", 0) == 0 || r.id.rfind("policy/tls-rpt/", 0) == 0 ||
           r.id.rfind("policy/dane/", 0) == 0));
    CHECK(mailspec::rules::protocol_book().find(r.id) == nullptr);
    CHECK(mailspec::audit::find_rule(r.id) == nullptr);
  }
}

TEST_CASE("settings rules: the seed problem, a cleartext password over plain, is critical") {
  auto rec = record_of(settings_role::server, published("pop3", "plain", {"password-cleartext"}));
  auto out = settings_judge(rec);
  bool critical = false, plain = false;
  for (const auto& x : out) {
    if (x.rule == "settings/auth/cleartext-needs-tls" && x.result == verdict::fail) critical = x.sev == mailspec::severity::critical;
    if (x.rule == "settings/socket-type/not-plain" && x.result == verdict::fail) plain = true;
  }
  CHECK(critical);
  CHECK(plain);
}

TEST_CASE("settings rules: the published method is looked up per protocol") {
  auto offered = [](const std::string& type, const std::string& method, std::vector<std::string> caps) {
    auto rec = record_of(settings_role::server, all({published(type, "SSL", {method}), real(socket_kind::ssl, caps)}));
    mailspec::rules::judge_options o;
    o.only = {"settings/auth/offered"};
    auto out = settings_judge(rec, o);
    return !out.empty() && out[0].result == verdict::pass;
  };
  CHECK(offered("imap", "password-cleartext", {"IMAP4REV1", "AUTH=SCRAM-SHA-256"}));  // LOGIN command, no LOGINDISABLED
  CHECK_FALSE(offered("imap", "password-cleartext", {"IMAP4REV1", "LOGINDISABLED"}));
  CHECK(offered("pop3", "password-cleartext", {"USER", "SASL SCRAM-SHA-256"}));
  CHECK_FALSE(offered("pop3", "password-encrypted", {"USER", "SASL PLAIN"}));
  CHECK(offered("smtp", "password-encrypted", {"SIZE 100", "AUTH PLAIN CRAM-MD5"}));
  CHECK(offered("smtp", "OAuth2", {"AUTH=XOAUTH2"}));
  CHECK_FALSE(offered("smtp", "password-cleartext", {"SIZE 100", "PIPELINING"}));
  CHECK(offered("smtp", "TLS-client-cert", {"AUTH EXTERNAL"}));
}

TEST_CASE("settings rules: a DNS timeout is an error, never a fail of the published name") {
  auto rec = record_of(settings_role::server, all({published("imap", "SSL", {}), [](settings_facts& f) {
                                                     f.resolve_error = "A: no answer (timeout)";
                                                     f.resolve_status = "timeout";
                                                   }}));
  mailspec::rules::judge_options o;
  o.only = {"settings/published/hostname-resolves"};
  auto out = settings_judge(rec, o);
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == verdict::error);
}

TEST_CASE("settings rules: a short MTA-STS max_age warns, --strict fails it") {
  auto rec = record_of(settings_role::mta_sts, body("version: STSv1\nmode: testing\nmx: *.lab.test\nmax_age: 3600\n"));
  mailspec::rules::judge_options o;
  o.only = {"policy/mta-sts/max-age"};
  auto out = settings_judge(rec, o);
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == verdict::warn);
  o.strict = true;
  CHECK(settings_judge(rec, o)[0].result == verdict::fail);
}

TEST_CASE("settings rules: DANE mismatch names the MX address and the records, and bogus is never insecure") {
  auto rec = record_of(settings_role::mx, dane());
  handshake(rec, false, {-1, -1});
  mailspec::rules::judge_options o;
  o.only = {"policy/dane/tlsa-match"};
  auto out = settings_judge(rec, o);
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == verdict::fail);
  CHECK(out[0].actual.find("127.0.0.1:25") != std::string::npos);
  CHECK(out[0].expected.find("3 1 1 " + hex64()) != std::string::npos);
  // A bogus TLSA RRset: dnssec-valid fails, and no rule reports "no DANE" (insecure) for it.
  auto bogus = record_of(settings_role::mx, dane([](settings_facts& f) { f.dnssec_tlsa = "bogus"; }));
  o.only = {"policy/dane/"};
  auto found = settings_judge(bogus, o);
  bool failed = false;
  for (const auto& x : found) {
    if (x.rule == "policy/dane/dnssec-valid") failed = x.result == verdict::fail;
    CHECK_FALSE((x.rule == "policy/dane/published" && x.result == verdict::info));
  }
  CHECK(failed);
  // Not validated (no trust anchor): an info, nothing judged.
  auto plain = record_of(settings_role::mx, dane([](settings_facts& f) { f.dnssec_tlsa = f.dnssec_address = f.dnssec_mx = "not validated"; }));
  auto info = settings_judge(plain, o);
  REQUIRE(info.size() == 1);
  CHECK(info[0].rule == "policy/dane/published");
  CHECK(info[0].result == verdict::info);
}

TEST_CASE("settings rules: a DANE-EE certificate near expiry is only an info (RFC 7672 §3.1.1)") {
  auto rec = record_of(settings_role::mx, dane());
  handshake(rec, true, {0, -1});
  rec.result.tls.back().leaf->not_after_epoch = std::time(nullptr) + 86400;
  mailspec::rules::judge_options o;
  o.only = {"policy/dane/expiry"};
  auto out = settings_judge(rec, o);
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == verdict::info);
}
