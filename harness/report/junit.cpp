// junit.xml: one <testsuite> per target and protocol ("host:port protocol"), one <testcase> per
// case. fail -> <failure>, error -> <error> (the harness could not test; kept apart from
// failures), skip -> <skipped>reason</skipped>; pass, warn and info pass (warnings listed in <system-out>,
// and for a skipped case the rules its transcript failed). A case whose every fail/error finding a
// --baseline covers passes, its known findings listed in <system-out>.
#include <cstdio>
#include <map>

#include "report/report.hpp"

namespace mailspec::report {

namespace {

std::string seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string attr(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + xml_escape(value) + "\"";
}

std::string suite_name(const case_result& c) {
  return c.target.host + ":" + std::to_string(c.target.port) + " " + c.protocol;
}

std::string class_name(const case_result& c) {
  std::string prefix;
  auto slash = c.scenario_id.rfind('/');
  if (slash != std::string::npos) prefix = c.scenario_id.substr(0, slash);
  for (auto& ch : prefix)
    if (ch == '/') ch = '.';
  std::string proto = c.protocol.empty() ? "mailspec" : c.protocol;
  if (prefix.empty() || prefix == proto) return proto;
  if (prefix.rfind(proto + ".", 0) == 0) return prefix;
  return proto + "." + prefix;
}

std::string finding_text(const finding& f) {
  std::string t = "[" + std::string(to_string(f.result)) + "] " + f.rule;
  if (!f.spec.empty()) t += " (" + f.spec + ")";
  t += "\n";
  if (f.baseline == baseline_mark::known) t += "  baseline: known" + (f.baseline_reason.empty() ? "" : " (" + f.baseline_reason + ")") + "\n";
  if (f.baseline == baseline_mark::fresh) t += "  baseline: new\n";
  if (!f.message.empty()) t += "  " + f.message + "\n";
  if (!f.requirement.empty()) t += "  requirement: " + f.requirement + "\n";
  if (!f.expected.empty()) t += "  expected: " + f.expected + "\n";
  if (!f.actual.empty()) t += "  actual: " + f.actual + "\n";
  return t;
}

std::string step_text(const step_result& s) {
  std::string t = "[" + std::string(to_string(s.result)) + "] step " + std::to_string(s.index);
  if (!s.id.empty()) t += " (" + s.id + ")";
  t += " " + s.action + "\n";
  if (!s.message.empty()) t += "  " + s.message + "\n";
  if (!s.expected.empty()) t += "  expected: " + s.expected + "\n";
  if (!s.actual.empty()) t += "  actual: " + s.actual + "\n";
  return t;
}

// The findings and steps of one verdict, as text; the first of them as a one-line message.
std::pair<std::string, std::string> details(const case_result& c, verdict v) {
  std::string text, first;
  for (const auto& f : c.findings)
    if (f.result == v) {
      if (first.empty()) first = f.rule + (f.spec.empty() ? "" : " (" + f.spec + ")") + (f.message.empty() ? "" : ": " + f.message);
      text += finding_text(f);
    }
  for (const auto& s : c.steps)
    if (s.result == v) {
      if (first.empty()) first = "step " + (s.id.empty() ? std::to_string(s.index) : s.id) + ": " + s.message;
      text += step_text(s);
    }
  if (!c.message.empty()) first = c.message;
  return {first, text};
}

// A fail or error case whose every fail/error finding a --baseline covers does not fail the run,
// so its testcase does not fail either (the findings are listed in <system-out>).
bool covered_by_baseline(const case_result& c) {
  bool any = false;
  for (const auto& f : c.findings)
    if (f.result == verdict::fail || f.result == verdict::error) {
      if (!baseline_known(f)) return false;
      any = true;
    }
  return any;
}

std::string system_out(const case_result& c) {
  std::string out;
  // A skipped case keeps the rules its transcript broke: they are real findings (and decide the
  // exit code), listed here since <skipped> cannot carry them.
  const bool listed = c.result == verdict::skip || covered_by_baseline(c);
  for (const auto& f : c.findings)
    if (f.result == verdict::warn || f.result == verdict::info ||
        (listed && (f.result == verdict::fail || f.result == verdict::error)))
      out += finding_text(f);
  if (!c.log.entries().empty()) out += "--- transcript ---\n";
  for (const auto& e : c.log.entries()) {
    char head[48];
    std::snprintf(head, sizeof head, "%6lld ms %-4s %-5s ", static_cast<long long>(e.t_ms),
                  std::string(to_string(e.dir)).c_str(), std::string(to_string(e.chan)).c_str());
    out += head + visible(e.text) + "\n";
  }
  return out;
}

std::string testcase(const case_result& c) {
  std::string name = c.scenario_id + (c.run ? " #" + std::to_string(c.run) : "");
  std::string x = "    <testcase" + attr("name", name) + attr("classname", class_name(c)) +
                  attr("time", seconds(c.duration_ms)) + ">\n";
  if ((c.result == verdict::fail || c.result == verdict::error) && !covered_by_baseline(c)) {
    auto [msg, text] = details(c, c.result);
    const char* tag = c.result == verdict::fail ? "failure" : "error";
    x += std::string("      <") + tag + attr("message", msg) + attr("type", std::string(to_string(c.result))) + ">" +
         xml_escape(text) + "</" + tag + ">\n";
  } else if (c.result == verdict::skip) {
    // The skip reason is the element's text: Jenkins' JUnit XSD gives <skipped> no attributes.
    x += c.message.empty() ? "      <skipped/>\n" : "      <skipped>" + xml_escape(c.message) + "</skipped>\n";
  }
  std::string out = system_out(c);
  if (!out.empty()) x += "      <system-out>" + xml_escape(out) + "</system-out>\n";
  return x + "    </testcase>\n";
}

struct suite {
  std::string name, timestamp, body;
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  std::int64_t ms = 0;
};

}  // namespace

std::string to_junit(const run_report& r) {
  std::vector<suite> suites;
  std::map<std::string, std::size_t> index;
  for (const auto& c : r.cases) {
    std::string name = suite_name(c);
    auto [it, fresh] = index.emplace(name, suites.size());
    if (fresh) suites.push_back({name, c.started.empty() ? r.started : c.started, {}});
    suite& s = suites[it->second];
    ++s.tests;
    s.failures += c.result == verdict::fail && !covered_by_baseline(c);
    s.errors += c.result == verdict::error && !covered_by_baseline(c);
    s.skipped += c.result == verdict::skip;
    s.ms += c.duration_ms;
    s.body += testcase(c);
  }
  // <testsuites> has no skipped counter in Jenkins' JUnit XSD; each <testsuite> has one.
  int tests = 0, failures = 0, errors = 0;
  std::size_t size = 0;
  for (const suite& s : suites) {
    tests += s.tests, failures += s.failures, errors += s.errors;
    size += s.body.size() + 512;
  }
  // Appended piece by piece, each suite's body released once copied: a large run's junit.xml
  // is held about twice, not once per concatenation.
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", "mailspec " + r.command) +
                    attr("tests", std::to_string(tests)) + attr("failures", std::to_string(failures)) +
                    attr("errors", std::to_string(errors)) + attr("time", seconds(r.duration_ms)) + ">\n";
  out.reserve(out.size() + size + 32);
  for (std::size_t i = 0; i < suites.size(); ++i) {
    suite& s = suites[i];
    std::string ts = s.timestamp.size() >= 19 ? s.timestamp.substr(0, 19) : s.timestamp;
    out += "  <testsuite" + attr("name", s.name) + attr("tests", std::to_string(s.tests)) +
           attr("failures", std::to_string(s.failures)) + attr("errors", std::to_string(s.errors)) +
           attr("skipped", std::to_string(s.skipped)) + attr("time", seconds(s.ms)) + attr("id", std::to_string(i)) +
           (ts.empty() ? "" : attr("timestamp", ts)) + ">\n";
    out += s.body;
    std::string().swap(s.body);
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace mailspec::report
