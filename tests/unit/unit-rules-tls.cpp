// Pass and fail fixtures for every TLS rule (versions, ciphers, certificate, STARTTLS, RFC 8314).
#include <catch2/catch.hpp>

#include "rules_fixture.hpp"

namespace rules_fixture {
// The turns and record builders of this file's table (named: the unity build puts all the
// fixture files in one translation unit, and each has its own greeting G).
namespace tls_table {

const turn G{"", "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"};
const turn STLS{"a1 STARTTLS", "a1 OK begin TLS\r\n"};

using facts = mailspec::tls_facts;

std::function<record()> t(std::function<void(facts&)> edit) {
  return [edit] {
    facts f = good_tls();
    edit(f);
    return with_tls(imap_session({G, STLS}), f);
  };
}
std::function<record()> good() {
  return t([](facts&) {});
}
std::function<record()> cipher(const char* name, int bits, const char* version = "TLSv1.2") {
  return t([=](facts& f) {
    f.cipher = name;
    f.cipher_bits = bits;
    f.version = version;
  });
}

}  // namespace tls_table

const std::vector<rule_case>& tls_cases() {
  using namespace tls_table;
  static const std::vector<rule_case> cases = {
      {"tls/version/rfc8996-floor", good(), t([](facts& f) { f.version = "TLSv1.1"; })},
      {"tls/version/tls13", good(), t([](facts& f) { f.version = "TLSv1.2"; })},
      {"tls/cipher/null", good(), cipher("NULL-SHA256", 0)},
      {"tls/cipher/export", good(), cipher("EXP-RC4-MD5", 40)},
      {"tls/cipher/rc4", good(), cipher("RC4-SHA", 128)},
      {"tls/cipher/anon", good(), cipher("ADH-AES256-GCM-SHA384", 256)},
      {"tls/cipher/weak", good(), cipher("DES-CBC3-SHA", 112)},
      {"tls/cipher/forward-secrecy", cipher("ECDHE-RSA-AES256-GCM-SHA384", 256), cipher("AES256-GCM-SHA384", 256)},
      {"tls/cert/chain", good(), t([](facts& f) {
         f.chain_ok = false;
         f.verify_error = "self-signed certificate";
       })},
      {"tls/cert/hostname", good(), t([](facts& f) { f.hostname_ok = false; })},
      {"tls/cert/expired", good(), t([](facts& f) {
         f.leaf->not_after = "2026-05-01T00:00:00Z";
         f.leaf->not_after_epoch = epoch(2026, 5, 1);
       })},
      {"tls/cert/not-yet-valid", good(), t([](facts& f) {
         f.leaf->not_before = "2026-07-01T00:00:00Z";
         f.leaf->not_before_epoch = epoch(2026, 7, 1);
       })},
      {"tls/cert/expires-soon", good(), t([](facts& f) {
         f.leaf->not_after = "2026-06-10T00:00:00Z";
         f.leaf->not_after_epoch = epoch(2026, 6, 10);
       })},
      {"tls/cert/key-size", good(), t([](facts& f) { f.leaf->key_bits = 1024; })},
      {"tls/cert/signature", good(), t([](facts& f) { f.leaf->signature_algorithm = "sha1WithRSAEncryption"; })},
      {"tls/starttls/works", good(), t([](facts& f) {
         f.handshake_ok = false;
         f.handshake_error = "handshake: wrong version number";
       })},
      {"tls/starttls/offered", [] { return imap_session({G}); },
       [] { return imap_session({{"", "* OK [CAPABILITY IMAP4rev1] hi\r\n"}}); }},
      {"tls/starttls/pre-tls-input", good(), t([](facts& f) {
         f.plaintext_bytes_before_handshake = 12;
         f.plaintext_before_handshake = "a2 OK NOOP\r\n";
       })},
      {"tls/rfc8314/implicit-tls",
       [] {
         auto r = imap_session({G});
         r.result.target.tls_mode = "implicit";
         r.result.target.port = 993;
         return with_tls(r, good_tls("implicit"));
       },
       [] { return imap_session({G}); }},
  };
  return cases;
}

}  // namespace rules_fixture
