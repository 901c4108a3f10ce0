#include "scram_server.hpp"

#include <cctype>
#include <sstream>

#include "scram_math.hpp"

namespace mailspec::fake {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The value of attribute `name` ("r", "p", ...) in a comma-separated SCRAM message.
std::string attr(std::string_view msg, char name) {
  std::size_t i = 0;
  while (i <= msg.size()) {
    auto comma = msg.find(',', i);
    auto part = msg.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return std::string(part.substr(2));
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return "";
}

}  // namespace

std::string scram_server::challenge(std::string_view data) const { return o_.prefix + b64(data) + "\r\n"; }

scram_server::output scram_server::on_line(std::string_view line) {
  output out;
  if (state_ > 0 && line == "*") {
    out.events.push_back("scram: cancelled");
    out.done = true;
    return out;
  }
  switch (state_) {
    case 0: {
      std::istringstream words{std::string(line)};
      std::string w, initial;
      bool after_mech = false;
      while (words >> w) {
        if (after_mech) initial = w;
        if (upper(w).rfind("SCRAM-SHA-", 0) == 0) after_mech = true;
      }
      state_ = 1;
      if (initial.empty()) out.send.push_back(o_.prefix + "\r\n");
      else client_first(initial, out);
      break;
    }
    case 1: client_first(line, out); break;
    case 2: client_final(line, out); break;
    default:
      out.events.push_back("scram: client answered the server-final-message with '" + std::string(line) + "'");
      out.done = true;
  }
  return out;
}

void scram_server::client_first(std::string_view b64_line, output& out) {
  auto msg = unb64(b64_line);
  if (!msg) {
    out.mismatches.push_back("scram: client-first-message is not base64: " + std::string(b64_line));
    out.done = true;
    return;
  }
  // gs2-header = gs2-cbind-flag "," [authzid] ","
  auto second = msg->find(',', msg->find(',') == std::string::npos ? msg->size() : msg->find(',') + 1);
  if (msg->rfind("n,", 0) != 0 || second == std::string::npos) {
    out.mismatches.push_back("scram: expected a gs2 header 'n,...,' without channel binding, got " + *msg);
    out.done = true;
    return;
  }
  client_first_bare_ = msg->substr(second + 1);
  out.events.push_back("scram: client-first " + *msg);
  if (attr(client_first_bare_, 'n') != o_.user)
    out.mismatches.push_back("scram: expected user '" + o_.user + "', got " + client_first_bare_);
  const std::string cnonce = attr(client_first_bare_, 'r');
  nonce_ = (o_.misbehave == "foreign_nonce" ? std::string("forged") : cnonce) + "Srv3rN0nce";
  server_first_ = "r=" + nonce_ + ",s=" + o_.salt + ",i=" + std::to_string(o_.iterations);
  out.send.push_back(challenge(server_first_));
  state_ = 2;
}

void scram_server::client_final(std::string_view b64_line, output& out) {
  auto msg = unb64(b64_line);
  auto p = msg ? msg->find(",p=") : std::string::npos;
  if (p == std::string::npos) {
    out.mismatches.push_back("scram: client-final-message without a proof: " + std::string(b64_line));
    out.done = true;
    return;
  }
  const std::string without_proof = msg->substr(0, p);
  if (attr(*msg, 'r') != nonce_) out.mismatches.push_back("scram: client-final nonce differs: " + *msg);
  auto salt = unb64(o_.salt);
  auto keys = scram_keys(o_.hash, o_.pass, salt.value_or(""), o_.iterations,
                         client_first_bare_ + "," + server_first_ + "," + without_proof);
  if (unb64(attr(*msg, 'p')) != keys.client_proof) out.mismatches.push_back("scram: the client proof does not verify");
  else out.events.push_back("scram: client proof verified");
  if (o_.misbehave == "no_signature") {
    out.done = true;
    return;
  }
  std::string sig = keys.server_signature;
  if (o_.misbehave == "wrong_signature") sig[0] = static_cast<char>(sig[0] ^ 0x55);
  out.send.push_back(challenge(o_.misbehave == "error" ? std::string("e=invalid-proof") : "v=" + b64(sig)));
  state_ = 3;
}

}  // namespace mailspec::fake
