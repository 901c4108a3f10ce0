// `mailspec serve` (docs/architecture.md, "mailspec serve"): the scripted server for testing
// mail clients, and `mailspec serve --list`.
#pragma once
#include <string>

#include "app/options.hpp"
#include "server/serve.hpp"

namespace CLI {
class App;
}

namespace mailspec::app {

struct serve_args {
  server::options opt;
  long long timeout_ms = 20000;
  long long linger_ms = 600;
  bool list = false;
};

// Adds the `serve` subcommand and its options to the CLI.
CLI::App* add_serve_command(CLI::App& app, serve_args& s, common_options& o);

// Exit code: 64 on bad options; --list: 0; else finish_report's (2 when interrupted or a test
// could not judge, 1 on a fail).
int run_serve_command(int argc, char** argv, serve_args& s, common_options& o);

}  // namespace mailspec::app
