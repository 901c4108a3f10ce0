#include "protocol/sasl_client.hpp"

#include <stdexcept>

#include "protocol/sasl.hpp"
#include "protocol/sasl_crypto.hpp"
#include "protocol/sasl_scram.hpp"

namespace mailspec::protocol::sasl {

namespace {

class plain_client final : public client {
 public:
  explicit plain_client(credentials c) : blob_(sasl_plain(c.authzid, c.user, c.pass)) {}
  std::string_view name() const override { return "PLAIN"; }
  std::optional<std::string> initial_response() override { return blob_; }
  reply challenge(const std::optional<std::string>&, std::string_view) override {
    return abort_with("PLAIN takes no challenge after its initial response");
  }
  std::vector<std::string> secret_forms() const override { return {blob_}; }

 private:
  std::string blob_;
};

class login_client final : public client {
 public:
  explicit login_client(credentials c) : c_(std::move(c)) {}
  std::string_view name() const override { return "LOGIN"; }
  std::optional<std::string> initial_response() override { return std::nullopt; }
  // Servers prompt "Username:" then "Password:"; some prompt in other words, or not in base64.
  reply challenge(const std::optional<std::string>& decoded, std::string_view raw) override {
    auto kind = classify_login_prompt(decoded ? std::string_view(*decoded) : raw);
    if (kind == login_prompt::unknown) kind = round_ == 0 ? login_prompt::username : login_prompt::password;
    ++round_;
    return answer(kind == login_prompt::password ? c_.pass : c_.user);
  }

 private:
  credentials c_;
  int round_ = 0;
};

class cram_md5_client final : public client {
 public:
  explicit cram_md5_client(credentials c) : c_(std::move(c)) {}
  std::string_view name() const override { return "CRAM-MD5"; }
  std::optional<std::string> initial_response() override { return std::nullopt; }
  reply challenge(const std::optional<std::string>& decoded, std::string_view) override {
    if (answered_) return abort_with("CRAM-MD5 has one challenge; the server sent another");
    if (!decoded) return abort_with("the CRAM-MD5 challenge is not valid base64");
    answered_ = true;
    return answer(cram_md5_response(c_.user, c_.pass, *decoded));
  }

 private:
  credentials c_;
  bool answered_ = false;
};

// XOAUTH2 and OAUTHBEARER: a failure arrives as a challenge carrying a JSON error; the client
// acknowledges it (XOAUTH2: empty response, OAUTHBEARER: a single 0x01) and the server then
// sends the protocol's failure.
class bearer_client final : public client {
 public:
  bearer_client(std::string name, std::string blob, std::string ack)
      : name_(std::move(name)), blob_(std::move(blob)), ack_(std::move(ack)) {}
  std::string_view name() const override { return name_; }
  std::optional<std::string> initial_response() override { return blob_; }
  reply challenge(const std::optional<std::string>& decoded, std::string_view raw) override {
    if (acknowledged_) return abort_with(name_ + " expects one error challenge at most; the server sent another");
    acknowledged_ = true;
    server_error_ = decoded ? *decoded : std::string(raw);
    return answer(ack_);
  }
  std::vector<std::string> secret_forms() const override { return {blob_}; }

 private:
  std::string name_, blob_, ack_;
  bool acknowledged_ = false;
};

class external_client final : public client {
 public:
  explicit external_client(credentials c) : authzid_(std::move(c.authzid)) {}
  std::string_view name() const override { return "EXTERNAL"; }
  std::optional<std::string> initial_response() override { return authzid_; }
  reply challenge(const std::optional<std::string>&, std::string_view) override {
    return abort_with("EXTERNAL takes no challenge after its initial response");
  }

 private:
  std::string authzid_;
};

}  // namespace

const std::vector<std::string>& supported_mechanisms() {
  static const std::vector<std::string> all = {"PLAIN",         "LOGIN",   "CRAM-MD5",    "SCRAM-SHA-1",
                                               "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "EXTERNAL"};
  return all;
}

bool is_supported(std::string_view mechanism) {
  for (const auto& m : supported_mechanisms())
    if (m == mechanism) return true;
  return false;
}

inputs inputs_of(std::string_view m) {
  if (m == "PLAIN" || m == "SCRAM-SHA-1" || m == "SCRAM-SHA-256") return {true, true, false, true};
  if (m == "LOGIN" || m == "CRAM-MD5") return {true, true, false, false};
  if (m == "XOAUTH2") return {true, false, true, false};
  if (m == "OAUTHBEARER") return {true, false, true, false};
  return {false, false, false, true};  // EXTERNAL
}

std::string random_nonce() { return base64_encode(random_bytes(18)); }  // 24 characters, no ','

std::string xoauth2_response(std::string_view user, std::string_view token) {
  return "user=" + std::string(user) + "\x01" + "auth=Bearer " + std::string(token) + "\x01\x01";
}

std::string oauthbearer_response(std::string_view user, std::string_view host, int port, std::string_view token) {
  std::string out = "n,a=" + scram_saslname(user) + ",";
  if (!host.empty()) out += "\x01host=" + std::string(host);
  if (port > 0) out += "\x01port=" + std::to_string(port);
  out += "\x01" "auth=Bearer " + std::string(token) + "\x01\x01";
  return out;
}

std::string cram_md5_response(std::string_view user, std::string_view pass, std::string_view challenge) {
  return std::string(user) + " " + hex_lower(hmac(hash_alg::md5, pass, challenge));
}

std::unique_ptr<client> make_client(std::string_view m, credentials c, nonce_source nonce) {
  if (m == "PLAIN") return std::make_unique<plain_client>(std::move(c));
  if (m == "LOGIN") return std::make_unique<login_client>(std::move(c));
  if (m == "CRAM-MD5") return std::make_unique<cram_md5_client>(std::move(c));
  if (m == "SCRAM-SHA-1") return make_scram_client(hash_alg::sha1, std::move(c), std::move(nonce));
  if (m == "SCRAM-SHA-256") return make_scram_client(hash_alg::sha256, std::move(c), std::move(nonce));
  if (m == "XOAUTH2") return std::make_unique<bearer_client>("XOAUTH2", xoauth2_response(c.user, c.token), "");
  if (m == "OAUTHBEARER")
    return std::make_unique<bearer_client>("OAUTHBEARER", oauthbearer_response(c.user, c.host, c.port, c.token),
                                           "\x01");
  if (m == "EXTERNAL") return std::make_unique<external_client>(std::move(c));
  throw std::invalid_argument("unsupported SASL mechanism " + std::string(m));
}

}  // namespace mailspec::protocol::sasl
