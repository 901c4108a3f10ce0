// Files and directories -> documents -> validated scenarios; every error is collected.
#include "scenario/loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scenario/loader_internal.hpp"

namespace mailspec::scenario {
namespace fs = std::filesystem;
using detail::json;

namespace {

constexpr std::uintmax_t max_file_bytes = 10u * 1024 * 1024;
constexpr int max_depth = 64;

load_error whole_file(const std::string& file, std::string msg) { return {file, 0, 0, "", std::move(msg)}; }

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." -> "syntax error ..."
std::string parse_message(const std::string& what) {
  auto col = what.find("column ");
  auto colon = what.find(": ", col == std::string::npos ? 0 : col);
  if (colon == std::string::npos) return what;
  return what.substr(colon + 2);
}

void load_document(const std::string& file, const std::string& text, const load_options& opt, load_result& out) {
  if (text.size() > max_file_bytes) {
    out.errors.push_back(whole_file(file, "file is larger than 10 MiB, not parsed"));
    return;
  }
  if (auto off = detail::find_excess_depth(text, max_depth)) {
    auto [line, col] = detail::offset_to_line_col(text, *off);
    out.errors.push_back({file, line, col, "", "JSON nested deeper than 64 levels"});
    return;
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    auto [line, col] = detail::offset_to_line_col(text, at);
    out.errors.push_back({file, line, col, "", "invalid JSON: " + parse_message(e.what())});
    return;
  } catch (const json::exception& e) {
    // e.g. out_of_range.406 "number overflow parsing '1e400'": locate the quoted token.
    std::string what = e.what();
    auto q1 = what.find('\''), q2 = what.rfind('\'');
    std::size_t at = q1 < q2 ? text.find(what.substr(q1 + 1, q2 - q1 - 1)) : std::string::npos;
    auto [line, col] = detail::offset_to_line_col(text, at == std::string::npos ? 0 : at);
    out.errors.push_back({file, line, col, "", "invalid JSON: " + what.substr(what.find(']') + 2)});
    return;
  }
  detail::position_map pos = detail::scan_positions(text);
  std::vector<std::string> dups = pos.duplicate_keys;
  std::vector<load_error> errors;
  detail::checker c(file, std::move(pos), opt, errors);
  for (const auto& d : dups) c.key_error(d, "field given twice (JSON would silently keep the last one)");
  auto s = detail::parse_document(c, doc);
  std::stable_sort(errors.begin(), errors.end(), [](const load_error& a, const load_error& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  out.errors.insert(out.errors.end(), errors.begin(), errors.end());
  if (s && errors.empty()) {
    s->file = file;
    out.scenarios.push_back(std::move(*s));
  }
}

// The files a path stands for, or an error.
void expand_path(const std::string& path, std::vector<std::string>& files, load_result& out) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    out.errors.push_back(whole_file(path, "no such file or directory"));
    return;
  }
  if (!fs::is_directory(st)) {
    files.push_back(path);
    return;
  }
  std::vector<std::string> found;
  fs::recursive_directory_iterator it(path, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && it->path().filename() == "schema") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && it->path().extension() == ".json") found.push_back(it->path().string());
  }
  if (ec) out.errors.push_back(whole_file(path, "cannot read directory: " + ec.message()));
  std::sort(found.begin(), found.end());
  if (found.empty() && !ec) out.errors.push_back(whole_file(path, "no scenario files (*.json) under " + path));
  files.insert(files.end(), found.begin(), found.end());
}

void load_file(const std::string& file, const load_options& opt, load_result& out) {
  std::error_code ec;
  auto st = fs::status(file, ec);
  if (!ec && !fs::is_regular_file(st)) {
    // FIFOs, devices (/dev/zero) and sockets could block or never end: only regular files.
    out.errors.push_back(whole_file(file, "not a regular file, not read"));
    return;
  }
  auto size = fs::file_size(file, ec);
  if (!ec && size > max_file_bytes) {
    out.errors.push_back(whole_file(file, "file is larger than 10 MiB, not parsed"));
    return;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.errors.push_back(whole_file(file, "cannot read file"));
    return;
  }
  // Bounded read even if the file grows while it is read.
  std::string text(std::min<std::uintmax_t>(ec ? max_file_bytes : size, max_file_bytes) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    out.errors.push_back(whole_file(file, "cannot read file"));
    return;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  load_document(file, text, opt, out);
}

}  // namespace

std::string_view to_string(assertion::op o) {
  switch (o) {
    case assertion::op::eq: return "eq";
    case assertion::op::ne: return "ne";
    case assertion::op::lt: return "lt";
    case assertion::op::le: return "le";
    case assertion::op::gt: return "gt";
    case assertion::op::ge: return "ge";
    case assertion::op::in: return "in";
    case assertion::op::matches: return "matches";
  }
  return "?";
}

std::string load_error::format() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  if (!pointer.empty()) out += " (" + pointer + ")";
  return out + ": " + message;
}

load_result load_text(const std::string& file, const std::string& text, const load_options& opt) {
  load_result out;
  out.files.push_back(file);
  load_document(file, text, opt, out);
  return out;
}

load_result load_paths(const std::vector<std::string>& paths, const load_options& opt) {
  load_result out;
  std::vector<std::string> files;
  for (const auto& p : paths) expand_path(p, files, out);
  std::map<std::string, std::string> ids;  // scenario id -> first file
  std::set<fs::path> seen;                 // a file named twice (dir and dir/x.json) loads once
  for (const auto& f : files) {
    std::error_code ec;
    if (!seen.insert(fs::weakly_canonical(f, ec)).second) continue;
    out.files.push_back(f);
    std::size_t before = out.scenarios.size();
    load_file(f, opt, out);
    if (out.scenarios.size() == before) continue;
    const scenario& s = out.scenarios.back();
    auto [it, fresh] = ids.emplace(s.id, f);
    if (!fresh) {
      out.errors.push_back({f, s.id_pos.line, s.id_pos.column, "/id", "duplicate scenario id \"" + s.id + "\" (also in " + it->second + ")"});
      out.scenarios.pop_back();
    }
  }
  return out;
}

std::set<std::string> credential_vars(const scenario& s) {
  std::set<std::string> out;
  auto scan = [&](const std::string& text) {
    for (std::size_t pos = 0; (pos = text.find("${var.", pos)) != std::string::npos;) {
      pos += 6;
      auto end = text.find_first_of("|}", pos);
      if (end == std::string::npos) break;
      out.insert(text.substr(pos, end - pos));
    }
  };
  for (const auto& st : s.steps)
    if (auto a = std::get_if<auth_action>(&st.act)) {
      scan(a->pass.text);
      if (a->token) scan(a->token->text);
    }
  if (s.fixtures && s.fixtures->pass) scan(s.fixtures->pass->text);
  return out;
}

resolved_vars resolve_vars(const scenario& s, const load_options& opt) {
  resolved_vars out;
  // An auth step's password and token are secrets whatever their variables say, and so is every
  // other use of the same variable (a USER/PASS line, a message), from the first step on.
  const auto credentials = credential_vars(s);
  for (const auto& [name, v] : s.vars) {
    std::optional<std::string> val;
    if (v.env) {
      if (opt.getenv) val = opt.getenv(*v.env);
      else if (const char* e = std::getenv(v.env->c_str())) val = std::string(e);
    }
    if (!val && v.value && !v.secret) val = v.value;
    if (val) out.values[name] = std::move(*val);
    out.secret[name] = v.secret || credentials.count(name);
  }
  return out;
}

}  // namespace mailspec::scenario
