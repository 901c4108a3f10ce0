// The audit's own rules (audit::catalogue()): for every rule a probe record that makes it hold
// and one that breaks it, built from the facts the probes store in case_result.extra
// (audit/probe.hpp, namespace key). And the meta-test: every rule `mailspec rules` lists, protocol
// and audit catalogues alike, has a passing and a failing fixture somewhere, so no rule is dead.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "audit/probe.hpp"
#include "rules_fixture.hpp"
#ifdef MAILSPEC_HAVE_DISCOVERY
#include "discovery/settings.hpp"
#endif

namespace {

namespace audit = mailspec::audit;
namespace key = mailspec::audit::detail::key;
using mailspec::level;
using mailspec::verdict;
using mailspec::session::record;
using facts = std::map<std::string, std::string>;

// One probe record as the audit makes it: probe family, service, protocol and the facts.
std::function<record()> probe(std::string family, std::string service, facts f) {
  return [=] {
    record rec;
    auto& c = rec.result;
    c.kind = "audit";
    c.protocol = service == "smtp" || service == "submission" || service == "submissions" ? "smtp"
                 : service.rfind("imap", 0) == 0                                            ? "imap"
                                                                                             : "pop3";
    c.target.host = "mail.example";
    c.target.ip = "127.0.0.1";
    c.target.port = 10000;
    c.target.tls_mode = family == "tls" || service.back() == 's' ? "implicit" : "starttls";
    c.extra = f;
    c.extra[key::probe] = family;
    c.extra[key::service] = service;
    return rec;
  };
}

verdict broken_verdict(level l) {
  return l == level::must ? verdict::fail : l == level::should ? verdict::warn : verdict::info;
}

// A fixture and what the rule must make of it. Observation rules (audit/banner, the TLS version
// list, capabilities before/after TLS) never hold: they report what they saw as `info`, so their
// "passing" fixture is one where the observation does not apply and the rule stays silent.
struct audit_case {
  std::string id;
  std::string what;
  std::function<record()> make;
  std::optional<verdict> expect;  // nullopt: no finding at all
  bool strict = false;
};

// The verdict a broken rule gives by the level convention (fail / warn / info).
std::optional<verdict> broken(const std::string& id) { return broken_verdict(audit::find_rule(id)->lvl); }
const std::optional<verdict> held = verdict::pass;
const std::optional<verdict> silent = std::nullopt;
// The broken verdict the checks choose explicitly: the harness could not test (error), or a
// finding that is only reported on a public MX (info, RFC 3207 §4).
const std::optional<verdict> as_error = verdict::error;
const std::optional<verdict> as_info = verdict::info;

const facts banner{{key::banner, "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready."}, {key::software, "Dovecot"}};

facts with(facts f, const facts& more) {
  for (const auto& [k, v] : more) f[k] = v;
  return f;
}

const std::vector<audit_case>& audit_cases() {
  static const std::vector<audit_case> all = [] {
    std::vector<audit_case> v;
    auto add = [&v](std::string id, std::string what, std::function<record()> make, std::optional<verdict> expect,
                    bool strict = false) { v.push_back({std::move(id), std::move(what), std::move(make), expect, strict}); };
    const std::string starttls_ok = "ok";

    add("audit/reachable", "greeted on the main probe", probe("starttls", "imap", banner), held);
    add("audit/reachable", "connection refused", probe("starttls", "imap", {{key::unreachable, "connection refused"}}),
        as_error);
    add("audit/reachable", "implicit TLS port that never answered", probe("tls", "imaps", {{key::unreachable, "timeout"}}),
        as_error);
    add("audit/reachable", "a secondary probe says nothing about reachability", probe("tls-versions", "imaps", {}), silent);

    add("audit/throttled", "normal greeting", probe("starttls", "submission", {{key::banner, "220 mx ESMTP Postfix"}}), held);
    add("audit/throttled", "421 greeting",
        probe("starttls", "submission", {{key::throttled, "421 4.7.0 too many connections"}}), as_error);

    add("audit/protocol/greeting", "IMAP * OK", probe("starttls", "imap", banner), held);
    add("audit/protocol/greeting", "SSH banner on the IMAP port",
        probe("starttls", "imap", {{key::banner, "SSH-2.0-OpenSSH_9.2"}, {key::wrong_protocol, "SSH-2.0-OpenSSH_9.2"}}),
        broken("audit/protocol/greeting"));
    add("audit/protocol/greeting", "a throttled greeting is not judged",
        probe("starttls", "imap", with(banner, {{key::throttled, "* BYE too many"}})), silent);

    add("audit/banner", "banner observed", probe("starttls", "imap", banner), broken("audit/banner"));
    add("audit/banner", "not the main probe", probe("plaintext-login", "imap", banner), silent);

    add("audit/starttls/works", "offered and upgraded",
        probe("starttls", "imap", {{key::starttls_offered, "yes"}, {key::starttls_result, starttls_ok}}), held);
    add("audit/starttls/works", "offered, refused",
        probe("starttls", "submission", {{key::starttls_offered, "yes"}, {key::starttls_result, "refused: 454 4.7.0 TLS not available"}}),
        broken("audit/starttls/works"));
    add("audit/starttls/works", "not offered on IMAP",
        probe("starttls", "imap", {{key::starttls_offered, "no"}, {key::starttls_result, "refused: a1 BAD unknown"}}),
        broken("audit/starttls/works"));
    add("audit/starttls/works", "not offered on a public MX: reported, not failed",
        probe("starttls", "smtp", {{key::starttls_offered, "no"}, {key::starttls_result, "refused: 502 5.5.1 unknown"}}),
        as_info);
    add("audit/starttls/works", "handshake failed on the MX although offered",
        probe("starttls", "smtp", {{key::starttls_offered, "yes"}, {key::starttls_result, "handshake failed: no shared cipher"}}),
        broken("audit/starttls/works"));

    add("audit/implicit-tls/works", "handshake completed", probe("tls", "imaps", {{key::implicit_tls, "ok"}}), held);
    add("audit/implicit-tls/works", "handshake failed",
        probe("tls", "pop3s", {{key::implicit_tls, "handshake failed: wrong version number"}}),
        broken("audit/implicit-tls/works"));
    add("audit/implicit-tls/works", "a STARTTLS port is not judged", probe("starttls", "imap", {{key::implicit_tls, "ok"}}),
        silent);

    const std::string rba = "tls/starttls/required-before-auth";
    add(rba, "nothing offered before TLS", probe("plaintext-login", "submission", {{key::login_advertised, ""}}), held);
    add(rba, "AUTH PLAIN before STARTTLS", probe("plaintext-login", "submission", {{key::login_advertised, "AUTH PLAIN LOGIN"}}),
        broken(rba));
    add(rba, "strict: SHOULD becomes fail", probe("plaintext-login", "imap", {{key::login_advertised, "LOGIN"}}),
        verdict::fail, true);
    // Review: credentials on the MX are RFC 4954 §4's SHOULD NOT, a warning (was info).
    add(rba, "public MX: a warning, not a fail", probe("plaintext-login", "smtp", {{key::login_advertised, "AUTH PLAIN"}}),
        verdict::warn);

    for (const char* p : {"smtp", "imap", "pop3"}) {
      const std::string id = std::string("audit/plaintext-login/") + p;
      const std::string svc = std::string(p) == "smtp" ? "submission" : p;
      const facts canary{{key::canary_user, "mailspec-canary-1234"}};
      add(id, "refused before evaluation",
          probe("plaintext-login", svc, with(canary, {{key::login_outcome, "refused"}, {key::login_reply, "NO [PRIVACYREQUIRED]"}})),
          held);
      add(id, "evaluated over plaintext",
          probe("plaintext-login", svc,
                with(canary, {{key::login_outcome, "evaluated"}, {key::login_reply, "NO [AUTHENTICATIONFAILED]"}})),
          broken(id));
      add(id, "canary accepted over plaintext",
          probe("plaintext-login", svc, with(canary, {{key::login_outcome, "accepted"}, {key::login_reply, "OK"}})), broken(id));
      add(id, "inconclusive: an observation",
          probe("plaintext-login", svc, with(canary, {{key::login_outcome, "inconclusive"}, {key::login_reply, "(timeout)"}})),
          as_info);
      add(id, "another protocol's record is not judged",
          probe("plaintext-login", std::string(p) == "imap" ? "pop3" : "imap", with(canary, {{key::login_outcome, "evaluated"}})),
          silent);
    }
    add("audit/plaintext-login/smtp", "public MX evaluating credentials: a warning, not a fail",
        probe("plaintext-login", "smtp", {{key::login_outcome, "evaluated"}, {key::login_reply, "535 5.7.8 failed"}}),
        verdict::warn);
    add("audit/plaintext-login/smtp", "public MX evaluating credentials, strict: fail",
        probe("plaintext-login", "smtp", {{key::login_outcome, "evaluated"}, {key::login_reply, "535 5.7.8 failed"}}),
        verdict::fail, true);

    for (const char* p : {"smtp", "imap", "pop3"}) {
      const std::string id = std::string("audit/starttls-injection/") + p;
      const std::string svc = std::string(p) == "smtp" ? "submission" : p;
      add(id, "injected command discarded", probe("injection", svc, {{key::injection, "not-vulnerable"}}), held);
      add(id, "injected command refused",
          probe("injection", svc, {{key::injection, "refused"}, {key::injection_evidence, "BAD pipelined"}}), held);
      add(id, "injected command answered after TLS",
          probe("injection", svc, {{key::injection, "vulnerable"}, {key::injection_evidence, "502 5.5.2 unknown"}}),
          broken(id));
      add(id, "probe could not complete",
          probe("injection", svc, {{key::injection, "inconclusive"}, {key::injection_evidence, "timeout"}}), as_error);
      add(id, "throttled: audit/throttled says why",
          probe("injection", svc, {{key::injection, "inconclusive"}, {key::throttled, "421 busy"}}), silent);
    }

    const std::string caps = "audit/capabilities/before-after-tls";
    add(caps, "compared after a working STARTTLS",
        probe("starttls", "imap", {{key::starttls_result, "ok"}, {key::caps_removed, "STARTTLS, LOGINDISABLED"}}), broken(caps));
    add(caps, "no TLS, nothing to compare", probe("starttls", "imap", {{key::starttls_result, "refused: a1 NO"}}), silent);

    const std::string modern = "tls/version/modern-supported";
    add(modern, "TLS 1.2 accepted",
        probe("tls-versions", "imaps", {{"tls.version.TLSv1.2", "accepted (ECDHE-RSA-AES256-GCM-SHA384)"},
                                        {"tls.version.TLSv1.3", "refused: protocol version"}}),
        held);
    add(modern, "only TLS 1.0 accepted",
        probe("tls-versions", "imaps", {{"tls.version.TLSv1", "accepted (AES256-SHA)"},
                                        {"tls.version.TLSv1.2", "refused: protocol version"},
                                        {"tls.version.TLSv1.3", "refused: protocol version"}}),
        broken(modern));
    add(modern, "TLS 1.3 not probed: not judged",
        probe("tls-versions", "imaps", {{"tls.version.TLSv1.2", "refused: protocol version"}}), silent);

    const std::string versions = "audit/tls/versions";
    add(versions, "versions listed",
        probe("tls-versions", "imaps", {{"tls.version.TLSv1.1", "refused: protocol version"},
                                        {"tls.version.TLSv1.3", "accepted (TLS_AES_256_GCM_SHA384)"}}),
        broken(versions));
    add(versions, "no version probed", probe("tls-versions", "imaps", {}), silent);

    const std::string weak = "audit/tls/weak-ciphers";
    add(weak, "weak-only offer refused", probe("tls-ciphers", "imaps", {{key::weak_ciphers, "refused: no shared cipher"}}), held);
    add(weak, "weak suite negotiated",
        probe("tls-ciphers", "imaps", {{key::weak_ciphers, "accepted: TLSv1.2 DES-CBC3-SHA"}}), broken(weak));
    add(weak, "strict: SHOULD becomes fail",
        probe("tls-ciphers", "pop3s", {{key::weak_ciphers, "accepted: TLSv1.2 RC4-SHA"}}), verdict::fail, true);
    add(weak, "public MX: reported, not failed",
        probe("tls-ciphers", "smtp", {{key::weak_ciphers, "accepted: TLSv1.2 DES-CBC3-SHA"}}), as_info);
    return v;
  }();
  return all;
}

std::vector<mailspec::finding> audit_findings(const record& rec, const std::string& id, bool strict) {
  mailspec::rules::judge_options o;
  o.only = {id};
  o.strict = strict;
  std::vector<mailspec::finding> out;
  for (auto& f : audit::judge(rec, o))
    if (f.rule == id) out.push_back(std::move(f));
  return out;
}

bool observation(const mailspec::rules::rule& r) { return r.lvl == level::info; }

// The ids with a fixture that makes them hold and one that breaks them (observation rules:
// one where they observe and one where they stay silent).
std::set<std::string> audit_covered() {
  std::map<std::string, std::pair<bool, bool>> seen;
  for (const auto& c : audit_cases()) {
    const auto* r = audit::find_rule(c.id);
    if (!r) continue;
    bool good = observation(*r) ? !c.expect : c.expect == verdict::pass;
    bool bad = c.expect && *c.expect != verdict::pass;
    seen[c.id].first |= good;
    seen[c.id].second |= bad;
  }
  std::set<std::string> out;
  for (const auto& [id, pf] : seen)
    if (pf.first && pf.second) out.insert(id);
  return out;
}

std::set<std::string> protocol_covered() {
  std::set<std::string> out;
  for (const auto* t : {&rules_fixture::smtp_cases(), &rules_fixture::pop3_cases(), &rules_fixture::imap_cases(),
                        &rules_fixture::tls_cases(), &rules_fixture::sasl_cases()})
    for (const auto& c : *t)
      if (c.pass && c.fail) out.insert(c.id);
  return out;
}

// What `mailspec rules --format json` lists, from the built binary.
nlohmann::json listed_rules() {
  const std::string cmd = std::string(MAILSPEC_BINARY_DIR) + "/mailspec rules --format json";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  REQUIRE(p);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p.get())) > 0 && out.size() < (8u << 20);) out.append(buf, n);
  return nlohmann::json::parse(out);
}

}  // namespace

TEST_CASE("audit rules hold, break and stay silent on their probe fixtures") {
  for (const auto& c : audit_cases()) {
    INFO("rule " << c.id << ": " << c.what);
    const auto* r = audit::find_rule(c.id);
    REQUIRE(r != nullptr);
    auto fs = audit_findings(c.make(), c.id, c.strict);
    if (!c.expect) {
      CHECK(fs.empty());
      continue;
    }
    REQUIRE(fs.size() == 1);
    const auto& f = fs.front();
    INFO("actual: " << f.actual << " message: " << f.message);
    CHECK(f.result == *c.expect);
    CHECK(f.rule == r->id);
    CHECK(f.spec == r->spec);
    CHECK(f.requirement == r->requirement);
    if (f.result == verdict::pass) CHECK(f.message.empty());
    if (f.result == verdict::fail || f.result == verdict::warn) {
      CHECK(f.sev == r->sev);
      CHECK_FALSE(f.actual.empty());
    }
    if (f.result == verdict::error) CHECK(f.sev == mailspec::severity::none);
  }
}

TEST_CASE("every audit rule has a fixture that makes it hold and one that breaks it") {
  auto covered = audit_covered();
  for (const auto& r : audit::catalogue()) {
    INFO("audit rule without a holding and a breaking fixture: " << r.id);
    CHECK(covered.count(r.id) == 1);
  }
  for (const auto& c : audit_cases()) {
    INFO("fixture for an unknown audit rule: " << c.id);
    CHECK(audit::find_rule(c.id) != nullptr);
  }
}

TEST_CASE("every rule that mailspec rules lists has a passing and a failing fixture") {
  auto audit_ok = audit_covered();
  auto protocol_ok = protocol_covered();
  std::set<std::string> catalogue_ids;
  for (const auto& r : mailspec::rules::catalogue()) catalogue_ids.insert(r.id);
  for (const auto& r : audit::catalogue()) {
    INFO("id in both catalogues: " << r.id);
    CHECK(catalogue_ids.insert(r.id).second);
  }
#ifdef MAILSPEC_HAVE_DISCOVERY
  // settings/ and policy/ rules: unit-discovery-rules.cpp holds their passing and failing
  // fixtures and checks that every one of them has both; here only that the listing has them.
  std::set<std::string> settings_ids;
  for (const auto& r : mailspec::discovery::catalogue()) {
    INFO("id in two catalogues: " << r.id);
    CHECK(catalogue_ids.insert(r.id).second);
    settings_ids.insert(r.id);
  }
#endif
  auto listed = listed_rules();
  REQUIRE(listed.is_array());
  std::set<std::string> listed_ids;
  for (const auto& e : listed) {
    std::string id = e.at("id").get<std::string>();
    INFO("listed rule: " << id);
    CHECK(listed_ids.insert(id).second);
    CHECK(catalogue_ids.count(id) == 1);
    bool audit_rule = audit::find_rule(id) != nullptr;
#ifdef MAILSPEC_HAVE_DISCOVERY
    if (settings_ids.count(id)) continue;
#endif
    CHECK((audit_rule ? audit_ok : protocol_ok).count(id) == 1);
  }
  CHECK(listed_ids == catalogue_ids);
}
