// One probe connection: connect, greeting, commands, STARTTLS and handshakes, all recorded.
#include "audit/probe.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/transcript.hpp"
#include "protocol/imap.hpp"
#include "protocol/pop3.hpp"
#include "protocol/smtp.hpp"
#include "session/throttle.hpp"

namespace mailspec::audit::detail {

namespace {

using std::chrono::milliseconds;

std::string first_word(std::string_view line) {
  auto end = line.find_first_of(" \r\n");
  return upper(line.substr(0, end));
}

}  // namespace

std::string first_line(std::string_view raw) { return std::string(raw.substr(0, raw.find_first_of("\r\n"))); }

std::string reply_text(const session::exchange& e) {
  if (!e.smtp.empty()) return first_line(e.smtp.front().raw());
  if (!e.pop3.empty()) return first_line(e.pop3.front().raw);
  if (!e.imap.empty()) {
    for (const auto& r : e.imap)
      if (r.kind == protocol::imap_kind::tagged) return first_line(r.raw);
    return first_line(e.imap.front().raw);
  }
  return "";
}

probe::probe(asio::any_io_executor ex, const options& o, const port_spec& p, probe_family family)
    : facts(rec.result.probe.emplace()),
      opt(o),
      port(p),
      conn_(ex),
      w_(conn_, rec, secrets_, protocol::limits{}, 16ull * 1024 * 1024) {
  facts.family = family;
  const std::string name(to_string(family));
  t0_ = std::chrono::steady_clock::now();
  auto& c = rec.result;
  c.kind = "audit";
  c.scenario_id = "audit/" + p.label() + "/" + name;
  c.title = "Audit of " + std::string(to_string(p.service)) + " on port " + std::to_string(p.port) + ": " + name;
  c.protocol = std::string(to_string(p.protocol));
  c.started = iso8601_now();
  c.target.host = o.host;
  c.target.port = p.port;
  c.target.tls_mode = std::string(to_string(p.tls));
  c.target.bind = o.connection.bind;
  c.target.service = std::string(to_string(p.service));
  c.result = verdict::pass;
}

namespace {

// --timeout-ms overrides every deadline of a probe when given.
milliseconds timeout_or(const options& opt, std::int64_t ms) {
  return milliseconds(opt.connection.timeout_ms > 0 ? opt.connection.timeout_ms : ms);
}

}  // namespace

milliseconds probe::connect_timeout() const { return timeout_or(opt, 3000); }
milliseconds probe::tls_timeout() const { return timeout_or(opt, 5000); }
// Long enough for a server's delay after a failed login (Dovecot: 2 s).
milliseconds probe::reply_timeout() const { return timeout_or(opt, 6000); }

milliseconds probe::login_timeout() const { return timeout_or(opt, 20000); }

std::string probe::next_tag() {
  tag_ = "M" + std::to_string(++tag_counter_);
  return tag_;
}

net::tls_options probe::tls_defaults(tls_mode mode) const {
  net::tls_options o = net::tls_options_for(opt.connection, mode);
  o.timeout = tls_timeout();
  o.tlsa = opt.tlsa;
  return o;
}

asio::awaitable<bool> probe::open(bool implicit_handshake) {
  auto co = net::connect_options_for(opt.connection, opt.address.empty() ? opt.host : opt.address, port.port,
                                     connect_timeout());
  meta("connect " + opt.host + (opt.address.empty() ? "" : " (" + opt.address + ")") + ":" + std::to_string(port.port) +
       (opt.connection.bind.empty() ? "" : " from " + opt.connection.bind));
  auto r = co_await conn_.connect(co, rec.result.target);
  rec.result.target.host = opt.host;
  if (!r.ok()) {
    meta("connect failed: " + r.message);
    // A reset is the server (or a filter in front of it) turning the audit away: throttling.
    (r.status == net::io_status::reset ? facts.throttled : facts.unreachable) = r.message;
    co_return false;
  }
  if (port.tls != tls_mode::implicit || !implicit_handshake) co_return true;
  bool ok = co_await handshake(tls_defaults(tls_mode::implicit));
  facts.implicit_tls = handshake_attempt{ok ? handshake_outcome::accepted : handshake_outcome::refused,
                                         ok ? rec.result.tls.back().cipher : rec.result.tls.back().handshake_error};
  if (!ok) implicit_failure();
  co_return ok;
}

// Why an implicit-TLS handshake failed, when it is not a TLS judgement: no answer at all (the
// harness could not test), or a plaintext reply instead of TLS, which for a throttling reply
// (Exim's "421" over its connection limit) is throttling, never a fail of the port's TLS.
void probe::implicit_failure() {
  const auto& f = rec.result.tls.back();
  if (handshake_timeout_) {
    facts.implicit_tls->result = handshake_outcome::no_answer;
    facts.unreachable = "no answer to the TLS handshake within " + std::to_string(tls_timeout().count()) +
                        " ms (the port accepted the connection, then stayed silent)";
    return;
  }
  if (f.non_tls_reply.empty()) return;
  std::string line = first_line(f.non_tls_reply);
  facts.implicit_tls->result = handshake_outcome::not_tls;
  facts.not_tls = line;
  meta("evidence: the implicit-TLS port answered in plaintext: " + visible(f.non_tls_reply));
  std::string_view l = f.non_tls_reply;
  bool throttle = (port.protocol == protocol_kind::smtp && l.substr(0, 3) == "421") ||
                  (port.protocol == protocol_kind::imap && upper(l.substr(0, 5)) == "* BYE") ||
                  (port.protocol == protocol_kind::pop3 && upper(l.substr(0, 4)) == "-ERR");
  if (throttle) {
    facts.throttled = "a plaintext reply instead of TLS: " + line;
    meta("throttled: " + visible(line));
  }
}

asio::awaitable<bool> probe::handshake(net::tls_options o) {
  tls_facts tf = o.mode == tls_mode::starttls ? w_.pre_handshake_evidence() : tls_facts{};
  conn_.set_deadline(std::chrono::steady_clock::now() + o.timeout);
  auto r = co_await conn_.start_tls(o, opt.host, tf);
  handshake_timeout_ = r.status == net::io_status::timeout;
  std::string limits = o.min_version.empty() && o.max_version.empty()
                           ? ""
                           : " [" + (o.min_version.empty() ? "any" : o.min_version) + ".." +
                                 (o.max_version.empty() ? "any" : o.max_version) + "]";
  if (r.ok())
    meta("TLS " + tf.version + " " + tf.cipher + limits + ", chain " + (tf.chain_ok ? "ok" : "not verified") +
         ", hostname " + (tf.hostname_ok ? "ok" : "mismatch") + " (" + tf.verify_error + ")");
  else meta("TLS handshake failed" + limits + ": " + r.message);
  rec.result.tls.push_back(std::move(tf));
  rec.tls_active_at_end = r.ok();
  co_return r.ok();
}

std::size_t probe::begin_exchange(const std::string& command, const std::string& sent, bool pipelined) {
  ++step_;
  w_.set_step(step_);
  session::exchange e;
  e.step = step_;
  e.step_id = "probe-" + std::to_string(step_);
  e.command = command;
  e.verb = first_word(port.protocol == protocol_kind::imap && !command.empty() ? command.substr(command.find(' ') + 1) : command);
  if (port.protocol == protocol_kind::imap && !command.empty()) e.tag = command.substr(0, command.find(' '));
  e.chan = w_.chan();
  e.greeting = command.empty();
  e.pipelined = pipelined;
  rec.exchanges.push_back(std::move(e));
  step_result s;
  s.index = step_;
  s.id = rec.exchanges.back().step_id;
  s.action = command.empty() ? "expect" : pipelined ? "send_raw" : "send";
  s.sent = sent;
  s.expected = command.empty() ? "greeting" : "a response";
  rec.result.steps.push_back(std::move(s));
  return rec.exchanges.size() - 1;
}

void probe::end_step(std::size_t i, const session::read_outcome& io) {
  auto& s = rec.result.steps.back();
  s.actual = reply_text(rec.exchanges[i]);
  // Probe steps record what happened; verdicts come from the rules. An I/O failure is shown
  // as info here: the probe decides whether it matters (error findings).
  s.result = verdict::info;
  if (!io.ok()) s.message = std::string(session::to_string(io.status)) + ": " + io.message;
}

asio::awaitable<session::read_outcome> probe::read_response(session::exchange& e, bool multiline) {
  if (port.protocol == protocol_kind::smtp) co_return co_await w_.read_smtp(e);
  if (port.protocol == protocol_kind::pop3) co_return co_await w_.read_pop3(e, multiline);
  co_return co_await w_.read_imap(e, e.tag, false);
}

asio::awaitable<bool> probe::greet() {
  auto i = begin_exchange("", "", false);
  w_.set_deadline_ms(reply_timeout().count());
  auto io = co_await read_response(rec.exchanges[i], false);
  end_step(i, io);
  const auto& e = rec.exchanges[i];
  std::string text = reply_text(e);
  if (!text.empty()) {
    facts.banner = text;
    if (auto sw = guess_software(text); !sw.empty()) facts.software = sw;
  }
  if (!io.ok() && text.empty()) {
    if (io.status == session::read_status::eof || io.status == session::read_status::io_error)
      facts.throttled = "connection closed before the greeting (" + io.message + ")";
    else if (io.status == session::read_status::timeout)
      facts.unreachable = "no greeting within " + std::to_string(reply_timeout().count()) +
                          " ms: the port accepted the connection and sent nothing (an implicit-TLS port? " +
                          io.message + ")";
    else facts.unreachable = "no greeting: " + io.message;
    co_return false;
  }
  if (check_throttle(e)) co_return false;
  // A greeting that refuses service to this client (SMTP 554, RFC 5321 §3.1: "no SMTP service
  // here"; POP3 -ERR, which RFC 1939 §4 does not define as a greeting): the server turned the
  // audit away (a blocklist, a policy), which is not a port without the protocol.
  const bool refused = (port.protocol == protocol_kind::smtp && !e.smtp.empty() && e.smtp.front().code == 554) ||
                       (port.protocol == protocol_kind::pop3 && !e.pop3.empty() && e.pop3.front().status == protocol::pop3_status::err);
  if (refused) {
    facts.throttled = "refused at the greeting: " + text;
    meta("refused: " + visible(text));
    co_return false;
  }
  bool proto_ok = (port.protocol == protocol_kind::smtp && !e.smtp.empty() && e.smtp.front().code == 220) ||
                  (port.protocol == protocol_kind::pop3 && !e.pop3.empty() && e.pop3.front().status == protocol::pop3_status::ok) ||
                  (port.protocol == protocol_kind::imap && !e.imap.empty() &&
                   (e.imap.front().status == "OK" || e.imap.front().status == "PREAUTH"));
  if (!proto_ok) {
    facts.wrong_protocol = text;
    co_return false;
  }
  co_return true;
}

bool probe::check_throttle(const session::exchange& e) {
  std::string why = session::throttle_signal(e);
  if (why.empty()) return false;
  if (!facts.throttled) facts.throttled = why;
  meta("throttled: " + visible(why));
  return true;
}

asio::awaitable<cmd_result> probe::command(std::string line, bool multiline, milliseconds timeout) {
  if (port.protocol == protocol_kind::imap) line = next_tag() + " " + line;
  auto i = begin_exchange(line, "", false);
  w_.set_deadline_ms((timeout.count() > 0 ? timeout : reply_timeout()).count());
  auto io = co_await w_.send(line + "\r\n");
  if (io.ok()) io = co_await read_response(rec.exchanges[i], multiline);
  end_step(i, io);
  co_return cmd_result{i, io};
}

asio::awaitable<cmd_result> probe::pipelined(std::vector<std::string> lines) {
  std::string bytes;
  for (const auto& l : lines) bytes += l + "\r\n";
  auto i = begin_exchange(lines.front(), bytes, true);
  w_.set_deadline_ms(reply_timeout().count());
  auto io = co_await w_.send(bytes);
  if (io.ok()) io = co_await read_response(rec.exchanges[i], false);
  end_step(i, io);
  co_return cmd_result{i, io};
}

asio::awaitable<cmd_result> probe::raw(std::string label, std::string bytes) {
  auto i = begin_exchange(label, bytes, true);
  w_.set_deadline_ms(reply_timeout().count());
  auto io = co_await w_.send(bytes);
  if (io.ok()) io = co_await read_response(rec.exchanges[i], false);
  end_step(i, io);
  co_return cmd_result{i, io};
}

asio::awaitable<session::read_outcome> probe::read_more(std::size_t i, milliseconds ms, const std::string& imap_tag) {
  w_.set_deadline_ms(ms.count());
  auto& e = rec.exchanges[i];
  if (port.protocol == protocol_kind::smtp) co_return co_await w_.read_smtp(e);
  if (port.protocol == protocol_kind::pop3) co_return co_await w_.read_pop3(e, false);
  co_return co_await w_.read_imap(e, imap_tag, false);
}

asio::awaitable<std::vector<std::string>> probe::capabilities() {
  std::vector<std::string> caps;
  cmd_result r;
  if (port.protocol == protocol_kind::smtp) r = co_await command("EHLO " + opt.connection.helo_name());
  else if (port.protocol == protocol_kind::imap) r = co_await command("CAPABILITY");
  else r = co_await command("CAPA", true);
  const auto& e = ex(r.ex);
  if (!e.smtp.empty() && e.smtp.front().code == 250) caps = protocol::smtp_ehlo_lines(e.smtp.front());
  for (const auto& resp : e.imap)
    for (auto& c : protocol::imap_capabilities(resp))
      if (std::find(caps.begin(), caps.end(), c) == caps.end()) caps.push_back(c);
  if (!e.pop3.empty() && e.pop3.front().status == protocol::pop3_status::ok)
    for (const auto& l : e.pop3.front().body) caps.push_back(upper(l));
  for (auto& c : caps) c = upper(c);
  check_throttle(e);
  co_return caps;
}

asio::awaitable<bool> probe::starttls() {
  cmd_result r = co_await command(port.protocol == protocol_kind::pop3 ? "STLS" : "STARTTLS");
  const auto& e = ex(r.ex);
  check_throttle(e);  // SMTP 454: TLS could not start for now, as a scenario's STARTTLS reads it
  if (!e.smtp.empty()) co_return e.smtp.front().code == 220;
  if (!e.pop3.empty()) co_return e.pop3.front().status == protocol::pop3_status::ok;
  for (const auto& resp : e.imap)
    if (resp.kind == protocol::imap_kind::tagged && resp.tag == e.tag) co_return resp.status == "OK";
  co_return false;
}

asio::awaitable<void> probe::close() {
  if (conn_.is_open()) {
    std::string bye = port.protocol == protocol_kind::imap ? next_tag() + " LOGOUT" : "QUIT";
    w_.set_step(++step_);
    conn_.set_deadline(std::chrono::steady_clock::now() + milliseconds(200));
    co_await w_.send(bye + "\r\n");
  }
  conn_.close();
  meta("closed by the client");
}

session::record probe::take() {
  rec.result.duration_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0_).count();
  return std::move(rec);
}

}  // namespace mailspec::audit::detail
