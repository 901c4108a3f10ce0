#include "discovery/autoconfig.hpp"

#include <algorithm>
#include <cctype>
#include <pugixml.hpp>

#include "core/text.hpp"

namespace mailspec::discovery {

namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  std::size_t label = 0;
  for (char c : h) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    if (++label > 63) return false;
  }
  return true;
}

std::string child_text(const pugi::xml_node& n, const char* name) { return trim(n.child(name).text().as_string()); }

published_server parse_server(const pugi::xml_node& n, const std::string& direction, const email_address& who,
                              const std::string& source) {
  published_server s;
  s.direction = direction;
  s.type = lower(trim(n.attribute("type").as_string()));
  s.source = source;
  s.hostname = lower(substitute(child_text(n, "hostname"), who));
  if (s.hostname.empty()) s.problems.push_back("no <hostname>");
  else if (s.hostname.find('%') != std::string::npos) s.problems.push_back("unresolved placeholder in <hostname>: " + s.hostname);
  else if (!valid_hostname(s.hostname)) s.problems.push_back("<hostname> is not a host name: " + s.hostname);
  std::string port = child_text(n, "port");
  if (port.empty()) s.problems.push_back("no <port>");
  else if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
           std::stoi(port) < 1 || std::stoi(port) > 65535)
    s.problems.push_back("<port> is not 1-65535: " + port);
  else s.port = std::stoi(port);
  s.socket_type = child_text(n, "socketType");
  if (s.socket_type.empty()) s.problems.push_back("no <socketType>");
  else if (s.socket_type != "SSL" && s.socket_type != "STARTTLS" && s.socket_type != "plain")
    s.problems.push_back("<socketType> is not SSL, STARTTLS or plain: " + s.socket_type);
  for (auto a : n.children("authentication")) {
    std::string m = trim(a.text().as_string());
    if (m.empty()) continue;
    if (!known_authentication(m)) s.problems.push_back("unknown <authentication>: " + m);
    s.authentication.push_back(m);
  }
  s.username = substitute(child_text(n, "username"), who);
  return s;
}

}  // namespace

bool parse_email_or_domain(std::string_view in, email_address& out, std::string& why) {
  std::string s = trim(in);
  out = {};
  auto at = s.rfind('@');
  std::string domain = at == std::string::npos ? s : s.substr(at + 1);
  if (at != std::string::npos) {
    out.local = s.substr(0, at);
    if (out.local.empty()) return why = "\"" + s + "\": nothing before the @", false;
    if (out.local.find_first_of(" \t\r\n\"<>@") != std::string::npos)
      return why = "\"" + s + "\": the local part has characters an address cannot have", false;
  }
  domain = lower(domain);
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (!valid_hostname(domain) || domain.find('.') == std::string::npos)
    return why = "\"" + s + "\": expected EMAIL (user@example.net) or DOMAIN (example.net)", false;
  // A dotted quad passes the host name syntax, but publishes nothing: SRV, MX and MTA-STS live
  // under a domain name (a user who means "this server" wants `mailspec audit`).
  if (domain.find_first_not_of("0123456789.") == std::string::npos)
    return why = "\"" + s + "\": an IP address is not a mail domain (to check a server by address: mailspec audit " + domain + ")", false;
  out.domain = domain;
  if (at != std::string::npos) out.address = out.local + "@" + domain;
  return true;
}

std::string substitute(std::string_view s, const email_address& who) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    auto try_sub = [&](std::string_view name, const std::string& value) {
      if (value.empty() || s.substr(i, name.size()) != name) return false;
      out += value;
      i += name.size();
      return true;
    };
    if (try_sub("%EMAILADDRESS%", who.address) || try_sub("%EMAILLOCALPART%", who.local) ||
        try_sub("%EMAILDOMAIN%", who.domain))
      continue;
    out += s[i++];
  }
  return out;
}

bool known_authentication(std::string_view m) {
  static const char* known[] = {"password-cleartext", "plain", "password-encrypted", "secure", "OAuth2", "NTLM",
                                "GSSAPI", "client-IP-address", "TLS-client-cert", "none", "smtp-after-pop"};
  return std::any_of(std::begin(known), std::end(known), [&](const char* k) { return m == k; });
}

autoconfig parse_autoconfig(std::string_view xml, const email_address& who, const std::string& source) {
  autoconfig out;
  if (xml.size() > max_autoconfig_bytes) {
    out.error = "the document is " + std::to_string(xml.size()) + " bytes, over the " +
                std::to_string(max_autoconfig_bytes) + "-byte limit";
    return out;
  }
  pugi::xml_document doc;
  // parse_default minus entity expansion beyond the predefined ones: pugixml never loads DTDs.
  auto res = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!res) {
    out.error = std::string("malformed XML at byte ") + std::to_string(res.offset) + ": " + res.description();
    return out;
  }
  auto root = doc.child("clientConfig");
  if (!root) {
    auto first = doc.first_child();
    out.error = std::string("the root element is <") + (first ? first.name() : "") + ">, expected <clientConfig>";
    return out;
  }
  auto prov = root.child("emailProvider");
  if (!prov) {
    out.error = "no <emailProvider> in <clientConfig>";
    return out;
  }
  out.ok = true;
  out.provider_id = prov.attribute("id").as_string();
  out.display_name = child_text(prov, "displayName");
  for (auto d : prov.children("domain")) out.domains.push_back(lower(trim(d.text().as_string())));
  for (auto n : prov.children()) {
    std::string name = n.name();
    if (name != "incomingServer" && name != "outgoingServer") continue;
    auto s = parse_server(n, name == "incomingServer" ? "incoming" : "outgoing", who, source);
    bool want = name == "incomingServer" ? (s.type == "imap" || s.type == "pop3") : s.type == "smtp";
    if (!want) {
      out.ignored.push_back(name + " type=\"" + s.type + "\"");
      continue;
    }
    out.servers.push_back(std::move(s));
  }
  return out;
}

}  // namespace mailspec::discovery
