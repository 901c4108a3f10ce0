// tls/cert rules: a missing intermediate vs an untrusted root, a name matched only by the subject
// CN. Each failed before its fix.
#include <catch2/catch.hpp>

#include "rules/rules.hpp"

using namespace mailspec;

namespace {

session::record with_leaf(long verify_code, std::string verify_error, int sent) {
  session::record rec;
  rec.result.protocol = "imap";
  tls_facts t;
  t.handshake_ok = true;
  t.chain_ok = false;
  t.verify_code = verify_code;
  t.verify_error = std::move(verify_error);
  certificate_facts leaf;
  leaf.subject = "CN=mail.example.net";
  leaf.issuer = "CN=Example Intermediate CA";
  t.leaf = leaf;
  t.chain.push_back(leaf);
  if (sent > 1) {
    certificate_facts inter;
    inter.subject = "CN=Example Intermediate CA";
    inter.issuer = "CN=Example Root CA";
    t.chain.push_back(inter);
  }
  rec.result.tls.push_back(t);
  return rec;
}

std::string chain_message(const session::record& rec) {
  rules::judge_options o;
  o.only = {"tls/cert/chain"};
  auto found = rules::judge(rec, o);
  REQUIRE(found.size() == 1);
  CHECK(found[0].result == verdict::fail);
  return found[0].message;
}

}  // namespace

TEST_CASE("regression: tls/cert/chain tells a missing intermediate from an untrusted root") {
  auto missing = chain_message(with_leaf(20, "unable to get local issuer certificate", 1));
  CHECK(missing.find("sent only its own certificate") != std::string::npos);
  CHECK(missing.find("CN=Example Intermediate CA is an intermediate CA") != std::string::npos);
  auto untrusted = chain_message(with_leaf(20, "unable to get local issuer certificate", 2));
  CHECK(untrusted.find("CN=Example Root CA, which is not trusted") != std::string::npos);
  auto expired = chain_message(with_leaf(10, "certificate has expired", 1));
  CHECK(expired == "verify error: certificate has expired");
}

// A leaf with only a subject CN (no subjectAltName) passed tls/cert/hostname through OpenSSL's
// CN fallback, which RFC 9525 clients no longer use.
TEST_CASE("regression: a name matched only by the subject CN warns") {
  session::record rec;
  rec.result.protocol = "imap";
  tls_facts t;
  t.handshake_ok = true;
  t.chain_ok = true;
  t.hostname_ok = true;  // OpenSSL matched CN=mail.example.net
  t.verify_name = "mail.example.net";
  certificate_facts leaf;
  leaf.subject = "CN=mail.example.net";
  t.leaf = leaf;
  rec.result.tls.push_back(t);
  rules::judge_options o;
  o.only = {"tls/cert/hostname"};
  auto found = rules::judge(rec, o);
  REQUIRE(found.size() == 1);
  CHECK(found[0].result == verdict::warn);
  rec.result.tls[0].leaf->san = {"DNS:mail.example.net"};
  found = rules::judge(rec, o);
  REQUIRE(found.size() == 1);
  CHECK(found[0].result == verdict::pass);
  rec.result.tls[0].leaf->san = {"IP:192.0.2.1"};
  rec.result.tls[0].verify_name = "192.0.2.1";
  found = rules::judge(rec, o);
  REQUIRE(found.size() == 1);
  CHECK(found[0].result == verdict::pass);
}
