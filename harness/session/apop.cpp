// The auth step's APOP (RFC 1939 §7): "APOP name digest", the digest being the lower-case hex
// MD5 of the greeting's timestamp followed by the password. The digest is derived from the
// password and allows an offline guess of it, so it is a secret: redacted, and sent only where
// the password could be (docs/scenario-format.md, "Secrets").
#include "core/transcript.hpp"
#include "protocol/pop3.hpp"
#include "session/state.hpp"

namespace mailspec::session {

namespace {

// The step cannot start: an error (or fail), nothing sent.
step_end refuse(run_state& st, step_result& r, verdict v, std::string why) {
  r.result = v;
  r.message = std::move(why);
  st.c->w.meta(r.message);
  return step_end::stop;
}

}  // namespace

asio::awaitable<step_end> run_apop(run_state& st, const scenario::step& s, const scenario::auth_action& a,
                                   exchange& ex, step_result& r) {
  std::string user, pass;
  try {
    user = st.expand(a.user.text, "").text;
    pass = st.expand(a.pass.text, "").text;
  } catch (const std::exception& e) {
    co_return refuse(st, r, verdict::error, std::string("cannot expand: ") + e.what());
  }
  st.secrets.add("pass", pass);
  if (auto why = st.secret_refusal(); !why.empty())
    co_return refuse(st, r, verdict::error, why + " (auth step \"" + s.id + "\", APOP); nothing sent");
  if (user.find_first_of(" \r\n") != std::string::npos)
    co_return refuse(st, r, verdict::error,
                     "the APOP name of step \"" + s.id + "\" contains a space, CR or LF once expanded; nothing sent");
  // RFC 1939 §7: "A POP3 server which implements the APOP command will include a timestamp in its
  // banner greeting." Without one the server does not offer APOP: the step's expectation fails.
  const auto ts = protocol::pop3_apop_timestamp(st.c->greeting);
  if (!ts)
    co_return refuse(st, r, verdict::fail,
                     "APOP needs the timestamp (<...@...>) of the server's greeting (RFC 1939 §7), and the greeting (" +
                         (st.c->greeting.empty() ? std::string("none read") : "\"" + visible(st.secrets.redact(st.c->greeting)) + "\"") +
                         ") has none: the server does not offer APOP (require the capability APOP to skip such servers); "
                         "nothing sent");
  const std::string digest = protocol::pop3_apop_digest(*ts, pass);
  st.secrets.add_derived("pass", digest);
  const std::string line = "APOP " + user + " " + digest;
  ex = st.new_exchange(s);
  ex.verb = "APOP";
  ex.command = st.secrets.redact(line);
  r.sent = ex.command;
  const std::string bytes = line + "\r\n";
  auto io = co_await st.c->w.send(bytes);
  if (io.ok()) io = co_await st.c->w.read_pop3(ex, false);
  judge_step(st, s, ex, io, true, r);
  st.record_exchange(std::move(ex));
  co_return end_of(r);
}

}  // namespace mailspec::session
