// The fake server's side of SCRAM as a line-in, lines-out state machine (no I/O).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "script.hpp"

namespace mailspec::fake {

class scram_server {
 public:
  explicit scram_server(scram_options o) : o_(std::move(o)) {}

  struct output {
    std::vector<std::string> send;        // lines to write, CRLF included
    std::vector<std::string> events;
    std::vector<std::string> mismatches;  // what the client got wrong
    bool done = false;
  };
  // One line from the client, line ending removed: first the AUTH/AUTHENTICATE command.
  output on_line(std::string_view line);

 private:
  void client_first(std::string_view b64_line, output& out);
  void client_final(std::string_view b64_line, output& out);
  std::string challenge(std::string_view data) const;

  scram_options o_;
  int state_ = 0;  // 0 command, 1 client-first, 2 client-final, 3 acknowledgement
  std::string client_first_bare_, server_first_, nonce_;
};

}  // namespace mailspec::fake
