// The command line of docs/architecture.md. app/ is the only place that decides exit codes.
#pragma once
#include <string>
#include <vector>

namespace mailspec::app {

enum exit_code : int {
  exit_ok = 0,
  exit_fail = 1,
  exit_error = 2,
  exit_usage = 64,
  exit_invalid_input = 65,
};

int main(int argc, char** argv);

}  // namespace mailspec::app
