// --ports parsing and the software guess from a banner.
#include <boost/regex.hpp>
#include <stdexcept>

#include "audit/audit.hpp"

namespace mailspec::audit {

namespace {

// A service by name or by its default port number ("143" is imap).
const service_row* find_service(std::string_view name) {
  for (const auto& s : service_rows())
    if (name == to_string(s.service) || name == std::to_string(s.default_port)) return &s;
  return nullptr;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

int parse_port_number(const std::string& text, const std::string& item) {
  int port = 0;
  bool digits = !text.empty() && text.size() <= 5 && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) port = std::stoi(text);
  if (port < 1 || port > 65535)
    throw std::invalid_argument("--ports " + item + ": the port must be a number from 1 to 65535");
  return port;
}

}  // namespace

std::string port_spec::label() const { return std::string(to_string(service)) + ":" + std::to_string(port); }

std::vector<port_spec> parse_ports(std::string_view spec) {
  std::vector<port_spec> out;
  std::size_t i = 0;
  while (i <= spec.size()) {
    auto j = spec.find(',', i);
    if (j == std::string_view::npos) j = spec.size();
    std::string item = trim(spec.substr(i, j - i));
    i = j + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string name = trim(item.substr(0, eq));
    const service_row* row = find_service(name);
    if (!row)
      throw std::invalid_argument("--ports: unknown service \"" + name +
                                  "\" (smtp, submission, submissions, imap, imaps, pop3, pop3s or their default "
                                  "port numbers 25, 587, 465, 143, 993, 110, 995)");
    int port = eq == std::string::npos ? row->default_port : parse_port_number(trim(item.substr(eq + 1)), item);
    for (const auto& p : out)
      if (p.port == port)
        throw std::invalid_argument("--ports: port " + std::to_string(port) + " is listed twice (" +
                                    std::string(to_string(p.service)) + " and " + std::string(to_string(row->service)) + ")");
    out.push_back(port_spec{row->service, row->protocol, row->tls, port});
  }
  if (out.empty()) throw std::invalid_argument("--ports: no port to audit");
  return out;
}

std::string guess_software(std::string_view banner) {
  static const std::pair<boost::regex, const char*> known[] = {
      {boost::regex("dovecot", boost::regex::icase), "Dovecot"},
      {boost::regex("postfix", boost::regex::icase), "Postfix"},
      {boost::regex("\\bexim\\b", boost::regex::icase), "Exim"},
      {boost::regex("sendmail", boost::regex::icase), "Sendmail"},
      {boost::regex("opensmtpd", boost::regex::icase), "OpenSMTPD"},
      {boost::regex("microsoft|exchange", boost::regex::icase), "Microsoft Exchange"},
      {boost::regex("cyrus", boost::regex::icase), "Cyrus IMAP"},
      {boost::regex("courier", boost::regex::icase), "Courier"},
      {boost::regex("zimbra", boost::regex::icase), "Zimbra"},
      {boost::regex("haraka", boost::regex::icase), "Haraka"},
      {boost::regex("gmail|google", boost::regex::icase), "Google"},
      {boost::regex("qmail", boost::regex::icase), "qmail"},
      {boost::regex("stalwart", boost::regex::icase), "Stalwart"},
      {boost::regex("\\bpython smtp\\b|aiosmtpd", boost::regex::icase), "aiosmtpd"},  // aiosmtpd's default ident
  };
  // Bounded input: banners are one line; never run a regex on unbounded server bytes.
  std::string line(banner.substr(0, 512));
  for (const auto& [re, name] : known)
    if (boost::regex_search(line, re)) return name;
  return "";
}

}  // namespace mailspec::audit
