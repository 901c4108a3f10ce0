#include "session/wire.hpp"

namespace mailspec::session {

std::string_view to_string(read_status s) {
  switch (s) {
    case read_status::ok: return "ok";
    case read_status::timeout: return "timeout";
    case read_status::eof: return "eof";
    case read_status::io_error: return "io_error";
    case read_status::over_limit: return "over_limit";
    case read_status::cancelled: return "cancelled";
  }
  return "io_error";
}

wire::wire(net::connection& conn, record& rec, const secret_registry& secrets, protocol::limits lim,
           std::uint64_t max_session_bytes, std::string conn_name,
           std::optional<std::chrono::steady_clock::time_point> start, std::uint64_t* shared_bytes)
    : conn_(conn),
      rec_(rec),
      secrets_(secrets),
      lim_(lim),
      max_bytes_(max_session_bytes),
      bytes_read_(shared_bytes != nullptr ? shared_bytes : &own_bytes_),
      conn_name_(std::move(conn_name)),
      start_(start.value_or(std::chrono::steady_clock::now())),
      smtp_(lim),
      pop3_(lim),
      imap_(lim) {}

std::int64_t wire::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
}

void wire::set_deadline_ms(std::int64_t ms) {
  conn_.set_deadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms));
}

void wire::meta(std::string text) {
  rec_.result.log.add(now_ms(), direction::meta, chan(), step_, secrets_.redact(text), conn_name_);
}

int wire::record_server(const std::string& raw, std::uint64_t elided) {
  int idx = rec_.result.log.add(now_ms(), direction::server, chan(), step_, secrets_.redact(raw), conn_name_);
  if (elided) meta("(" + std::to_string(elided) + " bytes of this response not kept)");
  return idx;
}

asio::awaitable<read_outcome> wire::send(std::string_view bytes) {
  rec_.result.log.add(now_ms(), direction::client, chan(), step_, secrets_.redact(bytes), conn_name_);
  auto r = co_await conn_.write(bytes);
  if (!r.ok()) co_return read_outcome{read_status::io_error, r.message};
  co_return read_outcome{};
}

template <typename Framer>
asio::awaitable<read_outcome> wire::fill(Framer& f) {
  if (f.line_over_limit())
    co_return read_outcome{read_status::over_limit, "a line over " + std::to_string(lim_.max_line) +
                                                        " bytes without a line end (the line bound)"};
  if (f.over_limit())
    co_return read_outcome{read_status::over_limit, "response over the framing bounds (line, literal or line count)"};
  if (*bytes_read_ >= max_bytes_)
    co_return read_outcome{read_status::over_limit,
                           "server sent more than " + std::to_string(max_bytes_) + " bytes in this session"};
  auto r = co_await conn_.read_some();
  if (!r.io.ok()) {
    read_status st = read_status::io_error;
    if (r.io.status == net::io_status::timeout) st = read_status::timeout;
    if (r.io.status == net::io_status::eof) st = read_status::eof;
    if (r.io.status == net::io_status::cancelled) st = read_status::cancelled;
    co_return read_outcome{st, r.io.message};
  }
  *bytes_read_ += r.data.size();
  f.feed(r.data);
  co_return read_outcome{};
}

template <typename Framer>
void wire::record_partial(Framer& f, const read_outcome& why) {
  std::string pending = f.pending();
  if (!pending.empty()) {
    if (pending.size() > transcript::max_entry_bytes) pending.resize(transcript::max_entry_bytes);
    record_server(pending);
  }
  meta(std::string(to_string(why.status)) + ": " + why.message);
}

namespace {

// The reply as the transcript keeps it: at most max_entry_bytes, without building the whole
// (possibly tens of MB) reply in memory first.
std::string bounded_raw(const protocol::smtp_reply& r, std::uint64_t& elided) {
  std::string out;
  elided = 0;
  for (const auto& l : r.lines) {
    std::size_t room = transcript::max_entry_bytes - out.size();
    if (l.raw.size() <= room) {
      out += l.raw;
    } else {
      out.append(l.raw, 0, room);
      elided += l.raw.size() - room;
    }
  }
  return out;
}

}  // namespace

asio::awaitable<read_outcome> wire::read_smtp(exchange& ex) {
  for (;;) {
    if (auto reply = smtp_.next()) {
      std::uint64_t elided = 0;
      std::string raw = bounded_raw(*reply, elided);
      int idx = record_server(raw, elided);
      if (ex.transcript_index < 0) ex.transcript_index = idx;
      ex.smtp.push_back(std::move(*reply));
      co_return read_outcome{};
    }
    auto r = co_await fill(smtp_);
    if (!r.ok()) {
      if (r.status == read_status::eof) {
        if (auto part = smtp_.finish()) {
          std::uint64_t elided = 0;
          std::string raw = bounded_raw(*part, elided);
          int idx = record_server(raw, elided);
          if (ex.transcript_index < 0) ex.transcript_index = idx;
          ex.smtp.push_back(std::move(*part));
        }
        ex.closed_after = true;
        meta("server closed the connection");
      } else {
        record_partial(smtp_, r);
        ex.timed_out = true;  // deadline, bound or I/O error: the response is incomplete
      }
      co_return r;
    }
  }
}

asio::awaitable<read_outcome> wire::read_pop3(exchange& ex, bool multiline) {
  pop3_.expect_multiline(multiline);
  for (;;) {
    if (auto resp = pop3_.next()) {
      int idx = record_server(resp->raw);
      if (ex.transcript_index < 0) ex.transcript_index = idx;
      ex.pop3.push_back(std::move(*resp));
      co_return read_outcome{};
    }
    auto r = co_await fill(pop3_);
    if (!r.ok()) {
      if (r.status == read_status::eof) {
        if (auto part = pop3_.finish()) {
          int idx = record_server(part->raw);
          if (ex.transcript_index < 0) ex.transcript_index = idx;
          ex.pop3.push_back(std::move(*part));
        }
        ex.closed_after = true;
        meta("server closed the connection");
      } else {
        record_partial(pop3_, r);
        ex.timed_out = true;  // deadline, bound or I/O error: the response is incomplete
      }
      co_return r;
    }
  }
}

asio::awaitable<read_outcome> wire::read_imap(exchange& ex, const std::string& tag, bool stop_at_continuation) {
  for (;;) {
    while (auto resp = imap_.next()) {
      int idx = record_server(resp->raw, resp->raw_elided);
      if (ex.transcript_index < 0) ex.transcript_index = idx;
      bool done = tag.empty() || (resp->kind == protocol::imap_kind::tagged && resp->tag == tag) ||
                  (stop_at_continuation && resp->kind == protocol::imap_kind::continuation);
      // Large results (FETCH 1:* on a big mailbox) are legitimate: past max_stored_responses the
      // untagged ones are counted, not kept; the session byte bound still ends an endless stream.
      if (done || ex.imap.size() < max_stored_responses)
        ex.imap.push_back(std::move(*resp));
      else
        ++ex.elided_responses;
      if (done) co_return read_outcome{};
    }
    auto r = co_await fill(imap_);
    if (!r.ok()) {
      if (r.status == read_status::eof) {
        if (auto part = imap_.finish()) {
          int idx = record_server(part->raw, part->raw_elided);
          if (ex.transcript_index < 0) ex.transcript_index = idx;
          ex.imap.push_back(std::move(*part));
        }
        ex.closed_after = true;
        meta("server closed the connection");
      } else {
        record_partial(imap_, r);
        ex.timed_out = true;  // deadline, bound or I/O error: the response is incomplete
      }
      co_return r;
    }
  }
}

asio::awaitable<read_outcome> wire::read_until_close(exchange& ex) {
  std::string got = take_pending();
  for (;;) {
    if (*bytes_read_ >= max_bytes_) {
      if (!got.empty()) record_server(got);
      co_return read_outcome{read_status::over_limit, "server kept sending while a close was expected"};
    }
    auto r = co_await conn_.read_some();
    if (!r.io.ok()) {
      if (!got.empty()) {
        int idx = record_server(got);
        if (ex.transcript_index < 0) ex.transcript_index = idx;
        rec_.unsolicited.push_back(secrets_.redact(got));
      }
      if (r.io.status == net::io_status::eof || r.io.status == net::io_status::reset) {
        ex.closed_after = true;
        meta("server closed the connection");
        co_return read_outcome{};
      }
      read_status st = r.io.status == net::io_status::timeout ? read_status::timeout : read_status::io_error;
      if (st == read_status::timeout) ex.timed_out = true;
      meta(std::string(to_string(st)) + ": " + r.io.message);
      co_return read_outcome{st, r.io.message};
    }
    *bytes_read_ += r.data.size();
    if (got.size() < transcript::max_entry_bytes) got.append(r.data.substr(0, transcript::max_entry_bytes - got.size()));
  }
}

tls_facts wire::pre_handshake_evidence() {
  tls_facts facts;
  std::string pending = take_pending();
  if (pending.empty()) return facts;
  facts.plaintext_bytes_before_handshake = pending.size();
  facts.plaintext_before_handshake = secrets_.redact(pending.substr(0, 4096));
  meta("evidence: " + std::to_string(pending.size()) +
       " plaintext bytes were buffered before the TLS handshake and are discarded: " +
       visible(facts.plaintext_before_handshake));
  return facts;
}

std::string wire::take_pending() {
  std::string p = smtp_.pending() + pop3_.pending() + imap_.pending();
  smtp_.clear();
  pop3_.clear();
  imap_.clear();
  return p;
}

}  // namespace mailspec::session
