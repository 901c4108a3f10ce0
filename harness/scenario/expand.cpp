// ${...} expansion. Syntax: "${" REF ("|" FILTER)* "}", REF one of var.NAME, cap.NAME, tag,
// target.host, target.helo, run.id, scratch.mailbox; FILTER one of b64, imap_quote, count, min, max.
// "$$" is a literal "$" (so "$${tag}" gives the text "${tag}"); a "$" not followed by "{" or "$" is
// literal too.
#include "scenario/expand.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/secret.hpp"

namespace mailspec::scenario {
namespace {

bool is_reference_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

struct reference {
  std::string source;  // text between ${ and }
  std::string name;    // e.g. "var.user", "tag"
  std::vector<std::string> filters;
};

// One lexical piece of a template: literal text, or a reference.
struct piece {
  std::string literal;
  std::optional<reference> ref;
};

std::string parse_reference(std::string_view body, reference& out) {
  out.source = std::string(body);
  std::size_t bar = body.find('|');
  out.name = std::string(body.substr(0, bar));
  if (out.name.empty()) return "empty reference \"${" + out.source + "}\"";
  while (bar != std::string_view::npos) {
    std::size_t next = body.find('|', bar + 1);
    std::string f(body.substr(bar + 1, next == std::string_view::npos ? std::string_view::npos : next - bar - 1));
    if (f.empty()) return "empty filter in \"${" + out.source + "}\"";
    out.filters.push_back(std::move(f));
    bar = next;
  }
  return {};
}

// Splits a template; returns an error message on bad syntax.
std::string lex(std::string_view t, std::vector<piece>& out) {
  std::string lit;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '$' || i + 1 >= t.size() || (t[i + 1] != '{' && t[i + 1] != '$')) {
      lit += t[i];
      continue;
    }
    if (t[i + 1] == '$') {
      lit += '$';
      ++i;
      continue;
    }
    std::size_t close = t.find('}', i + 2);
    if (close == std::string_view::npos)
      return "unterminated \"${\" at offset " + std::to_string(i) + " (write \"$${\" for a literal \"${\")";
    reference r;
    std::string_view body = t.substr(i + 2, close - i - 2);
    if (body.find("${") != std::string_view::npos) return "nested \"${\" at offset " + std::to_string(i);
    if (auto e = parse_reference(body, r); !e.empty()) return e;
    if (!lit.empty()) out.push_back({std::move(lit), std::nullopt});
    lit.clear();
    out.push_back({{}, std::move(r)});
    i = close;
  }
  if (!lit.empty()) out.push_back({std::move(lit), std::nullopt});
  return {};
}

bool valid_reference_name(std::string_view n) { return !n.empty() && std::all_of(n.begin(), n.end(), is_reference_char); }

// RFC 9051 §4.3: quoted string with \" and \\ escaped; a synchronizing literal when the value
// holds CR, LF, NUL or 8-bit bytes (which a quoted string cannot carry).
std::string imap_quote_value(std::string_view v) {
  bool literal = std::any_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\r' || u == '\n' || u == 0 || u >= 0x80;
  });
  if (literal) return "{" + std::to_string(v.size()) + "}\r\n" + std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const std::vector<std::string>& filter_names() {
  static const std::vector<std::string> names = {"b64", "imap_quote", "count", "min", "max"};
  return names;
}

bool is_number(std::string_view w) { return !w.empty() && w.find_first_not_of("0123456789") == std::string_view::npos; }

// Numbers compared by value without a width limit (UIDs, MODSEQs up to 2^63).
bool number_less(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
  while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// count: the number of space-separated words; min / max: the smallest / largest of them, all
// numbers ("0" for none).
std::string word_filter(const std::string& f, const std::string& v, const std::string& source) {
  std::vector<std::string_view> words;
  std::string_view rest = v;
  while (!rest.empty()) {
    auto start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    auto end = rest.find_first_of(" \t");
    words.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  if (f == "count") return std::to_string(words.size());
  if (words.empty()) return "0";
  std::string_view best = words.front();
  for (auto w : words) {
    if (!is_number(w))
      throw std::invalid_argument("cannot expand \"${" + source + "}\": |" + f + " needs numbers, got \"" + std::string(w) + "\"");
    if (f == "max" ? number_less(best, w) : number_less(w, best)) best = w;
  }
  return std::string(best);
}

// known_vars == nullptr: variable existence is checked at expansion instead.
std::string check_reference(const reference& r, const std::vector<std::string>* known_vars) {
  const std::string& n = r.name;
  if (n.rfind("var.", 0) == 0) {
    std::string v = n.substr(4);
    if (!valid_reference_name(v)) return "invalid variable name in \"${" + r.source + "}\"";
    if (known_vars != nullptr && std::find(known_vars->begin(), known_vars->end(), v) == known_vars->end())
      return "unknown variable \"" + v + "\" in \"${" + r.source + "}\" (declare it under \"vars\")";
  } else if (n.rfind("cap.", 0) == 0) {
    if (!valid_reference_name(n.substr(4))) return "invalid capture name in \"${" + r.source + "}\"";
  } else if (n != "tag" && n != "target.host" && n != "target.helo" && n != "run.id" && n != "scratch.mailbox") {
    return "unknown reference \"" + n + "\" in \"${" + r.source +
           "}\" (expected var.NAME, cap.NAME, tag, target.host, target.helo, run.id or scratch.mailbox)";
  }
  for (const auto& f : r.filters) {
    if (std::find(filter_names().begin(), filter_names().end(), f) == filter_names().end())
      return "unknown filter \"" + f + "\" in \"${" + r.source + "}\" (expected b64, imap_quote, count, min or max)";
  }
  return {};
}

template <class Map>
const std::string* lookup(const Map* m, const std::string& key) {
  if (m == nullptr) return nullptr;
  auto it = m->find(key);
  return it == m->end() ? nullptr : &it->second;
}

std::string base_value(const reference& r, const expand_context& ctx, bool& secret) {
  const std::string& n = r.name;
  secret = false;
  if (n == "tag") return ctx.tag;
  if (n == "target.host") return ctx.target_host;
  if (n == "target.helo") return ctx.target_helo;
  if (n == "run.id") return ctx.run_id;
  if (n == "scratch.mailbox") {
    if (ctx.scratch_mailbox.empty())
      throw std::invalid_argument("cannot expand \"${" + r.source + "}\": no scratch mailbox (see \"fixtures\")");
    return ctx.scratch_mailbox;
  }
  const std::string* v = nullptr;
  if (n.rfind("var.", 0) == 0) {
    v = lookup(ctx.vars, n.substr(4));
    if (ctx.secret_vars != nullptr) {
      auto it = ctx.secret_vars->find(n.substr(4));
      secret = it != ctx.secret_vars->end() && it->second;
    }
  } else if (n.rfind("cap.", 0) == 0) {
    v = lookup(ctx.captures, n.substr(4));
  }
  if (v == nullptr) throw std::invalid_argument("cannot expand \"${" + r.source + "}\": \"" + n + "\" is not set");
  return *v;
}

}  // namespace

expanded expand(std::string_view templ, const expand_context& ctx) {
  std::vector<piece> pieces;
  if (auto e = lex(templ, pieces); !e.empty()) throw std::invalid_argument(e);
  expanded out;
  for (const auto& p : pieces) {
    if (!p.ref) {
      out.text += p.literal;
      continue;
    }
    const reference& r = *p.ref;
    if (auto e = check_reference(r, nullptr); !e.empty()) throw std::invalid_argument(e);
    bool secret = false;
    std::string v = base_value(r, ctx, secret);
    if (secret) {
      out.has_secret = true;
      std::string name = r.name.substr(4);
      if (std::find(out.secret_names.begin(), out.secret_names.end(), name) == out.secret_names.end())
        out.secret_names.push_back(std::move(name));
      out.secret_values.push_back(v);
    }
    for (const auto& f : r.filters) {
      if (f == "count" || f == "min" || f == "max") {
        v = word_filter(f, v, r.source);  // a number: not a secret form worth redacting
        continue;
      }
      v = f == "b64" ? mailspec::base64_encode(v) : imap_quote_value(v);
      if (secret) out.secret_values.push_back(v);
    }
    out.text += v;
  }
  return out;
}

std::vector<std::string> check_template(std::string_view templ, const std::vector<std::string>& known_vars) {
  std::vector<piece> pieces;
  if (auto e = lex(templ, pieces); !e.empty()) return {e};
  std::vector<std::string> errors;
  for (const auto& p : pieces) {
    if (!p.ref) continue;
    if (auto e = check_reference(*p.ref, &known_vars); !e.empty()) errors.push_back(std::move(e));
  }
  return errors;
}

}  // namespace mailspec::scenario
