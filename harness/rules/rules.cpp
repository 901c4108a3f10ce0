// The one rule engine: judge(), the rule book (lookup, listing, references) and the finding
// helpers of rules::context.
#include "rules/rules.hpp"

#include <exception>
#include <map>
#include <sstream>

#include "core/transcript.hpp"

namespace mailspec::rules {

namespace {

std::string bounded(std::string v, std::size_t max) {
  if (v.size() > max) {
    const std::size_t total = v.size();
    v.resize(max);
    v += "... (" + std::to_string(total - max) + " more)";
  }
  return v;
}

}  // namespace

std::string evidence(std::string_view raw, std::size_t max) { return bounded(visible(raw), max); }

rule row(std::string id, std::string protocol, std::string spec, level lvl, std::string requirement,
         std::function<void(context&)> check, severity sev) {
  return rule{std::move(id), std::move(protocol), std::move(spec), lvl, sev, std::move(requirement), std::move(check)};
}

finding context::make(const session::exchange* ex, verdict v, std::string_view actual) const {
  finding f;
  f.rule = r.id;
  f.spec = r.spec;
  f.lvl = r.lvl;
  f.result = v;
  // A severity rates a finding about the server, not a pass nor the harness's own trouble.
  f.sev = v == verdict::pass || v == verdict::error || v == verdict::skip ? severity::none : r.sev;
  f.requirement = r.requirement;
  f.actual = evidence(actual);
  if (ex) {
    f.step = ex->step;
    f.transcript_index = ex->transcript_index;
  }
  return f;
}

void context::held(const session::exchange* ex, std::string_view actual) {
  out_.push_back(make(ex, verdict::pass, actual));
}

void context::broken(const session::exchange* ex, std::string expected, std::string_view actual,
                     std::string message) {
  verdict v = r.lvl == level::must ? verdict::fail : r.lvl == level::should ? verdict::warn : verdict::info;
  emit(ex, v, std::move(expected), actual, std::move(message));
}

void context::emit(const session::exchange* ex, verdict v, std::string expected, std::string_view actual,
                   std::string message) {
  finding f = make(ex, v, actual);
  f.expected = std::move(expected);
  f.message = std::move(message);
  out_.push_back(std::move(f));
}

bool selected(std::string_view id, const std::vector<std::string>& only) {
  if (only.empty()) return true;
  for (const auto& p : only) {
    if (p.empty() || id.substr(0, p.size()) == p) return true;
  }
  return false;
}

namespace {

bool applies_to(const rule& r, const session::record& rec) {
  const std::string& p = rec.result.protocol;
  if (p.empty() || (r.protocol != "smtp" && r.protocol != "imap" && r.protocol != "pop3")) return true;
  return r.protocol == p;
}

// One rule's raw output: a check that throws could not judge the case.
std::vector<finding> run_check(const rule& r, const session::record& rec) {
  std::vector<finding> raw;
  context ctx(rec, r, raw);
  try {
    r.check(ctx);
  } catch (const std::exception& e) {
    raw.clear();
    ctx.emit_case(verdict::error, "", "", std::string("rule could not judge this case: ") + e.what());
  }
  return raw;
}

// One rule's raw output -> what the report shows: violations (bounded) or one pass.
void condense(std::vector<finding>& raw, const judge_options& opt, std::vector<finding>& out) {
  std::size_t bad = 0;
  for (const auto& f : raw) bad += f.result != verdict::pass;
  if (bad == 0) {
    if (!raw.empty()) out.push_back(std::move(raw.front()));
    return;
  }
  std::size_t kept = 0;
  for (auto& f : raw) {
    if (f.result == verdict::pass) continue;
    if (kept == opt.max_per_rule) {
      out.back().message += (out.back().message.empty() ? "" : "; ") + std::to_string(bad - kept) +
                            " more violation(s) of this rule in the same case not listed";
      break;
    }
    if (opt.strict && f.result == verdict::warn) f.result = verdict::fail;
    out.push_back(std::move(f));
    ++kept;
  }
}

}  // namespace

std::vector<finding> judge(const session::record& rec, const table& rows, const judge_options& opt) {
  std::vector<finding> out;
  for (const auto& r : rows) {
    if (!r.check || !selected(r.id, opt.only) || !selected(r.id, opt.within) || !applies_to(r, rec)) continue;
    auto raw = run_check(r, rec);
    condense(raw, opt, out);
  }
  return out;
}

const rule* book::find(std::string_view id) const {
  for (const auto* t : tables_)
    for (const auto& r : *t)
      if (r.id == id) return &r;
  return nullptr;
}

std::vector<const rule*> book::all() const {
  std::vector<const rule*> out;
  for (const auto* t : tables_)
    for (const auto& r : *t) out.push_back(&r);
  return out;
}

std::vector<std::string> book::unknown_prefixes(const std::vector<std::string>& only) const {
  std::vector<std::string> out;
  for (const auto& p : only) {
    bool any = false;
    for (const auto* r : all()) any = any || selected(r->id, {p});
    if (!any) out.push_back(p);
  }
  return out;
}

void book::attach_refs(run_report& rep) const {
  for (const auto& c : rep.cases)
    for (const auto& f : c.findings)
      if (const rule* r = find(f.rule))
        rep.rules[f.rule] = {r->spec, r->requirement, std::string(to_string(r->lvl)), r->protocol};
}

nlohmann::json book::listing_json() const {
  nlohmann::json a = nlohmann::json::array();
  for (const auto* r : all()) {
    a.push_back({{"id", r->id},
                 {"protocol", r->protocol},
                 {"spec", r->spec},
                 {"level", std::string(to_string(r->lvl))},
                 {"severity", std::string(to_string(r->sev))},
                 {"requirement", r->requirement}});
  }
  return a;
}

std::string book::listing_text() const {
  std::ostringstream os;
  std::map<std::string, int> per_family;  // the id's first segment: smtp, imap, tls, audit, ...
  auto rules = all();
  for (const auto* r : rules) {
    ++per_family[r->id.substr(0, r->id.find('/'))];
    os << r->id << "  [" << to_string(r->lvl) << (r->sev != severity::none ? ", " + std::string(to_string(r->sev)) : "")
       << "]  " << r->spec << "\n    " << r->requirement << "\n";
  }
  os << "\n" << rules.size() << " rules:";
  for (const auto& [p, n] : per_family) os << " " << p << " " << n;
  os << "\n";
  return os.str();
}

const book& protocol_book() {
  static const book b{&catalogue()};
  return b;
}

}  // namespace mailspec::rules
