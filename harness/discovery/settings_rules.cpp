// The settings/ rules: published settings vs what the servers do. Rows of rules::rule whose
// checks read the facts of facts.hpp; policy_rules.cpp adds policy/mta-sts and policy/tls-rpt.
#include <algorithm>
#include <exception>
#include <set>
#include <sstream>

#include "discovery/facts.hpp"
#include "discovery/rules_detail.hpp"
#include "protocol/sasl_client.hpp"

namespace mailspec::discovery::detail {

const std::string* get(const rules::context& c, const char* k) {
  const auto& x = c.rec.result.extra;
  auto it = x.find(k);
  return it == x.end() ? nullptr : &it->second;
}
std::string get_or(const rules::context& c, const char* k) {
  auto f = get(c, k);
  return f ? *f : "";
}
bool role_is(const rules::context& c, std::string_view r) { return get_or(c, fact::role) == r; }

std::vector<std::string> split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t i = 0;
  while (true) {
    auto j = s.find(sep, i);
    out.emplace_back(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j + sep.size();
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::set<std::string> offered_mechanisms(std::string_view protocol, const std::vector<std::string>& caps) {
  std::set<std::string> out;
  bool logindisabled = false, user = false;
  auto words = [](const std::string& s) {
    std::vector<std::string> w;
    std::istringstream in(s);
    for (std::string x; in >> x;) {
      for (auto& ch : x) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      w.push_back(x);
    }
    return w;
  };
  for (const auto& line : caps) {
    auto w = words(line);
    if (w.empty()) continue;
    if (protocol == "smtp" && (w[0] == "AUTH" || w[0].rfind("AUTH=", 0) == 0)) {
      if (w[0].size() > 5) out.insert(w[0].substr(5));
      for (std::size_t i = 1; i < w.size(); ++i) out.insert(w[i]);
    }
    if (protocol == "imap") {
      for (const auto& a : w) {
        if (a.rfind("AUTH=", 0) == 0) out.insert(a.substr(5));
        if (a == "LOGINDISABLED") logindisabled = true;
      }
    }
    if (protocol == "pop3") {
      if (w[0] == "SASL")
        for (std::size_t i = 1; i < w.size(); ++i) out.insert(w[i]);
      if (w[0] == "USER") user = true;
    }
  }
  if (protocol == "imap" && !logindisabled && !caps.empty()) out.insert("LOGIN command");
  if (protocol == "pop3" && user) out.insert("USER/PASS");
  return out;
}

std::vector<std::string> mechanisms_for(std::string_view method, std::string_view protocol) {
  if (method == "password-cleartext" || method == "plain") {
    std::vector<std::string> m = {"PLAIN", "LOGIN"};
    if (protocol == "imap") m.push_back("LOGIN command");
    if (protocol == "pop3") m.push_back("USER/PASS");
    return m;
  }
  // From the mechanisms mailspec speaks (protocol::sasl), so that a published method is matched
  // against what a client (and mailspec's own scenarios) can use: password-encrypted = those that
  // take a password without sending it (CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256), OAuth2 = those
  // that take a token. DIGEST-MD5 (obsolete, RFC 6331) and SCRAM-*-PLUS alone: see auth_offered.
  if (method == "password-encrypted" || method == "secure" || method == "OAuth2") {
    std::vector<std::string> m;
    for (const auto& name : protocol::sasl::supported_mechanisms()) {
      auto in = protocol::sasl::inputs_of(name);
      bool challenge_response = in.pass && name != "PLAIN" && name != "LOGIN";
      if (method == "OAuth2" ? in.token : challenge_response) m.push_back(name);
    }
    return m;
  }
  if (method == "NTLM") return {"NTLM"};
  if (method == "GSSAPI") return {"GSSAPI"};
  if (method == "TLS-client-cert") return {"EXTERNAL"};
  return {};  // client-IP-address, none, smtp-after-pop: nothing a capability shows
}

rules::rule row(std::string id, std::string protocol, std::string spec, level lvl, std::string requirement,
                std::function<void(rules::context&)> check, severity sev) {
  return rules::rule{std::move(id), std::move(protocol), std::move(spec), lvl, sev, std::move(requirement), std::move(check)};
}

}  // namespace mailspec::discovery::detail

namespace mailspec::discovery {

namespace {

using namespace detail;
using rules::context;

bool publishes_password(const std::string& auth) {
  for (const auto& m : split(auth, " "))
    if (m == "password-cleartext" || m == "plain") return true;
  return false;
}

void socket_not_plain(context& c) {
  if (!role_is(c, "server")) return;
  std::string s = get_or(c, fact::p_socket);
  if (s == "plain")
    return c.broken_case("socketType SSL (implicit TLS) or STARTTLS", "socketType plain (" + get_or(c, fact::p_source) + ")",
                         "clients configured from this entry send everything in the clear, mail and logins included");
  if (s == "SSL" || s == "STARTTLS") c.held_case(s);
}

void cleartext_needs_tls(context& c) {
  if (!role_is(c, "server")) return;
  std::string auth = get_or(c, fact::p_auth), s = get_or(c, fact::p_socket);
  if (!publishes_password(auth)) return;
  if (s == "plain")
    return c.broken_case("password-cleartext only with socketType SSL or STARTTLS", "password-cleartext with socketType plain",
                         "the published settings make clients send the password readable in transit");
  if (s == "SSL" || s == "STARTTLS") c.held_case("password-cleartext over " + s);
}

void socket_matches(context& c) {
  if (!role_is(c, "server")) return;
  std::string pub = get_or(c, fact::p_socket);
  if (pub != "SSL" && pub != "STARTTLS" && pub != "plain") return;  // entry-valid reports it
  auto real = get(c, fact::real_socket);
  if (!real) return;  // not probed (unresolvable host: hostname-resolves reports it)
  std::string ev = get_or(c, fact::real_evidence);
  if (*real == "unknown")
    return c.emit(nullptr, verdict::error, "the port answering as " + pub, ev, "could not tell what the port does");
  if (*real == pub) return c.held_case(pub + ": " + ev);
  c.broken_case("socketType " + pub + " (published, " + get_or(c, fact::p_source) + ")", "the port does " + *real + ": " + ev,
                "the published socketType is not what the port does: clients configured from it fail or fall back");
}

void auth_offered(context& c) {
  if (!role_is(c, "server")) return;
  auto caps_fact = get(c, fact::real_caps);
  if (!caps_fact) return;
  std::string proto = get_or(c, fact::p_type);
  auto offered = offered_mechanisms(proto, split(*caps_fact, "; "));
  std::string channel = get_or(c, fact::real_tls) == "yes" ? "after TLS" : "on the plaintext channel";
  std::vector<std::string> offered_v(offered.begin(), offered.end());
  std::string actual = "offered " + channel + ": " + (offered_v.empty() ? std::string("none") : join(offered_v, " "));
  bool any = false, bad = false;
  for (const auto& m : split(get_or(c, fact::p_auth), " ")) {
    auto want = mechanisms_for(m, proto);
    if (want.empty()) continue;
    any = true;
    if (std::any_of(want.begin(), want.end(), [&](const std::string& w) { return offered.count(w) > 0; })) continue;
    bad = true;
    if (m == "password-encrypted" || m == "secure") {
      std::vector<std::string> others;
      for (const auto& o : offered)
        if (o == "DIGEST-MD5" || (o.rfind("SCRAM-", 0) == 0 && o.size() > 5 && o.substr(o.size() - 5) == "-PLUS"))
          others.push_back(o);
      if (!others.empty()) {
        c.emit(nullptr, verdict::warn, "published <authentication>" + m + "</authentication>: one of " + join(want, ", "),
               actual, "only " + join(others, ", ") + " would serve it: DIGEST-MD5 is obsolete (RFC 6331) and mailspec "
               "does not speak the -PLUS (channel binding) variants, so this could not be checked");
        continue;
      }
    }
    c.broken_case("published <authentication>" + m + "</authentication>: one of " + join(want, ", "), actual,
                  "the server does not offer the published authentication method");
  }
  if (any && !bad) c.held_case(actual);
}

void entry_valid(context& c) {
  if (!role_is(c, "server")) return;
  std::string p = get_or(c, fact::p_problems);
  if (!p.empty())
    return c.broken_case("a complete entry: hostname, port 1-65535, socketType SSL|STARTTLS|plain, known authentication",
                         p + " (" + get_or(c, fact::p_source) + ")");
  c.held_case();
}

void hostname_resolves(context& c) {
  if (!role_is(c, "server") && !role_is(c, "mx")) return;
  std::string host = get_or(c, role_is(c, "mx") ? fact::mx_host : fact::p_host);
  if (auto e = get(c, fact::resolve_error)) {
    std::string st = get_or(c, fact::resolve_status);
    // No answer at all (timeout, SERVFAIL) says nothing about the published name.
    if (st != "NXDOMAIN" && st != "no record")
      return c.emit(nullptr, verdict::error, "an address (A or AAAA) for " + host, *e, "the DNS lookup failed");
    return c.broken_case("an address (A or AAAA) for " + host, *e);
  }
  if (auto a = get(c, fact::c_address)) c.held_case(*a);
}

void published(context& c) {
  if (!role_is(c, "discovery")) return;
  std::string s = get_or(c, fact::servers);
  if (s.empty()) {
    // Every SRV service published with target "." (RFC 2782: "decidedly not available at this
    // domain") is a statement, not an absence: the domain says it offers no mail client service.
    auto srv = split(get_or(c, fact::srv), "\n");
    auto declined = std::count_if(srv.begin(), srv.end(),
                                  [](const std::string& l) { return l.find("(service not offered)") != std::string::npos; });
    if (!srv.empty() && declined == static_cast<std::ptrdiff_t>(srv.size()))
      return c.emit(nullptr, verdict::info, "autoconfig or SRV records naming the mail servers", get_or(c, fact::srv),
                    "every SRV service is published as not offered (target \".\", RFC 2782): no server to check");
    std::string tried = get_or(c, fact::sources);
    if (declined > 0) tried += "\n" + get_or(c, fact::srv);
    return c.emit(nullptr, verdict::error, "autoconfig or SRV records naming the mail servers", tried,
                  "nothing published: no server to check");
  }
  c.held_case(s);
}

void autoconfig_valid(context& c) {
  if (!role_is(c, "discovery")) return;
  if (auto e = get(c, fact::autoconfig_error))
    return c.broken_case("a well-formed config-v1.1.xml with <clientConfig><emailProvider>", *e,
                         "a client gets no usable configuration from this source");
  if (!get_or(c, fact::autoconfig_source).empty()) return c.held_case(get_or(c, fact::autoconfig_source));
  // A fetch that timed out says nothing about the document: the harness could not judge.
  if (auto t = get(c, fact::autoconfig_unanswered))
    c.emit(nullptr, verdict::error, "an answer from the autoconfig host within the deadline", *t,
           "could not tell whether a valid autoconfig is published");
}

void autoconfig_https(context& c) {
  if (!role_is(c, "discovery")) return;
  if (auto e = get(c, fact::autoconfig_https))
    return c.broken_case("HTTPS with a certificate valid for the autoconfig host", *e,
                         "clients refuse this autoconfig (or, worse, accept it without verification)");
  std::string src = get_or(c, fact::autoconfig_source);
  if (src.rfind("https://", 0) == 0) c.held_case(src);
}

void autoconfig_redirect(context& c) {
  if (!role_is(c, "discovery")) return;
  if (auto r = get(c, fact::autoconfig_redirect))
    return c.broken_case("the autoconfig served by the host asked, or redirects within it", *r,
                         "a redirect to another host was not followed: a client that follows it trusts a host the domain did not name");
  std::string src = get_or(c, fact::autoconfig_source);
  if (src.rfind("https://", 0) == 0) c.held_case(src);
}

void srv_consistent(context& c) {
  if (!role_is(c, "discovery")) return;
  auto m = get(c, fact::srv_mismatch);
  if (!m) {
    if (!get_or(c, fact::autoconfig_source).empty() && get_or(c, fact::srv).find("ok") != std::string::npos)
      c.held_case();
    return;
  }
  for (const auto& line : split(*m, "\n")) {
    auto bar = line.find(" | ");
    c.broken_case(bar == std::string::npos ? "" : line.substr(bar + 3), line.substr(0, bar),
                  "the SRV records and the autoconfig name different servers for the same service");
  }
}

void implicit_recommended(context& c) {
  if (!role_is(c, "discovery")) return;
  bool held = false, broke = false;
  for (auto [k, what] : {std::pair{fact::access_types, "mail access (IMAP/POP3)"}, std::pair{fact::submission_types, "submission (SMTP)"}}) {
    std::string types = get_or(c, k);
    if (types.empty()) continue;
    if (types.find("SSL") != std::string::npos) {
      held = true;
      continue;
    }
    broke = true;
    c.broken_case(std::string("implicit TLS (socketType SSL) published for ") + what, "published: " + types,
                  "only STARTTLS (or plain) is published; RFC 8314 recommends implicit TLS");
  }
  if (held && !broke) c.held_case();
}

}  // namespace

void detail::add_settings_rules(std::vector<rules::rule>& v) {
  v.push_back(row("settings/discovery/published", "settings", "RFC 6186 §3; Thunderbird autoconfig (config-v1.1.xml)", level::must,
                  "The domain publishes its mail servers for clients: an autoconfig document or RFC 6186/8314 SRV records "
                  "(nothing published is an error: nothing could be checked).",
                  published));
  v.push_back(row("settings/autoconfig/valid", "settings", "RFC 6186 §1 (client configuration); Thunderbird autoconfig (config-v1.1.xml)", level::must,
                  "A published config-v1.1.xml is well-formed XML with <clientConfig><emailProvider> and server entries.",
                  autoconfig_valid));
  v.push_back(row("settings/autoconfig/https", "settings", "RFC 9110 §4.3.4; Thunderbird autoconfig", level::must,
                  "Autoconfig is fetched over HTTPS; the server's certificate must be valid for the host name asked.",
                  autoconfig_https, severity::high));
  v.push_back(row("settings/autoconfig/redirect", "settings", "RFC 6186 §6; RFC 9110 §15.4", level::should,
                  "Configuration comes from hosts under the user's domain: a redirect to another host should not be "
                  "followed silently (mailspec follows same-host redirects only).",
                  autoconfig_redirect, severity::medium));
  v.push_back(row("settings/srv/consistent", "settings", "RFC 6186 §3.1; RFC 8314 §5.1", level::should,
                  "SRV records and the autoconfig document describe the same servers for the same service (host, port "
                  "and TLS), or clients configured by different means reach different servers.",
                  srv_consistent));
  v.push_back(row("settings/implicit-tls/recommended", "settings", "RFC 8314 §3.3, §4.1", level::should,
                  "MSPs that support POP, IMAP and/or Message Submission should offer implicit TLS; published settings "
                  "should therefore include socketType SSL (ports 993, 995, 465), not only STARTTLS.",
                  implicit_recommended, severity::low));
  v.push_back(row("settings/published/entry-valid", "settings", "RFC 6186 §1 (client configuration); Thunderbird autoconfig (config-v1.1.xml)", level::must,
                  "Each published server names a host, a port 1-65535, a socketType of SSL, STARTTLS or plain and known "
                  "authentication methods.",
                  entry_valid));
  v.push_back(row("settings/published/hostname-resolves", "settings", "RFC 6186 §4; RFC 5321 §5.1", level::must,
                  "Every published host name (and every MX host) has an address (A or AAAA).", hostname_resolves));
  v.push_back(row("settings/socket-type/not-plain", "settings", "RFC 8314 §3, §4.1", level::must,
                  "Clients are to use TLS for mail access and submission: a published socketType of plain tells them to "
                  "send mail and credentials unencrypted.",
                  socket_not_plain, severity::high));
  v.push_back(row("settings/auth/cleartext-needs-tls", "settings", "RFC 8314 §4.1; RFC 4954 §4; RFC 2595 §3.1", level::must,
                  "A cleartext password mechanism must only be used over TLS: password-cleartext published with "
                  "socketType plain exposes every user's password in transit.",
                  cleartext_needs_tls, severity::critical));
  v.push_back(row("settings/socket-type/matches", "settings", "RFC 8314 §3.3; RFC 3207 §4; RFC 2595 §3.1", level::must,
                  "The published socketType is what the port does: SSL = a TLS handshake right after connecting, STARTTLS "
                  "= a plaintext greeting and a working STARTTLS/STLS, plain = no TLS.",
                  socket_matches, severity::medium));
  v.push_back(row("settings/auth/offered", "settings", "RFC 4954 §3; RFC 9051 §6.2.2; RFC 5034 §4", level::must,
                  "Every published authentication method is offered on the channel clients authenticate on (after TLS): "
                  "password-cleartext = PLAIN/LOGIN (or IMAP LOGIN, POP3 USER), password-encrypted = CRAM-MD5/SCRAM-*, "
                  "OAuth2 = XOAUTH2/OAUTHBEARER.",
                  auth_offered, severity::medium));
}

namespace {

std::vector<rules::rule> build() {
  std::vector<rules::rule> v;
  detail::add_settings_rules(v);
  detail::add_policy_rules(v);
  return v;
}

}  // namespace

const std::vector<rules::rule>& catalogue() {
  static const std::vector<rules::rule> rows = build();
  return rows;
}

const rules::rule* find_rule(std::string_view id) {
  for (const auto& r : catalogue())
    if (r.id == id) return &r;
  return nullptr;
}

std::vector<finding> judge(const session::record& rec, const rules::judge_options& opt) {
  std::vector<finding> out;
  for (const auto& r : catalogue()) {
    if (!rules::selected(r.id, opt.only)) continue;
    auto raw = rules::run_check(r, rec);
    bool bad = std::any_of(raw.begin(), raw.end(), [](const finding& f) { return f.result != verdict::pass; });
    for (auto& f : raw) {
      if (opt.strict && f.result == verdict::warn) f.result = verdict::fail;
      if (!bad || f.result != verdict::pass) out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace mailspec::discovery
