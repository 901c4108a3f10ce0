// The actions of scenario steps: send, send_raw, starttls, message, sleep, expect_close, expect.
#include <algorithm>

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
  std::string out(line.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
  for (auto& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

int count_lines(std::string_view bytes) { return static_cast<int>(std::count(bytes.begin(), bytes.end(), '\n')); }

std::string first_line(std::string_view bytes) {
  auto eol = bytes.find_first_of("\r\n");
  return std::string(bytes.substr(0, eol));
}

std::int64_t step_timeout(const run_state& st, const scenario::step& s) {
  if (st.opt.timeout_ms > 0) return st.opt.timeout_ms;
  return s.timeout_ms ? *s.timeout_ms : st.sc.time.step_ms;
}

void fail_io(step_result& r, const read_outcome& io) {
  r.result = verdict::error;
  r.message = std::string(to_string(io.status)) + ": " + io.message;
}

asio::awaitable<step_end> do_send(run_state& st, const scenario::step& s, const std::string& templ, bool raw,
                                  step_result& r) {
  const bool uses_tag = templ.find("${tag}") != std::string::npos;
  std::string tag = uses_tag ? st.next_tag() : "";
  scenario::expanded e;
  try {
    e = st.expand(templ, tag);
  } catch (const std::exception& ex) {
    r.result = verdict::error;
    r.message = std::string("cannot expand: ") + ex.what();
    co_return step_end::stop;
  }
  if (e.has_secret) {
    if (auto why = st.secret_refusal(); !why.empty()) {
      r.result = verdict::error;
      r.message = why + " (step \"" + s.id + "\"); nothing sent";
      st.w.meta(r.message);
      co_return step_end::stop;
    }
  }
  // The loader keeps CR and LF out of a `send` template; a value put into it (an environment
  // variable, a capture, --helo) must not smuggle in a second command either.
  if (!raw && e.text.find_first_of("\r\n") != std::string::npos) {
    r.result = verdict::error;
    r.message = "the line of step \"" + s.id + "\" contains CR or LF once its ${...} values are put in (" +
                visible(st.secrets.redact(e.text)) + "); a send is one command line (use send_raw for several); nothing sent";
    st.w.meta(r.message);
    co_return step_end::stop;
  }
  std::string bytes = raw ? e.text : e.text + "\r\n";
  exchange ex;
  ex.step = s.index;
  ex.step_id = s.id;
  ex.chan = st.w.chan();
  ex.command = st.secrets.redact(first_line(bytes));
  r.sent = st.secrets.redact(bytes);
  if (st.sc.protocol == scenario::protocol_kind::imap) {
    if (uses_tag) st.outstanding_tag = tag;
    ex.tag = st.outstanding_tag;
    ex.verb = upper_word(ex.command, uses_tag ? 1 : 0);
  } else {
    ex.verb = upper_word(ex.command, 0);
  }
  int commands = raw ? std::max(1, count_lines(bytes)) : 1;
  ex.pipelined = commands > 1;
  auto io = co_await st.w.send(bytes);
  if (!io.ok()) {
    fail_io(r, io);
    st.rec.exchanges.push_back(std::move(ex));
    co_return step_end::stop;
  }
  io = co_await read_response(st, ex, s, commands);
  judge_step(st, s, ex, io, false, r);
  st.rec.exchanges.push_back(std::move(ex));
  co_return r.result == verdict::pass ? step_end::next : step_end::stop;
}

asio::awaitable<step_end> do_starttls(run_state& st, const scenario::step& s, const scenario::starttls_action& a,
                                      step_result& r) {
  tls_facts facts = st.w.pre_handshake_evidence();
  net::tls_options to;
  to.verify = std::string(scenario::to_string(a.verify));
  to.min_version = a.min_version;
  to.ca_file = st.opt.ca_file;
  to.client_cert = st.opt.client_cert;
  to.client_key = st.opt.client_key;
  to.sni = st.opt.sni;
  if (a.sni) {
    try {
      to.sni = st.expand(a.sni->text, "").text;
    } catch (const std::exception& ex) {
      // As a send step reports a template it cannot expand: never a handshake with another name.
      r.result = verdict::error;
      r.message = std::string("cannot expand the sni: ") + ex.what();
      st.w.meta(r.message);
      co_return step_end::stop;
    }
  }
  to.mode = "starttls";
  std::int64_t ms = st.opt.timeout_ms > 0 ? st.opt.timeout_ms : (s.timeout_ms ? *s.timeout_ms : st.sc.time.tls_ms);
  to.timeout = std::chrono::milliseconds(ms);
  st.w.set_deadline_ms(ms);
  auto io = co_await st.conn.start_tls(to, st.opt.host, facts);
  r.expected = "TLS handshake" + (a.min_version.empty() ? "" : " (at least " + a.min_version + ")") +
               ", verify " + std::string(scenario::to_string(a.verify));
  bool verified = a.verify == scenario::verify_mode::none ||
                  (facts.chain_ok && (a.verify == scenario::verify_mode::chain || facts.hostname_ok));
  st.tls_verified = io.ok() && a.verify != scenario::verify_mode::none && verified;
  if (io.ok()) {
    r.actual = facts.version + " " + facts.cipher + ", chain " + (facts.chain_ok ? "ok" : "not verified") +
               ", hostname " + (facts.hostname_ok ? "ok" : "mismatch") + " (" + facts.verify_error + ")";
    st.w.meta("TLS " + r.actual);
  } else {
    r.actual = "handshake failed: " + io.message;
    st.w.meta("TLS " + r.actual);
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
    r.result = verdict::error;
    r.message = std::string("cannot expand: ") + ex.what();
    co_return step_end::stop;
  }
  if (secret) {
    if (auto why = st.secret_refusal(); !why.empty()) {
      r.result = verdict::error;
      r.message = why + "; nothing sent";
      co_return step_end::stop;
    }
  }
  std::string body = dot_stuff(lines);
  exchange ex;
  ex.step = s.index;
  ex.step_id = s.id;
  ex.chan = st.w.chan();
  ex.command = "<message body, " + std::to_string(body.size()) + " bytes>";
  ex.verb = "DATA-BODY";
  r.sent = ex.command;
  auto io = co_await st.w.send(body);
  if (io.ok()) io = co_await read_response(st, ex, s, 1);
  judge_step(st, s, ex, io, false, r);
  st.rec.exchanges.push_back(std::move(ex));
  co_return r.result == verdict::pass ? step_end::next : step_end::stop;
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

asio::awaitable<step_end> do_expect_close(run_state& st, const scenario::step& s, std::int64_t ms, step_result& r) {
  exchange ex;
  ex.step = s.index;
  ex.step_id = s.id;
  ex.chan = st.w.chan();
  st.w.set_deadline_ms(st.opt.timeout_ms > 0 ? st.opt.timeout_ms : ms);
  auto io = co_await st.w.read_until_close(ex);
  r.expected = "the server closes the connection within " + std::to_string(ms) + " ms";
  if (io.ok()) {
    r.actual = "closed";
  } else {
    r.result = io.status == read_status::timeout ? verdict::fail : verdict::error;
    r.actual = io.status == read_status::timeout ? "still open" : io.message;
    r.message = r.result == verdict::fail ? "the server did not close the connection" : io.message;
  }
  st.rec.exchanges.push_back(std::move(ex));
  co_return step_end::stop;
}

asio::awaitable<step_end> do_expect_only(run_state& st, const scenario::step& s, step_result& r) {
  exchange ex;
  ex.step = s.index;
  ex.step_id = s.id;
  ex.chan = st.w.chan();
  ex.greeting = st.rec.exchanges.empty();
  ex.tag = st.outstanding_tag;
  auto io = co_await read_response(st, ex, s, 1);
  judge_step(st, s, ex, io, false, r);
  st.rec.exchanges.push_back(std::move(ex));
  co_return r.result == verdict::pass ? step_end::next : step_end::stop;
}

}  // namespace

asio::awaitable<step_end> run_step(run_state& st, const scenario::step& s, step_result& r) {
  st.w.set_deadline_ms(step_timeout(st, s));
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
  if (auto a = std::get_if<scenario::sleep_action>(&s.act)) {
    r.action = "sleep";
    co_return co_await do_sleep(st, a->ms);
  }
  if (auto a = std::get_if<scenario::expect_close_action>(&s.act)) {
    r.action = "expect_close";
    co_return co_await do_expect_close(st, s, a->timeout_ms, r);
  }
  r.action = "expect";
  co_return co_await do_expect_only(st, s, r);
}

asio::awaitable<read_outcome> read_response(run_state& st, exchange& ex, const scenario::step& s, int commands) {
  read_outcome io;
  switch (st.sc.protocol) {
    case scenario::protocol_kind::smtp:
      for (int i = 0; i < commands && io.ok(); ++i) io = co_await st.w.read_smtp(ex);
      break;
    case scenario::protocol_kind::pop3: {
      bool multi = protocol::pop3_command_is_multiline(ex.command);
      if (s.expect && s.expect->pop3 && s.expect->pop3->multiline) multi = *s.expect->pop3->multiline;
      for (int i = 0; i < commands && io.ok(); ++i) io = co_await st.w.read_pop3(ex, multi);
      break;
    }
    case scenario::protocol_kind::imap: {
      // A named local, not a temporary: g++ 12 mis-destroys temporaries of a conditional
      // expression inside a co_await argument (double free).
      const std::string wait_tag = ex.greeting ? std::string() : ex.tag;
      io = co_await st.w.read_imap(ex, wait_tag, true);
      bool completed = !ex.imap.empty() && ex.imap.back().kind == protocol::imap_kind::tagged &&
                       ex.imap.back().tag == ex.tag;
      if (completed && ex.tag == st.outstanding_tag) st.outstanding_tag.clear();
      break;
    }
  }
  co_return io;
}

void judge_step(run_state& st, const scenario::step& s, const exchange& ex, const read_outcome& io,
                bool default_success, step_result& r) {
  const scenario::expectation* e = s.expect ? &*s.expect : nullptr;
  expect_outcome o;
  switch (st.sc.protocol) {
    case scenario::protocol_kind::smtp:
      o = check_smtp(e && e->smtp ? &*e->smtp : nullptr, ex, default_success, st.captures);
      break;
    case scenario::protocol_kind::imap:
      o = check_imap(e && e->imap ? &*e->imap : nullptr, ex, default_success, st.captures);
      break;
    case scenario::protocol_kind::pop3:
      o = check_pop3(e && e->pop3 ? &*e->pop3 : nullptr, ex, default_success, st.captures);
      break;
  }
  r.expected = o.expected;
  r.actual = st.secrets.redact(o.actual);
  if (!o.ok) {
    r.result = verdict::fail;
    r.message = o.message;
  }
  if (!io.ok()) {
    // The harness could not get a complete answer: error, unless what did arrive already
    // contradicts the expectation (then it is the server's fail). Untagged IMAP responses without
    // the tagged completion are no answer: a missing completion is not a contradiction.
    const bool imap_answered = !ex.imap.empty() && (ex.greeting || ex.imap.back().kind == protocol::imap_kind::tagged);
    if (r.result != verdict::fail || (ex.smtp.empty() && !imap_answered && ex.pop3.empty())) {
      r.result = io.status == read_status::eof && !o.ok ? verdict::fail : verdict::error;
      r.message = std::string(to_string(io.status)) + ": " + io.message;
      if (io.status == read_status::eof) r.message = "server closed the connection before answering";
      // Closed or reset before any greeting byte: a connection limit refusing this client
      // (couriertcpd -maxperip), as the audit reads it; untested, not the server's fail.
      if (ex.greeting && ex.smtp.empty() && ex.imap.empty() && ex.pop3.empty() &&
          (io.status == read_status::eof || io.status == read_status::io_error)) {
        r.result = verdict::error;
        r.message = "the server closed the connection before its greeting (a connection limit or a refusal of "
                    "this client), not a finding: " + std::string(to_string(io.status));
      }
    }
  }
  if (r.result == verdict::fail) {
    if (auto sig = throttle_signal(ex); !sig.empty()) {
      r.result = verdict::error;
      r.message = "the server refused service for now (throttled or shutting down), not a finding: " +
                  st.secrets.redact(sig);
    }
  }
  if (e && e->save_capabilities && r.result == verdict::pass) {
    auto caps = capabilities_of(st.sc.protocol, ex);
    auto& dest = ex.chan == channel::tls ? st.rec.result.capabilities_after_tls : st.rec.result.capabilities_before_tls;
    dest = caps;
    for (auto& c : caps)
      if (std::find(st.caps_seen.begin(), st.caps_seen.end(), c) == st.caps_seen.end()) st.caps_seen.push_back(c);
  }
}

}  // namespace mailspec::session
