// The resolver against a real DNS server (dnsmasq on a high loopback port): SRV, MX, TXT, A,
// AAAA, NXDOMAIN, no data, and an unanswered server. Only 127.0.0.1 is ever asked.
#include <catch2/catch.hpp>

#include "discovery/dns.hpp"
#include "unit-discovery-dnsmasq.hpp"

namespace d = mailspec::discovery;

namespace {

d::resolver_options at(const std::string& server) {
  d::resolver_options o;
  o.server = server;
  o.timeout = std::chrono::milliseconds(1000);
  o.attempts = 1;
  return o;
}

}  // namespace

TEST_CASE("discovery dns: records from a resolver on a non-53 port") {
  unit_discovery::dnsmasq ns({"--srv-host=_imaps._tcp.lab.test,imap.lab.test,993,10,5",
                              "--srv-host=_imaps._tcp.lab.test,imap2.lab.test,10993,20,0",
                              "--srv-host=_imaps._tcp.lab.test,imap3.lab.test,993,10,50",
                              "--srv-host=_pop3._tcp.lab.test", "--mx-host=lab.test,mx2.lab.test,20",
                              "--mx-host=lab.test,mx1.lab.test,10", "--txt-record=_mta-sts.lab.test,v=STSv1; id=2024",
                              "--txt-record=_smtp._tls.lab.test,v=TLSRPTv1; ,rua=mailto:r@lab.test",
                              "--host-record=imap.lab.test,127.0.0.1,::1", "--host-record=ready.lab.test,127.0.0.9",
                              "--cname=alias.lab.test,imap.lab.test"});
  d::resolver r(at(ns.address()));
  CHECK(r.describe() == ns.address());

  auto srv = r.srv("_imaps._tcp.lab.test");
  REQUIRE(srv.ok());
  REQUIRE(srv.records.size() == 3);
  CHECK(srv.records[0].target == "imap3.lab.test");  // priority 10, weight 50 first
  CHECK(srv.records[1].target == "imap.lab.test");
  CHECK(srv.records[1].port == 993);
  CHECK(srv.records[2].priority == 20);
  CHECK(srv.records[2].port == 10993);

  // dnsmasq serves a bare --srv-host as "no such service" (target ".", RFC 2782).
  auto none = r.srv("_pop3._tcp.lab.test");
  REQUIRE(none.ok());
  REQUIRE(none.records.size() == 1);
  CHECK(none.records[0].target == ".");

  auto mx = r.mx("lab.test");
  REQUIRE(mx.ok());
  REQUIRE(mx.records.size() == 2);
  CHECK(mx.records[0].host == "mx1.lab.test");
  CHECK(mx.records[0].preference == 10);

  auto txt = r.txt("_mta-sts.lab.test");
  REQUIRE(txt.ok());
  REQUIRE(txt.records.size() == 1);
  CHECK(txt.records[0] == "v=STSv1; id=2024");
  auto rpt = r.txt("_smtp._tls.lab.test");
  REQUIRE(rpt.ok());
  CHECK(rpt.records[0] == "v=TLSRPTv1; rua=mailto:r@lab.test");  // two strings, concatenated

  auto a = r.addresses("imap.lab.test");
  REQUIRE(a.ok());
  CHECK(a.records == std::vector<std::string>{"127.0.0.1", "::1"});
  auto via = r.a("alias.lab.test");
  REQUIRE(via.ok());
  CHECK(via.records == std::vector<std::string>{"127.0.0.1"});
  CHECK(r.addresses("127.0.0.5").records == std::vector<std::string>{"127.0.0.5"});

  auto nx = r.a("missing.lab.test");
  CHECK(nx.status == d::dns_status::nxdomain);
  auto nodata = r.txt("imap.lab.test");
  CHECK(nodata.status == d::dns_status::nodata);
  auto both = r.addresses("missing.lab.test");
  CHECK_FALSE(both.ok());
  CHECK(both.message.find("NXDOMAIN") != std::string::npos);
}

TEST_CASE("discovery dns: a server that does not answer is a timeout, bounded") {
  d::resolver r(at("127.0.0.1:" + std::to_string(unit_discovery::free_udp_port())));
  auto t0 = std::chrono::steady_clock::now();
  auto a = r.srv("_imaps._tcp.lab.test");
  CHECK_FALSE(a.ok());
  CHECK(a.status == d::dns_status::timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("discovery dns: --resolver values") {
  std::string ip, why;
  int port = 0;
  CHECK(d::parse_resolver_address("127.0.0.1", ip, port, why));
  CHECK(port == 53);
  CHECK(d::parse_resolver_address("127.0.0.1:5353", ip, port, why));
  CHECK(port == 5353);
  CHECK_FALSE(d::parse_resolver_address("127.0.0.1:0", ip, port, why));
  CHECK_FALSE(d::parse_resolver_address("localhost:53", ip, port, why));
  CHECK(d::parse_resolver_address("::1", ip, port, why));
  CHECK(ip == "::1");
  CHECK(port == 53);
  CHECK(d::parse_resolver_address("[::1]:5353", ip, port, why));
  CHECK(ip == "::1");
  CHECK(port == 5353);
  CHECK(d::parse_resolver_address("[::1]", ip, port, why));
  CHECK_FALSE(d::parse_resolver_address("[::1]:0", ip, port, why));
  CHECK_FALSE(d::parse_resolver_address("[::1", ip, port, why));
  CHECK_FALSE(d::parse_resolver_address("[::1]5353", ip, port, why));
  CHECK_THROWS_AS(d::resolver(at("nonsense")), std::invalid_argument);
}
