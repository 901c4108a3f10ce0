// `mailspec audit HOST` (docs/architecture.md): parses --ports, runs audit::run, writes the reports.
#pragma once
#include <string>

#include "app/options.hpp"

namespace mailspec::app {

// ports: the --ports value ("smtp=25,submission=587,..."; NAME is one of the 7 services or its
// default port number). --port NAME=PORT entries in o.ports remap listed services as in `run`.
// Returns the exit code: 64 on a bad --ports / option, else finish_report's code (2 when
// interrupted before every probe ran).
int run_audit_command(int argc, char** argv, const std::string& host, const std::string& ports, common_options& o);

}  // namespace mailspec::app
