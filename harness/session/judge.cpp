// Reading a step's responses and judging them against its expectation.
#include <algorithm>

#include "session/state.hpp"
#include "session/throttle.hpp"

namespace mailspec::session {

asio::awaitable<read_outcome> read_response(run_state& st, exchange& ex, const scenario::step& s, int commands) {
  read_outcome io;
  switch (st.sc.protocol) {
    case scenario::protocol_kind::smtp:
      for (int i = 0; i < commands && io.ok(); ++i) io = co_await st.c->w.read_smtp(ex);
      break;
    case scenario::protocol_kind::pop3: {
      bool multi = protocol::pop3_command_is_multiline(ex.command);
      // An alternative that expects a body makes the framer read one after +OK (-ERR never has one).
      if (s.expect)
        for (const auto& alt : s.expect->any_of)
          if (alt.pop3 && alt.pop3->multiline && *alt.pop3->multiline) multi = true;
      if (s.expect && s.expect->pop3 && s.expect->pop3->multiline) multi = *s.expect->pop3->multiline;
      for (int i = 0; i < commands && io.ok(); ++i) io = co_await st.c->w.read_pop3(ex, multi);
      break;
    }
    case scenario::protocol_kind::imap: {
      // A named local, not a temporary: g++ 12 mis-destroys temporaries of a conditional
      // expression inside a co_await argument (double free).
      const std::string wait_tag = ex.greeting ? std::string() : ex.tag;
      io = co_await st.c->w.read_imap(ex, wait_tag, true);
      bool completed = !ex.imap.empty() && ex.imap.back().kind == protocol::imap_kind::tagged &&
                       ex.imap.back().tag == ex.tag;
      if (completed && ex.tag == st.c->outstanding_tag) st.c->outstanding_tag.clear();
      break;
    }
  }
  co_return io;
}

namespace {

// Whether the expectation (or one of its alternatives) names an untagged BYE among its matchers.
bool names_bye(const scenario::expectation& e) {
  auto bye = [](const scenario::matcher& m) {
    std::string p = m.pattern();
    for (auto& ch : p) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return p.find("BYE") != std::string::npos;
  };
  if (e.imap && std::any_of(e.imap->untagged.begin(), e.imap->untagged.end(), bye)) return true;
  return std::any_of(e.any_of.begin(), e.any_of.end(), names_bye);
}

}  // namespace

void judge_step(run_state& st, const scenario::step& s, const exchange& ex, const read_outcome& io,
                bool default_success, step_result& r) {
  const scenario::expectation* e = s.expect ? &*s.expect : nullptr;
  expect_outcome o = check_expectation(st.sc.protocol, e, ex, default_success, st.captures, st.context(ex.tag));
  r.expected = o.expected;
  r.actual = st.secrets.redact(o.actual);
  r.message = o.message;  // on a pass: which alternative of any_of held, if any
  if (!o.ok) r.result = o.error ? verdict::error : verdict::fail;
  else if (o.warn) r.result = verdict::warn;
  // An IMAP server may refuse with an untagged BYE and close (RFC 9051 §7.1.5; RFC 7888 §4 for an
  // over-long literal): when the step's own expectation holds on what arrived and the last
  // response is that BYE, the close is the answer it expected, not a lost connection.
  const bool expected_bye = io.status == read_status::eof && o.ok && e != nullptr && names_bye(*e) &&
                            st.sc.protocol == scenario::protocol_kind::imap && !ex.imap.empty() &&
                            ex.imap.back().kind == protocol::imap_kind::untagged && ex.imap.back().status == "BYE";
  if (!io.ok() && !expected_bye) {
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
