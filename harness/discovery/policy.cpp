#include "discovery/policy.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace mailspec::discovery {

namespace {

std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Splits "a; b ;c;" on ';' with optional WSP; a trailing delimiter is allowed, an empty field is not.
std::vector<std::string> fields(std::string_view txt, std::vector<std::string>& errors) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= txt.size()) {
    auto j = txt.find(';', i);
    if (j == std::string_view::npos) j = txt.size();
    auto f = trim_wsp(txt.substr(i, j - i));
    bool last = j == txt.size();
    if (f.empty()) {
      if (!(last && !out.empty())) errors.push_back("empty field");
    } else {
      out.emplace_back(f);
    }
    i = j + 1;
  }
  return out;
}

bool ext_name_ok(std::string_view n) {
  if (n.empty() || n.size() > 32 || !alnum(n[0])) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return alnum(c) || c == '_' || c == '-' || c == '.'; });
}

bool ext_value_ok(std::string_view v) {
  if (v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && c != ';' && c != '=';
  });
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string strip_dot(std::string_view s) {
  std::string out = lower(s);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool domain_ok(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  std::size_t label = 0;
  for (char c : d) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (alnum(c) || c == '-') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

}  // namespace

std::vector<std::string> sts_candidates(const std::vector<std::string>& txts) {
  std::vector<std::string> out;
  for (const auto& t : txts)
    if (starts_with(t, "v=STSv1") && (t.size() == 7 || t[7] == ';' || t[7] == ' ' || t[7] == '\t')) out.push_back(t);
  return out;
}

sts_record parse_sts_record(std::string_view txt) {
  sts_record r;
  auto fs = fields(txt, r.errors);
  if (fs.empty() || fs[0] != "v=STSv1") r.errors.push_back("the record must start with \"v=STSv1\"");
  for (std::size_t i = 1; i < fs.size(); ++i) {
    auto eq = fs[i].find('=');
    std::string name = fs[i].substr(0, eq), value = eq == std::string::npos ? "" : fs[i].substr(eq + 1);
    if (eq == std::string::npos) {
      r.errors.push_back("field \"" + fs[i] + "\" has no '='");
    } else if (name == "id") {
      if (!r.id.empty()) r.errors.push_back("more than one id field");
      else if (value.empty() || value.size() > 32 || !std::all_of(value.begin(), value.end(), alnum))
        r.errors.push_back("id \"" + value + "\" is not 1-32 letters and digits");
      else r.id = value;
    } else if (name == "v") {
      r.errors.push_back("v= appears again after the first field");
    } else if (!ext_name_ok(name) || !ext_value_ok(value)) {
      r.errors.push_back("field \"" + fs[i] + "\" is not a valid extension field");
    }
  }
  if (r.id.empty() && std::none_of(r.errors.begin(), r.errors.end(), [](const std::string& e) { return starts_with(e, "id "); }))
    r.errors.push_back("no id field");
  r.ok = r.errors.empty();
  return r;
}

sts_policy parse_sts_policy(std::string_view body) {
  sts_policy p;
  std::vector<std::string> seen;
  std::size_t i = 0, line_no = 0;
  while (i < body.size()) {
    auto j = body.find('\n', i);
    if (j == std::string_view::npos) j = body.size();
    std::string_view line = body.substr(i, j - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    i = j + 1;
    ++line_no;
    if (trim_wsp(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      p.errors.push_back("line " + std::to_string(line_no) + " is not \"key: value\"");
      continue;
    }
    std::string key(trim_wsp(line.substr(0, colon)));
    std::string value(trim_wsp(line.substr(colon + 1)));
    if (key != "mx" && std::find(seen.begin(), seen.end(), key) != seen.end()) {
      p.notes.push_back("key \"" + key + "\" repeated (line " + std::to_string(line_no) + "); the first is used");
      continue;
    }
    seen.push_back(key);
    if (key == "version") p.version = value;
    else if (key == "mode") p.mode = value;
    else if (key == "max_age") p.max_age_text = value;
    else if (key == "mx") p.mx.push_back(value);
  }
  if (p.version != "STSv1") p.errors.push_back(p.version.empty() ? "no version" : "version \"" + p.version + "\" is not STSv1");
  if (p.mode.empty()) p.errors.push_back("no mode");
  else if (p.mode != "enforce" && p.mode != "testing" && p.mode != "none")
    p.errors.push_back("mode \"" + p.mode + "\" is not enforce, testing or none");
  if (p.max_age_text.empty()) p.errors.push_back("no max_age");
  else if (p.max_age_text.size() > 10 || !std::all_of(p.max_age_text.begin(), p.max_age_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    p.errors.push_back("max_age \"" + p.max_age_text + "\" is not 1-10 digits");
  else p.max_age = std::stoll(p.max_age_text);
  if (p.mx.empty() && p.mode != "none") p.errors.push_back("no mx pattern (required unless mode is none)");
  for (const auto& m : p.mx) {
    std::string_view d = m;
    if (starts_with(d, "*.")) d.remove_prefix(2);
    if (!domain_ok(strip_dot(d))) p.errors.push_back("mx \"" + m + "\" is not a domain name or *.domain pattern");
  }
  return p;
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
  std::string pat = strip_dot(pattern), h = strip_dot(host);
  if (!starts_with(pat, "*.")) return pat == h;
  std::string_view suffix = std::string_view(pat).substr(1);  // ".example.com"
  if (h.size() <= suffix.size() || h.compare(h.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  std::string_view label = std::string_view(h).substr(0, h.size() - suffix.size());
  return !label.empty() && label.find('.') == std::string_view::npos;
}

std::vector<std::string> unmatched_mx(const std::vector<std::string>& patterns, const std::vector<std::string>& mx_hosts) {
  std::vector<std::string> out;
  for (const auto& h : mx_hosts)
    if (std::none_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return mx_pattern_matches(p, h); }))
      out.push_back(h);
  return out;
}

bool is_text_plain(std::string_view ct) {
  auto semi = ct.find(';');
  return lower(trim_wsp(ct.substr(0, semi))) == "text/plain";
}

std::vector<std::string> tlsrpt_candidates(const std::vector<std::string>& txts) {
  std::vector<std::string> out;
  for (const auto& t : txts)
    if (starts_with(t, "v=TLSRPTv1") && (t.size() == 10 || t[10] == ';' || t[10] == ' ' || t[10] == '\t'))
      out.push_back(t);
  return out;
}

tlsrpt_record parse_tlsrpt_record(std::string_view txt) {
  tlsrpt_record r;
  auto fs = fields(txt, r.errors);
  if (fs.empty() || fs[0] != "v=TLSRPTv1") r.errors.push_back("the record must start with \"v=TLSRPTv1\"");
  bool have_rua = false;
  for (std::size_t i = 1; i < fs.size(); ++i) {
    auto eq = fs[i].find('=');
    std::string name = fs[i].substr(0, eq), value = eq == std::string::npos ? "" : fs[i].substr(eq + 1);
    if (eq == std::string::npos) {
      r.errors.push_back("field \"" + fs[i] + "\" has no '='");
      continue;
    }
    if (name != "rua") {
      if (!ext_name_ok(name) || !ext_value_ok(value)) r.errors.push_back("field \"" + fs[i] + "\" is not a valid extension field");
      continue;
    }
    if (have_rua) r.errors.push_back("more than one rua field");
    have_rua = true;
    std::size_t k = 0;
    while (k <= value.size()) {
      auto comma = value.find(',', k);
      if (comma == std::string::npos) comma = value.size();
      std::string uri(trim_wsp(std::string_view(value).substr(k, comma - k)));
      k = comma + 1;
      std::string l = lower(uri);
      if (starts_with(l, "mailto:") && uri.size() > 7 && uri.find('@') != std::string::npos) r.rua.push_back(uri);
      else if (starts_with(l, "https://") && uri.size() > 8) r.rua.push_back(uri);
      else r.errors.push_back("rua URI \"" + uri + "\" is not mailto:ADDRESS or https://...");
    }
  }
  if (!have_rua) r.errors.push_back("no rua field");
  r.ok = r.errors.empty();
  return r;
}

}  // namespace mailspec::discovery
