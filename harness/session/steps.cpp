// The actions of scenario steps: send, send_raw, starttls, message, bdat, sleep, expect_close, expect.
#include <algorithm>

#include "core/text.hpp"
#include "core/transcript.hpp"
#include "session/state.hpp"
#include "session/throttle.hpp"

namespace mailspec::session {

namespace {

std::string upper_word(std::string_view line, std::size_t skip_words) {
  std::size_t i = 0;
  for (std::size_t w = 0; w < skip_words; ++w) {
    i = line.find(' ', i);
    if (i == std::string_view::npos) return "";
    ++i;
  }
  std::size_t j = line.find_first_of(" \r\n", i);
  return upper(line.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
}

int count_lines(std::string_view bytes) { return static_cast<int>(std::count(bytes.begin(), bytes.end(), '\n')); }

std::string first_line(std::string_view bytes) {
  auto eol = bytes.find_first_of("\r\n");
  return std::string(bytes.substr(0, eol));
}

std::int64_t step_timeout(const run_state& st, const scenario::step& s) {
  if (st.opt.connection.timeout_ms > 0) return st.opt.connection.timeout_ms;
  return s.timeout_ms ? *s.timeout_ms : st.sc.time.step_ms;
}

void fail_io(step_result& r, const read_outcome& io) {
  r.result = verdict::error;
  r.message = std::string(to_string(io.status)) + ": " + io.message;
}

// A template that cannot be expanded: the harness cannot run the step (an error, nothing sent).
step_end cannot_expand(step_result& r, const std::exception& ex) {
  r.result = verdict::error;
  r.message = std::string("cannot expand: ") + ex.what();
  return step_end::stop;
}

// True (and r set to an error) when what the step would send carries a secret that this channel
// must not carry (docs/architecture.md, secrets): nothing is sent then.
bool secret_refused(run_state& st, const scenario::step& s, bool secret, step_result& r) {
  if (!secret) return false;
  auto why = st.secret_refusal();
  if (why.empty()) return false;
  r.result = verdict::error;
  r.message = why + " (step \"" + s.id + "\"); nothing sent";
  st.c->w.meta(r.message);
  return true;
}

asio::awaitable<step_end> do_send(run_state& st, const scenario::step& s, const std::string& templ, bool raw,
                                  step_result& r) {
  const bool uses_tag = templ.find("${tag}") != std::string::npos;
  std::string tag = uses_tag ? st.next_tag() : "";
  scenario::expanded e;
  try {
    e = st.expand(templ, tag);
  } catch (const std::exception& ex) {
    co_return cannot_expand(r, ex);
  }
  if (secret_refused(st, s, e.has_secret, r)) co_return step_end::stop;
  // The loader keeps CR and LF out of a `send` template; a value put into it (an environment
  // variable, a capture, --helo) must not smuggle in a second command either.
  if (!raw && e.text.find_first_of("\r\n") != std::string::npos) {
    r.result = verdict::error;
    r.message = "the line of step \"" + s.id + "\" contains CR or LF once its ${...} values are put in (" +
                visible(st.secrets.redact(e.text)) + "); a send is one command line (use send_raw for several); nothing sent";
    st.c->w.meta(r.message);
    co_return step_end::stop;
  }
  std::string bytes = raw ? e.text : e.text + "\r\n";
  // Literal data and DONE continue an outstanding IMAP command: the loader has checked their text.
  const bool continuation = st.sc.protocol == scenario::protocol_kind::imap && !uses_tag && !st.c->outstanding_tag.empty();
  if (!st.sc.mutates && !continuation && co_await guard_send(st, s, bytes, raw, r) != step_end::next)
    co_return step_end::stop;
  exchange ex = st.new_exchange(s);
  ex.command = st.secrets.redact(first_line(bytes));
  r.sent = st.secrets.redact(bytes);
  if (st.sc.protocol == scenario::protocol_kind::imap) {
    if (uses_tag) st.c->outstanding_tag = tag;
    ex.tag = st.c->outstanding_tag;
    ex.verb = upper_word(ex.command, uses_tag ? 1 : 0);
  } else {
    ex.verb = upper_word(ex.command, 0);
  }
  int commands = !raw ? 1 : s.replies ? *s.replies : std::max(1, count_lines(bytes));
  ex.pipelined = commands > 1;
  auto io = co_await st.c->w.send(bytes);
  if (!io.ok()) {
    fail_io(r, io);
    st.record_exchange(std::move(ex));
    co_return step_end::stop;
  }
  io = co_await read_response(st, ex, s, commands);
  judge_step(st, s, ex, io, false, r);
  st.record_exchange(std::move(ex));
  co_return end_of(r);
}

asio::awaitable<step_end> do_starttls(run_state& st, const scenario::step& s, const scenario::starttls_action& a,
                                      step_result& r) {
  tls_facts facts = st.c->w.pre_handshake_evidence();
  net::tls_options to = net::tls_options_for(st.opt.connection, tls_mode::starttls);
  to.verify = a.verify;
  to.min_version = a.min_version;
  if (a.sni) {
    try {
      to.sni = st.expand(a.sni->text, "").text;
    } catch (const std::exception& ex) {
      // As a send step reports a template it cannot expand: never a handshake with another name.
      r.result = verdict::error;
      r.message = std::string("cannot expand the sni: ") + ex.what();
      st.c->w.meta(r.message);
      co_return step_end::stop;
    }
  }
  std::int64_t ms = st.opt.connection.timeout_ms > 0 ? st.opt.connection.timeout_ms : (s.timeout_ms ? *s.timeout_ms : st.sc.time.tls_ms);
  to.timeout = std::chrono::milliseconds(ms);
  st.c->w.set_deadline_ms(ms);
  auto io = co_await st.c->conn.start_tls(to, st.opt.host, facts);
  r.expected = "TLS handshake" + (a.min_version.empty() ? "" : " (at least " + a.min_version + ")") +
               ", verify " + std::string(scenario::to_string(a.verify));
  bool verified = a.verify == scenario::verify_mode::none ||
                  (facts.chain_ok && (a.verify == scenario::verify_mode::chain || facts.hostname_ok));
  st.c->tls_verified = io.ok() && a.verify != scenario::verify_mode::none && verified;
  if (io.ok()) {
    r.actual = facts.version + " " + facts.cipher + ", chain " + (facts.chain_ok ? "ok" : "not verified") +
               ", hostname " + (facts.hostname_ok ? "ok" : "mismatch") + " (" + facts.verify_error + ")";
    st.c->w.meta("TLS " + r.actual);
  } else {
    r.actual = "handshake failed: " + io.message;
    st.c->w.meta("TLS " + r.actual);
  }
  st.rec.result.tls.push_back(std::move(facts));
  if (!io.ok()) {
    r.result = verdict::error;
    r.message = io.message;
    co_return step_end::stop;
  }
  if (!verified) {
    r.result = verdict::fail;
    r.message = "certificate verification failed: " + st.rec.result.tls.back().verify_error;
    co_return step_end::stop;
  }
  co_return step_end::next;
}

std::string dot_stuff(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!l.empty() && l[0] == '.') out += '.';
    out += l;
    out += "\r\n";
  }
  out += ".\r\n";
  return out;
}

asio::awaitable<step_end> do_message(run_state& st, const scenario::step& s, const scenario::message_action& a,
                                     step_result& r) {
  std::vector<std::string> lines;
  bool secret = false;
  try {
    for (const auto& l : a.lines) {
      auto e = st.expand(l.text, "");
      secret = secret || e.has_secret;
      // A value with line breaks (a body from the environment) becomes several lines, each
      // dot-stuffed: a "\r\n.\r\n" inside a value must not end the DATA early.
      std::size_t from = 0;
      for (;;) {
        auto lf = e.text.find('\n', from);
        std::string line = e.text.substr(from, lf == std::string::npos ? std::string::npos : lf - from);
        if (lf != std::string::npos && !line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(std::move(line));
        if (lf == std::string::npos) break;
        from = lf + 1;
      }
    }
  } catch (const std::exception& ex) {
    co_return cannot_expand(r, ex);
  }
  if (secret_refused(st, s, secret, r)) co_return step_end::stop;
  std::string body = dot_stuff(lines);
  exchange ex = st.new_exchange(s);
  ex.command = "<message body, " + std::to_string(body.size()) + " bytes>";
  ex.verb = "DATA-BODY";
  r.sent = ex.command;
  auto io = co_await st.c->w.send(body);
  if (io.ok()) io = co_await read_response(st, ex, s, 1);
  judge_step(st, s, ex, io, false, r);
  st.record_exchange(std::move(ex));
  co_return end_of(r);
}

// RFC 3030 §2: "BDAT <size>[ LAST]" CRLF, then exactly <size> octets, then one reply (the chunk's
// octets are counted after ${...} expansion; no dot-stuffing, no end-of-data marker).
asio::awaitable<step_end> do_bdat(run_state& st, const scenario::step& s, const scenario::bdat_action& a,
                                  step_result& r) {
  std::string chunk;
  bool secret = false;
  try {
    if (a.data) {
      auto e = st.expand(a.data->text, "");
      secret = e.has_secret;
      chunk = std::move(e.text);
    }
    for (const auto& l : a.lines) {
      auto e = st.expand(l.text, "");
      secret = secret || e.has_secret;
      chunk += e.text + "\r\n";
    }
  } catch (const std::exception& ex) {
    co_return cannot_expand(r, ex);
  }
  if (secret_refused(st, s, secret, r)) co_return step_end::stop;
  const std::string command = "BDAT " + std::to_string(chunk.size()) + (a.last ? " LAST" : "");
  exchange ex = st.new_exchange(s);
  ex.command = command;
  ex.verb = "BDAT";
  r.sent = command + " <" + std::to_string(chunk.size()) + " octets>";
  const std::string bytes = command + "\r\n" + chunk;
  auto io = co_await st.c->w.send(bytes);
  if (io.ok()) io = co_await read_response(st, ex, s, 1);
  judge_step(st, s, ex, io, false, r);
  st.record_exchange(std::move(ex));
  co_return end_of(r);
}

asio::awaitable<step_end> do_sleep(run_state& st, std::int64_t ms) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  // Sleep in slices so an interrupt is noticed within 100 ms.
  while (std::chrono::steady_clock::now() < until) {
    if (st.opt.stop && st.opt.stop->load()) break;
    t.expires_after(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(100),
                                                                  until - std::chrono::steady_clock::now()));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return step_end::next;
}

asio::awaitable<step_end> do_expect_close(run_state& st, const scenario::step& s,
                                          const scenario::expect_close_action& a, step_result& r) {
  const std::int64_t ms = a.timeout_ms;
  exchange ex = st.new_exchange(s);
  st.c->w.set_deadline_ms(st.opt.connection.timeout_ms > 0 ? st.opt.connection.timeout_ms : ms);
  const std::size_t unsolicited_before = st.rec.unsolicited.size();
  auto io = co_await st.c->w.read_until_close(ex);
  r.expected = "the server closes the connection within " + std::to_string(ms) + " ms" +
               (a.no_data ? ", sending nothing more" : "");
  if (a.no_data && st.rec.unsolicited.size() > unsolicited_before) {
    // "no_data": an answer to a command sent after the closing one (SMTP QUIT, RFC 5321 §4.1.1.10).
    r.result = verdict::fail;
    r.actual = visible(st.rec.unsolicited.back().substr(0, 200)) + (io.ok() ? ", then closed" : "");
    r.message = "the server sent data where it should only have closed the connection";
  } else if (io.ok()) {
    r.actual = "closed";
  } else {
    r.result = io.status == read_status::timeout ? verdict::fail : verdict::error;
    r.actual = io.status == read_status::timeout ? "still open" : io.message;
    r.message = r.result == verdict::fail ? "the server did not close the connection" : io.message;
  }
  st.record_exchange(std::move(ex));
  // With several connections, the others go on (the loader allows no later step on this one).
  st.c->closed = io.ok();
  co_return io.ok() && st.sc.connections.size() > 1 ? step_end::next : step_end::stop;
}

asio::awaitable<step_end> do_expect_only(run_state& st, const scenario::step& s, step_result& r) {
  exchange ex = st.new_exchange(s);
  ex.greeting = !st.c->had_exchange;
  ex.tag = st.c->outstanding_tag;
  auto io = co_await read_response(st, ex, s, 1);
  judge_step(st, s, ex, io, false, r);
  st.record_exchange(std::move(ex));
  co_return end_of(r);
}

}  // namespace

asio::awaitable<step_end> run_step(run_state& st, const scenario::step& s, step_result& r) {
  st.c->w.set_deadline_ms(step_timeout(st, s));
  r.result = verdict::pass;
  if (auto a = std::get_if<scenario::send_action>(&s.act)) {
    r.action = "send";
    co_return co_await do_send(st, s, a->line.text, false, r);
  }
  if (auto a = std::get_if<scenario::send_raw_action>(&s.act)) {
    r.action = "send_raw";
    co_return co_await do_send(st, s, a->bytes.text, true, r);
  }
  if (auto a = std::get_if<scenario::starttls_action>(&s.act)) {
    r.action = "starttls";
    co_return co_await do_starttls(st, s, *a, r);
  }
  if (auto a = std::get_if<scenario::auth_action>(&s.act)) {
    r.action = "auth";
    exchange ex;
    co_return co_await run_auth(st, s, *a, ex, r);
  }
  if (auto a = std::get_if<scenario::message_action>(&s.act)) {
    r.action = "message";
    co_return co_await do_message(st, s, *a, r);
  }
  if (auto a = std::get_if<scenario::bdat_action>(&s.act)) {
    r.action = "bdat";
    co_return co_await do_bdat(st, s, *a, r);
  }
  if (auto a = std::get_if<scenario::sleep_action>(&s.act)) {
    r.action = "sleep";
    co_return co_await do_sleep(st, a->ms);
  }
  if (auto a = std::get_if<scenario::expect_close_action>(&s.act)) {
    r.action = "expect_close";
    co_return co_await do_expect_close(st, s, *a, r);
  }
  r.action = "expect";
  co_return co_await do_expect_only(st, s, r);
}

}  // namespace mailspec::session
