#include "server/commands.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/text.hpp"
#include "protocol/sasl.hpp"

namespace mailspec::server {

namespace {

std::string_view chomp(std::string_view l) {
  while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
  return l;
}

std::string_view word(std::string_view& rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::size_t sp = rest.find(' ');
  std::string_view w = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  return w;
}

// One IMAP astring at the front of `s` (RFC 9051 §4.3: atom, quoted string, literal): its
// value and the bytes it took on the wire. Consumes it and the space after it.
struct astring {
  std::string value;
  std::string wire;
};
std::optional<astring> take_astring(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  astring a;
  if (s.front() == '"') {
    std::size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      a.value += s[i];
    }
    if (i >= s.size()) return std::nullopt;
    a.wire = std::string(s.substr(1, i - 1));
    s.remove_prefix(i + 1);
  } else if (s.front() == '{') {
    std::size_t close = s.find('}');
    std::size_t data = s.find('\n', close == std::string_view::npos ? 0 : close);
    if (close == std::string_view::npos || data == std::string_view::npos) return std::nullopt;
    std::string n(s.substr(1, close - 1));
    if (!n.empty() && (n.back() == '+' || n.back() == '-')) n.pop_back();
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    std::size_t len = std::stoul(n);
    if (data + 1 + len > s.size()) return std::nullopt;
    a.value = a.wire = std::string(s.substr(data + 1, len));
    s.remove_prefix(data + 1 + len);
  } else {
    std::size_t sp = s.find(' ');
    a.value = a.wire = std::string(s.substr(0, sp));
    s.remove_prefix(sp == std::string_view::npos ? s.size() : sp);
  }
  return a;
}

credential make(std::string mechanism, std::string secret, std::vector<std::string> forms = {}) {
  return credential{std::move(mechanism), std::move(secret), std::move(forms)};
}

}  // namespace

command parse_command(std::string_view base, std::string_view line) {
  std::string_view rest = chomp(line);
  command c;
  if (base == "imap") c.tag = std::string(word(rest));
  c.verb = upper(word(rest));
  if (base == "imap" && c.verb == "UID") {
    c.verb += ' ';
    c.verb += upper(word(rest));
  }
  c.args = std::string(rest);
  return c;
}

role role_of(std::string_view base, std::string_view verb) {
  auto any = [&](std::initializer_list<std::string_view> l) {
    for (auto v : l)
      if (v == verb) return true;
    return false;
  };
  if (base == "smtp") {
    if (any({"EHLO", "HELO", "LHLO", "NOOP", "RSET", "HELP"})) return role::discovery;
    if (verb == "STARTTLS") return role::tls;
    if (verb == "AUTH") return role::auth;
    if (verb == "QUIT") return role::quit;
    return role::data;
  }
  if (base == "imap") {
    if (any({"CAPABILITY", "NOOP", "ID"})) return role::discovery;
    if (verb == "STARTTLS") return role::tls;
    if (any({"LOGIN", "AUTHENTICATE"})) return role::auth;
    if (verb == "LOGOUT") return role::quit;
    return role::data;
  }
  if (any({"CAPA", "NOOP"})) return role::discovery;
  if (verb == "STLS") return role::tls;
  if (any({"USER", "PASS", "APOP", "AUTH"})) return role::auth;
  if (verb == "QUIT") return role::quit;
  return role::data;
}

std::optional<credential> command_credential(std::string_view base, const command& c) {
  std::string_view args = c.args;
  if (base == "imap" && c.verb == "LOGIN") {
    auto user = take_astring(args);
    auto pass = user ? take_astring(args) : std::nullopt;
    if (!pass) return std::nullopt;
    return make("LOGIN", pass->value, {pass->wire});
  }
  if (base == "pop3" && c.verb == "PASS") {
    // RFC 1939 §7: the password is the rest of the line (it may contain spaces).
    std::string pass(args);
    return make("USER/PASS", pass);
  }
  if (base == "pop3" && c.verb == "APOP") {
    std::string_view rest = args;
    word(rest);
    std::string digest(word(rest));
    if (digest.empty()) return std::nullopt;
    return make("APOP", digest);
  }
  return std::nullopt;
}

std::optional<sasl_start> sasl_of(std::string_view base, const command& c) {
  const bool is_auth = base == "imap" ? c.verb == "AUTHENTICATE" : c.verb == "AUTH";
  if (!is_auth) return std::nullopt;
  std::string_view rest = c.args;
  sasl_start s;
  s.mechanism = upper(word(rest));
  s.initial = std::string(word(rest));
  if (s.mechanism.empty()) return std::nullopt;
  return s;
}

std::optional<credential> sasl_credential(const std::string& label, std::string_view mechanism, std::string_view response,
                                          int step) {
  std::string_view r = chomp(response);
  if (r.empty() || r == "*" || r == "=") return std::nullopt;  // nothing, a cancel, an empty response
  const std::string blob(r);
  if (mechanism == "PLAIN") {
    auto d = protocol::base64_decode(r);
    if (!d) return make(label, blob, {blob});  // not base64: still what the client sent as its secret
    auto nul = d->rfind('\0');
    std::string pass = nul == std::string::npos ? *d : d->substr(nul + 1);
    return make(label, pass.empty() ? blob : pass, {blob});
  }
  if (mechanism == "LOGIN") {
    if (step == 0) return std::nullopt;  // the user name
    auto d = protocol::base64_decode(r);
    return make(label, d && !d->empty() ? *d : blob, {blob});
  }
  // Any other mechanism: the response itself is the credential (a CRAM-MD5 digest, an OAuth token).
  return make(label, blob, {blob});
}

std::string fingerprint(std::string_view key, std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(secret.data()),
       secret.size(), md, &n);
  static const char hex[] = "0123456789abcdef";
  std::string out = "hmac-sha256:";
  for (unsigned i = 0; i < 8 && i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string next_tag(std::string_view tag) {
  std::size_t d = tag.size();
  while (d > 0 && tag[d - 1] >= '0' && tag[d - 1] <= '9') --d;
  if (d == tag.size()) return "";
  std::string digits(tag.substr(d));
  int i = static_cast<int>(digits.size()) - 1;
  for (; i >= 0; --i) {
    if (digits[i] != '9') {
      ++digits[i];
      break;
    }
    digits[i] = '0';
  }
  if (i < 0) digits.insert(digits.begin(), '1');
  return std::string(tag.substr(0, d)) + digits;
}

}  // namespace mailspec::server
