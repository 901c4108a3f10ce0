// The discovery phase: autoconfig (preset, --autoconfig FILE|URL, or the two well-known URLs),
// RFC 6186/8314 SRV records, MX, MTA-STS and TLS-RPT records, all through one resolver.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "discovery/autodiscover.hpp"
#include "discovery/detail.hpp"

namespace mailspec::discovery::detail {

namespace {

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

std::string read_bounded(const std::string& path, std::size_t max, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = path + ": no such file";
    return "";
  }
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > max) {
    error = path + ": " + (ec ? ec.message() : "over the " + std::to_string(max) + "-byte limit");
    return "";
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fetch that failed because nothing is published there (no host, no listener, 404) is not
// a finding; a TLS failure of a host that exists is.
bool not_published(const fetch_result& r) {
  return r.error.rfind("resolve ", 0) == 0 || r.error.rfind("connect ", 0) == 0 || r.status == 404 || r.status == 410;
}

std::string describe_fetch(const fetch_result& r) {
  if (r.ok)
    return "HTTP 200, " + std::to_string(r.body.size()) + " bytes, " + (r.content_type.empty() ? "no Content-Type" : r.content_type) +
           ", TLS verified (" + r.tls_version + ") from " + r.address +
           (r.redirects.empty() ? "" : "; redirects followed: " + std::to_string(r.redirects.size()));
  return r.error;
}

// how: what the fetch said ("" for files and presets).
void use_document(found& f, const std::string& text, const std::string& source, const std::string& how = "") {
  auto cfg = parse_autoconfig(text, f.who, source);
  std::string prefix = source + ": " + (how.empty() ? "" : how + "; ");
  if (!cfg.ok) {
    f.autoconfig_errors.push_back(source + ": " + cfg.error);
    f.sources.push_back(prefix + "not usable: " + cfg.error);
    return;
  }
  f.sources.push_back(prefix + "autoconfig with " + std::to_string(cfg.servers.size()) + " server(s)" +
                      (cfg.ignored.empty() ? "" : " (ignored: " + [&] {
                        std::string s;
                        for (const auto& i : cfg.ignored) s += (s.empty() ? "" : ", ") + i;
                        return s;
                      }() + ")"));
  f.autoconfig_source = source;
  f.config = std::move(cfg);
}

void fetch_autoconfig(const settings_options& opt, found& f, resolver& r, const std::string& url) {
  auto res = https_get(url, fetch_defaults(opt, r, max_autoconfig_bytes));
  if (!res.ok) {
    f.sources.push_back(url + ": " + (not_published(res) ? "not published (" + res.error + ")" : res.error));
    if (!res.redirect_refused.empty()) f.redirects_refused.push_back(res.redirect_refused);
    else if (res.error.rfind("TLS handshake", 0) == 0) f.https_errors.push_back(url + ": " + res.error);
    else if (res.error.find("deadline expired") != std::string::npos) f.autoconfig_unanswered.push_back(url + ": " + res.error);
    else if (!not_published(res)) f.autoconfig_errors.push_back(url + ": " + res.error);
    return;
  }
  use_document(f, res.body, url, describe_fetch(res));
}

void find_autoconfig(const settings_options& opt, found& f, resolver& r) {
  if (!opt.preset.empty()) {
    std::string path = opt.preset_dir + "/" + opt.preset + ".xml", error;
    std::string text = read_bounded(path, max_autoconfig_bytes, error);
    if (!error.empty()) throw std::invalid_argument("--preset " + opt.preset + ": " + error);
    use_document(f, text, "preset " + opt.preset + " (" + path + ")");
    return;
  }
  if (!opt.autoconfig.empty()) {
    if (opt.autoconfig.find("://") != std::string::npos) return fetch_autoconfig(opt, f, r, opt.autoconfig);
    std::string error, text = read_bounded(opt.autoconfig, max_autoconfig_bytes, error);
    if (!error.empty()) throw std::invalid_argument("--autoconfig " + error);
    use_document(f, text, "file " + opt.autoconfig);
    return;
  }
  const std::string& d = f.who.domain;
  std::string q = f.who.address.empty() ? "" : "?emailaddress=" + url_encode(f.who.address);
  for (const auto& url : {"https://autoconfig." + d + "/mail/config-v1.1.xml" + q,
                          "https://" + d + "/.well-known/autoconfig/mail/config-v1.1.xml"}) {
    fetch_autoconfig(opt, f, r, url);
    if (f.config) return;
  }
  // Nothing published by the domain itself: Thunderbird asks its central ISPDB next.
  find_ispdb(opt, f, r);
}

struct srv_service {
  const char* prefix;
  const char* type;
  const char* socket;
};
constexpr srv_service srv_services[] = {
    {"_submissions._tcp.", "smtp", "SSL"}, {"_submission._tcp.", "smtp", "STARTTLS"}, {"_imaps._tcp.", "imap", "SSL"},
    {"_imap._tcp.", "imap", "STARTTLS"},   {"_pop3s._tcp.", "pop3", "SSL"},          {"_pop3._tcp.", "pop3", "STARTTLS"}};

bool same_tls_kind(const std::string& a, const std::string& b) { return (a == "SSL") == (b == "SSL"); }

void find_srv(found& f, resolver& r) {
  for (const auto& svc : srv_services) {
    std::string name = svc.prefix + f.who.domain;
    auto ans = r.srv(name);
    if (!ans.ok()) {
      f.srv_lines.push_back(name + ": " + (ans.message.empty() ? to_string(ans.status) : ans.message));
      continue;
    }
    std::string line = name + ": ok";
    int used = 0;
    for (const auto& rec : ans.records) {
      line += " [" + std::to_string(rec.priority) + " " + std::to_string(rec.weight) + " " + std::to_string(rec.port) + " " +
              rec.target + "]";
      if (rec.target == "." || rec.target.empty()) {
        line += " (service not offered)";
        continue;
      }
      if (++used > 4) continue;  // a bounded number of targets per service
      published_server s;
      s.direction = std::string(svc.type) == "smtp" ? "outgoing" : "incoming";
      s.type = svc.type;
      s.hostname = rec.target;
      s.port = rec.port;
      s.socket_type = svc.socket;
      s.source = "DNS SRV " + name;
      if (rec.port < 1) s.problems.push_back("SRV port 0");
      // RFC 6186 §3.1 / RFC 8314 §5.1 vs the autoconfig: the same kind of service elsewhere?
      if (f.config) {
        std::vector<std::string> same_kind;
        bool match = false;
        for (const auto& a : f.config->servers) {
          if (a.type != s.type || !same_tls_kind(a.socket_type, s.socket_type)) continue;
          same_kind.push_back(a.hostname + ":" + std::to_string(a.port) + " " + a.socket_type);
          match = match || (a.hostname == s.hostname && a.port == s.port);
        }
        if (!match && !same_kind.empty()) {
          std::string list;
          for (const auto& x : same_kind) list += (list.empty() ? "" : ", ") + x;
          f.srv_mismatch.push_back("SRV " + name + ": " + s.hostname + ":" + std::to_string(s.port) + " | autoconfig " +
                                   s.type + " (" + (s.socket_type == "SSL" ? "SSL" : "STARTTLS/plain") + "): " + list);
        }
      }
      f.servers.push_back(std::move(s));
    }
    f.srv_lines.push_back(line);
  }
}

// Autoconfig entries first, then SRV ones; the same server (type, host, port, socketType) once.
std::vector<published_server> merge_servers(std::vector<published_server> from_config, std::vector<published_server> from_srv) {
  std::vector<published_server> out = std::move(from_config);
  for (auto& s : from_srv) {
    auto it = std::find_if(out.begin(), out.end(), [&](const published_server& o) {
      return o.type == s.type && o.hostname == s.hostname && o.port == s.port && o.socket_type == s.socket_type;
    });
    if (it == out.end()) out.push_back(std::move(s));
    else it->source += "; " + s.source;
  }
  return out;
}

void find_policies(const settings_options& opt, found& f, resolver& r) {
  const std::string& d = f.who.domain;
  f.mx = r.mx(d);
  if (r.validating()) f.mx_validated = r.mx_validated(d);
  f.sts_txt = r.txt("_mta-sts." + d);
  f.rpt_txt = r.txt("_smtp._tls." + d);
  std::string mx_line = "MX " + d + ": ";
  if (f.mx.ok())
    for (const auto& m : f.mx.records) mx_line += std::to_string(m.preference) + " " + m.host + " ";
  else mx_line += f.mx.message;
  f.sources.push_back(mx_line);
  f.sources.push_back("TXT _mta-sts." + d + ": " + (f.sts_txt.ok() ? std::to_string(f.sts_txt.records.size()) + " record(s)" : f.sts_txt.message));
  f.sources.push_back("TXT _smtp._tls." + d + ": " + (f.rpt_txt.ok() ? std::to_string(f.rpt_txt.records.size()) + " record(s)" : f.rpt_txt.message));
  bool sts = false;
  if (f.sts_txt.ok())
    for (const auto& t : f.sts_txt.records) sts = sts || t.rfind("v=STSv1", 0) == 0;
  if (!sts) return;
  f.sts_url = "https://mta-sts." + d + "/.well-known/mta-sts.txt";
  auto fo = fetch_defaults(opt, r, 64 * 1024);
  fo.max_redirects = 0;  // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed"
  f.sts_policy = https_get(f.sts_url, fo);
  f.sources.push_back(f.sts_url + ": " + describe_fetch(*f.sts_policy));
}

}  // namespace

std::string registrable_domain(const std::string& host) {
  std::string h = host;
  while (!h.empty() && h.back() == '.') h.pop_back();
  std::vector<std::string> labels;
  for (std::size_t i = 0, j; i <= h.size(); i = j + 1) {
    j = h.find('.', i);
    if (j == std::string::npos) j = h.size();
    labels.push_back(h.substr(i, j - i));
  }
  if (labels.size() <= 2) return h;
  static const char* generic[] = {"co", "com", "net", "org", "ac", "gov", "edu", "ne", "or"};
  std::size_t keep = 2;
  const auto& second = labels[labels.size() - 2];
  if (labels.back().size() == 2 && std::find(std::begin(generic), std::end(generic), second) != std::end(generic)) keep = 3;
  std::string out;
  for (std::size_t i = labels.size() - std::min(keep, labels.size()); i < labels.size(); ++i) out += (out.empty() ? "" : ".") + labels[i];
  return out;
}

void find_ispdb(const settings_options& opt, found& f, resolver& r) {
  if (opt.ispdb.empty() || f.config) return;
  std::string base = opt.ispdb;
  if (base.back() != '/') base += '/';
  auto ask = [&](const std::string& domain, const std::string& why) {
    std::string url = base + domain;
    auto res = https_get(url, fetch_defaults(opt, r, max_autoconfig_bytes));
    std::string outcome = res.ok ? describe_fetch(res) : not_published(res) ? "not listed (" + res.error + ")" : res.error;
    f.ispdb += (f.ispdb.empty() ? "" : "\n") + url + " (" + why + "): " + outcome;
    if (res.ok) use_document(f, res.body, "ISPDB " + url, why + ", " + describe_fetch(res));
    else f.sources.push_back("ISPDB " + url + " (" + why + "): " + outcome);
    return f.config.has_value();
  };
  if (ask(f.who.domain, "the domain")) return;
  // Thunderbird's MX lookup: the registrable domain of the first MX host, asked of the ISPDB.
  auto mx = r.mx(f.who.domain);
  if (!mx.ok() || mx.records.empty() || mx.records[0].host == ".") return;
  std::string mx_domain = registrable_domain(mx.records[0].host);
  if (mx_domain != f.who.domain) ask(mx_domain, "registrable domain of MX " + mx.records[0].host);
}

fetch_options fetch_defaults(const settings_options& opt, resolver& r, std::size_t max_bytes) {
  fetch_options fo;
  fo.ca_file = opt.connection.ca_file;
  fo.timeout = std::chrono::milliseconds(opt.connection.timeout_ms > 0 ? opt.connection.timeout_ms : 10000);
  fo.max_bytes = max_bytes;
  fo.user_agent = "mailspec (settings check)";
  fo.resolve = [&r, loopback = opt.connection.loopback_only](const std::string& host) {
    auto a = r.addresses(host);
    if (loopback && a.ok()) {
      std::vector<std::string> keep;
      for (const auto& ip : a.records)
        if (ip.rfind("127.", 0) == 0 || ip == "::1") keep.push_back(ip);
      if (keep.empty()) {
        a.status = dns_status::error;
        a.message = "only non-loopback addresses (loopback_only)";
      }
      a.records = keep;
    }
    return a;
  };
  return fo;
}

std::string server_line(const published_server& s) {
  std::string auth;
  for (const auto& a : s.authentication) auth += (auth.empty() ? "" : " ") + a;
  return s.type + " " + s.hostname + ":" + std::to_string(s.port) + " " + (s.socket_type.empty() ? "?" : s.socket_type) +
         (auth.empty() ? "" : " auth " + auth) + " (from " + s.source + ")";
}

found discover(const settings_options& opt, const email_address& who, resolver& r) {
  found f;
  f.who = who;
  f.resolver = r.describe();
  find_autoconfig(opt, f, r);
  find_srv(f, r);
  std::vector<published_server> srv_servers = std::move(f.servers);
  if (f.config) f.by_source.emplace_back(f.autoconfig_source, f.config->servers);
  if (!srv_servers.empty()) f.by_source.emplace_back("SRV", srv_servers);
  f.servers = merge_servers(f.config ? f.config->servers : std::vector<published_server>{}, std::move(srv_servers));
  if (opt.autodiscover && opt.preset.empty() && opt.autoconfig.empty()) {
    auto ad = autodiscover(f.who, fetch_defaults(opt, r, 256 * 1024), r);
    f.autodiscover = ad.tried;
    f.autodiscover_errors = ad.errors;
    f.autodiscover_source = ad.source;
    f.sources.push_back("Autodiscover: " + (ad.source.empty() ? "no answer with settings" : ad.source));
    if (!ad.servers.empty()) {
      f.by_source.emplace_back("Autodiscover " + ad.source, ad.servers);
      f.servers = merge_servers(std::move(f.servers), std::move(ad.servers));
    }
  }
  compare_sources(f);
  // A hostile 1 MiB autoconfig could list thousands of servers: probe a bounded number.
  constexpr std::size_t max_servers = 16;
  if (f.servers.size() > max_servers) {
    f.sources.push_back(std::to_string(f.servers.size()) + " servers published: only the first " +
                        std::to_string(max_servers) + " are checked");
    f.servers.resize(max_servers);
  }
  find_policies(opt, f, r);
  find_guessed(opt, f, r);
  return f;
}

}  // namespace mailspec::discovery::detail
