// The auth action: the SASL exchange in SMTP AUTH, IMAP AUTHENTICATE or POP3 AUTH form
// (RFC 4954, RFC 9051 §6.2.2, RFC 5034). PLAIN sends the initial response after the
// server's empty challenge (IMAP/POP3) or inline (SMTP); LOGIN answers the prompts.
#include "protocol/sasl.hpp"
#include "session/state.hpp"

namespace mailspec::session {

namespace {

constexpr int max_sasl_rounds = 6;

// The server's challenge, decoded, when the last response is a continuation; nullopt otherwise.
std::optional<std::string> challenge(scenario::protocol_kind p, const exchange& ex) {
  std::string text;
  if (p == scenario::protocol_kind::smtp) {
    if (ex.smtp.empty() || ex.smtp.back().code != 334) return std::nullopt;
    text = ex.smtp.back().lines.empty() ? "" : ex.smtp.back().lines.back().text;
  } else if (p == scenario::protocol_kind::imap) {
    if (ex.imap.empty() || ex.imap.back().kind != protocol::imap_kind::continuation) return std::nullopt;
    text = ex.imap.back().text;
  } else {
    if (ex.pop3.empty() || ex.pop3.back().status != protocol::pop3_status::continuation) return std::nullopt;
    text = ex.pop3.back().text;
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(text.begin());
  return protocol::base64_decode(text).value_or(text);
}

asio::awaitable<read_outcome> read_auth_reply(run_state& st, exchange& ex, const scenario::step& s) {
  if (st.sc.protocol == scenario::protocol_kind::imap) co_return co_await st.w.read_imap(ex, ex.tag, true);
  if (st.sc.protocol == scenario::protocol_kind::pop3) co_return co_await st.w.read_pop3(ex, false);
  co_return co_await st.w.read_smtp(ex);
}

}  // namespace

asio::awaitable<step_end> run_auth(run_state& st, const scenario::step& s, const scenario::auth_action& a,
                                   exchange& ex, step_result& r) {
  std::string user, pass, authzid;
  try {
    user = st.expand(a.user.text, "").text;
    pass = st.expand(a.pass.text, "").text;
    if (a.authzid) authzid = st.expand(a.authzid->text, "").text;
  } catch (const std::exception& e) {
    r.result = verdict::error;
    r.message = std::string("cannot expand: ") + e.what();
    co_return step_end::stop;
  }
  // The password is always treated as a secret, whatever its variable says.
  st.secrets.add("pass", pass);
  if (auto why = st.secret_refusal(); !why.empty()) {
    r.result = verdict::error;
    r.message = why + " (auth step \"" + s.id + "\"); nothing sent";
    st.w.meta(r.message);
    co_return step_end::stop;
  }
  const bool plain = a.mechanism == "PLAIN";
  std::string blob = protocol::base64_encode(protocol::sasl_plain(authzid, user, pass));
  if (plain) st.secrets.add_derived("pass", blob);

  ex.step = s.index;
  ex.step_id = s.id;
  ex.chan = st.w.chan();
  std::string first;
  switch (st.sc.protocol) {
    case scenario::protocol_kind::smtp:
      first = plain ? "AUTH PLAIN " + blob : "AUTH LOGIN";
      ex.verb = "AUTH";
      break;
    case scenario::protocol_kind::imap:
      ex.tag = st.next_tag();
      first = ex.tag + " AUTHENTICATE " + a.mechanism;
      ex.verb = "AUTHENTICATE";
      break;
    case scenario::protocol_kind::pop3:
      first = "AUTH " + a.mechanism;
      ex.verb = "AUTH";
      break;
  }
  ex.command = st.secrets.redact(first);
  r.sent = ex.command;
  const std::string first_line = first + "\r\n";
  auto io = co_await st.w.send(first_line);
  if (io.ok()) io = co_await read_auth_reply(st, ex, s);
  for (int round = 0; io.ok() && round < max_sasl_rounds; ++round) {
    auto ch = challenge(st.sc.protocol, ex);
    if (!ch) break;
    std::string answer;
    if (plain) {
      answer = blob;
    } else {
      auto kind = protocol::classify_login_prompt(*ch);
      answer = protocol::base64_encode(kind == protocol::login_prompt::password ? pass : user);
      if (kind == protocol::login_prompt::unknown) answer = protocol::base64_encode(round == 0 ? user : pass);
    }
    answer += "\r\n";
    io = co_await st.w.send(answer);
    if (io.ok()) io = co_await read_auth_reply(st, ex, s);
  }
  judge_step(st, s, ex, io, true, r);
  st.rec.exchanges.push_back(std::move(ex));
  co_return r.result == verdict::pass ? step_end::next : step_end::stop;
}

}  // namespace mailspec::session
