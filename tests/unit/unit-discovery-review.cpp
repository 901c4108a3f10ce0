// Outside acceptance review of `mailspec settings`: the whole run (discovery::run) against a
// private dnsmasq and the fake server, for cases the lab test does not cover. Each test failed
// before its fix. Loopback only (loopback_only is set, dnsmasq answers lab.test alone).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>

#include "discovery/settings.hpp"
#include "fake_server.hpp"
#include "test_ca.hpp"
#include "unit-discovery-dnsmasq.hpp"

namespace d = mailspec::discovery;
namespace fake = mailspec::fake;
using mailspec::verdict;
using namespace std::chrono_literals;

namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = "/tmp/mailspec-unit-" + std::to_string(::getpid()) + "-" + name;
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return path;
}

std::string autoconfig_imaps(int port) {
  return "<?xml version=\"1.0\"?><clientConfig version=\"1.1\"><emailProvider id=\"lab.test\"><domain>lab.test</domain>"
         "<incomingServer type=\"imap\"><hostname>imap.lab.test</hostname><port>" +
         std::to_string(port) +
         "</port><socketType>SSL</socketType><authentication>password-cleartext</authentication>"
         "<username>%EMAILADDRESS%</username></incomingServer></emailProvider></clientConfig>";
}

d::settings_options local(const unit_discovery::dnsmasq& dns, const std::string& autoconfig) {
  d::settings_options o;
  o.input = "alice@lab.test";
  o.autoconfig = autoconfig;
  o.resolver = dns.address();
  o.ca_file = fake::test_ca().ca_cert;
  o.timeout_ms = 1500;
  o.probe_mx = false;
  o.loopback_only = true;
  return o;
}

const mailspec::case_result* case_of(const mailspec::run_report& r, const std::string& id) {
  for (const auto& c : r.cases)
    if (c.scenario_id == id) return &c;
  return nullptr;
}

}  // namespace

// Leftover (1): `settings` accepted --client-cert/--client-key and dropped them, so a server that
// requires a client certificate looked like a port without TLS.
TEST_CASE("regression: settings presents --client-cert to a published server that asks for one") {
  fake::server_options so;
  so.connections = 0;
  so.implicit_tls = true;
  so.tls.require_client_cert = true;
  fake::fake_server server({fake::send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"), fake::read_line(),
                            fake::send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nM1 OK done\r\n"), fake::drain(300)},
                           so);
  unit_discovery::dnsmasq dns({"--host-record=imap.lab.test,127.0.0.1"});
  auto file = temp_file("autoconfig.xml", autoconfig_imaps(server.port()));
  auto o = local(dns, file);
  o.client_cert = fake::test_ca().cert("valid");
  o.client_key = fake::test_ca().key("valid");
  auto r = d::run(o);
  auto c = case_of(r, "settings/imap:imap.lab.test:" + std::to_string(server.port()));
  REQUIRE(c);
  CHECK(c->extra.at("real.socket_type") == "SSL");
  bool presented = false;
  for (const auto& e : server.events()) presented = presented || e.rfind("client certificate ", 0) == 0;
  CHECK(presented);
  std::remove(file.c_str());
}
