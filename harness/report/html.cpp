// report.html: one self-contained page. The template, script and style come from reports/html
// (embedded at build time); the report data is embedded as JSON and rendered by the script.
#include "report/html_assets.hpp"
#include "report/report.hpp"

namespace mailspec::report {

namespace {

std::string html_escape(std::string_view raw) {
  std::string s = utf8_sanitize(raw), out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON safe inside <script type="application/json">: '<' only occurs inside JSON strings, where
// "\u003c" means the same; so neither "</script>" nor "<!--" can appear in the element.
std::string script_safe_json(const run_report& r) {
  std::string json = dump_json(to_json(r), -1), out;
  out.reserve(json.size() + 64);
  for (char c : json) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

std::string page_title(const run_report& r) {
  std::string t = "mailspec report";
  if (!r.targets.empty()) {
    t += " \xe2\x80\x94 ";
    for (std::size_t i = 0; i < r.targets.size(); ++i) t += (i ? ", " : "") + r.targets[i];
  }
  return t;
}

}  // namespace

std::string to_html(const run_report& r) {
  std::string_view tpl = assets::template_html();
  std::string data = script_safe_json(r);
  std::string out;
  out.reserve(tpl.size() + data.size() + assets::details_js().size() + assets::app_js().size() + assets::style_css().size());
  // One pass over the template: placeholders inside substituted text are never expanded.
  std::size_t pos = 0;
  while (pos < tpl.size()) {
    std::size_t open = tpl.find("{{", pos);
    if (open == std::string_view::npos) break;
    std::size_t close = tpl.find("}}", open);
    if (close == std::string_view::npos) break;
    out.append(tpl.substr(pos, open - pos));
    std::string_view key = tpl.substr(open + 2, close - open - 2);
    if (key == "DATA") out += data;
    else if (key == "SCRIPT") out.append(assets::details_js()).append("\n").append(assets::app_js());
    else if (key == "STYLE") out.append(assets::style_css());
    else if (key == "TITLE") out += html_escape(page_title(r));
    else if (key == "VERSION") out += html_escape(r.tool_version);
    else out.append(tpl.substr(open, close + 2 - open));
    pos = close + 2;
  }
  out.append(tpl.substr(pos));
  return out;
}

}  // namespace mailspec::report
