// The settings/ and policy/ rules on fixtures: every rule of discovery::catalogue() has a
// passing and a failing fixture (the typed settings facts the discovery and verification record).
#include <catch2/catch.hpp>
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
    CHECK((r.id.rfind("settings/", 0) == 0 || r.id.rfind("policy/mta-sts/", 0) == 0 || r.id.rfind("policy/tls-rpt/", 0) == 0));
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
