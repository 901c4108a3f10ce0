// HTTPS fetches against the fake server (implicit TLS with the test CA): verified body, wrong
// certificate, status codes, redirects (same host followed and bounded, other host refused),
// the body limit and the deadline.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <catch2/catch.hpp>

#include "discovery/https.hpp"
#include "fake_server.hpp"
#include "test_ca.hpp"

namespace d = mailspec::discovery;
namespace fake = mailspec::fake;
using namespace std::chrono_literals;

namespace {

fake::server_options tls_server(int connections = 1, std::string leaf = "valid") {
  fake::server_options o;
  o.implicit_tls = true;
  o.connections = connections;
  o.tls.leaf = std::move(leaf);
  o.io_timeout = 3000ms;
  return o;
}

d::fetch_options opts() {
  d::fetch_options o;
  o.ca_file = fake::test_ca().ca_cert;
  o.timeout = 3000ms;
  o.resolve = [](const std::string& host) {
    d::dns_answer<std::string> a;
    if (host == "localhost") {
      a.status = d::dns_status::ok;
      a.records = {"127.0.0.1"};
    } else {
      a.status = d::dns_status::nxdomain;
      a.message = "NXDOMAIN";
    }
    return a;
  };
  return o;
}

std::string url(const fake::fake_server& s, const std::string& path = "/mail/config-v1.1.xml?emailaddress=a%40lab.test") {
  return "https://localhost:" + std::to_string(s.port()) + path;
}

fake::script reply(const std::string& head, const std::string& body) {
  return {fake::expect_line("GET *"), fake::send(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body),
          fake::drain(500)};
}

}  // namespace

TEST_CASE("discovery https: a verified 200 body with its content type") {
  fake::fake_server s(reply("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n", "<clientConfig/>"), tls_server());
  auto r = d::https_get(url(s), opts());
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.body == "<clientConfig/>");
  CHECK(r.content_type == "text/xml");
  CHECK(r.tls_verified);
  CHECK(r.address == "127.0.0.1:" + std::to_string(s.port()));
  CHECK(s.received().find("GET /mail/config-v1.1.xml?emailaddress=a%40lab.test HTTP/1.1\r\n") != std::string::npos);
  CHECK(s.received().find("Host: localhost:" + std::to_string(s.port())) != std::string::npos);
}

TEST_CASE("discovery https: a certificate for another host is an error and nothing is read") {
  fake::fake_server s(reply("HTTP/1.1 200 OK\r\n", "secret"), tls_server(1, "wrong_host"));
  auto r = d::https_get(url(s), opts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.tls_verified);
  CHECK(r.body.empty());
  CHECK(r.error.find("certificate not valid for localhost") != std::string::npos);
}

TEST_CASE("discovery https: an untrusted CA is an error") {
  fake::fake_server s(reply("HTTP/1.1 200 OK\r\n", "x"), tls_server(1, "self_signed"));
  auto r = d::https_get(url(s), opts());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.verify_error.empty());
}

TEST_CASE("discovery https: 404 is an error with the status") {
  fake::fake_server s(reply("HTTP/1.1 404 Not Found\r\n", "no"), tls_server());
  auto r = d::https_get(url(s), opts());
  CHECK_FALSE(r.ok);
  CHECK(r.status == 404);
  CHECK(r.error.find("HTTP 404") != std::string::npos);
}

TEST_CASE("discovery https: a redirect to another host is reported, not followed") {
  fake::fake_server s(reply("HTTP/1.1 302 Found\r\nLocation: https://evil.example/config.xml\r\n", ""), tls_server());
  auto r = d::https_get(url(s), opts());
  CHECK_FALSE(r.ok);
  CHECK(r.status == 302);
  CHECK(r.redirect_refused.find("https://evil.example/config.xml") != std::string::npos);
  CHECK(r.redirects.empty());
  CHECK(s.accepted() == 1);
}

TEST_CASE("discovery https: same-host redirects are followed, at most max_redirects") {
  fake::fake_server s(reply("HTTP/1.1 301 Moved\r\nLocation: /again\r\n", ""), tls_server(0));
  auto o = opts();
  o.max_redirects = 2;
  auto r = d::https_get(url(s), o);
  CHECK_FALSE(r.ok);
  CHECK(r.redirects.size() == 2);
  CHECK(r.error.find("more than 2 redirects") != std::string::npos);
  CHECK(r.final_url == "https://localhost:" + std::to_string(s.port()) + "/again");
}

TEST_CASE("discovery https: a body over the limit is refused") {
  fake::fake_server s({fake::expect_line("GET *"), fake::send("HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n"),
                       fake::send_stream("x", 5000000), fake::drain(500)},
                      tls_server());
  auto o = opts();
  o.max_bytes = 64 * 1024;
  auto r = d::https_get(url(s), o);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("limit") != std::string::npos);
  CHECK(r.body.empty());
}

TEST_CASE("discovery https: a server that never answers hits the deadline") {
  fake::fake_server s({fake::expect_line("GET *"), fake::sleep_ms(4000)}, tls_server());
  auto o = opts();
  o.timeout = 700ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = d::https_get(url(s), o);
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("deadline") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < 2500ms);
}

TEST_CASE("discovery https: an unresolvable host names the step") {
  auto r = d::https_get("https://nowhere.lab.test/x", opts());
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("resolve nowhere.lab.test") != std::string::npos);
}
