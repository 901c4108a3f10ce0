// Writes a sample report set (json, html, junit, sarif) with every verdict into a directory.
// Usage: make_sample_report DIR [COPIES]   (COPIES sets of six cases, plus hostile and audit cases)
//        make_sample_report DIR --wide     (several servers, a 7-port audit, --baseline marks:
//                                           sample_wide.hpp)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "report/report.hpp"
#include "sample_report.hpp"
#include "sample_wide.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_sample_report DIR [COPIES | --wide]\n");
    return 64;
  }
  bool wide = argc > 2 && std::strcmp(argv[2], "--wide") == 0;
  int copies = argc > 2 && !wide ? std::atoi(argv[2]) : 1;
  try {
    auto r = wide ? mailspec::sample::wide_report() : mailspec::sample::sample_report(copies < 1 ? 1 : copies);
    for (const auto& path : mailspec::report::write_reports(r, argv[1], {{"json", "html", "junit", "sarif"}}))
      std::printf("%s\n", path.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_sample_report: %s\n", e.what());
    return 1;
  }
  return 0;
}
