// The whole expectation of a step: protocol part, "capabilities", "assert" and "any_of".
#include <algorithm>
#include <stdexcept>

#include "session/expect.hpp"
#include "session/expect_detail.hpp"

namespace mailspec::session {

using namespace detail;

std::size_t count_imap(const scenario::matcher& m, const exchange& ex, const scenario::expand_context& ctx);

namespace {

bool integer(std::string_view s) {
  std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  return i < s.size() && s.find_first_not_of("0123456789", i) == std::string_view::npos;
}

// -1, 0, 1 for integers of any width.
int compare_integers(std::string_view a, std::string_view b) {
  const bool na = a[0] == '-', nb = b[0] == '-';
  if (na != nb) return na ? -1 : 1;
  if (na) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
  while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
  int c = a.size() != b.size() ? (a.size() < b.size() ? -1 : 1) : a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
  if (a == "0" && b == "0") c = 0;
  return na ? -c : c;
}

bool equal_values(const std::string& a, const std::string& b) {
  return integer(a) && integer(b) ? compare_integers(a, b) == 0 : a == b;
}

std::string expand_in(const std::string& text, captures_map& caps, const scenario::expand_context& ctx) {
  scenario::expand_context x = ctx;
  x.captures = &caps;
  return scenario::expand(text, x).text;
}

struct assert_result {
  bool ok = true;
  bool error = false;
  std::string detail;
};

assert_result check_assertion(const scenario::assertion& a, scenario::protocol_kind p, const exchange& ex,
                              captures_map& caps, const scenario::expand_context& ctx) {
  using op = scenario::assertion::op;
  assert_result out;
  std::string value;
  std::vector<std::string> operands;
  try {
    value = a.that ? expand_in(a.that->text, caps, ctx) : std::to_string(count_matches(p, *a.count, ex, ctx));
    for (const auto& t : a.operands) operands.push_back(expand_in(t.text, caps, ctx));
  } catch (const std::invalid_argument& e) {
    return {false, true, "assert " + a.source + ": " + e.what()};
  }
  const std::string shown = "assert " + a.source + ": the value is \"" + value + "\"";
  if (a.oper == op::in) {
    out.ok = std::any_of(operands.begin(), operands.end(), [&](const std::string& o) { return equal_values(value, o); });
    if (!out.ok) out.detail = shown + ", not one of " + join(operands, ", ");
    return out;
  }
  const std::string& want = operands.front();
  if (a.oper == op::matches) {
    out.ok = scenario::glob_match(want, value);
    if (!out.ok) out.detail = shown + ", which does not match \"" + want + "\"";
    return out;
  }
  if (a.oper == op::eq || a.oper == op::ne) {
    out.ok = equal_values(value, want) == (a.oper == op::eq);
    if (!out.ok) out.detail = shown + (a.oper == op::eq ? ", not \"" : ", which it must not be (\"") + want + "\"" +
                              (a.oper == op::eq ? "" : ")");
    return out;
  }
  if (!integer(value) || !integer(want)) {
    out.ok = false;
    out.detail = shown + ", compared with \"" + want + "\": " + std::string(to_string(a.oper)) + " compares integers";
    return out;
  }
  const int c = compare_integers(value, want);
  out.ok = a.oper == op::lt ? c < 0 : a.oper == op::le ? c <= 0 : a.oper == op::gt ? c > 0 : c >= 0;
  if (!out.ok) out.detail = shown + ", not " + std::string(to_string(a.oper)) + " " + want;
  return out;
}

expect_outcome protocol_part(scenario::protocol_kind p, const scenario::expectation* e, const exchange& ex,
                             bool default_success, captures_map& caps, const scenario::expand_context& ctx) {
  switch (p) {
    case scenario::protocol_kind::smtp: return check_smtp(e && e->smtp ? &*e->smtp : nullptr, ex, default_success, caps);
    case scenario::protocol_kind::imap:
      return check_imap(e && e->imap ? &*e->imap : nullptr, ex, default_success, caps, ctx);
    case scenario::protocol_kind::pop3: return check_pop3(e && e->pop3 ? &*e->pop3 : nullptr, ex, default_success, caps);
  }
  return {};
}

// One expectation without its alternatives: protocol part, then capabilities, then assertions.
expect_outcome check_one(scenario::protocol_kind p, const scenario::expectation& e, const exchange& ex,
                         bool default_success, captures_map& caps, const scenario::expand_context& ctx) {
  expect_outcome o = protocol_part(p, &e, ex, default_success, caps, ctx);
  if (!o.ok) return o;
  auto note = [&](const std::string& what) { o.expected += (o.expected.empty() ? "" : ", ") + what; };
  if (!e.capabilities.empty()) {
    note("capabilities " + join(e.capabilities, " "));
    const auto advertised = capabilities_of(p, ex);
    for (const auto& want : e.capabilities)
      if (std::find(advertised.begin(), advertised.end(), want) == advertised.end()) {
        o.ok = false;
        o.message = "capability " + want + " is not advertised" +
                    (advertised.empty() ? " (none found in this response)" : " (advertised: " + join(advertised, " ") + ")");
        return o;
      }
  }
  for (const auto& a : e.asserts) {
    note("assert " + a.source);
    auto r = check_assertion(a, p, ex, caps, ctx);
    if (!r.ok) {
      o.ok = false;
      o.error = r.error;
      o.message = r.detail;
      return o;
    }
  }
  return o;
}

std::string alternative_name(const scenario::expectation& alt, std::size_t i) {
  return "alternative " + std::to_string(i + 1) + (alt.label.empty() ? "" : " (\"" + alt.label + "\")");
}

}  // namespace

std::size_t count_matches(scenario::protocol_kind p, const scenario::matcher& m, const exchange& ex,
                          const scenario::expand_context& ctx) {
  if (p == scenario::protocol_kind::imap) return count_imap(m, ex, ctx);
  std::vector<match_line> lines;
  if (p == scenario::protocol_kind::smtp) {
    lines = smtp_match_lines(ex);
  } else if (!ex.pop3.empty()) {
    const auto& r = ex.pop3.back();
    lines = plain_lines(r.multiline ? r.body.to_vector() : std::vector<std::string>{strip_eol(r.status_line)});
  }
  return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const match_line& l) {
    captures_map scratch;
    return line_matches(m, l, &scratch);
  }));
}

expect_outcome check_expectation(scenario::protocol_kind p, const scenario::expectation* e, const exchange& ex,
                                 bool default_success, captures_map& caps, const scenario::expand_context& ctx) {
  if (e == nullptr) return protocol_part(p, nullptr, ex, default_success, caps, ctx);
  if (e->any_of.empty()) return check_one(p, *e, ex, default_success, caps, ctx);
  // The alternatives decide what success is; what stands beside them must hold too.
  expect_outcome o = check_one(p, *e, ex, false, caps, ctx);
  if (!o.ok) return o;
  std::vector<std::string> tried, expected;
  bool error = false;
  for (std::size_t i = 0; i < e->any_of.size(); ++i) {
    const auto& alt = e->any_of[i];
    captures_map trial = caps;
    auto a = check_one(p, alt, ex, false, trial, ctx);
    expected.push_back(a.expected.empty() ? "any response" : a.expected);
    if (a.ok) {
      caps = std::move(trial);
      o.expected += (o.expected.empty() ? "" : ", ") + std::string("any_of: ") + expected.back();
      o.message = "any_of: " + alternative_name(alt, i) + " held";
      if (alt.warn) {
        o.warn = true;
        o.message += ", a deviation from a SHOULD (warn)";
      }
      return o;
    }
    error = error || a.error;
    tried.push_back(alternative_name(alt, i) + ": " + a.message);
  }
  o.ok = false;
  o.error = error;
  o.expected += (o.expected.empty() ? "" : ", ") + std::string("one of: ") + join(expected, " | ");
  o.message = "no alternative of any_of held: " + join(tried, "; ");
  return o;
}

}  // namespace mailspec::session
