// Internal to fixtures*.cpp.
#pragma once
#include <string>
#include <vector>

#include "session/state.hpp"

namespace mailspec::session::fixtures_detail {

struct cmd_result {
  bool ok = false;
  std::string status;  // IMAP tagged status
  std::string code;    // IMAP response code name
  std::string why;     // the last response (redacted) or the I/O error
  std::vector<protocol::imap_response> untagged;
};

// A timeout: --timeout-ms or the scenario's, at most cap (0: no cap).
std::int64_t bounded(std::int64_t override_ms, std::int64_t ms, std::int64_t cap);
exchange new_exchange(run_state& st, int step, const std::string& id);
// The STARTTLS handshake on connection st.c, verifying the host name; false with why.
asio::awaitable<bool> starttls(run_state& st, std::string& why);
// SMTP: greeting, EHLO, STARTTLS, AUTH PLAIN when given, each message in a transaction, QUIT.
asio::awaitable<bool> smtp_submit(run_state& st, step_result& sr);

}  // namespace mailspec::session::fixtures_detail
