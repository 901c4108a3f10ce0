// Console output: progress while cases run, a summary at the end.
#include <string>

#include "core/text.hpp"
#include "report/report.hpp"

namespace mailspec::report {

namespace {

const char* colour(verdict v) {
  switch (v) {
    case verdict::pass: return "\x1b[32m";
    case verdict::fail: return "\x1b[1;31m";
    case verdict::warn: return "\x1b[33m";
    case verdict::info: return "\x1b[36m";
    case verdict::skip: return "\x1b[2m";
    case verdict::error: return "\x1b[1;35m";
  }
  return "";
}

// Console text must not let a server drive the terminal: control bytes are made visible.
std::string safe(std::string_view s) { return visible(utf8_sanitize(s)); }

// Messages often quote server bytes already made visible ("got ...\r\n"): like safe(), but a
// backslash stays one backslash, so such quotes are not escaped twice. No control byte survives
// either way: visible() turned every one into backslash text.
std::string safe_message(std::string_view s) {
  const std::string v = safe(s);
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += v[i];
    if (v[i] == '\\' && i + 1 < v.size() && v[i + 1] == '\\') ++i;
  }
  return out;
}

// host:port ([v6]:port); a case without a port (settings discovery, MTA-STS, TLS-RPT) shows the
// domain alone rather than "lab.test:0".
std::string where(const case_result& c) {
  const auto& h = c.target.host;
  if (c.target.port <= 0) return h;
  bool v6 = h.find(':') != std::string::npos && h.front() != '[';
  return (v6 ? "[" + h + "]" : h) + ":" + std::to_string(c.target.port);
}

}  // namespace

console::console(std::FILE* out, bool tty) : out_(out), tty_(tty) {}

std::string console::paint(const std::string& text, verdict v) const {
  return tty_ ? colour(v) + text + "\x1b[0m" : text;
}

void console::clear_progress() {
  if (tty_ && progress_shown_) std::fputs("\r\x1b[2K", out_);
  progress_shown_ = false;
}

void console::case_done(const case_result& c, int done, int total) {
  char counter[32];
  std::snprintf(counter, sizeof counter, "[%*d/%d]", static_cast<int>(std::to_string(total).size()), done, total);
  std::string label = upper(to_string(c.result));
  label.resize(5, ' ');
  std::string line = std::string(counter) + " " + paint(label, c.result) + " " + safe(c.scenario_id) +
                     (c.run ? " #" + std::to_string(c.run) : "") + "  " + safe(where(c)) + "  " +
                     std::to_string(c.duration_ms) + " ms";
  bool notable = c.result == verdict::fail || c.result == verdict::error || c.result == verdict::warn;
  // The reason on the line itself: the case's message, else that of the step that ended it.
  std::string why = c.message;
  for (auto it = c.steps.rbegin(); why.empty() && it != c.steps.rend(); ++it)
    if (it->result == c.result) why = it->id + ": " + it->message;
  if ((notable || c.result == verdict::skip) && !why.empty()) line += "  " + safe_message(why);
  clear_progress();
  if (!tty_ || notable) {
    std::fputs((line + "\n").c_str(), out_);
  }
  if (tty_ && done < total) {
    std::fputs(line.c_str(), out_);
    progress_shown_ = true;
  }
  std::fflush(out_);
}

namespace {
constexpr int max_listed_cases = 50;  // cases the summary details; the rest are counted
// One console line's worth of a finding field.
std::string clip(std::string s) {
  for (auto& ch : s)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '?';  // no terminal control bytes
  if (s.size() > 160) s = s.substr(0, 157) + "...";
  return s;
}
}  // namespace

namespace {
std::string item_text(const baseline_item& b) {
  return safe(b.case_id.empty() ? "*" : b.case_id) + "  " + safe(b.target.empty() ? "*" : b.target) + "  " + safe(b.rule);
}
}  // namespace

// What changed since --baseline: the new findings (one line each) and the fixed ones.
void console::baseline_summary(const run_report& r) {
  const auto& d = *r.baseline;
  int known = 0, fresh = 0;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings) {
      known += f.baseline == baseline_mark::known;
      fresh += f.baseline == baseline_mark::fresh;
    }
  std::string head = "since the baseline" + (d.file.empty() ? std::string() : " (" + safe(d.file) + ")") + ": " +
                     std::to_string(fresh) + " new, " + std::to_string(d.fixed.size()) + " fixed, " +
                     std::to_string(known) + " known";
  if (!d.not_rerun.empty()) head += ", " + std::to_string(d.not_rerun.size()) + " not rerun";
  std::fputs((head + "\n").c_str(), out_);
  int shown = 0;
  for (const auto& c : r.cases)
    for (const auto& f : c.findings)
      if (f.baseline == baseline_mark::fresh && ++shown <= max_listed_cases)
        std::fputs(("  new:   " + paint(upper(to_string(f.result)), f.result) + " " + safe(c.scenario_id) + "  " +
                    safe(where(c)) + "  " + safe(f.rule) + "\n").c_str(), out_);
  if (shown > max_listed_cases)
    std::fputs(("  ... and " + std::to_string(shown - max_listed_cases) + " more new (all in the reports)\n").c_str(), out_);
  const std::size_t cap = max_listed_cases;
  for (std::size_t i = 0; i < d.fixed.size() && i < cap; ++i) {
    const auto& b = d.fixed[i];
    std::string how = b.was.empty() ? "waived" : "was " + b.was;
    how += b.now.empty() ? ", no longer reported" : ", now " + b.now;
    std::fputs(("  fixed: " + paint("FIXED", verdict::pass) + " " + item_text(b) + " (" + safe(how) + ")\n").c_str(), out_);
  }
  if (d.fixed.size() > cap)
    std::fputs(("  ... and " + std::to_string(d.fixed.size() - cap) + " more fixed (all in the reports)\n").c_str(), out_);
}

void console::summary(const run_report& r, const std::string& report_dir) {
  clear_progress();
  summary_counts s = summarize(r);
  std::string line = std::to_string(s.total_cases) + " cases:";
  for (auto v : {verdict::pass, verdict::fail, verdict::error, verdict::warn, verdict::skip, verdict::info}) {
    int n = s.cases[std::string(to_string(v))];
    std::string part = std::to_string(n) + " " + std::string(to_string(v));
    line += " " + (n ? paint(part, v) : part);
  }
  int findings_fail = s.findings["fail"], findings_warn = s.findings["warn"];
  line += "; findings: " + std::to_string(findings_fail) + " fail, " + std::to_string(findings_warn) + " warn";
  line += " (" + std::to_string(r.duration_ms) + " ms)\n";
  std::fputs(line.c_str(), out_);
  // The cases that make the exit code: fail and error, warn with --fail-on warn, and a skipped
  // case whose transcript still broke a rule (the case stays skip, the finding counts).
  auto listed = [&](verdict v) {
    return v == verdict::fail || v == verdict::error || (list_warnings_ && v == verdict::warn);
  };
  int known = 0, listed_cases = 0, unlisted = 0;
  for (const auto& c : r.cases) {
    // Listed only for what counts: a finding a --baseline covers does not fail the run.
    bool own = false, own_counted = false, skip_counted = false;
    for (const auto& f : c.findings) {
      known += baseline_known(f) && listed(f.result);
      if (f.result == c.result) {
        own = true;
        own_counted = own_counted || !baseline_known(f);
      }
      skip_counted = skip_counted || (c.result == verdict::skip && listed(f.result) && !baseline_known(f));
    }
    if (!(listed(c.result) && (!own || own_counted)) && !skip_counted) continue;
    // A large failing run would print every case: the first ones say enough, the reports the rest.
    if (++listed_cases > max_listed_cases) {
      ++unlisted;
      continue;
    }
    std::string l = "  " + paint(upper(to_string(c.result)), c.result) + " " + safe(c.scenario_id) + "  " + safe(where(c));
    for (const auto& f : c.findings)
      if ((f.result == c.result || (c.result == verdict::skip && listed(f.result))) && !baseline_known(f)) {
        l += "\n      " + safe(f.rule) + (f.spec.empty() ? "" : " (" + safe(f.spec) + ")");
        if (!f.message.empty()) l += ": " + clip(safe_message(f.message));
        // expected/actual are already in visible form (CR/LF shown as \r\n) where they hold server bytes.
        if (!f.expected.empty()) l += "\n        expected: " + clip(utf8_sanitize(f.expected));
        if (!f.actual.empty() && f.actual != f.message) l += "\n        actual:   " + clip(utf8_sanitize(f.actual));
      }
    bool said = false;
    for (const auto& f : c.findings) said = said || f.message == c.message;
    if (!c.message.empty() && !said) l += "\n      " + safe_message(c.message);
    std::fputs((l + "\n").c_str(), out_);
  }
  if (unlisted)
    std::fputs(("  ... and " + std::to_string(unlisted) + " more case" + (unlisted == 1 ? "" : "s") +
                " like these (all in the reports)\n").c_str(), out_);
  if (known)
    std::fputs(("  (" + std::to_string(known) + " finding" + (known == 1 ? "" : "s") +
                " known from the baseline not listed)\n").c_str(), out_);
  if (r.baseline) baseline_summary(r);
  if (r.incomplete)
    std::fputs(paint("INCOMPLETE: " + safe(r.incomplete_reason), verdict::error).append("\n").c_str(), out_);
  if (!report_dir.empty()) std::fputs(("reports: " + report_dir + "\n").c_str(), out_);
  std::fflush(out_);
}

}  // namespace mailspec::report
