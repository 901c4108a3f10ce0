// The audit's own rules (audit::catalogue()): for every rule a probe record that makes it hold
// and one that breaks it, built from the typed facts the probes record (core/facts.hpp). And the
// meta-test: every rule `mailspec rules` lists, protocol and audit catalogues alike, has a
// passing and a failing fixture somewhere, so no rule is dead.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "rules_fixture.hpp"
#ifdef MAILSPEC_HAVE_DISCOVERY
#include "discovery/settings.hpp"
#endif
#ifdef MAILSPEC_HAVE_SERVER
#include "server/serve.hpp"
#endif

namespace {

namespace audit = mailspec::audit;
using mailspec::handshake_attempt;
using mailspec::handshake_outcome;
using mailspec::injection_outcome;
using mailspec::level;
using mailspec::login_outcome;
using mailspec::probe_facts;
using mailspec::probe_family;
using mailspec::starttls_attempt;
using mailspec::starttls_outcome;
using mailspec::verdict;
using mailspec::session::record;
using facts = std::function<void(probe_facts&)>;

// One probe record as the audit makes it: probe family, service, protocol and the facts.
std::function<record()> probe(probe_family family, std::string service, facts set = {}) {
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
    c.target.tls_mode = family == probe_family::tls || service.back() == 's' ? "implicit" : "starttls";
    c.target.service = service;
    auto& f = c.probe.emplace();
    f.family = family;
    if (set) set(f);
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

constexpr auto main_starttls = probe_family::starttls;
constexpr auto main_tls = probe_family::tls;
constexpr auto login = probe_family::plaintext_login;
constexpr auto inject = probe_family::injection;
constexpr auto versions_probe = probe_family::tls_versions;
constexpr auto ciphers = probe_family::tls_ciphers;

void banner(probe_facts& f) {
  f.banner = "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.";
  f.software = "Dovecot";
}
facts starttls(std::optional<bool> offered, starttls_outcome r, std::string detail = "") {
  return [=](probe_facts& f) {
    f.starttls_offered = offered;
    f.starttls = starttls_attempt{r, detail};
  };
}
facts advertised(std::vector<std::string> v) {
  return [=](probe_facts& f) { f.login_advertised = v; };
}
facts login_as(login_outcome o, std::string reply) {
  return [=](probe_facts& f) {
    f.canary_user = "mailspec-canary-1234";
    f.login = o;
    f.login_reply = reply;
  };
}
facts injection(injection_outcome o, std::string evidence, std::optional<std::string> throttled = std::nullopt) {
  return [=](probe_facts& f) {
    f.injection = o;
    f.injection_evidence = evidence;
    f.throttled = throttled;
  };
}
handshake_attempt accepted(std::string cipher) { return {handshake_outcome::accepted, cipher}; }
handshake_attempt refused(std::string why) { return {handshake_outcome::refused, why}; }
facts versions(std::map<std::string, handshake_attempt> v) {
  return [=](probe_facts& f) { f.versions = v; };
}
facts weak(handshake_attempt a) {
  return [=](probe_facts& f) { f.weak_ciphers = a; };
}

// SMTP smuggling (audit/smuggling.cpp): every outcome of every variant, as the probe records it.
template <class Add>
void add_smuggling_cases(Add& add) {
  using so = mailspec::smuggling_outcome;
  auto smuggled = [](std::string variant, so o, std::string evidence) -> facts {
    return [=](probe_facts& f) { f.smuggling[variant] = {o, evidence}; };
  };
  auto smuggling = [&](std::string variant, so o, std::string evidence) {
    return probe(probe_family::smtp_smuggling, "smtp", smuggled(variant, o, evidence));
  };
  const std::string queued = "250 2.0.0 Ok: queued as 4F1", bare = "550 5.5.2 Error: bare <LF> received";
  for (const char* v : {"lf-dot-lf", "cr-dot-cr", "lf-dot-crlf", "crlf-dot-lf"}) {
    const std::string id = std::string("audit/smtp-smuggling/") + v;
    add(id, "kept as data", smuggling(v, so::accepted, queued), held);
    add(id, "message rejected", smuggling(v, so::rejected, bare), held);
    add(id, "DATA ended early, the NOOP answered",
        smuggling(v, so::ends_data, queued + " | 250 2.0.0 Ok | 500 5.5.2 Error: command not recognized"), broken(id));
    add(id, "envelope refused: not tested", smuggling(v, so::not_tested, "MAIL FROM refused: 530 5.7.0 Must issue a STARTTLS command first"),
        verdict::skip);
    add(id, "no reply to the message", smuggling(v, so::no_answer, "timeout"), as_error);
    add(id, "another variant's connection", smuggling("bare-cr", so::accepted, queued), silent);
    add(id, "another family", probe(inject, "smtp"), silent);
  }
  add("audit/smtp-smuggling/bare-lf", "rejected", smuggling("bare-lf", so::rejected, bare), held);
  add("audit/smtp-smuggling/bare-lf", "the server closed instead of a reply",
      smuggling("bare-lf", so::rejected, "the server closed the connection without a reply"), held);
  add("audit/smtp-smuggling/bare-lf", "accepted", smuggling("bare-lf", so::accepted, queued),
      broken("audit/smtp-smuggling/bare-lf"));
  add("audit/smtp-smuggling/bare-cr", "accepted: observed", smuggling("bare-cr", so::accepted, queued), as_info);
  add("audit/smtp-smuggling/bare-cr", "rejected: observed", smuggling("bare-cr", so::rejected, bare), as_info);
  add("audit/smtp-smuggling/bare-cr", "not probed", smuggling("bare-lf", so::accepted, queued), silent);
}

const std::vector<audit_case>& audit_cases() {
  static const std::vector<audit_case> all = [] {
    std::vector<audit_case> v;
    auto add = [&v](std::string id, std::string what, std::function<record()> make, std::optional<verdict> expect,
                    bool strict = false) { v.push_back({std::move(id), std::move(what), std::move(make), expect, strict}); };

    add("audit/reachable", "greeted on the main probe", probe(main_starttls, "imap", banner), held);
    add("audit/reachable", "connection refused",
        probe(main_starttls, "imap", [](probe_facts& f) { f.unreachable = "connection refused"; }), as_error);
    add("audit/reachable", "implicit TLS port that never answered",
        probe(main_tls, "imaps", [](probe_facts& f) { f.unreachable = "timeout"; }), as_error);
    add("audit/reachable", "a secondary probe says nothing about reachability", probe(versions_probe, "imaps"), silent);

    add("audit/throttled", "normal greeting",
        probe(main_starttls, "submission", [](probe_facts& f) { f.banner = "220 mx ESMTP Postfix"; }), held);
    add("audit/throttled", "421 greeting",
        probe(main_starttls, "submission", [](probe_facts& f) { f.throttled = "421 4.7.0 too many connections"; }), as_error);

    add("audit/protocol/greeting", "IMAP * OK", probe(main_starttls, "imap", banner), held);
    add("audit/protocol/greeting", "SSH banner on the IMAP port", probe(main_starttls, "imap", [](probe_facts& f) {
          f.banner = f.wrong_protocol = "SSH-2.0-OpenSSH_9.2";
        }),
        broken("audit/protocol/greeting"));
    add("audit/protocol/greeting", "a throttled greeting is not judged", probe(main_starttls, "imap", [](probe_facts& f) {
          banner(f);
          f.throttled = "* BYE too many";
        }),
        silent);

    add("audit/banner", "banner observed", probe(main_starttls, "imap", banner), broken("audit/banner"));
    add("audit/banner", "not the main probe", probe(login, "imap", banner), silent);

    add("audit/starttls/works", "offered and upgraded", probe(main_starttls, "imap", starttls(true, starttls_outcome::ok)),
        held);
    add("audit/starttls/works", "offered, refused",
        probe(main_starttls, "submission", starttls(true, starttls_outcome::refused, "454 4.7.0 TLS not available")),
        broken("audit/starttls/works"));
    add("audit/starttls/works", "not offered on IMAP",
        probe(main_starttls, "imap", starttls(false, starttls_outcome::refused, "a1 BAD unknown")),
        broken("audit/starttls/works"));
    add("audit/starttls/works", "not offered on a public MX: reported, not failed",
        probe(main_starttls, "smtp", starttls(false, starttls_outcome::refused, "502 5.5.1 unknown")), as_info);
    add("audit/starttls/works", "handshake failed on the MX although offered",
        probe(main_starttls, "smtp", starttls(true, starttls_outcome::handshake_failed, "no shared cipher")),
        broken("audit/starttls/works"));

    add("audit/implicit-tls/works", "handshake completed",
        probe(main_tls, "imaps", [](probe_facts& f) { f.implicit_tls = accepted("TLS_AES_256_GCM_SHA384"); }), held);
    add("audit/implicit-tls/works", "handshake failed",
        probe(main_tls, "pop3s", [](probe_facts& f) { f.implicit_tls = refused("wrong version number"); }),
        broken("audit/implicit-tls/works"));
    add("audit/implicit-tls/works", "a STARTTLS port is not judged",
        probe(main_starttls, "imap", [](probe_facts& f) { f.implicit_tls = accepted("x"); }), silent);

    const std::string rba = "tls/starttls/required-before-auth";
    add(rba, "nothing offered before TLS", probe(login, "submission", advertised({})), held);
    add(rba, "AUTH PLAIN before STARTTLS", probe(login, "submission", advertised({"AUTH PLAIN LOGIN"})), broken(rba));
    add(rba, "strict: SHOULD becomes fail", probe(login, "imap", advertised({"LOGIN"})), verdict::fail, true);
    // Review: credentials on the MX are RFC 4954 §4's SHOULD NOT, a warning (was info).
    add(rba, "public MX: a warning, not a fail", probe(login, "smtp", advertised({"AUTH PLAIN"})), verdict::warn);

    for (const char* p : {"smtp", "imap", "pop3"}) {
      const std::string id = std::string("audit/plaintext-login/") + p;
      const std::string svc = std::string(p) == "smtp" ? "submission" : p;
      add(id, "refused before evaluation", probe(login, svc, login_as(login_outcome::refused, "NO [PRIVACYREQUIRED]")), held);
      add(id, "evaluated over plaintext", probe(login, svc, login_as(login_outcome::evaluated, "NO [AUTHENTICATIONFAILED]")),
          broken(id));
      add(id, "canary accepted over plaintext", probe(login, svc, login_as(login_outcome::accepted, "OK")), broken(id));
      add(id, "inconclusive: an observation", probe(login, svc, login_as(login_outcome::inconclusive, "(timeout)")), as_info);
      add(id, "another protocol's record is not judged",
          probe(login, std::string(p) == "imap" ? "pop3" : "imap", login_as(login_outcome::evaluated, "")), silent);
    }
    add("audit/plaintext-login/smtp", "public MX evaluating credentials: a warning, not a fail",
        probe(login, "smtp", login_as(login_outcome::evaluated, "535 5.7.8 failed")), verdict::warn);
    add("audit/plaintext-login/smtp", "public MX evaluating credentials, strict: fail",
        probe(login, "smtp", login_as(login_outcome::evaluated, "535 5.7.8 failed")), verdict::fail, true);

    for (const char* p : {"smtp", "imap", "pop3"}) {
      const std::string id = std::string("audit/starttls-injection/") + p;
      const std::string svc = std::string(p) == "smtp" ? "submission" : p;
      add(id, "injected command discarded", probe(inject, svc, injection(injection_outcome::not_vulnerable, "")), held);
      add(id, "injected command refused", probe(inject, svc, injection(injection_outcome::refused, "BAD pipelined")), held);
      add(id, "injected command answered after TLS",
          probe(inject, svc, injection(injection_outcome::vulnerable, "502 5.5.2 unknown")), broken(id));
      add(id, "probe could not complete", probe(inject, svc, injection(injection_outcome::inconclusive, "timeout")),
          as_error);
      add(id, "throttled: audit/throttled says why",
          probe(inject, svc, injection(injection_outcome::inconclusive, "", "421 busy")), silent);
    }

    const std::string caps = "audit/capabilities/before-after-tls";
    add(caps, "compared after a working STARTTLS", probe(main_starttls, "imap", [](probe_facts& f) {
          starttls(true, starttls_outcome::ok)(f);
          f.caps_removed = {"STARTTLS", "LOGINDISABLED"};
        }),
        broken(caps));
    add(caps, "no TLS, nothing to compare", probe(main_starttls, "imap", starttls(true, starttls_outcome::refused, "a1 NO")),
        silent);

    const std::string modern = "tls/version/modern-supported";
    add(modern, "TLS 1.2 accepted",
        probe(versions_probe, "imaps",
              versions({{"TLSv1.2", accepted("ECDHE-RSA-AES256-GCM-SHA384")}, {"TLSv1.3", refused("protocol version")}})),
        held);
    add(modern, "only TLS 1.0 accepted",
        probe(versions_probe, "imaps",
              versions({{"TLSv1", accepted("AES256-SHA")},
                        {"TLSv1.2", refused("protocol version")},
                        {"TLSv1.3", refused("protocol version")}})),
        broken(modern));
    add(modern, "TLS 1.3 not probed: not judged",
        probe(versions_probe, "imaps", versions({{"TLSv1.2", refused("protocol version")}})), silent);
    add(modern, "no answer to TLS 1.2 and 1.3: the harness could not tell",
        probe(versions_probe, "imaps",
              versions({{"TLSv1.2", {handshake_outcome::no_answer, "timeout"}},
                        {"TLSv1.3", {handshake_outcome::not_tls, "plaintext"}}})),
        as_error);

    const std::string versions_rule = "audit/tls/versions";
    add(versions_rule, "versions listed",
        probe(versions_probe, "imaps",
              versions({{"TLSv1.1", refused("protocol version")}, {"TLSv1.3", accepted("TLS_AES_256_GCM_SHA384")}})),
        broken(versions_rule));
    add(versions_rule, "no version probed", probe(versions_probe, "imaps"), silent);

    const std::string weak_rule = "audit/tls/weak-ciphers";
    add(weak_rule, "weak-only offer refused", probe(ciphers, "imaps", weak(refused("no shared cipher"))), held);
    add(weak_rule, "weak suite negotiated", probe(ciphers, "imaps", weak(accepted("TLSv1.2 DES-CBC3-SHA"))),
        broken(weak_rule));
    add(weak_rule, "strict: SHOULD becomes fail", probe(ciphers, "pop3s", weak(accepted("TLSv1.2 RC4-SHA"))), verdict::fail,
        true);
    add(weak_rule, "public MX: reported, not failed", probe(ciphers, "smtp", weak(accepted("TLSv1.2 DES-CBC3-SHA"))), as_info);
    add_smuggling_cases(add);
    return v;
  }();
  return all;
}

std::vector<mailspec::finding> audit_findings(const record& rec, const std::string& id, bool strict) {
  mailspec::rules::judge_options o;
  o.only = {id};
  o.strict = strict;
  std::vector<mailspec::finding> out;
  for (auto& f : mailspec::rules::judge(rec, audit::catalogue(), o))
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
  std::set<std::string> settings_ids;  // rules whose fixtures live in their own area's tests
#ifdef MAILSPEC_HAVE_DISCOVERY
  // settings/ and policy/ rules: unit-discovery-rules.cpp holds their passing and failing
  // fixtures and checks that every one of them has both; here only that the listing has them.
  for (const auto& r : mailspec::discovery::catalogue()) {
    INFO("id in two catalogues: " << r.id);
    CHECK(catalogue_ids.insert(r.id).second);
    settings_ids.insert(r.id);
  }
#endif
#ifdef MAILSPEC_HAVE_SERVER
  // serve/ rules: unit-server-oracle.cpp gives every one of them a holding and a breaking client.
  for (const auto& r : mailspec::server::catalogue()) {
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
    if (settings_ids.count(id)) continue;
    CHECK((audit_rule ? audit_ok : protocol_ok).count(id) == 1);
  }
  CHECK(listed_ids == catalogue_ids);
}
