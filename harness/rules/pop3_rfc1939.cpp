// RFC 1939 (POP3): status indicators, line endings, multi-line framing, greeting, listings.
#include "rules/detail.hpp"
#include "session/throttle.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::defect_kind;
using protocol::pop3_status;

template <class F>
void each_pop3_response(const record& rec, F f) {
  for (const auto& ex : rec.exchanges)
    for (const auto& r : ex.pop3) f(ex, r);
}

void status_indicator(context& c) {
  each_pop3_response(c.rec, [&](const exchange& ex, const protocol::pop3_response& r) {
    bool ok = r.status != pop3_status::malformed && !has_defect(r.defects, defect_kind::malformed_code);
    if (r.status == pop3_status::continuation && ex.verb != "AUTH") ok = false;
    if (ok) c.held(&ex);
    else c.broken(&ex, "\"+OK\" or \"-ERR\" in upper case", r.status_line);
  });
}

void pop3_crlf_endings(context& c) {
  each_pop3_response(c.rec, [&](const exchange& ex, const protocol::pop3_response& r) {
    if (has_defect(r.defects, defect_kind::bare_lf) || has_defect(r.defects, defect_kind::bare_cr))
      c.broken(&ex, "every line ends with CRLF", r.raw);
    else c.held(&ex);
  });
}

void multiline_terminated(context& c) {
  each_pop3_response(c.rec, [&](const exchange& ex, const protocol::pop3_response& r) {
    if (!r.multiline || ex.timed_out) return;
    if (r.terminated) c.held(&ex);
    else c.broken(&ex, "a multi-line response ends with \".\" CRLF", r.raw.substr(r.raw.size() > 200 ? r.raw.size() - 200 : 0));
  });
}

void dot_stuffing(context& c) {
  each_pop3_response(c.rec, [&](const exchange& ex, const protocol::pop3_response& r) {
    if (!r.multiline) return;
    if (r.unstuffed_dot_lines.empty()) c.held(&ex);
    else c.broken(&ex, "lines beginning with \".\" are byte-stuffed (\"..\")", r.unstuffed_dot_lines.front());
  });
}

void greeting_ok(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!ex.greeting || ex.pop3.empty()) continue;
    if (ex.pop3.front().status == pop3_status::ok) c.held(&ex, ex.pop3.front().status_line);
    else if (!session::throttle_signal(ex).empty())  // -ERR [IN-USE] / [SYS/TEMP]: untested, not a fail
      c.emit(&ex, verdict::error, "a positive (+OK) greeting", ex.pop3.front().status_line,
             "the server refused the connection for now (throttled): not judged");
    else c.broken(&ex, "a positive (+OK) greeting", ex.pop3.front().status_line);
  }
}

void pop3_line_length(context& c) {
  each_pop3_response(c.rec, [&](const exchange& ex, const protocol::pop3_response& r) {
    if (r.status_line.size() > 512) c.broken(&ex, "at most 512 octets, CRLF included", r.status_line.substr(0, 200),
                                              std::to_string(r.status_line.size()) + " octets");
    else c.held(&ex);
  });
}

bool two_numbers(std::string_view text) {
  auto w = split_ws(text);
  return w.size() >= 2 && all_digits(w[0]) && all_digits(w[1]) && text.substr(0, 1) != " ";
}

void stat_format(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (upper(ex.command) != "STAT" || ex.pop3.empty() || ex.pop3.front().status != pop3_status::ok) continue;
    if (two_numbers(ex.pop3.front().text)) c.held(&ex);
    else c.broken(&ex, "+OK nn mm (message count, maildrop size)", ex.pop3.front().status_line);
  }
}

void scan_listing(context& c, std::string_view verb, bool uid) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.verb != verb || ex.pop3.empty() || ex.pop3.front().status != pop3_status::ok) continue;
    const auto& r = ex.pop3.front();
    std::vector<std::string> lines = r.multiline ? r.body.to_vector() : std::vector<std::string>{r.text};
    bool ok = true;
    for (const auto& l : lines) {
      auto w = split_ws(l);
      bool good = w.size() >= 2 && all_digits(w[0]) && l.front() != ' ';
      if (good && uid) {
        good = w[1].size() >= 1 && w[1].size() <= 70;
        for (unsigned char ch : w[1]) good = good && ch >= 0x21 && ch <= 0x7e;
      } else if (good) {
        good = all_digits(w[1]);
      }
      if (!good) {
        c.broken(&ex, uid ? "msg SP unique-id (1-70 chars 0x21-0x7E)" : "msg SP octets", l);
        ok = false;
        break;
      }
    }
    if (ok) c.held(&ex);
  }
}

void pop3_quit_close(context& c) {
  const auto& xs = c.rec.exchanges;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (upper(xs[i].command) != "QUIT" || xs[i].pop3.empty() || xs[i].pop3.front().status != pop3_status::ok)
      continue;
    if (xs[i].closed_after) {
      c.held(&xs[i]);
      continue;
    }
    for (std::size_t k = i + 1; k < xs.size(); ++k) {
      if (xs[k].conn != xs[i].conn) continue;  // another connection of the scenario goes on
      if (!xs[k].pop3.empty()) {
        c.broken(&xs[i], "the connection closed after +OK to QUIT", xs[k].pop3.front().raw);
        break;
      }
      if (xs[k].closed_after) {
        c.held(&xs[i]);
        break;
      }
      if (xs[k].command.empty() && xs[k].timed_out) {
        c.broken(&xs[i], "the connection closed after +OK to QUIT", "(connection still open)");
        break;
      }
    }
  }
}

}  // namespace

void add_pop3_rfc1939(std::vector<rule>& v) {
  v.push_back(row("pop3/rfc1939/3/status-indicator", "pop3", "RFC 1939 §3", level::must,
                  "There are currently two status indicators: positive (\"+OK\") and negative (\"-ERR\"). Servers "
                  "MUST send the \"+OK\" and \"-ERR\" in upper case.",
                  status_indicator));
  v.push_back(row("pop3/rfc1939/3/crlf-line-endings", "pop3", "RFC 1939 §3", level::must,
                  "Responses in the POP3 consist of a status indicator and a keyword possibly followed by "
                  "additional information. All responses are terminated by a CRLF pair.",
                  pop3_crlf_endings));
  v.push_back(row("pop3/rfc1939/3/multiline-terminated", "pop3", "RFC 1939 §3", level::must,
                  "When all lines of the response have been sent, a final line is sent, consisting of a "
                  "termination octet (decimal code 046, \".\") and a CRLF pair.",
                  multiline_terminated));
  v.push_back(row("pop3/rfc1939/3/dot-stuffing", "pop3", "RFC 1939 §3", level::must,
                  "If any line of the multi-line response begins with the termination octet, the line is "
                  "\"byte-stuffed\" by pre-pending the termination octet to that line of the response.",
                  dot_stuffing));
  v.push_back(row("pop3/rfc1939/4/greeting-ok", "pop3", "RFC 1939 §4", level::must,
                  "Once the TCP connection has been opened by a POP3 client, the POP3 server issues a one line "
                  "greeting. This can be any positive response.",
                  greeting_ok));
  v.push_back(row("pop3/rfc1939/3/response-length", "pop3", "RFC 2449 §4 (RFC 1939 §3)", level::must,
                  "The maximum length of the first line of a command response (including the initial greeting) is "
                  "unchanged at 512 octets (including the terminating CRLF). (RFC 2449 §4; RFC 1939 §3 set the "
                  "limit)",
                  pop3_line_length));
  v.push_back(row("pop3/rfc1939/5/stat-format", "pop3", "RFC 1939 §5 (STAT)", level::must,
                  "The positive response consists of \"+OK\" followed by a single space, the number of messages "
                  "in the maildrop, a single space, and the size of the maildrop in octets.",
                  stat_format));
  v.push_back(row("pop3/rfc1939/5/scan-listing", "pop3", "RFC 1939 §5 (LIST)", level::must,
                  "In order to simplify parsing, all POP3 servers are required to use a certain format for scan "
                  "listings. A scan listing consists of the message-number of the message, followed by a single "
                  "space and the exact size of the message in octets.",
                  [](context& c) { scan_listing(c, "LIST", false); }));
  v.push_back(row("pop3/rfc1939/7/uidl-format", "pop3", "RFC 1939 §7 (UIDL)", level::must,
                  "Summary: The unique-id of a message is an arbitrary server-determined string, consisting of one to 70 "
                  "characters in the range 0x21 to 0x7E, which uniquely identifies a message within a maildrop.",
                  [](context& c) { scan_listing(c, "UIDL", true); }));
  v.push_back(row("pop3/rfc1939/6/quit-close", "pop3", "RFC 1939 §6, §3", level::must,
                  "Summary: Whether the removal was successful or not, the server then releases any exclusive-access lock on "
                  "the maildrop and closes the TCP connection. (§6) ... When the client has issued the QUIT "
                  "command, the session enters the UPDATE state. In this state, the POP3 server releases any "
                  "resources acquired during the TRANSACTION state and says goodbye. The TCP connection is then "
                  "closed. (§3)",
                  pop3_quit_close));
}

}  // namespace mailspec::rules::detail
