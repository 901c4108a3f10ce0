// judge(), the catalogue views and the finding helpers of rules::context.
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

finding context::make(const session::exchange* ex, verdict v, std::string_view actual) const {
  finding f;
  f.rule = r.id;
  f.spec = r.spec;
  f.lvl = r.lvl;
  f.result = v;
  f.sev = v == verdict::pass ? severity::none : r.sev;
  f.requirement = r.requirement;
  f.actual = actual_is_visible ? bounded(std::string(actual), 300) : evidence(actual);
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
  finding f = make(ex, v, actual);
  f.expected = std::move(expected);
  f.message = std::move(message);
  out_.push_back(std::move(f));
}

void context::emit(const session::exchange* ex, verdict v, std::string expected, std::string_view actual,
                   std::string message) {
  finding f = make(ex, v, actual);
  f.expected = std::move(expected);
  f.message = std::move(message);
  out_.push_back(std::move(f));
}

const rule* find_rule(std::string_view id) {
  for (const auto& r : catalogue())
    if (r.id == id) return &r;
  return nullptr;
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
  if (r.protocol == "tls" || r.protocol == "sasl" || p.empty()) return true;
  return r.protocol == p;
}

// One rule's raw output -> what the report shows: violations (bounded) or one pass.
void condense(const rule& r, std::vector<finding>& raw, const judge_options& opt, std::vector<finding>& out) {
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

std::vector<finding> run_check(const rule& r, const session::record& rec, bool actual_is_visible) {
  std::vector<finding> raw;
  context ctx(rec, r, raw);
  ctx.actual_is_visible = actual_is_visible;
  try {
    r.check(ctx);
  } catch (const std::exception& e) {
    raw.clear();
    finding f;
    f.rule = r.id;
    f.spec = r.spec;
    f.lvl = r.lvl;
    f.result = verdict::error;
    f.requirement = r.requirement;
    f.message = std::string("rule could not judge this case: ") + e.what();
    raw.push_back(std::move(f));
  }
  return raw;
}

std::vector<finding> judge(const session::record& rec, const judge_options& opt) {
  std::vector<finding> out;
  for (const auto& r : catalogue()) {
    if (!selected(r.id, opt.only) || !applies_to(r, rec) || !r.check) continue;
    auto raw = run_check(r, rec);
    condense(r, raw, opt, out);
  }
  return out;
}

nlohmann::json catalogue_json() {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : catalogue()) {
    a.push_back({{"id", r.id},
                 {"protocol", r.protocol},
                 {"spec", r.spec},
                 {"level", std::string(to_string(r.lvl))},
                 {"severity", std::string(to_string(r.sev))},
                 {"requirement", r.requirement}});
  }
  return a;
}

std::string catalogue_text() {
  std::ostringstream os;
  std::map<std::string, int> per_protocol;
  for (const auto& r : catalogue()) {
    ++per_protocol[r.protocol];
    os << r.id << "  [" << to_string(r.lvl) << (r.sev != severity::none ? ", " + std::string(to_string(r.sev)) : "")
       << "]  " << r.spec << "\n    " << r.requirement << "\n";
  }
  os << "\n" << catalogue().size() << " rules:";
  for (const auto& [p, n] : per_protocol) os << " " << p << " " << n;
  os << "\n";
  return os.str();
}

}  // namespace mailspec::rules
