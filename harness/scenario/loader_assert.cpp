// "assert": checks over captured values and counts of matching responses.
#include <algorithm>

#include "scenario/loader_internal.hpp"

namespace mailspec::scenario::detail {
namespace {

const std::vector<std::pair<std::string, assertion::op>> operators = {
    {"eq", assertion::op::eq}, {"ne", assertion::op::ne}, {"lt", assertion::op::lt}, {"le", assertion::op::le},
    {"gt", assertion::op::gt}, {"ge", assertion::op::ge}, {"in", assertion::op::in}, {"matches", assertion::op::matches}};

std::vector<std::string> assertion_fields() {
  std::vector<std::string> out = {"that", "count"};
  for (const auto& [name, op] : operators) out.push_back(name);
  return out;
}

bool integer_text(const std::string& s) {
  std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  return i < s.size() && s.find_first_not_of("0123456789", i) == std::string::npos;
}

// One operand: a template string or an integer. `numeric`: a literal must be an integer.
std::optional<templ> operand(checker& c, const json& j, const std::string& ptr, bool numeric) {
  if (j.is_number_integer()) return templ{j.dump()};
  if (!j.is_string()) {
    c.error(ptr, "expected a string (${...} allowed) or an integer, got " + got(j));
    return std::nullopt;
  }
  auto t = c.get_templ(j, ptr);
  if (t && numeric && t->text.find("${") == std::string::npos && !integer_text(t->text)) {
    c.error(ptr, "a numeric comparison needs an integer or a ${...} reference, got " + got(j));
    return std::nullopt;
  }
  return t;
}

std::string brief(const json& j) {
  std::string s = j.is_string() ? j.get<std::string>() : j.dump();
  return s.size() > 80 ? s.substr(0, 80) + "..." : s;
}

std::optional<assertion> parse_one(checker& c, const json& j, const std::string& ptr) {
  if (!c.is_object(j, ptr, "an assertion like {\"that\": \"${cap.n}\", \"ge\": 1}")) return std::nullopt;
  const auto fields = assertion_fields();
  c.check_fields(j, ptr, fields, "an assertion");
  std::size_t before = c.error_count();
  assertion a;
  const bool that = j.contains("that"), count = j.contains("count");
  if (that == count) {
    c.error(ptr, that ? "an assertion has one subject: \"that\" or \"count\", not both"
                      : "an assertion needs a subject: \"that\" (a ${...} value) or \"count\" (a matcher)");
  } else if (that) {
    a.that = c.get_templ(j["that"], ptr + "/that");
    if (a.that && a.that->text.empty()) c.error(ptr + "/that", "expected a non-empty string, got \"\"");
    a.source = "that \"" + brief(j["that"]) + "\"";
  } else {
    a.count = parse_matcher(c, j["count"], ptr + "/count", c.protocol == protocol_kind::imap);
    a.source = "count of " + (a.count ? a.count->describe() : std::string("?"));
  }
  std::vector<std::string> ops;
  for (const auto& [name, op] : operators)
    if (j.contains(name)) ops.push_back(name);
  if (ops.size() != 1) {
    c.error(ptr, ops.empty() ? "an assertion needs one operator: eq, ne, lt, le, gt, ge, in or matches"
                             : "an assertion has one operator, this one has \"" + ops[0] + "\" and \"" + ops[1] + "\"");
    return std::nullopt;
  }
  const std::string name = ops[0];
  a.oper = std::find_if(operators.begin(), operators.end(), [&](const auto& o) { return o.first == name; })->second;
  const std::string op_ptr = pointer_append(ptr, name);
  const json& v = j[name];
  const bool numeric = a.oper == assertion::op::lt || a.oper == assertion::op::le || a.oper == assertion::op::gt ||
                       a.oper == assertion::op::ge || (count && a.oper != assertion::op::matches);
  if (count && a.oper == assertion::op::matches)
    c.key_error(op_ptr, "a count is a number: compare it with eq, ne, lt, le, gt, ge or in");
  if (a.oper == assertion::op::in) {
    if (!c.is_array(v, op_ptr, "a non-empty list of values")) return std::nullopt;
    if (v.empty()) c.error(op_ptr, "expected a non-empty list of values, got an empty list");
    for (std::size_t i = 0; i < v.size(); ++i)
      if (auto t = operand(c, v[i], pointer_append(op_ptr, i), count)) a.operands.push_back(std::move(*t));
  } else if (a.oper == assertion::op::matches && !v.is_string()) {
    c.error(op_ptr, "expected a glob string, got " + got(v));
  } else if (auto t = operand(c, v, op_ptr, numeric)) {
    a.operands.push_back(std::move(*t));
  }
  a.source += " " + name + " " + brief(v);
  if (c.error_count() != before) return std::nullopt;
  return a;
}

}  // namespace

std::vector<assertion> parse_assertions(checker& c, const json& j, const std::string& ptr) {
  std::vector<assertion> out;
  if (!c.is_array(j, ptr, "a list of assertions")) return out;
  for (std::size_t i = 0; i < j.size(); ++i)
    if (auto a = parse_one(c, j[i], pointer_append(ptr, i))) out.push_back(std::move(*a));
  return out;
}

}  // namespace mailspec::scenario::detail
