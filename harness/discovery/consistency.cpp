// Every source's servers side by side (autoconfig or ISPDB, SRV, Autodiscover) and their
// disagreements; the host names auto-detecting clients guess.
#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "discovery/detail.hpp"

namespace mailspec::discovery::detail {

namespace {

bool implicit(const published_server& s) { return s.socket_type == "SSL"; }

std::string entry(const published_server& s) {
  return s.hostname + ":" + std::to_string(s.port) + " " + (s.socket_type.empty() ? "?" : s.socket_type) +
         (s.authentication.empty() ? "" : " auth " + join(s.authentication, " "));
}

}  // namespace

void compare_sources(found& f) {
  f.comparison.clear();
  f.disagreements.clear();
  for (const auto& [source, servers] : f.by_source)
    for (const auto& s : servers) f.comparison.push_back(s.type + " " + entry(s) + " | " + source);
  if (f.by_source.size() < 2) return;
  // For each service and TLS kind (implicit or not) that two sources both publish: the same
  // host and port, with the same socket type and authentication.
  for (const char* type : {"imap", "pop3", "smtp"}) {
    for (bool tls : {true, false}) {
      std::vector<std::pair<std::string, std::set<std::string>>> views;
      for (const auto& [source, servers] : f.by_source) {
        std::set<std::string> v;
        for (const auto& s : servers)
          if (s.type == type && implicit(s) == tls) {
            // SRV records carry no authentication: compare host, port and socket type only.
            v.insert(source == "SRV" ? s.hostname + ":" + std::to_string(s.port) + " " + s.socket_type : entry(s));
          }
        if (!v.empty()) views.emplace_back(source, v);
      }
      for (std::size_t i = 1; i < views.size(); ++i) {
        auto strip = [](const std::set<std::string>& v) {  // without the auth part
          std::set<std::string> out;
          for (const auto& e : v) out.insert(e.substr(0, e.find(" auth ")));
          return out;
        };
        bool srv = views[0].first == "SRV" || views[i].first == "SRV";
        bool same = srv ? strip(views[0].second) == strip(views[i].second) : views[0].second == views[i].second;
        if (same) continue;
        std::vector<std::string> a(views[0].second.begin(), views[0].second.end());
        std::vector<std::string> b(views[i].second.begin(), views[i].second.end());
        f.disagreements.push_back(std::string(type) + (tls ? " (implicit TLS)" : " (STARTTLS/plain)") + ": " +
                                  views[0].first + " says " + join(a, ", ") + "; " + views[i].first + " says " + join(b, ", "));
      }
    }
  }
}

void find_guessed(const settings_options& opt, found& f, resolver& r) {
  if (!opt.guess) return;
  struct guess {
    const char* prefix;
    const char* type;
    int port;
  };
  // Thunderbird's guesses for the plaintext ports (the ones where a password can leak).
  static const guess guesses[] = {{"imap.", "imap", 143}, {"mail.", "imap", 143}, {"pop3.", "pop3", 110},
                                  {"pop.", "pop3", 110},  {"smtp.", "smtp", 587}};
  std::set<std::string> published;
  for (const auto& s : f.servers) published.insert(s.type + " " + s.hostname + ":" + std::to_string(s.port));
  for (const auto& g : guesses) {
    std::string host = g.prefix + f.who.domain;
    if (published.count(std::string(g.type) + " " + host + ":" + std::to_string(g.port))) {
      f.guessed_lines.push_back(host + ": published, checked as published");
      continue;
    }
    auto a = r.addresses(host);
    if (!a.ok()) {
      f.guessed_lines.push_back(host + ": " + (a.message.empty() ? to_string(a.status) : a.message) + " (not probed)");
      continue;
    }
    published_server s;
    s.type = g.type;
    s.direction = s.type == "smtp" ? "outgoing" : "incoming";
    s.hostname = host;
    s.port = g.port;
    s.socket_type = "STARTTLS";
    s.source = "guessed (" + host + ", as auto-detecting clients do)";
    f.guessed_lines.push_back(host + ": resolves, " + s.type + " port " + std::to_string(s.port) + " probed");
    f.guessed.push_back(std::move(s));
  }
}

}  // namespace mailspec::discovery::detail
