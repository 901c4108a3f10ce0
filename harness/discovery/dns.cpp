#include "discovery/dns.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <netdb.h>
#include <stdexcept>

namespace mailspec::discovery {

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

bool parse_resolver_address(const std::string& in, std::string& ip, int& port, std::string& why) {
  ip = in;
  port = 53;
  auto colon = in.rfind(':');
  if (colon != std::string::npos) {
    ip = in.substr(0, colon);
    std::string p = in.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) < 1 ||
        std::stoi(p) > 65535)
      return why = "--resolver " + in + ": the port must be 1-65535", false;
    port = std::stoi(p);
  }
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1)
    return why = "--resolver " + in + ": expected an IPv4 address with an optional :PORT", false;
  return true;
}

struct resolver::impl {
  struct __res_state st {};
  std::string described;
  std::mutex m;  // one res_state, one query at a time
};

resolver::resolver(const resolver_options& opt) : p_(std::make_unique<impl>()) {
  auto& st = p_->st;
  if (res_ninit(&st) != 0) throw std::runtime_error("resolver: res_ninit failed");
  // Names are always absolute: no search list, no appended default domain.
  st.options &= ~static_cast<unsigned long>(RES_DNSRCH | RES_DEFNAMES);
  st.retrans = std::max<int>(1, static_cast<int>((opt.timeout.count() + 999) / 1000));
  st.retry = std::max(1, opt.attempts);
  p_->described = "system resolver";
  if (!opt.server.empty()) {
    std::string ip, why;
    int port = 53;
    if (!parse_resolver_address(opt.server, ip, port, why)) {
      res_nclose(&st);
      throw std::invalid_argument(why);
    }
    // glibc sends to nsaddr_list[i] as given, port included (checked against dnsmasq on a high port).
    st.nscount = 1;
    std::memset(&st.nsaddr_list[0], 0, sizeof st.nsaddr_list[0]);
    st.nsaddr_list[0].sin_family = AF_INET;
    st.nsaddr_list[0].sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &st.nsaddr_list[0].sin_addr);
    // IPv6 servers from resolv.conf live in _u._ext; drop them so only ours is asked.
    for (auto& ns : st._u._ext.nsaddrs) ns = nullptr;
    st._u._ext.nscount = 0;
    p_->described = ip + ":" + std::to_string(port);
  }
}

resolver::~resolver() { res_nclose(&p_->st); }

std::string resolver::describe() const { return p_->described; }

namespace {

struct raw_answer {
  dns_status status = dns_status::error;
  std::string message;
  std::vector<unsigned char> buf;
  int len = 0;
};

raw_answer query(struct __res_state& st, const std::string& name, int type) {
  raw_answer r;
  r.buf.resize(65536);
  int n = res_nquery(&st, name.c_str(), ns_c_in, type, r.buf.data(), static_cast<int>(r.buf.size()));
  if (n >= 0) {
    r.len = n;
    r.status = dns_status::ok;
    return r;
  }
  switch (st.res_h_errno) {
    case HOST_NOT_FOUND: r.status = dns_status::nxdomain; r.message = "NXDOMAIN"; break;
    case NO_DATA: r.status = dns_status::nodata; r.message = "no record of this type"; break;
    case TRY_AGAIN:
      // glibc reports both SERVFAIL and no answer at all as TRY_AGAIN; the answer buffer (zeroed
      // before the query) holds a reply header with the QR bit only when a server answered.
      r.status = (r.buf[2] & 0x80) ? dns_status::servfail : dns_status::timeout;
      r.message = r.status == dns_status::timeout ? "no answer (timeout)" : "SERVFAIL";
      break;
    default: r.status = dns_status::error; r.message = "refused or unparsable answer"; break;
  }
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
dns_answer<T> collect(struct __res_state& st, std::mutex& m, const std::string& name, int type, F&& each) {
  dns_answer<T> out;
  std::lock_guard lock(m);
  auto raw = query(st, name, type);
  out.status = raw.status;
  out.message = raw.message;
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
  auto r = collect<srv_record>(p_->st, p_->m, name, ns_t_srv, [](const ns_msg& msg, const ns_rr& rr, auto& v) {
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

dns_answer<mx_record> resolver::mx(const std::string& name) {
  auto r = collect<mx_record>(p_->st, p_->m, name, ns_t_mx, [](const ns_msg& msg, const ns_rr& rr, auto& v) {
    if (ns_rr_rdlen(rr) < 3) return;
    v.push_back(mx_record{static_cast<int>(ns_get16(ns_rr_rdata(rr))), expand(msg, ns_rr_rdata(rr) + 2)});
  });
  std::stable_sort(r.records.begin(), r.records.end(),
                   [](const mx_record& a, const mx_record& b) { return a.preference < b.preference; });
  return r;
}

dns_answer<std::string> resolver::txt(const std::string& name) {
  return collect<std::string>(p_->st, p_->m, name, ns_t_txt, [](const ns_msg&, const ns_rr& rr, auto& v) {
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

dns_answer<std::string> resolver::a(const std::string& name) {
  return collect<std::string>(p_->st, p_->m, name, ns_t_a, [](const ns_msg&, const ns_rr& rr, auto& v) {
    char buf[INET_ADDRSTRLEN];
    if (ns_rr_rdlen(rr) == 4 && inet_ntop(AF_INET, ns_rr_rdata(rr), buf, sizeof buf)) v.emplace_back(buf);
  });
}

dns_answer<std::string> resolver::aaaa(const std::string& name) {
  return collect<std::string>(p_->st, p_->m, name, ns_t_aaaa, [](const ns_msg&, const ns_rr& rr, auto& v) {
    char buf[INET6_ADDRSTRLEN];
    if (ns_rr_rdlen(rr) == 16 && inet_ntop(AF_INET6, ns_rr_rdata(rr), buf, sizeof buf)) v.emplace_back(buf);
  });
}

dns_answer<std::string> resolver::addresses(const std::string& name) {
  dns_answer<std::string> out;
  in6_addr a6{};
  in_addr a4{};
  if (inet_pton(AF_INET, name.c_str(), &a4) == 1 || inet_pton(AF_INET6, name.c_str(), &a6) == 1) {
    out.status = dns_status::ok;
    out.records = {name};
    return out;
  }
  auto v4 = a(name);
  auto v6 = aaaa(name);
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
