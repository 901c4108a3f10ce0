#include "report/facts.hpp"

#include <optional>

#include "core/text.hpp"
#include "core/transcript.hpp"
#include "report/report.hpp"

namespace mailspec::report {

namespace {

using flat = std::map<std::string, std::string>;

const char* outcome_prefix(handshake_outcome o) {
  switch (o) {
    case handshake_outcome::accepted: return "accepted";
    case handshake_outcome::refused: return "refused";
    case handshake_outcome::no_answer: return "no answer";
    case handshake_outcome::not_tls: return "not TLS";
  }
  return "refused";
}

std::string attempt_text(const handshake_attempt& a) { return std::string(outcome_prefix(a.result)) + ": " + visible(a.detail); }

std::optional<handshake_attempt> attempt_from(const std::string& t) {
  for (auto o : {handshake_outcome::accepted, handshake_outcome::refused, handshake_outcome::no_answer, handshake_outcome::not_tls}) {
    const std::string p = std::string(outcome_prefix(o)) + ": ";
    if (t.rfind(p, 0) == 0) return handshake_attempt{o, from_visible(t.substr(p.size()))};
  }
  return std::nullopt;
}

std::string starttls_text(const starttls_attempt& a) {
  switch (a.result) {
    case starttls_outcome::ok: return "ok";
    case starttls_outcome::refused: return "refused: " + visible(a.detail);
    case starttls_outcome::handshake_failed: return "handshake failed: " + visible(a.detail);
  }
  return "";
}

std::optional<starttls_attempt> starttls_from(const std::string& t) {
  if (t == "ok") return starttls_attempt{starttls_outcome::ok, ""};
  if (t.rfind("refused: ", 0) == 0) return starttls_attempt{starttls_outcome::refused, from_visible(t.substr(9))};
  if (t.rfind("handshake failed: ", 0) == 0)
    return starttls_attempt{starttls_outcome::handshake_failed, from_visible(t.substr(18))};
  return std::nullopt;
}

// "ends-data: 250 2.0.0 Ok\r\n250 ..." (the evidence shown visibly).
std::string smuggling_text(const smuggling_attempt& a) { return std::string(to_string(a.result)) + ": " + visible(a.evidence); }

std::optional<smuggling_attempt> smuggling_from(const std::string& t) {
  auto colon = t.find(": ");
  if (colon == std::string::npos) return std::nullopt;
  auto o = smuggling_outcome_from_string(t.substr(0, colon));
  if (!o) return std::nullopt;
  return smuggling_attempt{*o, from_visible(t.substr(colon + 2))};
}

std::string lines(const std::vector<std::string>& v) { return join(v, "\n"); }
std::vector<std::string> lines_of(const std::string& s) { return split(s, "\n"); }

// Writers and readers of the three kinds of field: server text (shown visibly), plain text
// (ours, or documents kept as they are), lists.
struct out {
  flat& m;
  void text(const char* k, const std::string& v) {
    if (!v.empty()) m[k] = v;
  }
  void server(const char* k, const std::optional<std::string>& v) {
    if (v) m[k] = visible(*v);
  }
  void list(const char* k, const std::vector<std::string>& v) {
    if (!v.empty()) m[k] = lines(v);
  }
};

struct in {
  const flat& m;
  const std::string* get(const char* k) const {
    auto it = m.find(k);
    return it == m.end() ? nullptr : &it->second;
  }
  void text(const char* k, std::string& v) const {
    if (auto s = get(k)) v = *s;
  }
  void server(const char* k, std::optional<std::string>& v) const {
    if (auto s = get(k)) v = from_visible(*s);
  }
  void list(const char* k, std::vector<std::string>& v) const {
    if (auto s = get(k)) v = lines_of(*s);
  }
};

void probe_out(const probe_facts& p, out o) {
  o.m["probe"] = std::string(to_string(p.family));
  o.server("banner", p.banner);
  o.server("software", p.software);
  o.server("unreachable", p.unreachable);
  o.server("throttled", p.throttled);
  o.server("wrong_protocol", p.wrong_protocol);
  if (p.starttls_offered) o.m["starttls.offered"] = *p.starttls_offered ? "yes" : "no";
  if (p.starttls) o.m["starttls.result"] = starttls_text(*p.starttls);
  if (p.implicit_tls) o.m["implicit_tls.result"] = attempt_text(*p.implicit_tls);
  o.server("implicit_tls.plaintext_reply", p.not_tls);
  if (p.login_advertised) o.m["plaintext_login.advertised"] = visible(lines(*p.login_advertised));
  if (p.login) o.m["plaintext_login.outcome"] = std::string(to_string(*p.login));
  if (p.login) o.m["plaintext_login.reply"] = visible(p.login_reply);
  o.text("canary.user", p.canary_user);
  o.text("canary.password", p.canary_password);
  if (p.injection) o.m["injection.outcome"] = std::string(to_string(*p.injection));
  if (p.injection) o.m["injection.evidence"] = visible(p.injection_evidence);
  for (const auto& [v, a] : p.versions) o.m["tls.version." + v] = attempt_text(a);
  if (p.weak_ciphers) o.m["tls.weak_ciphers"] = attempt_text(*p.weak_ciphers);
  for (const auto& [v, a] : p.smuggling) o.m["smuggling." + v] = smuggling_text(a);
  if (p.starttls && p.starttls->ok()) {
    o.m["capabilities.added_after_tls"] = lines(p.caps_added);
    o.m["capabilities.removed_after_tls"] = lines(p.caps_removed);
  }
}

void probe_in(const in& i, probe_facts& p) {
  if (auto f = probe_family_from_string(*i.get("probe"))) p.family = *f;
  i.server("banner", p.banner);
  i.server("software", p.software);
  i.server("unreachable", p.unreachable);
  i.server("throttled", p.throttled);
  i.server("wrong_protocol", p.wrong_protocol);
  if (auto s = i.get("starttls.offered")) p.starttls_offered = *s == "yes";
  if (auto s = i.get("starttls.result")) p.starttls = starttls_from(*s);
  if (auto s = i.get("implicit_tls.result")) p.implicit_tls = attempt_from(*s);
  i.server("implicit_tls.plaintext_reply", p.not_tls);
  if (auto s = i.get("plaintext_login.advertised")) p.login_advertised = lines_of(from_visible(*s));
  if (auto s = i.get("plaintext_login.outcome")) p.login = login_outcome_from_string(*s);
  if (auto s = i.get("plaintext_login.reply")) p.login_reply = from_visible(*s);
  i.text("canary.user", p.canary_user);
  i.text("canary.password", p.canary_password);
  if (auto s = i.get("injection.outcome")) p.injection = injection_outcome_from_string(*s);
  if (auto s = i.get("injection.evidence")) p.injection_evidence = from_visible(*s);
  for (const auto& [k, v] : i.m)
    if (k.rfind("tls.version.", 0) == 0)
      if (auto a = attempt_from(v)) p.versions[k.substr(12)] = *a;
  if (auto s = i.get("tls.weak_ciphers")) p.weak_ciphers = attempt_from(*s);
  for (const auto& [k, v] : i.m)
    if (k.rfind("smuggling.", 0) == 0)
      if (auto a = smuggling_from(v)) p.smuggling[k.substr(10)] = *a;
  i.list("capabilities.added_after_tls", p.caps_added);
  i.list("capabilities.removed_after_tls", p.caps_removed);
}

void settings_out(const settings_facts& s, out o) {
  o.m["settings.role"] = std::string(to_string(s.role));
  o.text("input", s.input);
  o.text("resolver", s.resolver);
  o.list("sources", s.sources);
  o.text("autoconfig.source", s.autoconfig_source);
  o.list("autoconfig.error", s.autoconfig_errors);
  o.list("autoconfig.https_errors", s.https_errors);
  o.list("autoconfig.redirect_refused", s.redirects_refused);
  o.list("autoconfig.unanswered", s.unanswered);
  o.list("srv", s.srv);
  o.list("srv.vs_autoconfig", s.srv_mismatch);
  o.list("servers", s.servers);
  o.list("published.access", s.access_types);
  o.list("published.submission", s.submission_types);
  o.text("autoconfig.provider", s.provider_id);
  o.text("autoconfig.display_name", s.display_name);
  o.text("ispdb", s.ispdb);
  o.list("autodiscover", s.autodiscover);
  o.text("autodiscover.source", s.autodiscover_source);
  o.list("autodiscover.error", s.autodiscover_errors);
  o.list("comparison", s.comparison);
  o.list("comparison.disagreements", s.disagreements);
  o.list("guessed", s.guessed);
  if (s.guessed_host) o.m["guessed_host"] = "yes";
  if (const auto& p = s.published) {
    o.m["published.type"] = p->type;
    o.m["published.hostname"] = p->hostname;
    o.m["published.port"] = std::to_string(p->port);
    o.m["published.socket_type"] = p->socket_type;
    o.m["published.authentication"] = lines(p->authentication);
    o.m["published.username"] = p->username;
    o.m["published.source"] = p->source;
    o.list("published.problems", p->problems);
  }
  if (s.connected_port) o.m["connected.port"] = std::to_string(s.connected_port);
  o.text("connected.address", s.connected_address);
  if (s.resolve_error) o.m["resolve.error"] = *s.resolve_error;
  o.text("resolve.status", s.resolve_status);
  if (s.real_socket) o.m["real.socket_type"] = std::string(to_string(*s.real_socket));
  o.text("real.evidence", visible(s.real_evidence));
  if (s.real_caps) o.m["real.capabilities"] = lines(*s.real_caps);
  if (s.real_tls) o.m["real.auth_channel_tls"] = *s.real_tls ? "yes" : "no";
  o.text("mx.host", s.mx_host);
  o.text("mta_sts.mode", s.sts_mode);
  o.list("addresses", s.addresses);
  o.text("dnssec.mx", s.dnssec_mx);
  o.text("dnssec.address", s.dnssec_address);
  o.text("dnssec.tlsa", s.dnssec_tlsa);
  o.text("tlsa.name", s.tlsa_name);
  o.text("tlsa.status", s.tlsa_status);
  o.list("tlsa.records", s.tlsa);
  o.text("dnssec.why_bogus", s.why_bogus);
  if (s.days) o.m["dane.days"] = std::to_string(s.days);
  o.text("mta_sts.txt.status", s.sts_txt_status);
  o.list("mta_sts.txt", s.sts_txt);
  o.text("mta_sts.policy.url", s.sts_url);
  if (s.sts_fetch) o.m["mta_sts.policy.fetch"] = *s.sts_fetch;
  o.text("mta_sts.policy.body", s.sts_body);
  o.text("mta_sts.policy.content_type", s.sts_content_type);
  o.list("mx.hosts", s.mx_hosts);
  o.text("tls_rpt.txt.status", s.rpt_status);
  o.list("tls_rpt.txt", s.rpt_txt);
}

int number_of(const std::string& s) {
  try {
    return std::stoi(s);
  } catch (const std::exception&) {
    return 0;
  }
}

int number(const std::string* s) {
  try {
    return s ? std::stoi(*s) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

void settings_in(const in& i, settings_facts& s) {
  if (auto r = settings_role_from_string(*i.get("settings.role"))) s.role = *r;
  i.text("input", s.input);
  i.text("resolver", s.resolver);
  i.list("sources", s.sources);
  i.text("autoconfig.source", s.autoconfig_source);
  i.list("autoconfig.error", s.autoconfig_errors);
  i.list("autoconfig.https_errors", s.https_errors);
  i.list("autoconfig.redirect_refused", s.redirects_refused);
  i.list("autoconfig.unanswered", s.unanswered);
  i.list("srv", s.srv);
  i.list("srv.vs_autoconfig", s.srv_mismatch);
  i.list("servers", s.servers);
  i.list("published.access", s.access_types);
  i.list("published.submission", s.submission_types);
  i.text("autoconfig.provider", s.provider_id);
  i.text("autoconfig.display_name", s.display_name);
  i.text("ispdb", s.ispdb);
  i.list("autodiscover", s.autodiscover);
  i.text("autodiscover.source", s.autodiscover_source);
  i.list("autodiscover.error", s.autodiscover_errors);
  i.list("comparison", s.comparison);
  i.list("comparison.disagreements", s.disagreements);
  i.list("guessed", s.guessed);
  s.guessed_host = i.get("guessed_host") != nullptr;
  if (i.get("published.type")) {
    auto& p = s.published.emplace();
    i.text("published.type", p.type);
    i.text("published.hostname", p.hostname);
    p.port = number(i.get("published.port"));
    i.text("published.socket_type", p.socket_type);
    i.list("published.authentication", p.authentication);
    i.text("published.username", p.username);
    i.text("published.source", p.source);
    i.list("published.problems", p.problems);
  }
  s.connected_port = number(i.get("connected.port"));
  i.text("connected.address", s.connected_address);
  if (auto e = i.get("resolve.error")) s.resolve_error = *e;
  i.text("resolve.status", s.resolve_status);
  if (auto k = i.get("real.socket_type")) s.real_socket = socket_kind_from_string(*k);
  if (auto e = i.get("real.evidence")) s.real_evidence = from_visible(*e);
  if (auto c = i.get("real.capabilities")) s.real_caps = lines_of(*c);
  if (auto t = i.get("real.auth_channel_tls")) s.real_tls = *t == "yes";
  i.text("mx.host", s.mx_host);
  i.text("mta_sts.mode", s.sts_mode);
  i.list("addresses", s.addresses);
  i.text("dnssec.mx", s.dnssec_mx);
  i.text("dnssec.address", s.dnssec_address);
  i.text("dnssec.tlsa", s.dnssec_tlsa);
  i.text("tlsa.name", s.tlsa_name);
  i.text("tlsa.status", s.tlsa_status);
  i.list("tlsa.records", s.tlsa);
  i.text("dnssec.why_bogus", s.why_bogus);
  s.days = number(i.get("dane.days"));
  i.text("mta_sts.txt.status", s.sts_txt_status);
  i.list("mta_sts.txt", s.sts_txt);
  i.text("mta_sts.policy.url", s.sts_url);
  if (auto f = i.get("mta_sts.policy.fetch")) s.sts_fetch = *f;
  i.text("mta_sts.policy.body", s.sts_body);
  i.text("mta_sts.policy.content_type", s.sts_content_type);
  i.list("mx.hosts", s.mx_hosts);
  i.text("tls_rpt.txt.status", s.rpt_status);
  i.list("tls_rpt.txt", s.rpt_txt);
}

// client.* keys: one line per credential ("MECHANISM over CHANNEL, session N, FINGERPRINT") and per
// session ("session N: TLS | plain: VERBS | tls: VERBS | END"); verbs are client bytes, shown visibly.
std::string credential_text(const client_credential& k) {
  return visible(k.mechanism) + " over " + std::string(to_string(k.chan)) + ", session " + std::to_string(k.session) +
         ", " + k.fingerprint;
}

std::optional<client_credential> credential_from(const std::string& t) {
  auto over = t.find(" over "), s1 = t.find(", session "), s2 = t.rfind(", ");
  if (over == std::string::npos || s1 == std::string::npos || s2 <= s1) return std::nullopt;
  client_credential k;
  k.mechanism = from_visible(t.substr(0, over));
  k.chan = t.substr(over + 6, s1 - over - 6) == "tls" ? channel::tls : channel::plain;
  k.session = number_of(t.substr(s1 + 10, s2 - s1 - 10));
  k.fingerprint = t.substr(s2 + 2);
  return k;
}

void client_out(const client_facts& f, out o) {
  o.m["client.sessions"] = std::to_string(f.sessions.size());
  o.text("client.certificate", f.certificate);
  for (std::size_t i = 0; i < f.sessions.size(); ++i) {
    const auto& s = f.sessions[i];
    const std::string k = "client.session." + std::to_string(i + 1) + ".";
    o.m[k + "tls"] = visible(s.tls);
    o.m[k + "plain"] = visible(join(s.plain, " "));
    o.m[k + "secure"] = visible(join(s.secure, " "));
    o.m[k + "end"] = visible(s.end);
  }
  std::vector<std::string> creds;
  for (const auto& k : f.credentials) creds.push_back(credential_text(k));
  o.list("client.credentials", creds);
  if (!f.injection.empty()) o.m["client.injection"] = visible(f.injection);
  if (!f.cached_capabilities.empty()) o.m["client.cached_capabilities"] = visible(f.cached_capabilities);
  if (!f.pipelined_starttls.empty()) o.m["client.pipelined_starttls"] = visible(f.pipelined_starttls);
}

void client_in(const in& i, client_facts& f) {
  i.text("client.certificate", f.certificate);
  const int n = number(i.get("client.sessions"));
  for (int s = 1; s <= n && s <= 1000; ++s) {
    const std::string k = "client.session." + std::to_string(s) + ".";
    auto field = [&](const std::string& name) {
      auto v = i.get((k + name).c_str());
      return v ? from_visible(*v) : std::string();
    };
    client_session cs;
    cs.tls = field("tls");
    cs.plain = split(field("plain"), " ");
    cs.secure = split(field("secure"), " ");
    cs.end = field("end");
    f.sessions.push_back(std::move(cs));
  }
  std::vector<std::string> creds;
  i.list("client.credentials", creds);
  for (const auto& t : creds)
    if (auto k = credential_from(t)) f.credentials.push_back(*k);
  if (auto v = i.get("client.injection")) f.injection = from_visible(*v);
  if (auto v = i.get("client.cached_capabilities")) f.cached_capabilities = from_visible(*v);
  if (auto v = i.get("client.pipelined_starttls")) f.pipelined_starttls = from_visible(*v);
}

}  // namespace

flat flatten_facts(const case_result& c) {
  flat m;
  if (c.probe) probe_out(*c.probe, out{m});
  if (c.settings) settings_out(*c.settings, out{m});
  if (c.client) client_out(*c.client, out{m});
  return m;
}

void unflatten_facts(const flat& extra, case_result& c) {
  const in i{extra};
  if (i.get("probe")) probe_in(i, c.probe.emplace());
  if (i.get("settings.role")) settings_in(i, c.settings.emplace());
  if (i.get("client.sessions")) client_in(i, c.client.emplace());
}

}  // namespace mailspec::report
