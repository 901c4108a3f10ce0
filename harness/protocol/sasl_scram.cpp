#include "protocol/sasl_scram.hpp"

#include <limits>

#include "protocol/sasl.hpp"

namespace mailspec::protocol::sasl {

namespace {

bool printable_nonce(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return !s.empty();
}

std::optional<std::uint64_t> posit_number(std::string_view s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) v = std::numeric_limits<std::uint64_t>::max();
    else v = v * 10 + d;
  }
  return v;
}

// The next "x=value" attribute; advances `rest` past it and its comma.
bool next_attr(std::string_view& rest, char& name, std::string_view& value) {
  if (rest.size() < 2 || rest[1] != '=') return false;
  name = rest[0];
  auto comma = rest.find(',');
  value = rest.substr(2, comma == std::string_view::npos ? std::string_view::npos : comma - 2);
  rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  return true;
}

std::string xor_bytes(std::string a, std::string_view b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = static_cast<char>(a[i] ^ b[i]);
  return a;
}

std::string_view hash_name(hash_alg h) { return h == hash_alg::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256"; }

class scram_client final : public client {
 public:
  scram_client(hash_alg h, credentials c, nonce_source n) : h_(h), creds_(std::move(c)), nonce_(std::move(n)) {}
  std::string_view name() const override { return hash_name(h_); }

  std::optional<std::string> initial_response() override {
    cnonce_ = nonce_ ? nonce_() : random_nonce();
    gs2_ = "n," + (creds_.authzid.empty() ? std::string() : "a=" + scram_saslname(creds_.authzid)) + ",";
    client_first_bare_ = "n=" + scram_saslname(creds_.user) + ",r=" + cnonce_;
    return gs2_ + client_first_bare_;
  }

  reply challenge(const std::optional<std::string>& decoded, std::string_view raw) override {
    ++round_;
    if (round_ == 1) return server_first(decoded, raw);
    if (round_ == 2) return server_final(decoded, raw);
    return abort_with("a challenge after the server-final-message: the exchange should be over");
  }

  std::string on_success() override {
    if (verified_) return "";
    if (!final_seen_) {
      checks_.push_back({"scram-server-signature", false, "a server-final-message with v=ServerSignature",
                         "the server reported success without sending a server-final-message"});
      return "the server reported success without proving it knows the password (no SCRAM server signature)";
    }
    return "the SCRAM server signature did not verify; the server's success is not trusted";
  }

 private:
  reply server_first(const std::optional<std::string>& decoded, std::string_view raw) {
    const std::string expected = "r=<our nonce><server nonce>,s=<base64 salt>,i=<iterations>";
    if (!decoded) {
      checks_.push_back({"scram-server-first", false, expected + " (base64)", std::string(raw)});
      return abort_with("the server-first-message is not valid base64");
    }
    std::string error;
    auto sf = parse_scram_server_first(*decoded, error);
    checks_.push_back({"scram-server-first", sf.has_value(), expected, *decoded});
    if (!sf) return abort_with("malformed server-first-message: " + error);
    const bool extends = sf->nonce.size() > cnonce_.size() && sf->nonce.compare(0, cnonce_.size(), cnonce_) == 0;
    checks_.push_back({"scram-nonce", extends, "a nonce that starts with ours (" + cnonce_ + ") and adds the server's",
                       *decoded});
    if (!extends) return abort_with("the server nonce does not extend the client nonce (possible replay)");
    checks_.push_back({"scram-iterations", sf->iterations >= scram_min_iterations,
                       "an iteration count of at least " + std::to_string(scram_min_iterations), *decoded});
    if (sf->iterations > scram_max_iterations) {
      return abort_with("the server asks for " + std::to_string(sf->iterations) + " iterations, over mailspec's bound of " +
                            std::to_string(scram_max_iterations) + " (not computed, to keep CPU bounded)",
                        true);
    }
    const std::string without_proof = "c=" + base64_encode(gs2_) + ",r=" + sf->nonce;
    const std::string auth_message = client_first_bare_ + "," + *decoded + "," + without_proof;
    auto keys = scram_compute(h_, creds_.pass, sf->salt, sf->iterations, auth_message);
    server_signature_ = keys.server_signature;
    return answer(without_proof + ",p=" + base64_encode(keys.client_proof));
  }

  reply server_final(const std::optional<std::string>& decoded, std::string_view raw) {
    final_seen_ = true;
    const std::string expected = "v=<the ServerSignature computed from the password>";
    if (!decoded) {
      checks_.push_back({"scram-server-signature", false, expected, std::string(raw)});
      return abort_with("the server-final-message is not valid base64");
    }
    std::string_view rest(*decoded);
    char name = 0;
    std::string_view value;
    const bool parsed = next_attr(rest, name, value);
    if (parsed && name == 'e') {
      server_error_ = std::string(value);
      return answer("");  // the server refused; let it send the protocol's failure
    }
    if (!parsed || name != 'v') {
      checks_.push_back({"scram-server-signature", false, expected, *decoded});
      return abort_with("the server-final-message has neither v= nor e=");
    }
    auto sig = base64_decode(value);
    verified_ = sig && equal_constant_time(*sig, server_signature_);
    checks_.push_back({"scram-server-signature", verified_, expected, *decoded});
    if (!verified_)
      return abort_with("the SCRAM server signature does not match: the server does not know the password, or "
                        "something between us answered in its place");
    return answer("");
  }

  hash_alg h_;
  credentials creds_;
  nonce_source nonce_;
  int round_ = 0;
  std::string cnonce_, gs2_, client_first_bare_, server_signature_;
  bool final_seen_ = false;
  bool verified_ = false;
};

}  // namespace

std::string scram_saslname(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

std::optional<scram_server_first> parse_scram_server_first(std::string_view msg, std::string& error) {
  std::string_view rest = msg;
  char name = 0;
  std::string_view value;
  scram_server_first out;
  if (!next_attr(rest, name, value)) return error = "expected r=...", std::nullopt;
  if (name == 'm') return error = "mandatory extension m= is not supported", std::nullopt;
  if (name != 'r' || !printable_nonce(value))
    return error = "expected r= with a printable nonce first", std::nullopt;
  out.nonce = std::string(value);
  if (!next_attr(rest, name, value) || name != 's') return error = "expected s= after the nonce", std::nullopt;
  auto salt = base64_decode(value);
  if (!salt || salt->empty()) return error = "s= is not a non-empty base64 salt", std::nullopt;
  out.salt = std::move(*salt);
  if (!next_attr(rest, name, value) || name != 'i') return error = "expected i= after the salt", std::nullopt;
  auto n = posit_number(value);
  if (!n) return error = "i= is not a positive decimal number", std::nullopt;
  out.iterations = *n;
  return out;
}

scram_keys scram_compute(hash_alg h, std::string_view pass, std::string_view salt, std::uint64_t iterations,
                         std::string_view auth_message) {
  const std::string salted = pbkdf2(h, pass, salt, static_cast<unsigned>(iterations));
  const std::string client_key = hmac(h, salted, "Client Key");
  const std::string stored_key = digest(h, client_key);
  const std::string server_key = hmac(h, salted, "Server Key");
  return {xor_bytes(client_key, hmac(h, stored_key, auth_message)), hmac(h, server_key, auth_message)};
}

std::unique_ptr<client> make_scram_client(hash_alg h, credentials creds, nonce_source nonce) {
  return std::make_unique<scram_client>(h, std::move(creds), std::move(nonce));
}

}  // namespace mailspec::protocol::sasl
