// SASL mechanism clients against the RFC examples: SCRAM-SHA-1 (RFC 5802 §5), SCRAM-SHA-256
// (RFC 7677 §3), CRAM-MD5 (RFC 2195 §2); the wire forms of XOAUTH2, OAUTHBEARER (RFC 7628 §4.1),
// EXTERNAL; and SCRAM's defences against a server that does not play by the rules.
#include <catch2/catch.hpp>

#include <chrono>

#include "protocol/sasl.hpp"
#include "protocol/sasl_client.hpp"
#include "protocol/sasl_crypto.hpp"
#include "protocol/sasl_scram.hpp"

using namespace mailspec::protocol;
using namespace mailspec::protocol::sasl;
using namespace std::string_literals;

namespace {

credentials user_pencil() {
  credentials c;
  c.user = "user";
  c.pass = "pencil";
  return c;
}

std::unique_ptr<client> scram(const std::string& mech, const std::string& nonce, credentials c = user_pencil()) {
  return make_client(mech, std::move(c), [nonce] { return nonce; });
}

const check* find_check(const client& c, const std::string& id) {
  for (const auto& k : c.checks())
    if (k.id == id) return &k;
  return nullptr;
}

}  // namespace

TEST_CASE("sasl: SCRAM-SHA-1 follows the RFC 5802 section 5 example") {
  auto c = scram("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL");
  CHECK(c->initial_response() == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  auto r = c->challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"s, "");
  REQUIRE_FALSE(r.abort);
  CHECK(r.data == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  r = c->challenge("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="s, "");
  REQUIRE_FALSE(r.abort);
  CHECK(r.data.empty());
  CHECK(c->on_success().empty());
  const auto* sig = find_check(*c, "scram-server-signature");
  REQUIRE(sig);
  CHECK(sig->ok);
  for (const auto& k : c->checks()) CHECK(k.ok);
}

TEST_CASE("sasl: SCRAM-SHA-256 follows the RFC 7677 section 3 example") {
  auto c = scram("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO");
  CHECK(c->initial_response() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto r = c->challenge("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"s, "");
  REQUIRE_FALSE(r.abort);
  CHECK(r.data ==
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  r = c->challenge("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="s, "");
  REQUIRE_FALSE(r.abort);
  CHECK(c->on_success().empty());
}

TEST_CASE("sasl: CRAM-MD5 follows the RFC 2195 example") {
  CHECK(cram_md5_response("tim", "tanstaaftanstaaf", "<1896.697170952@postoffice.reston.mci.net>") ==
        "tim b913a602c7eda7a495b4e6e7334d3890");
  credentials cr;
  cr.user = "tim";
  cr.pass = "tanstaaftanstaaf";
  auto c = make_client("CRAM-MD5", cr);
  CHECK_FALSE(c->initial_response());
  auto challenge = *base64_decode("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
  auto r = c->challenge(challenge, "");
  REQUIRE_FALSE(r.abort);
  CHECK(base64_encode(r.data) == "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
  CHECK(c->challenge("again"s, "").abort);  // one challenge only
  CHECK(make_client("CRAM-MD5", cr)->challenge(std::nullopt, "not base64!").abort);
}

TEST_CASE("sasl: a wrong SCRAM server signature aborts and is recorded, success is not trusted") {
  auto c = scram("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL");
  c->initial_response();
  c->challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"s, "");
  auto r = c->challenge("v=AAAApqV8S7suAoZWja4dJRkFsKQ="s, "");
  CHECK(r.abort);
  CHECK_FALSE(r.limit);
  CHECK(r.reason.find("signature does not match") != std::string::npos);
  const auto* sig = find_check(*c, "scram-server-signature");
  REQUIRE(sig);
  CHECK_FALSE(sig->ok);
  CHECK(sig->actual == "v=AAAApqV8S7suAoZWja4dJRkFsKQ=");
  CHECK_FALSE(c->on_success().empty());
}

TEST_CASE("sasl: SCRAM success without a server-final-message is a missing signature") {
  auto c = scram("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO");
  c->initial_response();
  c->challenge("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"s, "");
  CHECK(c->on_success().find("without proving") != std::string::npos);
  const auto* sig = find_check(*c, "scram-server-signature");
  REQUIRE(sig);
  CHECK_FALSE(sig->ok);
}

TEST_CASE("sasl: SCRAM server-final with neither v= nor e=, or not base64, is a broken signature") {
  for (const std::optional<std::string>& final_msg : {std::optional<std::string>("x=1"), std::optional<std::string>()}) {
    auto c = scram("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL");
    c->initial_response();
    c->challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"s, "");
    CHECK(c->challenge(final_msg, "x=1").abort);
    const auto* sig = find_check(*c, "scram-server-signature");
    REQUIRE(sig);
    CHECK_FALSE(sig->ok);
  }
}

TEST_CASE("sasl: SCRAM e= is the server's refusal, acknowledged with an empty response") {
  auto c = scram("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL");
  c->initial_response();
  c->challenge("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"s, "");
  auto r = c->challenge("e=invalid-proof"s, "");
  CHECK_FALSE(r.abort);
  CHECK(r.data.empty());
  CHECK(c->server_error() == "invalid-proof");
  CHECK(find_check(*c, "scram-server-signature") == nullptr);  // not a signature problem
}

TEST_CASE("sasl: a SCRAM server nonce that does not extend ours aborts before any proof") {
  for (const char* nonce : {"r=someoneelse3rfcNHYJY1ZVvWVs7j", "r=fyko+d2lbbFgONRv9qkxdawL", "r=fyko+d2lbbFgONRv9qkxda"}) {
    auto c = scram("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL");
    c->initial_response();
    auto r = c->challenge(std::string(nonce) + ",s=QSXCR+Q6sek8bf92,i=4096", "");
    INFO(nonce);
    CHECK(r.abort);
    CHECK(r.data.empty());
    const auto* k = find_check(*c, "scram-nonce");
    REQUIRE(k);
    CHECK_FALSE(k->ok);
  }
}

TEST_CASE("sasl: an absurd SCRAM iteration count is refused at once") {
  auto t0 = std::chrono::steady_clock::now();
  for (const char* i : {"4294967295", "99999999999999999999999999", "1000001"}) {
    auto c = scram("SCRAM-SHA-256", "abc");
    c->initial_response();
    auto r = c->challenge("r=abcdef,s=c2FsdA==,i="s + i, "");
    INFO(i);
    CHECK(r.abort);
    CHECK(r.limit);
    CHECK(r.reason.find("over mailspec's bound") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(100));
  // A low count is computed but recorded (RFC 7677 §4: SHOULD be at least 4096).
  auto c = scram("SCRAM-SHA-256", "abc");
  c->initial_response();
  CHECK_FALSE(c->challenge("r=abcdef,s=c2FsdA==,i=1"s, "").abort);
  const auto* k = find_check(*c, "scram-iterations");
  REQUIRE(k);
  CHECK_FALSE(k->ok);
}

TEST_CASE("sasl: malformed SCRAM server-first-messages") {
  std::string error;
  for (const char* m : {"", "r=", "s=c2FsdA==,r=abc,i=1", "r=abc,s=,i=1", "r=abc,s=***,i=1", "r=abc,s=c2FsdA==",
                        "r=abc,s=c2FsdA==,i=0", "r=abc,s=c2FsdA==,i=-1", "r=abc,s=c2FsdA==,i=1x", "m=ext,r=abc,s=c2FsdA==,i=1",
                        "r=a b,s=c2FsdA==,i=1"}) {
    INFO(m);
    CHECK_FALSE(parse_scram_server_first(m, error));
    CHECK_FALSE(error.empty());
  }
  auto ok = parse_scram_server_first("r=abc,s=c2FsdA==,i=4096,x=extension", error);
  REQUIRE(ok);
  CHECK(ok->nonce == "abc");
  CHECK(ok->salt == "salt");
  CHECK(ok->iterations == 4096);
  auto c = scram("SCRAM-SHA-1", "abc");
  c->initial_response();
  CHECK(c->challenge("r=abcdef,s=,i=4096"s, "").abort);
  const auto* k = find_check(*c, "scram-server-first");
  REQUIRE(k);
  CHECK_FALSE(k->ok);
}

TEST_CASE("sasl: SCRAM escapes the user name and sends an authorization identity in the gs2 header") {
  credentials cr = user_pencil();
  cr.user = "a,b=c";
  cr.authzid = "admin";
  auto c = scram("SCRAM-SHA-256", "nonce");
  c = make_client("SCRAM-SHA-256", cr, [] { return std::string("nonce"); });
  CHECK(c->initial_response() == "n,a=admin,n=a=2Cb=3Dc,r=nonce");
  auto r = c->challenge("r=nonceXYZ,s=c2FsdA==,i=4096"s, "");
  REQUIRE_FALSE(r.abort);
  CHECK(r.data.rfind("c=" + base64_encode("n,a=admin,") + ",r=nonceXYZ,p=", 0) == 0);
}

TEST_CASE("sasl: the default SCRAM nonce is random, printable and without commas") {
  auto a = random_nonce(), b = random_nonce();
  CHECK(a != b);
  CHECK(a.size() >= 24);
  CHECK(a.find(',') == std::string::npos);
  auto c = make_client("SCRAM-SHA-256", user_pencil());
  auto ir = *c->initial_response();
  CHECK(ir.rfind("n,,n=user,r=", 0) == 0);
  CHECK(ir.size() >= std::string("n,,n=user,r=").size() + 24);
}

TEST_CASE("sasl: XOAUTH2 initial response and error challenge") {
  credentials cr;
  cr.user = "someuser@example.com";
  cr.token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
  auto c = make_client("XOAUTH2", cr);
  const auto ir = *c->initial_response();
  CHECK(ir == "user=someuser@example.com\x01" "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01");
  // Google's documented example of the encoded form.
  CHECK(base64_encode(ir) ==
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRH"
        "RXVZMjl0Q2cBAQ==");
  CHECK(c->secret_forms() == std::vector<std::string>{ir});
  auto r = c->challenge(R"({"status":"401","schemes":"bearer","scope":"https://mail.google.com/"})"s, "");
  CHECK_FALSE(r.abort);
  CHECK(r.data.empty());
  CHECK(c->server_error().find("401") != std::string::npos);
  CHECK(c->challenge("again"s, "").abort);
}

TEST_CASE("sasl: OAUTHBEARER initial response (RFC 7628 section 4.1) and error acknowledgement") {
  credentials cr;
  cr.user = "user@example.com";
  cr.token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";
  cr.host = "server.example.com";
  cr.port = 143;
  auto c = make_client("OAUTHBEARER", cr);
  CHECK(*c->initial_response() ==
        "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
        "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01");
  auto r = c->challenge(R"({"status":"invalid_token"})"s, "");
  CHECK_FALSE(r.abort);
  CHECK(r.data == "\x01");
  CHECK(c->server_error() == R"({"status":"invalid_token"})");
}

TEST_CASE("sasl: EXTERNAL sends the authorization identity (usually empty) and nothing else") {
  credentials cr;
  auto c = make_client("EXTERNAL", cr);
  CHECK(c->initial_response() == "");
  CHECK(c->challenge(""s, "").abort);
  cr.authzid = "alice";
  CHECK(make_client("EXTERNAL", cr)->initial_response() == "alice");
}

TEST_CASE("sasl: the mechanism table") {
  CHECK(supported_mechanisms().size() == 8);
  for (const auto& m : supported_mechanisms()) {
    CHECK(is_supported(m));
    CHECK(make_client(m, user_pencil()) != nullptr);
  }
  CHECK_FALSE(is_supported("DIGEST-MD5"));
  CHECK_THROWS_AS(make_client("DIGEST-MD5", {}), std::invalid_argument);
  CHECK(inputs_of("SCRAM-SHA-256").pass);
  CHECK_FALSE(inputs_of("SCRAM-SHA-256").token);
  CHECK(inputs_of("XOAUTH2").token);
  CHECK_FALSE(inputs_of("XOAUTH2").pass);
  CHECK_FALSE(inputs_of("EXTERNAL").user);
  CHECK(inputs_of("EXTERNAL").authzid);
}

TEST_CASE("sasl: digests against known answers") {
  CHECK(hex_lower(digest(hash_alg::sha256, "abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_lower(hmac(hash_alg::md5, "key", "The quick brown fox jumps over the lazy dog")) ==
        "80070713463e7749b90c2dc24911e275");
  // RFC 6070 PBKDF2-HMAC-SHA1 test vector 2.
  CHECK(hex_lower(pbkdf2(hash_alg::sha1, "password", "salt", 2)) == "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
  CHECK(equal_constant_time("abc", "abc"));
  CHECK_FALSE(equal_constant_time("abc", "abd"));
  CHECK_FALSE(equal_constant_time("abc", "ab"));
}
