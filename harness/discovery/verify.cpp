// The verification: every published server and every MX probed with the audit's main probe
// (connecting to the address our resolver gave, the published name used for SNI and the
// certificate), what the port really does derived from the probe facts, settings facts added.
#include <algorithm>

#include "audit/audit.hpp"
#include "discovery/detail.hpp"
#include "discovery/policy.hpp"

namespace mailspec::discovery::detail {

namespace {

audit::port_spec spec_for(const published_server& s, int port) {
  audit::port_spec p;
  p.protocol = protocol_from_string(s.type).value_or(protocol_kind::smtp);
  p.tls = s.socket_type == "SSL" ? tls_mode::implicit : tls_mode::starttls;
  p.service = service_of(p.protocol, p.tls);
  p.port = port;
  return p;
}

audit::options audit_options(const settings_options& opt, const std::string& host, const std::string& address) {
  audit::options a;
  a.host = host;
  a.address = address;
  a.connection = opt.connection;
  a.strict = opt.strict;
  a.only = opt.only;
  a.stop = opt.stop;
  return a;
}

struct classified {
  std::optional<socket_kind> socket;  // nullopt = this probe cannot tell
  std::string evidence;
  std::vector<std::string> caps;
  bool tls = false;
};

// What one main probe shows about the port. Facts keep server bytes as received: whoever shows
// them makes them visible.
classified classify(const case_result& c, const audit::port_spec& p) {
  classified k;
  const probe_facts none;
  const probe_facts& f = c.probe ? *c.probe : none;
  const std::string banner = f.banner ? *f.banner : "";
  if (f.unreachable && f.unreachable->rfind("no greeting", 0) != 0) {
    k.socket = socket_kind::unknown;
    k.evidence = (f.unreachable->rfind("connect", 0) == 0 || f.unreachable->rfind("resolve", 0) == 0 ? "connect failed: " : "") +
                 *f.unreachable;
    return k;
  }
  if (f.throttled) {
    k.socket = socket_kind::unknown;
    k.evidence = "throttled: " + *f.throttled;
    return k;
  }
  if (p.tls == tls_mode::implicit) {
    if (f.implicit_tls && f.implicit_tls->accepted()) {
      k.socket = socket_kind::ssl;
      k.tls = true;
      k.caps = c.capabilities_after_tls;
      k.evidence = "TLS handshake right after connecting" + (c.tls.empty() ? "" : " (" + c.tls.back().version + ")") +
                   (banner.empty() ? "" : ", then \"" + banner + "\"");
    } else {
      k.evidence = "no TLS handshake right after connecting: " +
                   (f.implicit_tls ? "handshake failed: " + f.implicit_tls->detail : std::string("no result"));
    }
    return k;
  }
  if (banner.empty() || f.wrong_protocol) {
    k.evidence = "no plaintext greeting" + (f.unreachable ? ": " + *f.unreachable : banner.empty() ? "" : ": \"" + banner + "\"");
    return k;
  }
  if (f.starttls && f.starttls->ok()) {
    k.socket = socket_kind::starttls;
    k.tls = true;
    k.caps = c.capabilities_after_tls;
    k.evidence = "plaintext greeting \"" + banner + "\", STARTTLS offered: " +
                 (f.starttls_offered ? (*f.starttls_offered ? "yes" : "no") : "?") + ", upgrade ok";
    return k;
  }
  k.socket = socket_kind::plain;
  k.caps = c.capabilities_before_tls;
  std::string st = !f.starttls ? "not tried"
                   : f.starttls->result == starttls_outcome::refused ? "refused: " + f.starttls->detail
                                                                     : "handshake failed: " + f.starttls->detail;
  k.evidence = "plaintext greeting \"" + banner + "\", no working STARTTLS (" + st + ")";
  return k;
}

case_result unresolved_case(const std::string& id, const std::string& title, const std::string& host, int port,
                            const std::string& protocol, const std::string& error, dns_status status = dns_status::error) {
  case_result c;
  c.kind = "settings";
  c.scenario_id = id;
  c.title = title;
  c.protocol = protocol;
  c.started = iso8601_now();
  c.target.host = host;
  c.target.port = port;
  auto& s = c.settings.emplace();
  s.resolve_error = error;
  s.resolve_status = to_string(status);
  c.log.add(0, direction::meta, channel::plain, -1, "resolve " + host + ": " + error);
  return c;
}

// Every address of a host is probed (A first, then AAAA), a bounded number of them.
constexpr std::size_t max_addresses = 4;

std::vector<std::string> bounded(const std::vector<std::string>& addrs) {
  return {addrs.begin(), addrs.begin() + static_cast<std::ptrdiff_t>(std::min(addrs.size(), max_addresses))};
}

// "IP:PORT", with brackets for IPv6.
std::string address_port(const std::string& ip, int port) {
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

// One case per address: a host with one address keeps the plain id, several get "@IP" each.
std::string case_id(const std::string& base, const std::string& ip, std::size_t n) { return n > 1 ? base + "@" + ip : base; }

void add_published(case_result& c, const published_server& s, int port) {
  auto& f = c.settings ? *c.settings : c.settings.emplace();
  f.role = settings_role::server;
  f.published = published_entry{s.type, s.hostname, s.port, s.socket_type, s.authentication, s.username, s.source, s.problems};
  f.connected_port = port;
}

}  // namespace

int mapped_port(const settings_options& opt, int published) {
  static const std::pair<const char*, int> names[] = {{"smtp", 25},  {"submission", 587}, {"submissions", 465}, {"imap", 143},
                                                      {"imaps", 993}, {"pop3", 110},       {"pop3s", 995}};
  if (auto it = opt.port_map.find(std::to_string(published)); it != opt.port_map.end()) return it->second;
  for (const auto& [n, p] : names)
    if (p == published)
      if (auto it = opt.port_map.find(n); it != opt.port_map.end()) return it->second;
  return published;
}

void judge_settings_case(case_result& c, const settings_options& opt) {
  session::record rec;
  rec.result = std::move(c);
  rules::judge_options jo;
  jo.strict = opt.strict;
  jo.only = opt.only;
  auto found = rules::judge(rec, catalogue(), jo);
  c = std::move(rec.result);
  for (auto& f : found) c.findings.push_back(std::move(f));
  // The probe alone found no --only rule to apply (audit's skip): the settings rules may have.
  const char* nothing = "no rule selected by --only applies to this probe";
  if (c.result == verdict::skip && c.message == nothing) {
    c.result = verdict::pass;
    c.message.clear();
  }
  verdict before = c.result;
  c.result = combine_case_verdict(c);
  if (before == verdict::error && c.result != verdict::fail) c.result = verdict::error;
  if (!opt.only.empty() && c.findings.empty() && c.result == verdict::pass) {
    c.result = verdict::skip;
    c.message = nothing;
  }
}

namespace {

// One address of a published server: probed as published, the other way when that failed.
std::vector<case_result> verify_address(const settings_options& opt, const published_server& s, int port,
                                        const std::string& ip, const std::string& id, const std::string& title) {
  auto ao = audit_options(opt, s.hostname, ip);
  auto spec = spec_for(s, port);
  case_result c = audit::probe_port(ao, spec);
  auto k = classify(c, spec);
  std::vector<case_result> out;
  if (!k.socket) {
    // The port did not work as published: probe it the other way to learn what it does.
    auto other = spec;
    other.tls = spec.tls == tls_mode::implicit ? tls_mode::starttls : tls_mode::implicit;
    other.service = service_of(spec.protocol, other.tls);
    case_result alt = audit::probe_port(ao, other);
    auto k2 = classify(alt, other);
    alt.kind = "settings";
    alt.scenario_id = id + "/as-" + (other.tls == tls_mode::implicit ? "ssl" : "starttls");
    alt.title = "Exploratory probe of " + s.hostname + ":" + std::to_string(s.port) + " (" + ip + ") as " +
                (other.tls == tls_mode::implicit ? "SSL" : "STARTTLS") + " (what the port does)";
    alt.findings.clear();
    alt.result = verdict::info;
    alt.message = "exploratory: the published socketType did not work, so the port was probed the other way";
    k2.evidence = k.evidence + "; as " + std::string(other.tls == tls_mode::implicit ? "SSL" : "STARTTLS") + ": " + k2.evidence;
    if (!k2.socket) k2.socket = socket_kind::unknown;
    k = k2;
    out.push_back(std::move(alt));
  }
  c.kind = "settings";
  c.scenario_id = id;
  c.title = title;
  c.target.host = s.hostname;
  add_published(c, s, port);
  auto& sf = *c.settings;
  sf.connected_address = address_port(ip, port);
  sf.real_socket = k.socket;
  sf.real_evidence = k.evidence;
  if (*k.socket != socket_kind::unknown) {
    sf.real_caps = k.caps;
    sf.real_tls = k.tls;
  }
  judge_settings_case(c, opt);
  out.insert(out.begin(), std::move(c));
  return out;
}

// One published server: resolve, probe as published, probe the other way when that failed.
std::vector<case_result> verify_one(const settings_options& opt, const published_server& s, resolver& r) {
  int port = mapped_port(opt, s.port);
  std::string id = "settings/" + s.type + ":" + s.hostname + ":" + std::to_string(s.port);
  std::string title = "Published " + s.type + " server " + s.hostname + ":" + std::to_string(s.port) + " " + s.socket_type;
  if (!s.problems.empty() && (s.hostname.empty() || s.port == 0 || s.hostname.find('%') != std::string::npos)) {
    case_result c = unresolved_case(id, title, s.hostname, port, s.type, "not probed: the entry is incomplete");
    c.settings.reset();
    add_published(c, s, port);
    c.result = verdict::pass;
    judge_settings_case(c, opt);
    return {c};
  }
  auto addrs = r.addresses(s.hostname);
  if (!addrs.ok()) {
    case_result c = unresolved_case(id, title, s.hostname, port, s.type, addrs.message, addrs.status);
    add_published(c, s, port);
    c.result = verdict::pass;
    judge_settings_case(c, opt);
    return {c};
  }
  std::vector<case_result> out;
  const auto ips = bounded(addrs.records);
  for (const auto& ip : ips) {
    if (opt.stop && opt.stop->load()) break;
    auto cs = verify_address(opt, s, port, ip, case_id(id, ip, ips.size()), title);
    for (auto& c : cs) {
      if (c.settings) c.settings->addresses = addrs.records;
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::string sts_mode(const found& f) {
  if (!f.sts_policy || !f.sts_policy->ok) return "";
  auto p = parse_sts_policy(f.sts_policy->body);
  return p.ok() ? p.mode : "";
}

std::vector<case_result> verify_mx(const settings_options& opt, const mx_record& mx, const found& f, resolver& r) {
  int port = mapped_port(opt, 25);
  std::string id = "settings/mx:" + mx.host + ":25";
  std::string title = "MX " + mx.host + " (preference " + std::to_string(mx.preference) + ")";
  auto addrs = r.addresses(mx.host);
  // DANE (RFC 7672): the validated answers and the TLSA records; the usable ones go to every
  // handshake of every address.
  auto dane = dane_lookup(opt, f, r, mx.host);
  auto finish = [&](case_result& c, const std::string& cid, const std::string& ctitle) {
    c.kind = "settings";
    c.scenario_id = cid;
    c.title = ctitle;
    c.target.host = mx.host;
    auto& sf = c.settings ? *c.settings : c.settings.emplace();
    sf.role = settings_role::mx;
    sf.mx_host = mx.host;
    sf.sts_mode = sts_mode(f);
    sf.addresses = addrs.records;
    apply_dane(dane, sf);
    judge_settings_case(c, opt);
  };
  if (!addrs.ok()) {
    case_result c = unresolved_case(id, title, mx.host, port, "smtp", addrs.message, addrs.status);
    c.result = verdict::pass;
    finish(c, id, title);
    return {c};
  }
  std::vector<case_result> out;
  const auto ips = bounded(addrs.records);
  for (const auto& ip : ips) {
    if (opt.stop && opt.stop->load()) break;
    auto ao = audit_options(opt, mx.host, ip);
    ao.tlsa = dane.usable;
    auto spec = audit::parse_ports("smtp=" + std::to_string(port)).front();
    case_result c = audit::probe_port(ao, spec);
    c.settings.emplace().connected_address = address_port(ip, port);
    finish(c, case_id(id, ip, ips.size()), ips.size() > 1 ? title + " at " + ip : title);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::vector<case_result> verify_servers(const settings_options& opt, const found& f, resolver& r,
                                        const progress_fn& progress, int& done, int total) {
  std::vector<case_result> out;
  auto emit = [&](std::vector<case_result> cs) {
    for (auto& c : cs) {
      ++done;
      if (progress) progress(c, done, std::max(total, done));
      out.push_back(std::move(c));
    }
  };
  for (const auto& s : f.servers) {
    if (opt.stop && opt.stop->load()) return out;
    emit(verify_one(opt, s, r));
  }
  for (const auto& s : f.guessed) {
    if (opt.stop && opt.stop->load()) return out;
    auto cs = verify_one(opt, s, r);
    for (auto& c : cs)
      if (c.settings) c.settings->guessed_host = true;
    emit(std::move(cs));
  }
  if (!opt.probe_mx || !f.mx.ok()) return out;
  int n = 0;
  for (const auto& mx : f.mx.records) {
    if (opt.stop && opt.stop->load()) return out;
    if (mx.host == "." || ++n > 5) continue;  // null MX (RFC 7505); a bounded number of MX hosts
    emit(verify_mx(opt, mx, f, r));
  }
  return out;
}

}  // namespace mailspec::discovery::detail
