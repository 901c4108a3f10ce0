// The opt-in SMTP smuggling probe (smuggling.hpp): one connection per variant, one test message
// from --from to --rcpt whose body holds the variant's bytes, every reply counted.
#include <algorithm>

#include "audit/probes.hpp"
#include "audit/smuggling.hpp"
#include "core/text.hpp"

namespace mailspec::audit::detail {

namespace {

using std::chrono::milliseconds;

// Replies that can follow the message's own one (a NOOP, the lines after it, a goodbye); the
// rest is not read.
constexpr int max_extra_replies = 6;

int code_of(const probe& p, const cmd_result& r) {
  const auto& e = p.ex(r.ex);
  return e.smtp.empty() ? 0 : e.smtp.front().code;
}

smuggling_attempt not_tested(const probe& p, const cmd_result& r, const std::string& what) {
  std::string reply = reply_text(p.ex(r.ex));
  return {smuggling_outcome::not_tested, what + ": " + (reply.empty() ? r.io.message : reply)};
}

// EHLO, and STARTTLS when the port offers it (the test message then travels encrypted): false
// when the connection is no longer usable for the test.
asio::awaitable<bool> hello(probe& p, smuggling_attempt& a) {
  auto caps = co_await p.capabilities();
  if (p.facts.throttled) co_return false;
  const bool offered = std::find(caps.begin(), caps.end(), "STARTTLS") != caps.end();
  if (p.port.tls != tls_mode::starttls || !offered) co_return true;
  if (!co_await p.starttls()) co_return !p.facts.throttled;  // refused: the test goes on in plaintext
  if (!co_await p.handshake(p.tls_defaults(tls_mode::starttls))) {
    a.evidence = "the TLS handshake after STARTTLS failed: " + p.rec.result.tls.back().handshake_error;
    co_return false;
  }
  co_await p.capabilities();
  co_return !p.facts.throttled;
}

// The replies to the message: the first under the reply deadline, then any more that arrive
// within a short wait (a server that ended DATA early answers the NOOP at once).
asio::awaitable<smuggling_attempt> send_message(probe& p, const smuggling_variant& v) {
  auto r = co_await p.raw("<message data with " + std::string(v.label) + ">",
                          smuggling_message(v, p.opt.smuggling_from, p.opt.smuggling_rcpt));
  const auto& e = p.ex(r.ex);
  if (e.smtp.empty()) {
    if (r.io.status == session::read_status::eof || r.io.status == session::read_status::io_error)
      co_return smuggling_attempt{smuggling_outcome::rejected, "the server closed the connection without a reply"};
    co_return smuggling_attempt{smuggling_outcome::no_answer, r.io.message};
  }
  const auto wait = milliseconds(std::min<std::int64_t>(800, p.reply_timeout().count()));
  for (int i = 0; i < max_extra_replies && r.io.ok(); ++i)
    if (!(co_await p.read_more(r.ex, wait)).ok()) break;
  std::vector<std::string> replies;
  for (const auto& reply : e.smtp) replies.push_back(first_line(reply.raw()));
  smuggling_attempt a{smuggling_outcome::accepted, mailspec::join(replies, " | ")};
  const int code = e.smtp.front().code;
  if (v.end_of_data && e.smtp.size() > 1) a.result = smuggling_outcome::ends_data;
  else if (code >= 500) a.result = smuggling_outcome::rejected;
  else if (code >= 400 || code < 200) a.result = smuggling_outcome::not_tested;  // temporary: says nothing
  co_return a;
}

asio::awaitable<smuggling_attempt> smuggle(probe& p, const smuggling_variant& v) {
  smuggling_attempt a{smuggling_outcome::not_tested, ""};
  if (!co_await hello(p, a)) {
    if (a.evidence.empty()) a.evidence = p.facts.throttled ? *p.facts.throttled : "EHLO failed";
    co_return a;
  }
  auto r = co_await p.command("MAIL FROM:<" + p.opt.smuggling_from + ">");
  if (code_of(p, r) != 250) co_return not_tested(p, r, "MAIL FROM refused");
  r = co_await p.command("RCPT TO:<" + p.opt.smuggling_rcpt + ">");
  if (code_of(p, r) != 250 && code_of(p, r) != 251) co_return not_tested(p, r, "RCPT TO refused");
  r = co_await p.command("DATA");
  if (code_of(p, r) != 354) co_return not_tested(p, r, "DATA refused");
  p.meta("probe: one test message to " + p.opt.smuggling_rcpt + " whose body holds " + std::string(v.label) +
         (v.end_of_data ? " followed by a NOOP line: a server that ends DATA there answers the NOOP (SMTP smuggling)"
                        : " inside a line: the hardened answer is a 5xx reply"));
  co_return co_await send_message(p, v);
}

}  // namespace

asio::awaitable<session::record> probe_smuggling(const options& opt, const port_spec& port, std::string variant) {
  auto ex = co_await asio::this_coro::executor;
  probe p(ex, opt, port, probe_family::smtp_smuggling);
  const smuggling_variant* v = find_smuggling_variant(variant);
  smuggling_attempt a{smuggling_outcome::not_tested, "unknown variant \"" + variant + "\""};
  if (v && !opt.smuggling_rcpt.empty() && co_await p.open() && co_await p.greet()) a = co_await smuggle(p, *v);
  if (!p.facts.untested()) p.facts.smuggling[variant] = a;
  co_await p.close();
  co_return p.take();
}

}  // namespace mailspec::audit::detail
