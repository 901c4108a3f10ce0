// "connection" (one) or "connections" (several, named; steps choose one with "conn").
#include <algorithm>
#include <cctype>

#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

constexpr std::size_t max_connections = 8;

const std::vector<std::pair<std::string, int>> service_ports = {
    {"smtp", 25}, {"submission", 587}, {"submissions", 465}, {"imap", 143},
    {"imaps", 993}, {"pop3", 110}, {"pop3s", 995}};

// Names the harness gives its own connections (fixtures); a scenario may not use them.
const std::vector<std::string> reserved_names = {"setup", "cleanup"};

bool valid_connection_name(const std::string& n) {
  if (n.empty() || n.size() > 32) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

void parse_port(checker& c, const json& j, const std::string& ptr, connection_spec& out) {
  if (j.is_string()) {
    for (const auto& [name, port] : service_ports) {
      if (j.get_ref<const std::string&>() == name) {
        out.port = port;
        return;
      }
    }
  } else if (j.is_number_integer() && j.get<std::int64_t>() >= 1 && j.get<std::int64_t>() <= 65535 &&
             !(j.is_number_unsigned() && j.get<std::uint64_t>() > 65535)) {
    out.port = static_cast<int>(j.get<std::int64_t>());
    return;
  }
  c.error(ptr,
          "expected a port number from 1 to 65535 or a service name (smtp, submission, submissions, imap, "
          "imaps, pop3, pop3s), got " + got(j));
}

// tls_ok is false when "tls" was invalid (its error is reported; no starttls errors cascade from it).
connection_spec parse_one(checker& c, const json& j, const std::string& ptr, std::string name, bool& tls_ok) {
  connection_spec out;
  out.name = std::move(name);
  tls_ok = j.is_object();
  if (!c.is_object(j, ptr, "an object with \"port\" and \"tls\"")) return out;
  c.check_fields(j, ptr, {"port", "tls"}, out.name.empty() ? "connection (the host comes from the command line)"
                                                           : "a connection (the host comes from the command line)");
  if (j.contains("port")) parse_port(c, j["port"], ptr + "/port", out);
  else c.missing(ptr, "port");
  if (j.contains("tls")) {
    if (auto t = c.get_enum(j["tls"], ptr + "/tls", {"none", "implicit", "starttls"}, true))
      out.tls = tls_mode_from_string(*t).value();  // get_enum allowed only its names
    else
      tls_ok = false;
  }
  return out;
}

void add(checker& c, scenario& s, connection_spec spec, bool tls_ok) {
  c.conn_names.push_back(spec.name);
  if (tls_ok) c.conn_tls[spec.name] = spec.tls;
  s.connections.push_back(std::move(spec));
}

}  // namespace

void parse_connections(checker& c, const json& doc, scenario& s) {
  const bool one = doc.contains("connection"), several = doc.contains("connections");
  if (one && several) {
    c.key_error("/connections", "give either \"connection\" (one) or \"connections\" (several, named), not both");
    return;
  }
  if (!one && !several) {
    c.missing("", "connection");
    return;
  }
  if (one) {
    bool tls_ok = true;
    auto spec = parse_one(c, doc["connection"], "/connection", "", tls_ok);
    add(c, s, std::move(spec), tls_ok);
    return;
  }
  const json& j = doc["connections"];
  if (!c.is_object(j, "/connections", "an object of named connections, e.g. {\"a\": {\"port\": 993, \"tls\": \"implicit\"}}"))
    return;
  if (j.empty() || j.size() > max_connections) {
    c.error("/connections", "expected 1 to " + std::to_string(max_connections) + " named connections, got " +
                                std::to_string(j.size()));
    return;
  }
  c.multi_conn = true;
  for (const auto& [name, value] : j.items()) {
    const std::string ptr = pointer_append("/connections", name);
    if (!valid_connection_name(name))
      c.key_error(ptr, "invalid connection name \"" + name + "\" (1 to 32 letters, digits, _ and -)");
    else if (std::find(reserved_names.begin(), reserved_names.end(), name) != reserved_names.end())
      c.key_error(ptr, "\"" + name + "\" names mailspec's own fixtures connection in reports: choose another name");
    bool tls_ok = true;
    auto spec = parse_one(c, value, ptr, name, tls_ok);
    add(c, s, std::move(spec), tls_ok);
  }
}

}  // namespace mailspec::scenario::detail
