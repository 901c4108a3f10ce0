// SMTP fixtures: the messages submitted before the steps (RFC 5321 §3.3 mail transactions,
// RFC 4954 AUTH PLAIN, RFC 3207 STARTTLS).
#include "core/secret.hpp"
#include "session/fixtures_detail.hpp"

namespace mailspec::session::fixtures_detail {

namespace {

struct reply {
  int code = -1;
  std::string text;  // the reply as received (redacted), or the I/O error
};

// Parameters by value: g++ 12 mishandles some temporaries bound to references across co_await.
asio::awaitable<reply> smtp_cmd(run_state& st, const step_result& sr, std::string bytes, std::string shown,
                                std::string verb) {
  exchange ex = new_exchange(st, sr.index, sr.id);
  ex.greeting = bytes.empty();
  ex.command = shown;
  ex.verb = verb;
  st.c->w.set_deadline_ms(bounded(st.opt.connection.timeout_ms, st.sc.time.step_ms, st.c->cap_ms));
  read_outcome io;
  if (!bytes.empty()) io = co_await st.c->w.send(bytes);
  if (io.ok()) io = co_await st.c->w.read_smtp(ex);
  reply out;
  if (io.ok() && !ex.smtp.empty()) {
    out.code = ex.smtp.back().code;
    out.text = st.secrets.redact(ex.smtp.back().raw());
    while (!out.text.empty() && (out.text.back() == '\n' || out.text.back() == '\r')) out.text.pop_back();
  } else {
    out.text = std::string(to_string(io.status)) + ": " + io.message;
  }
  st.record_exchange(std::move(ex));
  co_return out;
}

std::string dot_stuffed(const std::string& crlf_message) {
  std::string out;
  std::size_t pos = 0;
  while (pos < crlf_message.size()) {
    auto end = crlf_message.find("\r\n", pos);
    if (end == std::string::npos) end = crlf_message.size();
    if (crlf_message[pos] == '.') out += '.';
    out.append(crlf_message, pos, end - pos);
    out += "\r\n";
    pos = end + 2;
  }
  return out + ".\r\n";
}

// Sends a command and checks its reply class; false with sr.message set.
asio::awaitable<bool> expect(run_state& st, step_result& sr, std::string line, int want_class, std::string shown = {}) {
  std::string verb = line.substr(0, line.find_first_of(" :"));
  std::string bytes = line.empty() ? std::string() : line + "\r\n";
  if (shown.empty()) shown = line;
  auto r = co_await smtp_cmd(st, sr, bytes, shown, verb);
  if (r.code / 100 == want_class) co_return true;
  sr.message = (line.empty() ? std::string("greeting") : shown) + ": " + r.text;
  co_return false;
}

}  // namespace

asio::awaitable<bool> smtp_submit(run_state& st, step_result& sr) {
  const auto& f = *st.sc.fixtures;
  const std::string ehlo = "EHLO " + st.opt.connection.helo_name();
  if (!co_await expect(st, sr, "", 2) || !co_await expect(st, sr, ehlo, 2)) co_return false;
  if (st.c->tls == scenario::tls_mode::starttls) {
    std::string why;
    if (!co_await expect(st, sr, "STARTTLS", 2)) co_return false;
    if (!co_await starttls(st, why)) {
      sr.message = why;
      co_return false;
    }
    if (!co_await expect(st, sr, ehlo, 2)) co_return false;
  }
  std::string from;
  std::vector<std::string> to;
  std::string user, pass;
  try {
    from = st.expand(f.from->text, "").text;
    for (const auto& t : f.to) to.push_back(st.expand(t.text, "").text);
    if (f.user) user = st.expand(f.user->text, "").text;
    if (f.pass) pass = st.expand(f.pass->text, "").text;
  } catch (const std::exception& e) {
    sr.message = std::string("cannot expand: ") + e.what();
    co_return false;
  }
  if (f.user) {
    if (auto why = st.secret_refusal(); !why.empty()) {
      sr.message = why + " (the fixtures' AUTH); nothing sent";
      co_return false;
    }
    st.secrets.add("pass", pass);
    const std::string blob = base64_encode(std::string(1, '\0') + user + std::string(1, '\0') + pass);
    st.secrets.add_derived("pass", blob);
    std::string line = "AUTH PLAIN " + blob;
    std::string shown = "AUTH PLAIN " + st.secrets.redact(blob);
    if (!co_await expect(st, sr, line, 2, shown)) co_return false;
  }
  for (const auto& m : f.messages) {
    std::string mail = "MAIL FROM:<" + from + ">";
    if (!co_await expect(st, sr, mail, 2)) co_return false;
    for (const auto& rcpt : to) {
      std::string line = "RCPT TO:<" + rcpt + ">";
      if (!co_await expect(st, sr, line, 2)) co_return false;
    }
    if (!co_await expect(st, sr, "DATA", 3)) co_return false;
    std::string body = dot_stuffed(m.content);
    std::string shown = "<message " + m.file + ", " + std::to_string(body.size()) + " bytes>";
    auto r = co_await smtp_cmd(st, sr, body, shown, "DATA-BODY");
    if (r.code / 100 != 2) {
      sr.message = "message " + m.file + " not accepted: " + r.text;
      co_return false;
    }
  }
  co_await expect(st, sr, "QUIT", 2);
  exchange ex = new_exchange(st, sr.index, sr.id);
  st.c->w.set_deadline_ms(2000);
  co_await st.c->w.read_until_close(ex);
  st.record_exchange(std::move(ex));
  sr.message = std::to_string(f.messages.size()) + " message(s) submitted";
  co_return true;
}

}  // namespace mailspec::session::fixtures_detail
