// Microsoft Autodiscover (POX and v2 JSON): see autodiscover.hpp.
#include "discovery/autodiscover.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "core/text.hpp"

namespace mailspec::discovery {

namespace {

std::string_view local_name(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node n, std::string_view name) {
  for (auto c : n.children())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

std::string text_of(pugi::xml_node n, std::string_view name) {
  auto c = child(n, name);
  std::string s = c ? c.text().as_string() : "";
  auto b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool on(const std::string& v) { return lower(v) == "on" || lower(v) == "true"; }

// One <Protocol> of type IMAP, POP3 or SMTP as a published server (MS-OXDSCLI §2.2.4.1.1.2).
// Encryption (None, SSL, TLS, Auto) wins over SSL (on/off): SSL = implicit TLS, TLS = STARTTLS;
// SSL on without Encryption, and Auto, are implicit TLS on 993/995/465, STARTTLS elsewhere.
published_server protocol_entry(pugi::xml_node p, const std::string& type, const std::string& source) {
  published_server s;
  s.type = lower(type);
  s.direction = s.type == "smtp" ? "outgoing" : "incoming";
  s.hostname = lower(text_of(p, "Server"));
  s.source = source;
  std::string port = text_of(p, "Port");
  if (!port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos) s.port = std::stoi(port);
  if (s.hostname.empty()) s.problems.push_back("no <Server>");
  if (s.port < 1 || s.port > 65535) s.problems.push_back("no valid <Port> (\"" + port + "\")");
  const bool implicit_port = s.port == 993 || s.port == 995 || s.port == 465;
  std::string enc = lower(text_of(p, "Encryption")), ssl = text_of(p, "SSL");
  if (enc == "ssl") s.socket_type = "SSL";
  else if (enc == "tls") s.socket_type = "STARTTLS";
  else if (enc == "none") s.socket_type = "plain";
  else if (enc == "auto" || (enc.empty() && (ssl.empty() || on(ssl)))) s.socket_type = implicit_port ? "SSL" : "STARTTLS";
  else if (enc.empty()) s.socket_type = "plain";
  else {
    s.socket_type = enc;
    s.problems.push_back("unknown <Encryption> \"" + enc + "\"");
  }
  // SPA (Secure Password Authentication) is NTLM; otherwise a password is sent as it is.
  std::string spa = text_of(p, "SPA"), auth = text_of(p, "AuthRequired");
  if (on(spa)) s.authentication.push_back("NTLM");
  else if (auth.empty() || on(auth)) s.authentication.push_back("password-cleartext");
  else s.authentication.push_back("none");
  s.username = text_of(p, "LoginName");
  return s;
}

bool not_published(const fetch_result& r) {
  return r.error.rfind("resolve ", 0) == 0 || r.error.rfind("connect ", 0) == 0 || r.status == 404 || r.status == 410;
}

std::string outcome(const fetch_result& r) {
  if (r.status == 401) return "HTTP 401: the server asks for credentials (none are ever sent)";
  if (!r.ok) return not_published(r) ? "not published (" + r.error + ")" : r.error;
  return "HTTP 200, " + std::to_string(r.body.size()) + " bytes from " + r.address +
         (r.redirects.empty() ? "" : " after " + std::to_string(r.redirects.size()) + " redirect(s): " + join(r.redirects, ", "));
}

struct search {
  const email_address& who;
  const fetch_options& fo;
  autodiscover_result& res;
  std::string email;

  // POSTs the request to url and follows redirectUrl / redirectAddr answers. True when it answered.
  bool pox(std::string url) {
    for (;;) {
      fetch_options o = fo;
      o.method = "POST";
      o.body = pox_request(email);
      o.body_type = "text/xml; charset=utf-8";
      o.cross_host_redirects = true;
      o.max_redirects = std::max(0, autodiscover_max_redirects - res.redirects);
      auto fr = https_get(url, o);
      res.redirects += static_cast<int>(fr.redirects.size());
      res.tried.push_back("POST " + url + ": " + outcome(fr));
      if (fr.error.find("redirects (a loop?)") != std::string::npos) res.errors.push_back(url + ": " + fr.error);
      if (!fr.ok) return false;
      auto p = parse_pox(fr.body, "Autodiscover " + (fr.final_url.empty() ? url : fr.final_url));
      if (!p.ok) {
        res.errors.push_back(url + ": " + p.error);
        return false;
      }
      if (p.action == "settings") {
        res.source = fr.final_url.empty() ? url : fr.final_url;
        res.servers = std::move(p.servers);
        if (!p.ignored.empty()) res.tried.back() += "; ignored: " + join(p.ignored, ", ");
        return true;
      }
      if (++res.redirects > autodiscover_max_redirects) {
        res.errors.push_back(url + ": more than " + std::to_string(autodiscover_max_redirects) + " redirects, the last: " +
                             p.action + " " + p.redirect);
        return false;
      }
      res.tried.back() += "; " + p.action + " " + p.redirect;
      if (p.action == "redirectUrl") {
        if (p.redirect.rfind("https://", 0) != 0) {
          res.errors.push_back(url + ": redirectUrl to a non-https URL, not followed: " + p.redirect);
          return false;
        }
        url = p.redirect;
      } else {
        email = p.redirect;  // redirectAddr: the same server asked again for the new address
      }
    }
  }
};

}  // namespace

std::string pox_request(const std::string& email) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
         "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">\r\n"
         "  <Request>\r\n"
         "    <EMailAddress>" + email + "</EMailAddress>\r\n"
         "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
         "</AcceptableResponseSchema>\r\n"
         "  </Request>\r\n"
         "</Autodiscover>\r\n";
}

pox_response parse_pox(std::string_view xml, const std::string& source) {
  pox_response out;
  pugi::xml_document doc;
  auto r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!r) return out.error = "malformed XML at byte " + std::to_string(r.offset) + ": " + r.description(), out;
  auto root = child(doc, "Autodiscover");
  auto response = root ? child(root, "Response") : pugi::xml_node{};
  if (!response) return out.error = "no <Autodiscover><Response>", out;
  if (auto err = child(response, "Error"))
    return out.error = "<Error> " + text_of(err, "ErrorCode") + " " + text_of(err, "Message"), out;
  auto account = child(response, "Account");
  if (!account) return out.error = "no <Account> in the response", out;
  out.action = text_of(account, "Action");
  if (out.action == "redirectAddr" || out.action == "redirectUrl") {
    out.redirect = text_of(account, out.action == "redirectAddr" ? "RedirectAddr" : "RedirectUrl");
    if (out.redirect.empty()) return out.error = "<Action>" + out.action + "</Action> without its target", out;
    out.ok = true;
    return out;
  }
  if (out.action != "settings") return out.error = "unknown <Action> \"" + out.action + "\"", out;
  for (auto p : account.children()) {
    if (p.type() != pugi::node_element || local_name(p.name()) != "Protocol") continue;
    std::string type = text_of(p, "Type");
    if (type.empty()) {  // the newer form: <Protocol Type="IMAP">
      type = p.attribute("Type").as_string();
    }
    std::string t = upper(type);
    if (t == "IMAP" || t == "POP3" || t == "SMTP") out.servers.push_back(protocol_entry(p, t, source));
    else out.ignored.push_back(type.empty() ? "(no Type)" : type);
  }
  out.ok = true;
  return out;
}

std::string parse_v2_json(std::string_view text, std::string& error) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return error = "not a JSON object", "";
  auto it = j.find("Url");
  if (it == j.end() || !it->is_string()) return error = "no \"Url\" string", "";
  return it->get<std::string>();
}

autodiscover_result autodiscover(const email_address& who, const fetch_options& fo, resolver& r) {
  autodiscover_result res;
  search s{who, fo, res, who.address.empty() ? "postmaster@" + who.domain : who.address};
  const std::string& d = who.domain;
  const std::string path = "/autodiscover/autodiscover.xml";
  if (s.pox("https://" + d + path) || s.pox("https://autodiscover." + d + path)) return res;
  // The HTTP redirect step: a GET (never a POST, never credentials) of the plain-HTTP URL, whose
  // 301/302 names the https URL to POST to.
  {
    fetch_options o = fo;
    o.allow_http = true;
    o.max_redirects = 0;
    const std::string url = "http://autodiscover." + d + path;
    auto fr = https_get(url, o);
    bool redirect = (fr.status == 301 || fr.status == 302) && !fr.location.empty();
    res.tried.push_back("GET " + url + ": " + (redirect ? std::to_string(fr.status) + " -> " + fr.location : outcome(fr)));
    if (redirect) {
      if (fr.location.rfind("https://", 0) != 0) res.errors.push_back(url + ": redirect to a non-https URL, not followed: " + fr.location);
      else if (++res.redirects, s.pox(fr.location)) return res;
    }
  }
  auto srv = r.srv("_autodiscover._tcp." + d);
  if (!srv.ok() || srv.records.empty() || srv.records[0].target == ".") {
    res.tried.push_back("SRV _autodiscover._tcp." + d + ": " + (srv.ok() ? "service not offered" : srv.message));
  } else {
    const auto& t = srv.records[0];
    res.tried.push_back("SRV _autodiscover._tcp." + d + ": " + t.target + ":" + std::to_string(t.port));
    if (s.pox("https://" + t.target + (t.port == 443 ? "" : ":" + std::to_string(t.port)) + path)) return res;
  }
  // v2: the JSON endpoint names the POX URL (Protocol=AutodiscoverV1).
  const std::string v2 = "https://autodiscover." + d + "/autodiscover/autodiscover.json/v1.0/" + s.email + "?Protocol=AutodiscoverV1";
  fetch_options o = fo;
  o.cross_host_redirects = true;
  o.max_redirects = std::max(0, autodiscover_max_redirects - res.redirects);
  auto fr = https_get(v2, o);
  res.redirects += static_cast<int>(fr.redirects.size());
  res.tried.push_back("GET " + v2 + ": " + outcome(fr));
  if (!fr.ok) return res;
  std::string why, url = parse_v2_json(fr.body, why);
  if (url.empty()) {
    res.errors.push_back(v2 + ": " + why);
    return res;
  }
  res.tried.back() += "; Url " + url;
  if (url.rfind("https://", 0) != 0) {
    res.errors.push_back(v2 + ": Url is not https, not followed: " + url);
    return res;
  }
  s.pox(url);
  if (!res.source.empty()) res.source = "v2 " + v2 + " -> " + res.source;
  return res;
}

}  // namespace mailspec::discovery
