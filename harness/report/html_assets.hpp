// The HTML report's template, script and style (reports/html), embedded at build time.
#pragma once
#include <string_view>

namespace mailspec::report::assets {
std::string_view template_html();
std::string_view details_js();
std::string_view matrix_js();
std::string_view baseline_js();
std::string_view app_js();
std::string_view style_css();
}  // namespace mailspec::report::assets
