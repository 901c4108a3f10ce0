// The verification: every published server and every MX probed with the audit's main probe
// (connecting to the address our resolver gave, the published name used for SNI and the
// certificate), what the port really does derived from the probe facts, settings facts added.
#include <algorithm>

#include "audit/audit.hpp"
#include "discovery/detail.hpp"
#include "discovery/facts.hpp"
#include "discovery/policy.hpp"

namespace mailspec::discovery::detail {

namespace {

const std::string* extra(const case_result& c, const char* k) {
  auto it = c.extra.find(k);
  return it == c.extra.end() ? nullptr : &it->second;
}

std::string join_caps(const std::vector<std::string>& caps) {
  std::string out;
  for (const auto& c : caps) out += (out.empty() ? "" : "; ") + c;
  return out;
}

audit::port_spec spec_for(const published_server& s, int port) {
  audit::port_spec p;
  p.protocol = s.type;
  p.tls = s.socket_type == "SSL" ? "implicit" : "starttls";
  bool ssl = p.tls == "implicit";
  if (s.type == "imap") p.service = ssl ? "imaps" : "imap";
  else if (s.type == "pop3") p.service = ssl ? "pop3s" : "pop3";
  else p.service = ssl ? "submissions" : "submission";
  p.port = port;
  return p;
}

audit::options audit_options(const settings_options& opt, const std::string& host, const std::string& address) {
  audit::options a;
  a.host = host;
  a.address = address;
  a.bind = opt.bind;
  a.ca_file = opt.ca_file;
  a.client_cert = opt.client_cert;
  a.client_key = opt.client_key;
  if (!opt.helo.empty()) a.helo = opt.helo;
  a.timeout_ms = opt.timeout_ms;
  a.strict = opt.strict;
  a.only = opt.only;
  a.loopback_only = opt.loopback_only;
  a.stop = opt.stop;
  return a;
}

struct classified {
  std::string socket;  // SSL | STARTTLS | plain ("" = this probe cannot tell)
  std::string evidence;
  std::vector<std::string> caps;
  bool tls = false;
};

// What one main probe shows about the port.
classified classify(const case_result& c, const audit::port_spec& p) {
  classified k;
  std::string banner = extra(c, "banner") ? *extra(c, "banner") : "";
  if (auto u = extra(c, "unreachable"); u && u->rfind("no greeting", 0) != 0) {
    k.socket = "unknown";
    k.evidence = (u->rfind("connect", 0) == 0 || u->rfind("resolve", 0) == 0 ? "connect failed: " : "") + *u;
    return k;
  }
  if (auto t = extra(c, "throttled")) {
    k.socket = "unknown";
    k.evidence = "throttled: " + *t;
    return k;
  }
  if (p.tls == "implicit") {
    auto r = extra(c, "implicit_tls.result");
    if (r && *r == "ok") {
      k.socket = "SSL";
      k.tls = true;
      k.caps = c.capabilities_after_tls;
      k.evidence = "TLS handshake right after connecting" + (c.tls.empty() ? "" : " (" + c.tls.back().version + ")") +
                   (banner.empty() ? "" : ", then \"" + banner + "\"");
    } else {
      k.evidence = "no TLS handshake right after connecting: " + (r ? *r : std::string("no result"));
    }
    return k;
  }
  auto st = extra(c, "starttls.result");
  if (banner.empty() || extra(c, "wrong_protocol")) {
    auto u = extra(c, "unreachable");
    k.evidence = "no plaintext greeting" + (u ? ": " + *u : banner.empty() ? "" : ": \"" + banner + "\"");
    return k;
  }
  if (st && *st == "ok") {
    k.socket = "STARTTLS";
    k.tls = true;
    k.caps = c.capabilities_after_tls;
    k.evidence = "plaintext greeting \"" + banner + "\", STARTTLS offered: " +
                 (extra(c, "starttls.offered") ? *extra(c, "starttls.offered") : "?") + ", upgrade ok";
    return k;
  }
  k.socket = "plain";
  k.caps = c.capabilities_before_tls;
  k.evidence = "plaintext greeting \"" + banner + "\", no working STARTTLS (" + (st ? *st : std::string("not tried")) + ")";
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
  c.extra[fact::resolve_error] = error;
  c.extra[fact::resolve_status] = to_string(status);
  c.log.add(0, direction::meta, channel::plain, -1, "resolve " + host + ": " + error);
  return c;
}

std::string pick_address(const std::vector<std::string>& addrs) {
  for (const auto& a : addrs)
    if (a.find(':') == std::string::npos) return a;
  return addrs.empty() ? "" : addrs.front();
}

void add_published(case_result& c, const published_server& s, int port) {
  std::string auth;
  for (const auto& a : s.authentication) auth += (auth.empty() ? "" : " ") + a;
  std::string problems;
  for (const auto& p : s.problems) problems += (problems.empty() ? "" : "; ") + p;
  c.extra[fact::role] = "server";
  c.extra[fact::p_type] = s.type;
  c.extra[fact::p_host] = s.hostname;
  c.extra[fact::p_port] = std::to_string(s.port);
  c.extra[fact::p_socket] = s.socket_type;
  c.extra[fact::p_auth] = auth;
  c.extra[fact::p_user] = s.username;
  c.extra[fact::p_source] = s.source;
  if (!problems.empty()) c.extra[fact::p_problems] = problems;
  c.extra[fact::c_port] = std::to_string(port);
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
  auto found = discovery::judge(rec, jo);
  c = std::move(rec.result);
  for (auto& f : found) c.findings.push_back(std::move(f));
  verdict before = c.result;
  c.result = combine_case_verdict(c);
  if (before == verdict::error && c.result != verdict::fail) c.result = verdict::error;
}

namespace {

// One published server: resolve, probe as published, probe the other way when that failed.
std::vector<case_result> verify_one(const settings_options& opt, const published_server& s, resolver& r) {
  int port = mapped_port(opt, s.port);
  std::string id = "settings/" + s.type + ":" + s.hostname + ":" + std::to_string(s.port);
  std::string title = "Published " + s.type + " server " + s.hostname + ":" + std::to_string(s.port) + " " + s.socket_type;
  if (!s.problems.empty() && (s.hostname.empty() || s.port == 0 || s.hostname.find('%') != std::string::npos)) {
    case_result c = unresolved_case(id, title, s.hostname, port, s.type, "not probed: the entry is incomplete");
    c.extra.erase(fact::resolve_error);
    c.extra.erase(fact::resolve_status);
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
  std::string ip = pick_address(addrs.records);
  auto ao = audit_options(opt, s.hostname, ip);
  auto spec = spec_for(s, port);
  case_result c = audit::probe_port(ao, spec);
  auto k = classify(c, spec);
  std::vector<case_result> out;
  if (k.socket.empty()) {
    // The port did not work as published: probe it the other way to learn what it does.
    auto other = spec;
    other.tls = spec.tls == "implicit" ? "starttls" : "implicit";
    other.service = spec.protocol == "smtp" ? (other.tls == "implicit" ? "submissions" : "submission")
                                            : spec.protocol + (other.tls == "implicit" ? "s" : "");
    case_result alt = audit::probe_port(ao, other);
    auto k2 = classify(alt, other);
    alt.kind = "settings";
    alt.scenario_id = id + "/as-" + (other.tls == "implicit" ? "ssl" : "starttls");
    alt.title = "Exploratory probe of " + s.hostname + ":" + std::to_string(s.port) + " as " +
                (other.tls == "implicit" ? "SSL" : "STARTTLS") + " (what the port does)";
    alt.findings.clear();
    alt.result = verdict::info;
    alt.message = "exploratory: the published socketType did not work, so the port was probed the other way";
    k2.evidence = k.evidence + "; as " + std::string(other.tls == "implicit" ? "SSL" : "STARTTLS") + ": " + k2.evidence;
    if (k2.socket.empty()) k2.socket = "unknown";
    k = k2;
    out.push_back(std::move(alt));
  }
  c.kind = "settings";
  c.scenario_id = id;
  c.title = title;
  c.target.host = s.hostname;
  add_published(c, s, port);
  c.extra[fact::c_address] = ip + ":" + std::to_string(port);
  c.extra[fact::real_socket] = k.socket;
  c.extra[fact::real_evidence] = k.evidence;
  if (k.socket != "unknown") {
    c.extra[fact::real_caps] = join_caps(k.caps);
    c.extra[fact::real_tls] = k.tls ? "yes" : "no";
  }
  judge_settings_case(c, opt);
  out.insert(out.begin(), std::move(c));
  return out;
}

std::string sts_mode(const found& f) {
  if (!f.sts_policy || !f.sts_policy->ok) return "";
  auto p = parse_sts_policy(f.sts_policy->body);
  return p.ok() ? p.mode : "";
}

case_result verify_mx(const settings_options& opt, const mx_record& mx, const found& f, resolver& r) {
  int port = mapped_port(opt, 25);
  std::string id = "settings/mx:" + mx.host + ":25";
  std::string title = "MX " + mx.host + " (preference " + std::to_string(mx.preference) + ")";
  auto addrs = r.addresses(mx.host);
  case_result c;
  if (!addrs.ok()) {
    c = unresolved_case(id, title, mx.host, port, "smtp", addrs.message, addrs.status);
    c.result = verdict::pass;
  } else {
    std::string ip = pick_address(addrs.records);
    auto ao = audit_options(opt, mx.host, ip);
    auto spec = audit::parse_ports("smtp=" + std::to_string(port)).front();
    c = audit::probe_port(ao, spec);
    c.extra[fact::c_address] = ip + ":" + std::to_string(port);
  }
  c.kind = "settings";
  c.scenario_id = id;
  c.title = title;
  c.target.host = mx.host;
  c.extra[fact::role] = "mx";
  c.extra[fact::mx_host] = mx.host;
  c.extra[fact::sts_mode] = sts_mode(f);
  judge_settings_case(c, opt);
  return c;
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
  if (!opt.probe_mx || !f.mx.ok()) return out;
  int n = 0;
  for (const auto& mx : f.mx.records) {
    if (opt.stop && opt.stop->load()) return out;
    if (mx.host == "." || ++n > 5) continue;  // null MX (RFC 7505); a bounded number of MX hosts
    emit({verify_mx(opt, mx, f, r)});
  }
  return out;
}

}  // namespace mailspec::discovery::detail
