// The JSON form of a fake-server script (for the mailspec-fake executable):
// {"implicit_tls": false, "tls": {...}, "connections": 1,
//  "actions": [{"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO*"}, {"starttls": {}},
//              {"read_until_close": {}}]}
// Actions: send, expect_line, read_line, starttls{leaf, min_version, max_version, cipher_list,
// alert, buffered_plaintext_carried_over}, sleep (ms), trickle{bytes, interval_ms},
// send_repeat{bytes, count}, send_stream{chunk, size, tail}, close, reset, read_until_close,
// drain{ms}, scram{hash, user, pass, prefix, iterations, salt, misbehave}; tls also takes
// request_client_cert and require_client_cert; smtp_mta{end_of_data: [variant names],
// reject_bare_lf, reject_bare_cr, starttls, tls{...}} (mta.hpp). Each action is an object with exactly one key.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "fake_server.hpp"

namespace mailspec::fake {

struct script_file {
  script actions;
  server_options server;  // implicit_tls, tls, connections (others come from the command line)
};

// Throws std::runtime_error naming the action index and the problem.
script_file parse_script(const nlohmann::json& j);
script_file load_script(const std::string& path);

}  // namespace mailspec::fake
