// Data safety at run time, for scenarios without "mutates" (docs/scenario-format.md): the
// expanded bytes are checked before they go out, whatever the file said and whatever the server
// answered before.
#include <algorithm>

#include "core/transcript.hpp"
#include "scenario/safety.hpp"
#include "session/state.hpp"

namespace mailspec::session {

namespace {

void refuse(run_state& st, step_result& r, const std::string& why) {
  r.result = verdict::error;
  r.message = "data safety: " + why + "; nothing sent";
  st.c->w.meta(r.message);
}

// mailspec's own STAT on the step's connection: "count size" from "+OK count size", or nullopt.
asio::awaitable<std::optional<std::string>> own_stat(run_state& st, const scenario::step& s, const char* why) {
  st.c->w.meta(std::string("data safety: mailspec's own STAT ") + why);
  exchange ex = st.new_exchange(s);
  ex.command = "STAT";
  ex.verb = "STAT";
  std::optional<std::string> out;
  auto io = co_await st.c->w.send("STAT\r\n");
  if (io.ok()) io = co_await st.c->w.read_pop3(ex, false);
  if (io.ok() && !ex.pop3.empty() && ex.pop3.back().status == protocol::pop3_status::ok) {
    std::string line = ex.pop3.back().status_line;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    // "+OK nn mm": the two numbers (RFC 1939 §5, STAT).
    auto a = line.find_first_of("0123456789");
    auto b = a == std::string::npos ? a : line.find_first_not_of("0123456789", a);
    auto c = b == std::string::npos ? b : line.find_first_of("0123456789", b);
    auto d = c == std::string::npos ? c : line.find_first_not_of("0123456789", c);
    if (c != std::string::npos) out = line.substr(a, b - a) + " " + line.substr(c, d == std::string::npos ? d : d - c);
  }
  st.record_exchange(std::move(ex));
  co_return out;
}

asio::awaitable<step_end> guard_pop3(run_state& st, const scenario::step& s, const std::string& bytes, bool raw,
                                     step_result& r) {
  const auto verbs = scenario::command_verbs(bytes, scenario::protocol_kind::pop3);
  const bool dele = std::find(verbs.begin(), verbs.end(), "DELE") != verbs.end();
  const bool quit = std::find(verbs.begin(), verbs.end(), "QUIT") != verbs.end();
  if (dele && raw) {
    refuse(st, r, "DELE in send_raw cannot be checked before QUIT (use a send step, or set \"mutates\": true)");
    co_return step_end::stop;
  }
  if (dele && !st.c->maildrop_before) {
    st.c->maildrop_before = co_await own_stat(st, s, "before the first DELE");
    if (!st.c->maildrop_before) {
      refuse(st, r, "no STAT answer before DELE, so the maildrop could not be checked before QUIT");
      co_return step_end::stop;
    }
  }
  if (!quit || !st.c->maildrop_before) co_return step_end::next;
  auto now = co_await own_stat(st, s, "before QUIT (a message was marked with DELE)");
  if (now && *now == *st.c->maildrop_before) co_return step_end::next;
  // RFC 1939 §6: only QUIT enters the UPDATE state, where marked messages are removed; a
  // connection that ends without QUIT removes nothing.
  st.c->conn.close();
  st.c->closed = true;
  r.result = now ? verdict::fail : verdict::error;
  r.expected = "before QUIT, the maildrop as it was before DELE (STAT " + *st.c->maildrop_before + ")";
  r.actual = now ? "STAT " + *now : "no STAT answer";
  r.message = "data safety: " + std::string(now ? "RSET did not restore the maildrop" : "the maildrop could not be checked") +
              " (STAT " + *st.c->maildrop_before + " before DELE, " + (now ? *now : std::string("none")) +
              " before QUIT): QUIT not sent, the connection was dropped so that the server deletes nothing "
              "(RFC 1939 §5 RSET, §6 UPDATE state)";
  st.c->w.meta(r.message);
  co_return step_end::stop;
}

}  // namespace

asio::awaitable<step_end> guard_send(run_state& st, const scenario::step& s, const std::string& bytes, bool raw,
                                     step_result& r) {
  if (st.sc.protocol == scenario::protocol_kind::imap) {
    if (auto why = scenario::imap_safety_refusal(bytes); !why.empty()) {
      refuse(st, r, why + " (the command came from a ${...} value; set \"mutates\": true to allow it)");
      co_return step_end::stop;
    }
    co_return step_end::next;
  }
  if (st.sc.protocol == scenario::protocol_kind::pop3) co_return co_await guard_pop3(st, s, bytes, raw, r);
  co_return step_end::next;
}

}  // namespace mailspec::session
