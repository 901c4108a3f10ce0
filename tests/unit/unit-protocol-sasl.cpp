#include <catch2/catch.hpp>

#include "protocol/sasl.hpp"

using namespace mailspec::protocol;
using namespace std::string_literals;

TEST_CASE("sasl: base64 RFC 4648 test vectors") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : vectors) {
    CHECK(base64_encode(plain) == enc);
    CHECK(base64_decode(enc) == plain);
  }
  const std::string all_bytes = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
  }();
  CHECK(base64_decode(base64_encode(all_bytes)) == all_bytes);
  CHECK(base64_encode("\xff\xfe\xfd") == "//79");
}

TEST_CASE("sasl: base64 decoding is strict") {
  CHECK_FALSE(base64_decode("Zg="));        // length not a multiple of 4
  CHECK_FALSE(base64_decode("Zg"));
  CHECK_FALSE(base64_decode("Zm9v\r\n"));   // whitespace
  CHECK_FALSE(base64_decode("Zm 9"));
  CHECK_FALSE(base64_decode("Zh=="));       // non-zero unused bits
  CHECK_FALSE(base64_decode("Zm9="));
  CHECK_FALSE(base64_decode("Zg==Zg=="));   // padding in the middle
  CHECK_FALSE(base64_decode("=Zg="));
  CHECK_FALSE(base64_decode("Zm-v"));       // base64url alphabet
  CHECK_FALSE(base64_decode("===="));
}

TEST_CASE("sasl: PLAIN message (RFC 4616)") {
  CHECK(sasl_plain("", "tim", "tanstaaftanstaaf") == "\0tim\0tanstaaftanstaaf"s);
  CHECK(sasl_plain("Ursel", "Kurt", "xipj3plmq") == "Ursel\0Kurt\0xipj3plmq"s);
  CHECK(base64_encode(sasl_plain("", "tim", "tanstaaftanstaaf")) == "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
}

TEST_CASE("sasl: LOGIN prompts") {
  CHECK(classify_login_prompt(*base64_decode("VXNlcm5hbWU6")) == login_prompt::username);
  CHECK(classify_login_prompt(*base64_decode("UGFzc3dvcmQ6")) == login_prompt::password);
  CHECK(classify_login_prompt("User Name\0"s) == login_prompt::username);  // Exchange sends a NUL
  CHECK(classify_login_prompt("username:") == login_prompt::username);
  CHECK(classify_login_prompt(" PASSWORD: ") == login_prompt::password);
  CHECK(classify_login_prompt("Login:") == login_prompt::username);
  CHECK(classify_login_prompt("Challenge") == login_prompt::unknown);
  CHECK(classify_login_prompt("") == login_prompt::unknown);
}
