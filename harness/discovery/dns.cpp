#include "discovery/dns.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <poll.h>
#include <unbound.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace mailspec::discovery {

struct resolver_impl;

const char* to_string(dns_status s) {
  switch (s) {
    case dns_status::ok: return "ok";
    case dns_status::nxdomain: return "NXDOMAIN";
    case dns_status::nodata: return "no record";
    case dns_status::servfail: return "SERVFAIL";
    case dns_status::timeout: return "timeout";
    case dns_status::error: return "error";
  }
  return "error";
}

const char* to_string(dnssec s) {
  switch (s) {
    case dnssec::unchecked: return "not validated";
    case dnssec::secure: return "secure";
    case dnssec::insecure: return "insecure";
    case dnssec::bogus: return "bogus";
  }
  return "not validated";
}

bool parse_resolver_address(const std::string& in, std::string& ip, int& port, std::string& why) {
  ip = in;
  port = 53;
  std::string p;
  if (!in.empty() && in.front() == '[') {  // [IPv6] or [IPv6]:PORT
    auto close = in.find(']');
    if (close == std::string::npos) return why = "--resolver " + in + ": missing ]", false;
    ip = in.substr(1, close - 1);
    if (close + 1 < in.size()) {
      if (in[close + 1] != ':') return why = "--resolver " + in + ": expected [IPv6]:PORT", false;
      p = in.substr(close + 2);
      if (p.empty()) return why = "--resolver " + in + ": the port must be 1-65535", false;
    }
  } else if (std::count(in.begin(), in.end(), ':') == 1) {  // IPv4:PORT
    auto colon = in.find(':');
    ip = in.substr(0, colon);
    p = in.substr(colon + 1);
    if (p.empty()) return why = "--resolver " + in + ": the port must be 1-65535", false;
  }
  if (!p.empty()) {
    if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) < 1 || std::stoi(p) > 65535)
      return why = "--resolver " + in + ": the port must be 1-65535", false;
    port = std::stoi(p);
  }
  in_addr a{};
  in6_addr a6{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1 && inet_pton(AF_INET6, ip.c_str(), &a6) != 1)
    return why = "--resolver " + in + ": expected an IPv4 or IPv6 address with an optional port (IP:PORT, [IPv6]:PORT)",
           false;
  return true;
}

namespace {

struct ctx_free {
  void operator()(ub_ctx* c) const { ub_ctx_delete(c); }
};
using ctx_ptr = std::unique_ptr<ub_ctx, ctx_free>;

void set(ub_ctx* c, const char* opt, const std::string& value) {
  if (int e = ub_ctx_set_option(c, opt, value.c_str()); e != 0)
    throw std::runtime_error(std::string("resolver: ") + opt + " " + value + ": " + ub_strerror(e));
}

// A stub context: forwards every query to the server(s), never recurses from the root itself.
ctx_ptr make_context(const std::string& ip, int port, const std::string& anchor) {
  ctx_ptr c(ub_ctx_create());
  if (!c) throw std::runtime_error("resolver: ub_ctx_create failed");
  ub_ctx_async(c.get(), 1);  // a thread, not a forked process, for asynchronous queries
  set(c.get(), "do-not-query-localhost:", "no");  // a test resolver on loopback is allowed
  // RFC 6761 names (test., invalid., ...) are answered locally by default; a resolver the user
  // named serves what it serves. ("test. nodefault" is a no-op in 1.17; transparent works.)
  for (const char* z : {"test. transparent", "invalid. transparent", "local. transparent"}) set(c.get(), "local-zone:", z);
  set(c.get(), "edns-buffer-size:", "1232");
  if (ip.empty()) {
    if (int e = ub_ctx_resolvconf(c.get(), nullptr); e != 0)
      throw std::runtime_error(std::string("resolver: /etc/resolv.conf: ") + ub_strerror(e));
  } else if (int e = ub_ctx_set_fwd(c.get(), (ip + "@" + std::to_string(port)).c_str()); e != 0) {
    throw std::invalid_argument("--resolver " + ip + ": " + ub_strerror(e));
  }
  if (!anchor.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(anchor, ec)) throw std::invalid_argument("--trust-anchor " + anchor + ": no such file");
    if (int e = ub_ctx_add_ta_file(c.get(), anchor.c_str()); e != 0)
      throw std::invalid_argument("--trust-anchor " + anchor + ": " + ub_strerror(e));
  }
  return c;
}

}  // namespace

struct resolver_impl {
  ctx_ptr plain;      // no trust anchor: discovery's lookups
  ctx_ptr validated;  // with the trust anchor (null without one): DANE's lookups
  std::string described, anchor;
  std::chrono::milliseconds timeout{3000};
  std::mutex m;  // one query at a time
};

resolver::resolver(const resolver_options& opt) : p_(std::make_unique<resolver_impl>()) {
  std::string ip, why;
  int port = 53;
  if (!opt.server.empty() && !parse_resolver_address(opt.server, ip, port, why)) throw std::invalid_argument(why);
  p_->timeout = std::max(std::chrono::milliseconds(200), opt.timeout * std::max(1, opt.attempts));
  p_->plain = make_context(ip, port, "");
  p_->anchor = opt.trust_anchor;
  if (!opt.trust_anchor.empty()) p_->validated = make_context(ip, port, opt.trust_anchor);
  p_->described = ip.empty() ? "system resolver"
                  : ip.find(':') != std::string::npos ? "[" + ip + "]:" + std::to_string(port)
                                                      : ip + ":" + std::to_string(port);
}

resolver::~resolver() = default;

std::string resolver::describe() const { return p_->described; }
bool resolver::validating() const { return p_->validated != nullptr; }
std::string resolver::trust_anchor() const { return p_->anchor; }

namespace {

struct raw_answer {
  dns_status status = dns_status::error;
  std::string message;
  std::vector<unsigned char> buf;
  int len = 0;
  dnssec security = dnssec::unchecked;
  std::string why_bogus;
};

struct pending {
  bool done = false;
  int err = 0;
  ub_result* result = nullptr;
};

void on_result(void* arg, int err, ub_result* result) {
  auto* p = static_cast<pending*>(arg);
  p->done = true;
  p->err = err;
  p->result = result;
}

// One query under one deadline: asynchronous, polled, cancelled when the deadline passes
// (libunbound's own retries against a silent server take far longer).
raw_answer query(ub_ctx* ctx, const std::string& name, int type, std::chrono::milliseconds timeout, bool validating) {
  raw_answer r;
  pending p;
  int id = 0;
  if (int e = ub_resolve_async(ctx, name.c_str(), type, ns_c_in, &p, on_result, &id); e != 0) {
    r.message = std::string("query failed: ") + ub_strerror(e);
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!p.done) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pf{ub_fd(ctx), POLLIN, 0};
    if (::poll(&pf, 1, static_cast<int>(std::min<long long>(left.count(), 100))) > 0) ub_process(ctx);
  }
  if (!p.done) {
    ub_cancel(ctx, id);
    r.status = dns_status::timeout;
    r.message = "no answer (timeout)";
    return r;
  }
  std::unique_ptr<ub_result, decltype(&ub_resolve_free)> res(p.result, ub_resolve_free);
  if (p.err != 0 || !res) {
    r.message = std::string("query failed: ") + ub_strerror(p.err);
    return r;
  }
  if (validating) {
    r.security = res->secure ? dnssec::secure : res->bogus ? dnssec::bogus : dnssec::insecure;
    if (res->why_bogus) r.why_bogus = res->why_bogus;
  }
  if (res->rcode == ns_r_nxdomain) {
    r.status = dns_status::nxdomain;
    r.message = "NXDOMAIN";
    return r;
  }
  if (res->rcode != ns_r_noerror) {
    // libunbound answers SERVFAIL itself when no server answered at all (no reply packet
    // from the server: nothing in the answer section and no authority); a bogus answer is
    // withheld as SERVFAIL too.
    bool answered = res->answer_packet && res->answer_len >= 12;
    r.status = res->bogus ? dns_status::servfail : res->rcode == ns_r_servfail && !answered ? dns_status::timeout
               : res->rcode == ns_r_servfail                                               ? dns_status::servfail
                                                                                           : dns_status::error;
    r.message = res->bogus ? "bogus (DNSSEC validation failed: " + r.why_bogus + ")"
                : r.status == dns_status::timeout ? "no answer (timeout)"
                : r.status == dns_status::servfail ? "SERVFAIL"
                                                   : "refused or unparsable answer (rcode " + std::to_string(res->rcode) + ")";
    return r;
  }
  if (!res->answer_packet || res->answer_len <= 0) {
    r.message = "no answer packet";
    return r;
  }
  auto* bytes = static_cast<unsigned char*>(res->answer_packet);
  r.buf.assign(bytes, bytes + res->answer_len);
  r.len = res->answer_len;
  r.status = dns_status::ok;
  return r;
}

std::string expand(const ns_msg& msg, const unsigned char* at) {
  char name[NS_MAXDNAME];
  if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), at, name, sizeof name) < 0) return "";
  std::string s = name;
  if (s.empty()) s = ".";
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <class T, class F>
dns_answer<T> collect(resolver_impl& p, bool validate, const std::string& name, int type, F&& each) {
  dns_answer<T> out;
  std::lock_guard lock(p.m);
  ub_ctx* ctx = validate && p.validated ? p.validated.get() : p.plain.get();
  auto raw = query(ctx, name, type, p.timeout, ctx == p.validated.get());
  out.status = raw.status;
  out.message = raw.message;
  out.security = raw.security;
  out.why_bogus = raw.why_bogus;
  if (!out.ok()) return out;
  ns_msg msg;
  if (ns_initparse(raw.buf.data(), raw.len, &msg) < 0) {
    out.status = dns_status::error;
    out.message = "unparsable answer";
    return out;
  }
  for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
      out.status = dns_status::error;
      out.message = "unparsable answer record";
      return out;
    }
    if (ns_rr_type(rr) != type) continue;  // e.g. the CNAME a name went through
    each(msg, rr, out.records);
  }
  if (out.records.empty()) {
    out.status = dns_status::nodata;
    out.message = "no record of this type";
  }
  return out;
}

}  // namespace

dns_answer<srv_record> resolver::srv(const std::string& name) {
  auto r = collect<srv_record>(*p_, false, name, ns_t_srv, [](const ns_msg& msg, const ns_rr& rr, auto& v) {
    if (ns_rr_rdlen(rr) < 7) return;
    const unsigned char* d = ns_rr_rdata(rr);
    srv_record s;
    s.priority = ns_get16(d);
    s.weight = ns_get16(d + 2);
    s.port = ns_get16(d + 4);
    s.target = expand(msg, d + 6);
    v.push_back(s);
  });
  std::stable_sort(r.records.begin(), r.records.end(), [](const srv_record& a, const srv_record& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
  });
  return r;
}

namespace {

dns_answer<mx_record> mx_of(resolver_impl& p, bool validate, const std::string& name) {
  auto r = collect<mx_record>(p, validate, name, ns_t_mx, [](const ns_msg& msg, const ns_rr& rr, auto& v) {
    if (ns_rr_rdlen(rr) < 3) return;
    v.push_back(mx_record{static_cast<int>(ns_get16(ns_rr_rdata(rr))), expand(msg, ns_rr_rdata(rr) + 2)});
  });
  std::stable_sort(r.records.begin(), r.records.end(),
                   [](const mx_record& a, const mx_record& b) { return a.preference < b.preference; });
  return r;
}

}  // namespace

dns_answer<mx_record> resolver::mx(const std::string& name) { return mx_of(*p_, false, name); }
dns_answer<mx_record> resolver::mx_validated(const std::string& name) { return mx_of(*p_, true, name); }


dns_answer<std::string> resolver::txt(const std::string& name) {
  return collect<std::string>(*p_, false, name, ns_t_txt, [](const ns_msg&, const ns_rr& rr, auto& v) {
    const unsigned char* d = ns_rr_rdata(rr);
    std::size_t n = ns_rr_rdlen(rr), i = 0;
    std::string s;
    while (i < n) {
      std::size_t len = d[i++];
      if (i + len > n) break;
      s.append(reinterpret_cast<const char*>(d + i), len);
      i += len;
    }
    v.push_back(std::move(s));
  });
}

dns_answer<std::string> resolver::a(const std::string& name, bool validate) {
  return collect<std::string>(*p_, validate, name, ns_t_a, [](const ns_msg&, const ns_rr& rr, auto& v) {
    char buf[INET_ADDRSTRLEN];
    if (ns_rr_rdlen(rr) == 4 && inet_ntop(AF_INET, ns_rr_rdata(rr), buf, sizeof buf)) v.emplace_back(buf);
  });
}

dns_answer<std::string> resolver::aaaa(const std::string& name, bool validate) {
  return collect<std::string>(*p_, validate, name, ns_t_aaaa, [](const ns_msg&, const ns_rr& rr, auto& v) {
    char buf[INET6_ADDRSTRLEN];
    if (ns_rr_rdlen(rr) == 16 && inet_ntop(AF_INET6, ns_rr_rdata(rr), buf, sizeof buf)) v.emplace_back(buf);
  });
}

dns_answer<tlsa_record> resolver::tlsa(const std::string& name) {
  return collect<tlsa_record>(*p_, true, name, ns_t_tlsa, [](const ns_msg&, const ns_rr& rr, auto& v) {
    if (ns_rr_rdlen(rr) < 3) return;
    const unsigned char* d = ns_rr_rdata(rr);
    static const char* hex = "0123456789abcdef";
    tlsa_record t{d[0], d[1], d[2], ""};
    for (std::size_t i = 3; i < ns_rr_rdlen(rr); ++i) t.data += std::string{hex[d[i] >> 4], hex[d[i] & 15]};
    v.push_back(std::move(t));
  });
}

namespace {

// The weaker of two answers' DNSSEC status: bogus, then insecure, then secure.
dnssec weaker(dnssec a, dnssec b) {
  auto rank = [](dnssec s) { return s == dnssec::bogus ? 0 : s == dnssec::unchecked ? 1 : s == dnssec::insecure ? 2 : 3; };
  return rank(a) <= rank(b) ? a : b;
}

}  // namespace

dns_answer<std::string> resolver::addresses(const std::string& name, bool validate) {
  dns_answer<std::string> out;
  in6_addr a6{};
  in_addr a4{};
  if (inet_pton(AF_INET, name.c_str(), &a4) == 1 || inet_pton(AF_INET6, name.c_str(), &a6) == 1) {
    out.status = dns_status::ok;
    out.records = {name};
    return out;
  }
  auto v4 = a(name, validate);
  auto v6 = aaaa(name, validate);
  out.security = weaker(v4.security, v6.security);
  out.why_bogus = v4.why_bogus.empty() ? v6.why_bogus : v4.why_bogus;
  out.records = v4.records;
  out.records.insert(out.records.end(), v6.records.begin(), v6.records.end());
  if (!out.records.empty()) {
    out.status = dns_status::ok;
    return out;
  }
  out.status = v4.status == dns_status::nodata ? v6.status : v4.status;
  out.message = "A: " + (v4.message.empty() ? std::string(to_string(v4.status)) : v4.message) +
                "; AAAA: " + (v6.message.empty() ? std::string(to_string(v6.status)) : v6.message);
  return out;
}

}  // namespace mailspec::discovery
