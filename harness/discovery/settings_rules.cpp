// The settings/ rules: published settings vs what the servers do. Rows of rules::rule whose
// checks read the typed settings facts; policy_rules.cpp adds policy/mta-sts and policy/tls-rpt.
#include <algorithm>
#include <exception>
#include <set>
#include <sstream>

#include "audit/audit.hpp"
#include "discovery/rules_detail.hpp"
#include "protocol/sasl_client.hpp"

namespace mailspec::discovery::detail {

const settings_facts* facts(const rules::context& c, settings_role role) {
  const settings_facts* f = c.settings();
  return f && f->role == role ? f : nullptr;
}

std::set<std::string> offered_mechanisms(std::string_view protocol, const std::vector<std::string>& caps) {
  std::set<std::string> out;
  bool logindisabled = false, user = false;
  auto words = [](const std::string& s) {
    std::vector<std::string> w;
    std::istringstream in(s);
    for (std::string x; in >> x;) w.push_back(upper(x));
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

}  // namespace mailspec::discovery::detail

namespace mailspec::discovery {

namespace {

using namespace detail;
using rules::context;
using rules::row;

bool publishes_password(const published_entry& p) {
  for (const auto& m : p.authentication)
    if (m == "password-cleartext" || m == "plain") return true;
  return false;
}

// A server case's facts with its published entry, else nullptr (a guessed host publishes
// nothing: only settings/guessed/... judges it).
const settings_facts* server(const context& c) {
  const auto* f = facts(c, settings_role::server);
  return f && f->published && !is_guessed(*f->published) ? f : nullptr;
}

void socket_not_plain(context& c) {
  const auto* f = server(c);
  if (!f) return;
  const std::string& s = f->published->socket_type;
  if (s == "plain")
    return c.broken_case("socketType SSL (implicit TLS) or STARTTLS", "socketType plain (" + f->published->source + ")",
                         "clients configured from this entry send everything in the clear, mail and logins included");
  if (s == "SSL" || s == "STARTTLS") c.held_case(s);
}

void cleartext_needs_tls(context& c) {
  const auto* f = server(c);
  if (!f || !publishes_password(*f->published)) return;
  const std::string& s = f->published->socket_type;
  if (s == "plain")
    return c.broken_case("password-cleartext only with socketType SSL or STARTTLS", "password-cleartext with socketType plain",
                         "the published settings make clients send the password readable in transit");
  if (s == "SSL" || s == "STARTTLS") c.held_case("password-cleartext over " + s);
}

void socket_matches(context& c) {
  const auto* f = server(c);
  if (!f) return;
  const std::string& pub = f->published->socket_type;
  if (pub != "SSL" && pub != "STARTTLS" && pub != "plain") return;  // entry-valid reports it
  if (!f->real_socket) return;  // not probed (unresolvable host: hostname-resolves reports it)
  const std::string real(to_string(*f->real_socket));
  const std::string& ev = f->real_evidence;
  if (*f->real_socket == socket_kind::unknown)
    return c.emit_case(verdict::error, "the port answering as " + pub, ev, "could not tell what the port does");
  if (real == pub) return c.held_case(pub + ": " + ev);
  c.broken_case("socketType " + pub + " (published, " + f->published->source + ")", "the port does " + real + ": " + ev,
                "the published socketType is not what the port does: clients configured from it fail or fall back");
}

void auth_offered(context& c) {
  const auto* f = server(c);
  if (!f || !f->real_caps) return;
  const std::string& proto = f->published->type;
  auto offered = offered_mechanisms(proto, *f->real_caps);
  std::string channel = f->real_tls.value_or(false) ? "after TLS" : "on the plaintext channel";
  std::vector<std::string> offered_v(offered.begin(), offered.end());
  std::string actual = "offered " + channel + ": " + (offered_v.empty() ? std::string("none") : join(offered_v, " "));
  bool any = false, bad = false;
  for (const auto& m : f->published->authentication) {
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
        c.emit_case(verdict::warn, "published <authentication>" + m + "</authentication>: one of " + join(want, ", "),
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
  const auto* f = server(c);
  if (!f) return;
  if (!f->published->problems.empty())
    return c.broken_case("a complete entry: hostname, port 1-65535, socketType SSL|STARTTLS|plain, known authentication",
                         join(f->published->problems, "; ") + " (" + f->published->source + ")");
  c.held_case();
}

void hostname_resolves(context& c) {
  const settings_facts* f = server(c);
  const bool mx = !f && (f = facts(c, settings_role::mx)) != nullptr;
  if (!f) return;
  const std::string& host = mx ? f->mx_host : f->published->hostname;
  if (f->resolve_error) {
    // No answer at all (timeout, SERVFAIL) says nothing about the published name.
    if (f->resolve_status != "NXDOMAIN" && f->resolve_status != "no record")
      return c.emit_case(verdict::error, "an address (A or AAAA) for " + host, *f->resolve_error, "the DNS lookup failed");
    return c.broken_case("an address (A or AAAA) for " + host, *f->resolve_error);
  }
  if (!f->connected_address.empty()) c.held_case(f->connected_address);
}

void published(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (f->servers.empty()) {
    // Every SRV service published with target "." (RFC 2782: "decidedly not available at this
    // domain") is a statement, not an absence: the domain says it offers no mail client service.
    const auto& srv = f->srv;
    auto declined = std::count_if(srv.begin(), srv.end(),
                                  [](const std::string& l) { return l.find("(service not offered)") != std::string::npos; });
    if (!srv.empty() && declined == static_cast<std::ptrdiff_t>(srv.size()))
      return c.emit_case(verdict::info, "autoconfig or SRV records naming the mail servers", join(srv, "\n"),
                         "every SRV service is published as not offered (target \".\", RFC 2782): no server to check");
    std::string tried = join(f->sources, "\n");
    if (declined > 0) tried += "\n" + join(srv, "\n");
    return c.emit_case(verdict::error, "autoconfig or SRV records naming the mail servers", tried,
                       "nothing published: no server to check");
  }
  c.held_case(join(f->servers, "\n"));
}

void autoconfig_valid(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (!f->autoconfig_errors.empty())
    return c.broken_case("a well-formed config-v1.1.xml with <clientConfig><emailProvider>", join(f->autoconfig_errors, "\n"),
                         "a client gets no usable configuration from this source");
  if (!f->autoconfig_source.empty()) return c.held_case(f->autoconfig_source);
  // A fetch that timed out says nothing about the document: the harness could not judge.
  if (!f->unanswered.empty())
    c.emit_case(verdict::error, "an answer from the autoconfig host within the deadline", join(f->unanswered, "\n"),
                "could not tell whether a valid autoconfig is published");
}

void autoconfig_https(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (!f->https_errors.empty())
    return c.broken_case("HTTPS with a certificate valid for the autoconfig host", join(f->https_errors, "\n"),
                         "clients refuse this autoconfig (or, worse, accept it without verification)");
  if (f->autoconfig_source.rfind("https://", 0) == 0) c.held_case(f->autoconfig_source);
}

void autoconfig_redirect(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (!f->redirects_refused.empty())
    return c.broken_case("the autoconfig served by the host asked, or redirects within it", join(f->redirects_refused, "\n"),
                         "a redirect to another host was not followed: a client that follows it trusts a host the domain did not name");
  if (f->autoconfig_source.rfind("https://", 0) == 0) c.held_case(f->autoconfig_source);
}

void srv_consistent(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  if (f->srv_mismatch.empty()) {
    if (!f->autoconfig_source.empty() && join(f->srv, "\n").find("ok") != std::string::npos) c.held_case();
    return;
  }
  for (const auto& line : f->srv_mismatch) {
    auto bar = line.find(" | ");
    c.broken_case(bar == std::string::npos ? "" : line.substr(bar + 3), line.substr(0, bar),
                  "the SRV records and the autoconfig name different servers for the same service");
  }
}

void implicit_recommended(context& c) {
  const auto* f = facts(c, settings_role::discovery);
  if (!f) return;
  bool held = false, broke = false;
  for (auto [list, what] : {std::pair{&f->access_types, "mail access (IMAP/POP3)"},
                            std::pair{&f->submission_types, "submission (SMTP)"}}) {
    const std::string types = join(*list, " ");
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
                  "Summary: The domain publishes its mail servers for clients: an autoconfig document or RFC 6186/8314 SRV records "
                  "(nothing published is an error: nothing could be checked).",
                  published));
  v.push_back(row("settings/autoconfig/valid", "settings", "RFC 6186 §1 (client configuration); Thunderbird autoconfig (config-v1.1.xml)", level::must,
                  "Summary: A published config-v1.1.xml is well-formed XML with <clientConfig><emailProvider> and server entries.",
                  autoconfig_valid));
  v.push_back(row("settings/autoconfig/https", "settings", "RFC 9110 §4.3.4; Thunderbird autoconfig", level::must,
                  "Summary: Autoconfig is fetched over HTTPS; the server's certificate must be valid for the host name asked.",
                  autoconfig_https, severity::high));
  v.push_back(row("settings/autoconfig/redirect", "settings", "RFC 6186 §6; RFC 9110 §15.4", level::should,
                  "Summary: Configuration comes from hosts under the user's domain: a redirect to another host should not be "
                  "followed silently (mailspec follows same-host redirects only).",
                  autoconfig_redirect, severity::medium));
  v.push_back(row("settings/srv/consistent", "settings", "RFC 6186 §3.1; RFC 8314 §5.1", level::should,
                  "Summary: SRV records and the autoconfig document describe the same servers for the same service (host, port "
                  "and TLS), or clients configured by different means reach different servers.",
                  srv_consistent));
  v.push_back(row("settings/implicit-tls/recommended", "settings", "RFC 8314 §3.3, §4.1", level::should,
                  "Summary: MSPs that support POP, IMAP and/or Message Submission should offer implicit TLS; published settings "
                  "should therefore include socketType SSL (ports 993, 995, 465), not only STARTTLS.",
                  implicit_recommended, severity::low));
  v.push_back(row("settings/published/entry-valid", "settings", "RFC 6186 §1 (client configuration); Thunderbird autoconfig (config-v1.1.xml)", level::must,
                  "Summary: Each published server names a host, a port 1-65535, a socketType of SSL, STARTTLS or plain and known "
                  "authentication methods.",
                  entry_valid));
  v.push_back(row("settings/published/hostname-resolves", "settings", "RFC 6186 §4; RFC 5321 §5.1", level::must,
                  "Summary: Every published host name (and every MX host) has an address (A or AAAA).", hostname_resolves));
  v.push_back(row("settings/socket-type/not-plain", "settings", "RFC 8314 §3, §4.1", level::must,
                  "Summary: Clients are to use TLS for mail access and submission: a published socketType of plain tells them to "
                  "send mail and credentials unencrypted.",
                  socket_not_plain, severity::high));
  v.push_back(row("settings/auth/cleartext-needs-tls", "settings", "RFC 8314 §4.1; RFC 4954 §4; RFC 2595 §3.1", level::must,
                  "Summary: A cleartext password mechanism must only be used over TLS: password-cleartext published with "
                  "socketType plain exposes every user's password in transit.",
                  cleartext_needs_tls, severity::critical));
  v.push_back(row("settings/socket-type/matches", "settings", "RFC 8314 §3.3; RFC 3207 §4; RFC 2595 §3.1", level::must,
                  "Summary: The published socketType is what the port does: SSL = a TLS handshake right after connecting, STARTTLS "
                  "= a plaintext greeting and a working STARTTLS/STLS, plain = no TLS.",
                  socket_matches, severity::medium));
  v.push_back(row("settings/auth/offered", "settings", "RFC 4954 §3; RFC 9051 §6.2.2; RFC 5034 §4", level::must,
                  "Summary: Every published authentication method is offered on the channel clients authenticate on (after TLS): "
                  "password-cleartext = PLAIN/LOGIN (or IMAP LOGIN, POP3 USER), password-encrypted = CRAM-MD5/SCRAM-*, "
                  "OAuth2 = XOAUTH2/OAUTHBEARER.",
                  auth_offered, severity::medium));
}

namespace {

rules::table build() {
  rules::table v;
  detail::add_settings_rules(v);
  detail::add_policy_rules(v);
  detail::add_dane_rules(v);
  detail::add_source_rules(v);
  return v;
}

}  // namespace

const rules::table& catalogue() {
  static const rules::table rows = build();
  return rows;
}

const rules::book& book() {
  static const rules::book b{&rules::catalogue(), &audit::catalogue(), &catalogue()};
  return b;
}

}  // namespace mailspec::discovery
