// Writing the report files of a run into a directory.
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "report/report.hpp"

namespace mailspec::report {

namespace {

template <typename Fill>
void write_file_with(const std::filesystem::path& path, Fill fill) {
  // Write next to the target then rename, so a reader never sees half a report.
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp.string() + ": cannot write report");
    fill(out);
    out.flush();
    if (!out) throw std::runtime_error(tmp.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error(path.string() + ": cannot rename report into place: " + ec.message());
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  write_file_with(path, [&](std::ostream& out) { out.write(content.data(), static_cast<std::streamsize>(content.size())); });
}

}  // namespace

std::vector<std::string> write_reports(const run_report& r, const std::string& dir, const write_options& opts) {
  for (const auto& f : opts.formats)
    if (f != "json" && f != "html" && f != "junit" && f != "sarif" && f != "console")
      throw std::runtime_error("unknown report format \"" + f + "\" (expected json, html, junit, sarif or console)");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create report directory: " + ec.message());
  std::filesystem::path base(dir);
  std::vector<std::string> written;
  auto emit = [&](const char* name, const std::string& content) {
    write_file(base / name, content);
    written.push_back((base / name).string());
  };
  // Streamed: report.json of a large run is never held whole, as a tree or as text.
  write_file_with(base / "report.json", [&](std::ostream& out) {
    write_json(out, r);
    out << '\n';
  });
  written.push_back((base / "report.json").string());
  if (opts.formats.count("html")) emit("report.html", to_html(r));
  if (opts.formats.count("junit")) emit("junit.xml", to_junit(r));
  if (opts.formats.count("sarif")) emit("report.sarif", to_sarif(r));
  return written;
}

}  // namespace mailspec::report
