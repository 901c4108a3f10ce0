// `mailspec settings EMAIL|DOMAIN` (docs/architecture.md): discovery + verification, then the reports.
#pragma once
#include <string>

#include "app/options.hpp"

namespace mailspec::app {

struct settings_args {
  std::string input;       // EMAIL or DOMAIN
  std::string autoconfig;  // --autoconfig FILE|URL
  std::string preset;      // --preset NAME
  std::string resolver;    // --resolver IP[:PORT]
  bool skip_mx = false;    // --skip-mx
  std::string trust_anchor;  // --trust-anchor FILE (DNSSEC, for DANE)
  int days = 30;             // --days N: certificate expiry look-ahead
  std::string ispdb = "https://autoconfig.thunderbird.net/v1.1/";  // --ispdb URL
  bool no_ispdb = false;       // --no-ispdb
  bool no_autodiscover = false;  // --no-autodiscover
  bool no_guess = false;       // --no-guess
};

// Exit code: 64 on bad options, else finish_report's code (2 when interrupted).
int run_settings_command(int argc, char** argv, const settings_args& s, common_options& o);

// Where --preset looks: $MAILSPEC_PRESET_DIR, else scenarios/providers next to (or one level
// above) the binary, else the source tree it was built from.
std::string preset_dir();

}  // namespace mailspec::app
