// RFC 9051 / RFC 3501 (IMAP): CAPABILITY, STARTTLS and LOGIN rules, SELECT, UID FETCH, LOGOUT.
// The rules on mailbox state (UIDs, EXISTS, EXPUNGE, flags) are in imap_rfc9051_state.cpp.
#include <algorithm>
#include <map>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::imap_kind;

const protocol::imap_response* completion(const exchange& ex) {
  for (const auto& r : ex.imap)
    if (r.kind == imap_kind::tagged && r.tag == ex.tag) return &r;
  return nullptr;
}

bool ok_completion(const exchange& ex) {
  auto t = completion(ex);
  return t && t->status == "OK";
}

void capability_response(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.verb != "CAPABILITY" || !ok_completion(ex)) continue;
    int n = 0;
    for (const auto& r : ex.imap) n += r.kind == imap_kind::untagged && r.keyword == "CAPABILITY";
    if (n == 1) c.held(&ex);
    else c.broken(&ex, "a single untagged CAPABILITY response before the tagged OK", completion(ex)->raw,
                  std::to_string(n) + " untagged CAPABILITY responses");
  }
}

void imap_no_starttls_after_tls(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.chan != channel::tls) continue;
    auto caps = imap_caps_in(ex);
    if (caps.empty()) continue;
    if (has_word(caps, "STARTTLS")) c.broken(&ex, "no STARTTLS in the capabilities once TLS is active", "STARTTLS");
    else c.held(&ex);
  }
}

// The capabilities last announced on the same channel before exchange i (empty: none seen).
std::vector<std::string> caps_before(const record& rec, std::size_t i, channel ch) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < i; ++k) {
    if (rec.exchanges[k].chan != ch) continue;
    auto caps = imap_caps_in(rec.exchanges[k]);
    if (!caps.empty()) out = std::move(caps);
  }
  return out;
}

void logindisabled_honoured(context& c) {
  for (std::size_t i = 0; i < c.rec.exchanges.size(); ++i) {
    const auto& ex = c.rec.exchanges[i];
    auto t = completion(ex);
    if (ex.verb != "LOGIN" || !t || !has_word(caps_before(c.rec, i, ex.chan), "LOGINDISABLED")) continue;
    if (t->status == "OK") c.broken(&ex, "LOGIN refused while LOGINDISABLED is advertised", t->raw);
    else c.held(&ex);
  }
}

// A refusal for lack of privacy (not, say, a wrong password).
bool privacy_refusal(const protocol::imap_response& t) {
  if (t.code_name() == "PRIVACYREQUIRED" || t.status == "BAD") return true;
  const std::string text = upper(t.text);
  for (const char* w : {"PLAINTEXT", "TLS", "SSL", "SECURE", "ENCRYPT", "CLEARTEXT"})
    if (text.find(w) != std::string::npos) return true;
  return false;
}

void logindisabled_advertised(context& c) {
  for (std::size_t i = 0; i < c.rec.exchanges.size(); ++i) {
    const auto& ex = c.rec.exchanges[i];
    auto t = completion(ex);
    if (ex.verb != "LOGIN" || ex.chan != channel::plain || !t || t->status == "OK" || !privacy_refusal(*t)) continue;
    auto caps = caps_before(c.rec, i, ex.chan);
    if (caps.empty()) continue;
    if (has_word(caps, "LOGINDISABLED")) c.held(&ex);
    else c.broken(&ex, "LOGINDISABLED advertised when LOGIN is not permitted", t->raw);
  }
}

void login_before_tls(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    auto t = completion(ex);
    if ((ex.verb != "LOGIN" && ex.verb != "AUTHENTICATE") || ex.chan != channel::plain || !t) continue;
    if (t->status == "OK") c.broken(&ex, "LOGIN refused before TLS", t->raw, "credentials accepted on a plaintext channel");
    else c.held(&ex);
  }
}

// Capabilities shown before TLS and before authentication (RFC 9051 §6.2.3, §6.2.2): no
// LOGINDISABLED means LOGIN is permitted, AUTH=PLAIN / AUTH=LOGIN a plaintext password mechanism.
// The tagged OK [CAPABILITY ...] of a successful login lists the authenticated state's: not judged.
void plaintext_login_offered(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.chan != channel::plain) continue;
    if (ex.greeting && !ex.imap.empty() && ex.imap.front().status == "PREAUTH") return;
    if ((ex.verb == "LOGIN" || ex.verb == "AUTHENTICATE") && ok_completion(ex)) return;
    auto caps = imap_caps_in(ex);
    if (caps.empty()) continue;
    std::string exposed;
    if (!has_word(caps, "LOGINDISABLED")) exposed = "no LOGINDISABLED";
    for (const char* m : {"AUTH=PLAIN", "AUTH=LOGIN"})
      if (has_word(caps, m)) exposed += (exposed.empty() ? "" : ", ") + std::string(m);
    if (exposed.empty()) {
      c.held(&ex);
      continue;
    }
    std::string shown;
    for (const auto& cap : caps) shown += (shown.empty() ? "" : " ") + cap;
    c.broken(&ex, "LOGINDISABLED and no AUTH=PLAIN or AUTH=LOGIN before TLS", shown,
             exposed + ": passwords would cross the network in the clear");
  }
}

bool any_rev2(const record& rec) {
  for (const auto& ex : rec.exchanges)
    if (has_word(imap_caps_in(ex), "IMAP4rev2")) return true;
  return false;
}

void select_responses(context& c, bool recent) {
  if (recent && any_rev2(c.rec)) return;  // RECENT is IMAP4rev1 only
  for (const auto& ex : c.rec.exchanges) {
    if ((ex.verb != "SELECT" && ex.verb != "EXAMINE") || !ok_completion(ex)) continue;
    bool exists = false, flags = false, uidvalidity = false, rec = false;
    for (const auto& r : ex.imap) {
      exists = exists || r.keyword == "EXISTS";
      flags = flags || r.keyword == "FLAGS";
      rec = rec || r.keyword == "RECENT";
      uidvalidity = uidvalidity || r.code_name() == "UIDVALIDITY";
    }
    if (recent) {
      if (rec) c.held(&ex);
      else c.broken(&ex, "an untagged RECENT response", completion(ex)->raw);
    } else if (exists && flags && uidvalidity) {
      c.held(&ex);
    } else {
      c.broken(&ex, "untagged FLAGS, EXISTS and OK [UIDVALIDITY]", completion(ex)->raw,
               std::string("missing:") + (flags ? "" : " FLAGS") + (exists ? "" : " EXISTS") +
                   (uidvalidity ? "" : " UIDVALIDITY"));
    }
  }
}

bool uid_fetch(const exchange& ex) {
  auto w = split_ws(ex.command);
  return ex.verb == "UID" && w.size() > 2 && upper(w[2]) == "FETCH";
}

void uid_fetch_includes_uid(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!uid_fetch(ex)) continue;
    for (const auto& r : ex.imap) {
      if (r.keyword != "FETCH") continue;
      if (protocol::imap_fetch_uid(r)) c.held(&ex);
      else c.broken(&ex, "the UID data item in every FETCH response to UID FETCH", r.raw);
    }
  }
}

void logout_bye(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    auto t = completion(ex);
    if (ex.verb != "LOGOUT" || !t || t->status != "OK") continue;
    bool bye = false;
    for (const auto& r : ex.imap) {
      if (&r == t) break;
      bye = bye || (r.kind == imap_kind::untagged && r.status == "BYE");
    }
    if (bye) c.held(&ex);
    else c.broken(&ex, "an untagged BYE before the tagged OK", t->raw);
  }
}

void logout_close(context& c) {
  const auto& xs = c.rec.exchanges;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].verb != "LOGOUT" || !ok_completion(xs[i])) continue;
    if (xs[i].closed_after) {
      c.held(&xs[i]);
      continue;
    }
    for (std::size_t k = i + 1; k < xs.size(); ++k) {
      if (xs[k].conn != xs[i].conn) continue;  // another connection of the scenario goes on
      if (!xs[k].imap.empty()) {
        c.broken(&xs[i], "the connection closed after LOGOUT", xs[k].imap.front().raw);
        break;
      }
      if (xs[k].closed_after) {
        c.held(&xs[i]);
        break;
      }
      if (xs[k].command.empty() && xs[k].timed_out) {
        c.broken(&xs[i], "the connection closed after LOGOUT", "(connection still open)");
        break;
      }
    }
  }
}

}  // namespace

void add_imap_rfc9051_session(std::vector<rule>& v) {
  v.push_back(row("imap/rfc9051/6.1.1/capability-response", "imap", "RFC 9051 §6.1.1", level::must,
                  "The server MUST send a single untagged CAPABILITY response with \"IMAP4rev2\" as one of the "
                  "listed capabilities before the (tagged) OK response.",
                  capability_response));
  v.push_back(row("imap/rfc9051/6.2.1/no-starttls-after-tls", "imap", "RFC 9051 §6.2.1", level::should,
                  "Once TLS has been started, the client MUST discard cached information about server capabilities "
                  "and SHOULD reissue the CAPABILITY command. ... The server MAY advertise different capabilities "
                  "and, in particular, SHOULD NOT advertise the STARTTLS capability, after a successful STARTTLS "
                  "command.",
                  imap_no_starttls_after_tls, severity::low));
  v.push_back(row("imap/rfc3501/6.2.3/logindisabled-honoured", "imap",
                  "RFC 9051 §6.2.3, §7.2.2 (RFC 3501 §6.2.3, §7.2.1 for IMAP4rev1)", level::must,
                  "... a server implementation MUST implement a configuration in which it advertises the "
                  "LOGINDISABLED capability and does NOT permit the LOGIN command. (§6.2.3) ... The LOGINDISABLED "
                  "capability indicates that the LOGIN command is disabled, and that the server will respond with a "
                  "tagged NO response to any attempt to use the LOGIN command even if the user name and password "
                  "are valid (their validity will not be checked). (§7.2.2)",
                  logindisabled_honoured, severity::medium));
  v.push_back(row("imap/rfc3501/6.2.3/logindisabled-advertised", "imap",
                  "RFC 9051 §6.2.3, §7.2.2 (RFC 3501 §6.2.3, §7.2.1 for IMAP4rev1)", level::must,
                  "Unless the client is accessing IMAP service on an Implicit TLS port [RFC8314], the STARTTLS "
                  "command has been negotiated, or some other mechanism that protects the session from password "
                  "snooping has been provided, a server implementation MUST implement a configuration in which it "
                  "advertises the LOGINDISABLED capability and does NOT permit the LOGIN command. (§6.2.3; a server "
                  "that refuses LOGIN for lack of privacy is in that configuration and must say so) ... Client and "
                  "server implementations MUST implement the capabilities \"AUTH=PLAIN\" (described in [PLAIN]), and "
                  "MUST implement \"STARTTLS\" and \"LOGINDISABLED\" on the cleartext port. (§7.2.2)",
                  logindisabled_advertised));
  v.push_back(row("imap/rfc3501/6.2.3/login-before-tls", "imap", "RFC 9051 §6.2.3, §6.2.2 (RFC 3501 §6.2.3 for IMAP4rev1)",
                  level::should,
                  "Server sites SHOULD NOT use any configuration that permits the LOGIN command without such a "
                  "protection mechanism against password snooping. (§6.2.3) ... Server sites SHOULD NOT use any "
                  "configuration that permits a plaintext password mechanism without such a protection mechanism "
                  "against password snooping. (§6.2.2; judged: LOGIN or AUTHENTICATE accepted on a plaintext "
                  "channel)",
                  login_before_tls, severity::medium));
  v.push_back(row("imap/rfc9051/6.2.3/plaintext-login-before-tls", "imap",
                  "RFC 9051 §6.2.3, §6.2.2 (RFC 3501 §6.2.3 for IMAP4rev1)", level::should,
                  "Server sites SHOULD NOT use any configuration that permits the LOGIN command without such a "
                  "protection mechanism against password snooping. (§6.2.3) ... Server sites SHOULD NOT use any "
                  "configuration that permits a plaintext password mechanism without such a protection mechanism "
                  "against password snooping. (§6.2.2; judged on the capabilities a plaintext channel shows before "
                  "authentication: no LOGINDISABLED, or AUTH=PLAIN or AUTH=LOGIN, is such a configuration)",
                  plaintext_login_offered, severity::medium));
  v.push_back(row("imap/rfc9051/6.3.2/select-responses", "imap", "RFC 9051 §6.3.2 (RFC 3501 §6.3.1 for IMAP4rev1)",
                  level::must,
                  "Before returning an OK to the client, the server MUST send the following untagged data to the "
                  "client. ... FLAGS ... <n> EXISTS ... OK [UIDVALIDITY <n>] (the data every IMAP version requires; "
                  "RFC 9051 also lists LIST, PERMANENTFLAGS and UIDNEXT)",
                  [](context& c) { select_responses(c, false); }));
  v.push_back(row("imap/rfc3501/6.3.1/select-recent", "imap", "RFC 3501 §6.3.1 (IMAP4rev1; RFC 9051 §6.3.2 has no RECENT)",
                  level::must,
                  "Summary: Before returning an OK to the client, the server MUST send the following untagged data to the "
                  "client. ... <n> RECENT The number of messages with the \\Recent flag set. (IMAP4rev1 servers "
                  "only; RFC 9051 removed RECENT.)",
                  [](context& c) { select_responses(c, true); }));
  v.push_back(row("imap/rfc9051/6.4.9/uid-fetch-includes-uid", "imap", "RFC 9051 §6.4.9", level::must,
                  "... server implementations MUST implicitly include the UID message data item as part of any "
                  "FETCH response caused by a UID command, regardless of whether a UID was specified as a message "
                  "data item to the FETCH.",
                  uid_fetch_includes_uid));
  v.push_back(row("imap/rfc9051/6.1.3/logout-bye", "imap", "RFC 9051 §6.1.3", level::must,
                  "The server MUST send a BYE untagged response before the (tagged) OK response, and then close "
                  "the network connection.",
                  logout_bye));
  v.push_back(row("imap/rfc9051/6.1.3/logout-close", "imap", "RFC 9051 §6.1.3", level::must,
                  "The server MUST send a BYE untagged response before the (tagged) OK response, and then close "
                  "the network connection.",
                  logout_close));
}

}  // namespace mailspec::rules::detail
