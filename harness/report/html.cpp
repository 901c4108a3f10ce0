// report.html: one self-contained page. The template, script and style come from reports/html
// (embedded at build time); the report data is embedded as JSON and rendered by the script.
#include <map>
#include <stdexcept>

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

// Appends text with '<' written as "\u003c": '<' only occurs inside JSON strings, where it means
// the same; so neither "</script>" nor "<!--" can appear in the <script type="application/json">.
void append_script_safe(std::string& out, std::string_view json) {
  for (char c : json) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
}

// report.json, made smaller for the page, since parsing the embedded text is most of the load
// time of a large report: each certificate is stored once in "certificates" (tls[].leaf and
// tls[].chain[] hold its index), and a finding's spec, requirement and level are left out when
// equal to its rule's entry in "rules". The page's script puts both back when a case is opened.
// Built one case at a time straight into the page (never the whole report as a JSON tree).
void append_page_data(std::string& out, const run_report& r) {
  nlohmann::json head = to_json_header(r);
  std::map<std::string, nlohmann::json> rules;
  for (const auto& rule : head["rules"]) rules[rule["id"].get<std::string>()] = rule;
  nlohmann::json certificates = nlohmann::json::array();
  std::map<std::string, std::size_t> cert_index;
  auto cert_ref = [&](const nlohmann::json& cert) {
    auto [it, fresh] = cert_index.emplace(cert.dump(), certificates.size());
    if (fresh) certificates.push_back(cert);
    return it->second;
  };
  // "cases" sorts before "certificates": the text before the cases does not depend on them.
  const std::string marker = "\"cases\":[]";
  std::string text = dump_json(head, -1);
  auto at = text.find(marker);
  if (at == std::string::npos) throw std::logic_error("report header without cases");
  append_script_safe(out, std::string_view(text).substr(0, at + marker.size() - 1));
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    nlohmann::json c = to_json(r.cases[i]);
    for (auto& t : c["tls"]) {
      if (!t["leaf"].is_null()) t["leaf"] = cert_ref(t["leaf"]);
      for (auto& cert : t["chain"]) cert = cert_ref(cert);
    }
    for (auto& f : c["findings"]) {
      auto rule = rules.find(f["rule"].get<std::string>());
      if (rule == rules.end()) continue;
      for (const char* key : {"spec", "requirement", "level"})
        if (f[key] == rule->second[key]) f.erase(key);
    }
    if (i) out += ',';
    append_script_safe(out, dump_json(c, -1));
  }
  head["certificates"] = std::move(certificates);
  text = dump_json(head, -1);
  at = text.find(marker);
  append_script_safe(out, std::string_view(text).substr(at + marker.size() - 1));
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
  std::string out;
  // The scripts in dependency order: building blocks, matrices, baseline changes, the page.
  const std::string_view scripts[] = {assets::details_js(), assets::matrix_js(), assets::baseline_js(), assets::app_js()};
  std::size_t size = tpl.size() + assets::style_css().size();
  for (auto js : scripts) size += js.size() + 1;
  out.reserve(size);
  // One pass over the template: placeholders inside substituted text are never expanded.
  std::size_t pos = 0;
  while (pos < tpl.size()) {
    std::size_t open = tpl.find("{{", pos);
    if (open == std::string_view::npos) break;
    std::size_t close = tpl.find("}}", open);
    if (close == std::string_view::npos) break;
    out.append(tpl.substr(pos, open - pos));
    std::string_view key = tpl.substr(open + 2, close - open - 2);
    if (key == "DATA") {
      append_page_data(out, r);
    } else if (key == "SCRIPT") {
      for (auto js : scripts) out.append(js).append("\n");
    } else if (key == "STYLE") {
      out.append(assets::style_css());
    } else if (key == "TITLE") {
      out += html_escape(page_title(r));
    } else if (key == "VERSION") {
      out += html_escape(r.tool_version);
    } else {
      out.append(tpl.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
  out.append(tpl.substr(pos));
  return out;
}

}  // namespace mailspec::report
