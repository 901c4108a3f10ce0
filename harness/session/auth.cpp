// The auth action: the SASL exchange in SMTP AUTH, IMAP AUTHENTICATE or POP3 AUTH form
// (RFC 4954, RFC 9051 §6.2.2, RFC 5034), driving a protocol::sasl::client. A mechanism that
// starts with the client sends its initial response inline in SMTP (when the line stays within
// 512 octets, RFC 4954 §4) and after the server's empty challenge in IMAP and POP3, unless the
// step's "initial_response" says otherwise (IMAP: SASL-IR, RFC 4959, only when advertised; POP3:
// RFC 5034 §4, when the line stays within RFC 2449 §4's 255 octets). The client cancels with "*"
// when the server breaks the mechanism (SCRAM nonce or signature). APOP (RFC 1939 §7), not SASL,
// is in apop.cpp.
#include <algorithm>

#include "core/transcript.hpp"
#include "protocol/sasl.hpp"
#include "protocol/sasl_client.hpp"
#include "session/state.hpp"

namespace mailspec::session {

namespace sasl = protocol::sasl;

namespace {

constexpr int max_sasl_rounds = 6;
constexpr std::size_t smtp_max_command_line = 512;  // RFC 5321 §4.5.3.1.4, CRLF included
constexpr std::size_t pop3_max_command_line = 255;  // RFC 2449 §4, CRLF included

// Whether the step sends the initial response with the command: SMTP by default, IMAP and POP3
// only when the step asks ("initial_response": true).
bool wants_inline(scenario::protocol_kind p, const scenario::auth_action& a) {
  return a.initial_response.value_or(p == scenario::protocol_kind::smtp);
}

// RFC 4954 §4, RFC 4959 §3, RFC 5034 §4: "=" is a zero-length initial response.
std::string inline_form(const std::string& response) {
  return response.empty() ? "=" : protocol::base64_encode(response);
}

struct server_challenge {
  std::optional<std::string> decoded;  // nullopt: not valid base64
  std::string raw;                     // as received, trimmed
};

// The server's challenge when the last response is a continuation; nullopt otherwise.
std::optional<server_challenge> challenge(scenario::protocol_kind p, const exchange& ex) {
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
  return server_challenge{protocol::base64_decode(text), text};
}

bool auth_succeeded(scenario::protocol_kind p, const exchange& ex) {
  if (p == scenario::protocol_kind::smtp) return !ex.smtp.empty() && ex.smtp.back().code == 235;
  if (p == scenario::protocol_kind::imap)
    return !ex.imap.empty() && ex.imap.back().kind == protocol::imap_kind::tagged && ex.imap.back().tag == ex.tag &&
           ex.imap.back().status == "OK";
  return !ex.pop3.empty() && ex.pop3.back().status == protocol::pop3_status::ok;
}

asio::awaitable<read_outcome> read_auth_reply(run_state& st, exchange& ex) {
  if (st.sc.protocol == scenario::protocol_kind::imap) co_return co_await st.c->w.read_imap(ex, ex.tag, true);
  if (st.sc.protocol == scenario::protocol_kind::pop3) co_return co_await st.c->w.read_pop3(ex, false);
  co_return co_await st.c->w.read_smtp(ex);
}

// Expands the step's inputs; "" on success, else why not.
std::string expand_credentials(run_state& st, const scenario::auth_action& a, sasl::credentials& c) {
  try {
    c.user = st.expand(a.user.text, "").text;
    c.pass = st.expand(a.pass.text, "").text;
    if (a.token) c.token = st.expand(a.token->text, "").text;
    if (a.authzid) c.authzid = st.expand(a.authzid->text, "").text;
  } catch (const std::exception& e) {
    return std::string("cannot expand: ") + e.what();
  }
  c.host = st.opt.host;
  c.port = st.c->port;
  return "";
}

// Why the step cannot start, or "".
std::string precondition(run_state& st, const scenario::step& s, const scenario::auth_action& a) {
  const auto in = sasl::inputs_of(a.mechanism);
  if (in.pass || in.token) {
    if (auto why = st.secret_refusal(); !why.empty()) return why + " (auth step \"" + s.id + "\"); nothing sent";
  }
  // RFC 4959 §3: "This extension adds an optional second argument to the AUTHENTICATE command"
  // of a server that advertises SASL-IR; sending it to one that does not is the client's error.
  if (st.sc.protocol == scenario::protocol_kind::imap && wants_inline(st.sc.protocol, a) &&
      std::find(st.caps_seen.begin(), st.caps_seen.end(), "SASL-IR") == st.caps_seen.end())
    return "\"initial_response\" in IMAP needs the capability SASL-IR (RFC 4959), which no capability list saved so "
           "far advertises (save them with \"save_capabilities\", and require SASL-IR to skip servers without it); "
           "nothing sent";
  if (a.mechanism == "EXTERNAL") {
    if (st.opt.connection.client_cert.empty())
      return "mechanism EXTERNAL needs a TLS client certificate (--client-cert FILE --client-key FILE); nothing sent";
    if (!st.c->conn.is_tls()) return "mechanism EXTERNAL needs a TLS connection; nothing sent";
  }
  return "";
}

// The command that starts the exchange; `pending` keeps an initial response not sent inline.
std::string first_command(run_state& st, const scenario::auth_action& a, std::optional<std::string>& pending,
                          exchange& ex) {
  const bool inline_ir = pending && wants_inline(st.sc.protocol, a);
  switch (st.sc.protocol) {
    case scenario::protocol_kind::smtp: {
      ex.verb = "AUTH";
      if (!inline_ir) return "AUTH " + a.mechanism;
      std::string line = "AUTH " + a.mechanism + " " + inline_form(*pending);
      if (line.size() + 2 > smtp_max_command_line) return "AUTH " + a.mechanism;
      pending.reset();
      return line;
    }
    case scenario::protocol_kind::imap: {
      ex.tag = st.next_tag();
      ex.verb = "AUTHENTICATE";
      std::string line = ex.tag + " AUTHENTICATE " + a.mechanism;
      if (!inline_ir) return line;
      line += " " + inline_form(*pending);
      pending.reset();
      return line;
    }
    case scenario::protocol_kind::pop3: {
      ex.verb = "AUTH";
      if (!inline_ir) return "AUTH " + a.mechanism;
      std::string line = "AUTH " + a.mechanism + " " + inline_form(*pending);
      if (line.size() + 2 > pop3_max_command_line) {
        st.c->w.meta("the initial response would make AUTH longer than POP3's 255 octets (RFC 2449 §4): sent "
                     "after the server's empty challenge instead");
        return "AUTH " + a.mechanism;
      }
      pending.reset();
      return line;
    }
  }
  return "";
}

struct exchange_outcome {
  read_outcome io;
  std::optional<sasl::reply> aborted;  // the client cancelled with "*"
};

asio::awaitable<exchange_outcome> converse(run_state& st, sasl::client& mech, std::optional<std::string> pending,
                                           exchange& ex) {
  exchange_outcome out;
  out.io = co_await read_auth_reply(st, ex);
  for (int round = 0; out.io.ok() && round < max_sasl_rounds; ++round) {
    auto ch = challenge(st.sc.protocol, ex);
    if (!ch) break;
    std::string line;
    if (pending) {
      line = protocol::base64_encode(*pending);
      pending.reset();
    } else {
      auto rep = mech.challenge(ch->decoded, ch->raw);
      if (rep.abort) {
        st.c->w.meta("SASL " + std::string(mech.name()) + ": " + rep.reason + "; cancelling with \"*\"");
        out.aborted = std::move(rep);
        line.assign(1, '*');  // not = "*": g++ 12 warns (-Wrestrict) about the literal assignment
      } else {
        line = protocol::base64_encode(rep.data);
      }
    }
    const std::string bytes = line + "\r\n";
    out.io = co_await st.c->w.send(bytes);
    if (out.io.ok()) out.io = co_await read_auth_reply(st, ex);
    if (out.aborted) break;
  }
  co_return out;
}

// The last response of the exchange, when there were several (challenges before it).
std::optional<std::string> final_response(scenario::protocol_kind p, const exchange& ex) {
  if (p == scenario::protocol_kind::smtp && ex.smtp.size() > 1) return ex.smtp.back().raw();
  if (p == scenario::protocol_kind::imap && ex.imap.size() > 1) return ex.imap.back().raw;
  if (p == scenario::protocol_kind::pop3 && ex.pop3.size() > 1) return ex.pop3.back().status_line;
  return std::nullopt;
}

// The step's verdict after the protocol's own judgement: the mechanism may overrule a success.
void judge_mechanism(run_state& st, sasl::client& mech, const exchange& ex, const exchange_outcome& out,
                     step_result& r) {
  const std::string name(mech.name());
  if (out.aborted) {
    r.result = out.aborted->limit ? verdict::error : verdict::fail;
    r.message = "SASL " + name + ": " + out.aborted->reason + " (the client cancelled the exchange)";
  } else if (out.io.ok() && auth_succeeded(st.sc.protocol, ex)) {
    if (auto why = mech.on_success(); !why.empty()) {
      r.result = verdict::fail;
      r.message = "SASL " + name + ": " + why;
    }
  }
  // A failed exchange shows how it ended, not its first challenge (SCRAM's are long).
  if (r.result != verdict::pass)
    if (auto last = final_response(st.sc.protocol, ex)) r.actual = "... " + st.secrets.redact(visible(*last));
  if (!mech.server_error().empty() && r.result != verdict::pass)
    r.message += (r.message.empty() ? "" : "; ") + std::string("the server's SASL error: ") +
                 st.secrets.redact(mech.server_error());
}

}  // namespace

asio::awaitable<step_end> run_auth(run_state& st, const scenario::step& s, const scenario::auth_action& a,
                                   exchange& ex, step_result& r) {
  if (a.mechanism == "APOP") co_return co_await run_apop(st, s, a, ex, r);
  sasl::credentials cred;
  std::string why = expand_credentials(st, a, cred);
  // The password and the token are always secrets, whatever their variables say.
  st.secrets.add("pass", cred.pass);
  st.secrets.add("token", cred.token);
  if (why.empty()) why = precondition(st, s, a);
  std::unique_ptr<sasl::client> mech;
  std::optional<std::string> pending;
  if (why.empty()) {
    try {
      mech = sasl::make_client(a.mechanism, cred);
      for (const auto& f : mech->secret_forms()) st.secrets.add(cred.token.empty() ? "pass" : "token", f);
      pending = mech->initial_response();
    } catch (const std::exception& e) {
      why = std::string("SASL ") + a.mechanism + ": " + e.what();
    }
  }
  if (!why.empty()) {
    r.result = verdict::error;
    r.message = why;
    st.c->w.meta(r.message);
    co_return step_end::stop;
  }
  ex = st.new_exchange(s);
  const std::string first = first_command(st, a, pending, ex);
  ex.command = st.secrets.redact(first);
  r.sent = ex.command;
  exchange_outcome out;
  const std::string first_line = first + "\r\n";
  out.io = co_await st.c->w.send(first_line);
  if (out.io.ok()) out = co_await converse(st, *mech, std::move(pending), ex);
  judge_step(st, s, ex, out.io, true, r);
  judge_mechanism(st, *mech, ex, out, r);
  st.rec.sasl.push_back({st.rec.exchanges.size(), a.mechanism, mech->checks(), st.secrets.redact(mech->server_error())});
  st.record_exchange(std::move(ex));
  co_return end_of(r);
}

}  // namespace mailspec::session
