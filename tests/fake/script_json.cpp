#include "script_json.hpp"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace mailspec::fake {
namespace {

using json = nlohmann::json;

tls_server_options parse_tls(const json& j) {
  tls_server_options t;
  if (j.is_null()) return t;
  for (const auto& [k, v] : j.items()) {
    if (k == "leaf") t.leaf = v.get<std::string>();
    else if (k == "min_version") t.min_version = v.get<std::string>();
    else if (k == "max_version") t.max_version = v.get<std::string>();
    else if (k == "cipher_list") t.cipher_list = v.get<std::string>();
    else if (k == "alert") t.alert = v.get<bool>();
    else if (k == "buffered_plaintext_carried_over") t.buffered_plaintext_carried_over = v.get<bool>();
    else if (k == "request_client_cert") t.request_client_cert = v.get<bool>();
    else if (k == "require_client_cert") t.require_client_cert = v.get<bool>();
    else throw std::runtime_error("unknown tls option '" + k + "'");
  }
  return t;
}

scram_options parse_scram(const json& j) {
  scram_options o;
  for (const auto& [k, v] : j.items()) {
    if (k == "hash") o.hash = v.get<std::string>();
    else if (k == "user") o.user = v.get<std::string>();
    else if (k == "pass") o.pass = v.get<std::string>();
    else if (k == "prefix") o.prefix = v.get<std::string>();
    else if (k == "iterations") o.iterations = v.get<std::uint64_t>();
    else if (k == "salt") o.salt = v.get<std::string>();
    else if (k == "misbehave") o.misbehave = v.get<std::string>();
    else throw std::runtime_error("unknown scram option '" + k + "'");
  }
  return o;
}

mta_options parse_mta(const json& j) {
  mta_options o;
  for (const auto& [k, v] : j.items()) {
    if (k == "end_of_data") o.end_of_data = v.get<std::vector<std::string>>();
    else if (k == "reject_bare_lf") o.reject_bare_lf = v.get<bool>();
    else if (k == "reject_bare_cr") o.reject_bare_cr = v.get<bool>();
    else if (k == "starttls") o.starttls = v.get<bool>();
    else if (k != "tls") throw std::runtime_error("unknown smtp_mta option '" + k + "'");
  }
  return o;
}

// A field of an object argument, or the argument itself when it is a scalar (e.g. {"sleep": 100}).
template <class T>
T field(const json& v, const char* name, T fallback) {
  if (v.is_object()) return v.contains(name) ? v.at(name).get<T>() : fallback;
  if (v.is_null()) return fallback;
  return v.get<T>();
}

// "32 32 30 e9" or "223230e9": pairs of hex digits, spaces ignored.
std::string from_hex(const std::string& hex) {
  std::string out, digits;
  for (char c : hex)
    if (c != ' ') digits += c;
  if (digits.size() % 2) throw std::runtime_error("send_hex: an even number of hex digits is expected");
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    std::size_t used = 0;
    int b = std::stoi(digits.substr(i, 2), &used, 16);
    if (used != 2) throw std::runtime_error("send_hex: '" + digits.substr(i, 2) + "' is not a hex byte");
    out += static_cast<char>(b);
  }
  return out;
}

action parse_action(const std::string& k, const json& v) {
  if (k == "send") return send(v.get<std::string>());
  if (k == "send_hex") return send(from_hex(v.get<std::string>()));  // bytes JSON strings cannot hold
  if (k == "expect_line") return expect_line(v.get<std::string>());
  if (k == "read_line") return read_line();
  if (k == "starttls") return starttls(parse_tls(v));
  if (k == "sleep") return sleep_ms(field<int>(v, "ms", 0));
  if (k == "trickle") return trickle(v.at("bytes").get<std::string>(), field<int>(v, "interval_ms", 100));
  if (k == "send_repeat") return send_repeat(v.at("bytes").get<std::string>(), field<std::uint64_t>(v, "count", 0));
  if (k == "send_stream")
    return send_stream(field<std::string>(v, "chunk", "x"), v.at("size").get<std::uint64_t>(),
                       field<std::string>(v, "tail", ""));
  if (k == "close") return close();
  if (k == "reset") return reset();
  if (k == "read_until_close") return read_until_close();
  if (k == "drain") return drain(field<int>(v, "ms", 0));
  if (k == "scram") return scram(parse_scram(v));
  if (k == "smtp_mta") return smtp_mta(parse_mta(v), parse_tls(v.contains("tls") ? v.at("tls") : json()));
  throw std::runtime_error("unknown action '" + k + "'");
}

}  // namespace

script_file parse_script(const json& j) {
  script_file f;
  if (!j.is_object() || !j.contains("actions") || !j.at("actions").is_array())
    throw std::runtime_error("script: an object with an \"actions\" array is expected");
  const auto& actions = j.at("actions");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const auto& a = actions[i];
    try {
      if (!a.is_object() || a.size() != 1) throw std::runtime_error("an object with exactly one key is expected");
      f.actions.push_back(parse_action(a.begin().key(), a.begin().value()));
    } catch (const std::exception& e) {
      throw std::runtime_error("script: /actions/" + std::to_string(i) + ": " + e.what());
    }
  }
  f.server.implicit_tls = j.value("implicit_tls", false);
  if (j.contains("tls")) f.server.tls = parse_tls(j.at("tls"));
  f.server.connections = j.value("connections", 1);
  return f;
}

script_file load_script(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("script: cannot open " + path);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error("script: " + path + ": " + e.what());
  }
  return parse_script(j);
}

}  // namespace mailspec::fake
