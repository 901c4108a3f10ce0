// `mailspec audit HOST` (docs/architecture.md): parses --ports, runs audit::run, writes the reports.
#pragma once
#include <string>

#include "app/options.hpp"

namespace mailspec::app {

// The opt-in SMTP smuggling probe (docs/architecture.md): --smuggling sends one test message per
// variant on every SMTP port to --rcpt (MAILSPEC_RCPT when not given) from --from (MAILSPEC_FROM,
// else the recipient). Without --smuggling no message is ever sent.
struct smuggling_args {
  bool enabled = false;
  std::string rcpt;
  std::string from;
};
void add_smuggling_options(CLI::App& audit_cmd, smuggling_args& a);

// ports: the --ports value ("smtp=25,submission=587,..."; NAME is one of the 7 services or its
// default port number). --port NAME=PORT entries in o.ports remap listed services as in `run`.
// Returns the exit code: 64 on a bad --ports / option, else finish_report's code (2 when
// interrupted before every probe ran).
int run_audit_command(int argc, char** argv, const std::string& host, const std::string& ports,
                      const smuggling_args& smuggling, common_options& o);

}  // namespace mailspec::app
