// Message fixtures (docs/scenario-format.md, "Fixtures"). IMAP: a connection of its own logs in,
// creates the case's scratch mailbox (personal namespace prefix + "mailspec-" + run id) and
// appends the messages; after the steps another connection deletes that mailbox, whatever
// happened to the case. SMTP: the messages are submitted before the steps (nothing to undo).
#include <algorithm>
#include <cctype>

#include "core/secret.hpp"
#include "core/text.hpp"
#include "core/transcript.hpp"
#include "protocol/imap_data.hpp"
#include "session/fixtures_detail.hpp"
#include "session/state.hpp"

namespace mailspec::session {

namespace fx = fixtures_detail;

namespace fixtures_detail {

std::int64_t bounded(std::int64_t override_ms, std::int64_t ms, std::int64_t cap) {
  std::int64_t v = override_ms > 0 ? override_ms : ms;
  return cap > 0 ? std::min(v, cap) : v;
}

exchange new_exchange(run_state& st, int step, const std::string& id) {
  exchange ex;
  ex.step = step;
  ex.step_id = id;
  ex.chan = st.c->w.chan();
  ex.conn = st.c->name;
  return ex;
}

asio::awaitable<bool> starttls(run_state& st, std::string& why) {
  net::tls_options to = net::tls_options_for(st.opt.connection, tls_mode::starttls);
  std::int64_t ms = bounded(st.opt.connection.timeout_ms, st.sc.time.tls_ms, st.c->cap_ms);
  to.timeout = std::chrono::milliseconds(ms);
  st.c->w.set_deadline_ms(ms);
  tls_facts facts = st.c->w.pre_handshake_evidence();
  auto io = co_await st.c->conn.start_tls(to, st.opt.host, facts);
  st.c->tls_verified = io.ok() && facts.chain_ok && facts.hostname_ok;
  st.c->w.meta(io.ok() ? "TLS " + facts.version + " " + facts.cipher + ", verify: " + facts.verify_error
                       : "TLS handshake failed: " + io.message);
  st.rec.result.tls.push_back(std::move(facts));
  if (!io.ok()) why = "STARTTLS handshake failed: " + io.message;
  co_return io.ok();
}

}  // namespace fixtures_detail

namespace {

std::string quoted(const std::string& mailbox) { return protocol::imap_quote(mailbox); }

// One IMAP command (and an APPEND literal after the continuation); recorded as an exchange.
// Parameters by value: g++ 12 mishandles some temporaries bound to references across co_await.
asio::awaitable<fx::cmd_result> imap_cmd(run_state& st, int step, std::string id, std::string text,
                                         std::string literal = {}) {
  fx::cmd_result out;
  exchange ex = fx::new_exchange(st, step, id);
  ex.tag = st.next_tag();
  const std::string line = ex.tag + " " + text;
  ex.command = st.secrets.redact(line);
  ex.verb = text.substr(0, text.find(' '));
  st.c->w.set_deadline_ms(fx::bounded(st.opt.connection.timeout_ms, st.sc.time.step_ms, st.c->cap_ms));
  const std::string bytes = line + "\r\n";
  const std::string tag = ex.tag;
  auto io = co_await st.c->w.send(bytes);
  if (io.ok()) io = co_await st.c->w.read_imap(ex, tag, true);
  if (io.ok() && !ex.imap.empty() && ex.imap.back().kind == protocol::imap_kind::continuation) {
    const std::string data = literal + "\r\n";
    io = co_await st.c->w.send(data);
    if (io.ok()) io = co_await st.c->w.read_imap(ex, tag, false);
  }
  const auto* last = ex.imap.empty() ? nullptr : &ex.imap.back();
  const bool tagged = last && last->kind == protocol::imap_kind::tagged && last->tag == ex.tag;
  out.ok = io.ok() && tagged && last->status == "OK";
  out.status = tagged ? last->status : "";
  out.code = tagged ? last->code_name() : "";
  out.why = !io.ok() ? std::string(to_string(io.status)) + ": " + io.message
                     : last ? st.secrets.redact(last->raw) : std::string("no response");
  while (!out.why.empty() && (out.why.back() == '\n' || out.why.back() == '\r')) out.why.pop_back();
  for (const auto& r : ex.imap)
    if (r.kind == protocol::imap_kind::untagged) out.untagged.push_back(r);
  st.record_exchange(std::move(ex));
  co_return out;
}

// The personal namespace's prefix (RFC 2342): "" when NAMESPACE is not answered.
std::string personal_prefix(const fx::cmd_result& r) {
  for (const auto& u : r.untagged) {
    if (u.keyword != "NAMESPACE") continue;
    auto d = protocol::parse_imap_data(u);
    if (d.items.size() < 3 || d.items[2].kind != protocol::imap_value::type::list || d.items[2].items.empty()) continue;
    const auto& first = d.items[2].items.front();
    if (first.kind == protocol::imap_value::type::list && !first.items.empty() &&
        first.items.front().kind == protocol::imap_value::type::string)
      return first.items.front().text;
  }
  return "";
}

// Names in the LIST (or LSUB) answer to "<scratch>*" that are the case's: under its scratch
// mailbox ("<scratch><delimiter>..."), and with `self` the scratch name itself; deepest first, as
// a server may refuse to delete a name that has inferiors (RFC 9051 §6.3.5), and DELETE of the
// scratch mailbox never removes them. Names that merely share the prefix (another case's
// "<scratch>0") are not the case's and are left alone.
std::vector<std::string> scratch_names(const fx::cmd_result& r, const std::string& scratch, const std::string& keyword,
                                       bool self) {
  constexpr std::size_t max_names = 100;
  std::vector<std::string> out;
  for (const auto& u : r.untagged) {
    if (u.keyword != keyword || out.size() >= max_names) continue;
    auto d = protocol::parse_imap_data(u);
    if (d.items.size() < 5 || d.items[4].kind == protocol::imap_value::type::list) continue;  // atom, string or literal
    const std::string& name = d.items[4].text;
    const bool delimited = d.items[3].kind == protocol::imap_value::type::string && d.items[3].text.size() == 1;
    if ((self && name == scratch) || (delimited && name.size() > scratch.size() + 1 &&
                                      name.compare(0, scratch.size(), scratch) == 0 &&
                                      name[scratch.size()] == d.items[3].text[0]))
      out.push_back(name);
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  return out;
}

std::vector<std::string> scratch_inferiors(const fx::cmd_result& r, const std::string& scratch) {
  return scratch_names(r, scratch, "LIST", false);
}

// Whether a step of the case sent SUBSCRIBE: a case that failed between its SUBSCRIBE and
// UNSUBSCRIBE leaves a subscription, which DELETE does not remove (RFC 3501 §6.3.6: "The server
// MUST NOT unilaterally remove an existing mailbox name from the subscription list even if a
// mailbox by that name no longer exists.").
bool case_subscribed(const record& rec) {
  return std::any_of(rec.exchanges.begin(), rec.exchanges.end(), [](const exchange& ex) {
    return ex.conn != "setup" && ex.conn != "cleanup" && ex.verb == "SUBSCRIBE";
  });
}

// MESSAGES of a STATUS answer, -1 when there is none.
long long messages_of(const fx::cmd_result& r) {
  for (const auto& u : r.untagged) {
    if (u.keyword != "STATUS") continue;
    auto d = protocol::parse_imap_data(u);
    if (d.items.size() < 4 || d.items[3].kind != protocol::imap_value::type::list) continue;
    const auto& l = d.items[3].items;
    for (std::size_t i = 0; i + 1 < l.size(); ++i) {
      const std::string key = upper(l[i].text);
      if (key == "MESSAGES") {
        try {
          return std::stoll(l[i + 1].text);
        } catch (const std::exception&) {
          return -1;
        }
      }
    }
  }
  return -1;
}

// Greeting, STARTTLS when the connection asks for it, LOGIN. "" when logged in.
asio::awaitable<std::string> imap_login(run_state& st, int step, std::string id) {
  exchange greet = fx::new_exchange(st, step, id);
  greet.greeting = true;
  st.c->w.set_deadline_ms(fx::bounded(st.opt.connection.timeout_ms, st.sc.time.step_ms, st.c->cap_ms));
  const std::string no_tag;
  auto io = co_await st.c->w.read_imap(greet, no_tag, false);
  const bool ok = io.ok() && !greet.imap.empty() && greet.imap.front().status == "OK";
  st.record_exchange(std::move(greet));
  if (!ok) co_return "no OK greeting" + (io.ok() ? std::string() : ": " + io.message);
  if (st.c->tls == scenario::tls_mode::starttls) {
    auto r = co_await imap_cmd(st, step, id, std::string("STARTTLS"));
    if (!r.ok) co_return "STARTTLS refused: " + r.why;
    std::string why;
    if (!co_await fx::starttls(st, why)) co_return why;
  }
  if (auto why = st.secret_refusal(); !why.empty()) co_return why + " (the fixtures' LOGIN); nothing sent";
  const auto& f = *st.sc.fixtures;
  std::string user, pass;
  try {
    user = st.expand(f.user->text, "").text;
    pass = st.expand(f.pass->text, "").text;
  } catch (const std::exception& e) {
    co_return std::string("cannot expand: ") + e.what();
  }
  st.secrets.add("pass", pass);
  st.secrets.add_derived("pass", quoted(pass));
  std::string login = "LOGIN " + quoted(user) + " " + quoted(pass);
  auto r = co_await imap_cmd(st, step, id, login);
  co_return r.ok ? std::string() : "LOGIN failed: " + r.why;
}

asio::awaitable<void> imap_logout(run_state& st, int step, std::string id) {
  co_await imap_cmd(st, step, id, std::string("LOGOUT"));
  exchange ex = fx::new_exchange(st, step, id);
  st.c->w.set_deadline_ms(2000);
  co_await st.c->w.read_until_close(ex);
  st.record_exchange(std::move(ex));
  st.c->conn.close();
}

std::string flags_of(const scenario::fixture_message& m) {
  if (m.flags.empty()) return "";
  std::string out = "(";
  for (std::size_t i = 0; i < m.flags.size(); ++i) {
    if (i > 0) out += ' ';
    out += m.flags[i];
  }
  return out + ") ";
}

asio::awaitable<bool> imap_setup(run_state& st, fixture_state& fs, step_result& sr) {
  if (auto why = co_await imap_login(st, sr.index, sr.id); !why.empty()) {
    sr.message = why;
    co_return false;
  }
  auto ns = co_await imap_cmd(st, sr.index, sr.id, std::string("NAMESPACE"));
  const std::string run_id = st.opt.run_id.empty() ? "case" : st.opt.run_id;
  const std::string name = personal_prefix(ns) + "mailspec-" + run_id;
  std::string create = "CREATE " + quoted(name);
  auto created = co_await imap_cmd(st, sr.index, sr.id, create);
  bool adopted = false;
  if (!created.ok && created.code == "ALREADYEXISTS") {
    // Under concurrent CREATEs some servers (Dovecot 2.3, maildir) answer NO [ALREADYEXISTS] to a
    // CREATE they carried out. The name is unique to this case and run; when it holds no message
    // it is taken as this case's (deleting it afterwards cannot lose anything of the user's).
    std::string status = "STATUS " + quoted(name) + " (MESSAGES)";
    auto r = co_await imap_cmd(st, sr.index, sr.id, status);
    adopted = r.ok && messages_of(r) == 0;
  }
  if (!created.ok && !adopted) {
    sr.message = "CREATE " + name + " failed: " + created.why;
    co_return false;
  }
  fs.mailbox_created = true;
  fs.mailbox = name;
  st.scratch_mailbox = name;
  std::size_t n = 0;
  for (const auto& m : st.sc.fixtures->messages) {
    std::string cmd = "APPEND " + quoted(name) + " " + flags_of(m) + "{" + std::to_string(m.content.size()) + "}";
    auto r = co_await imap_cmd(st, sr.index, sr.id, cmd, m.content);
    if (!r.ok) {
      sr.message = "APPEND of " + m.file + " failed: " + r.why;
      co_return false;
    }
    ++n;
  }
  co_await imap_logout(st, sr.index, sr.id);
  sr.message = "scratch mailbox " + name + " created, " + std::to_string(n) + " message(s) appended" +
               (adopted ? " (the server answered NO [ALREADYEXISTS] to its CREATE; STATUS found it empty)" : "");
  co_return true;
}

void start_step(run_state& st, step_result& sr, int index, const char* id) {
  sr.index = index;
  sr.id = id;
  sr.action = "fixtures";
  st.c->w.set_step(index);
}

// UNSUBSCRIBE of the subscriptions at or under the scratch name (LSUB, or LIST (SUBSCRIBED) on a
// server without LSUB); a refusal is recorded in `why`. Returns how many were removed.
asio::awaitable<std::size_t> drop_subscriptions(run_state& st, step_result& sr, const std::string& scratch,
                                                std::string& why) {
  // Named locals, not temporaries, in co_await arguments (g++ 12; see session/judge.cpp).
  std::string keyword = "LSUB";
  std::string lsub = "LSUB \"\" " + quoted(scratch + "*");
  auto subs = co_await imap_cmd(st, sr.index, sr.id, lsub);
  if (!subs.ok) {
    keyword = "LIST";
    std::string list = "LIST (SUBSCRIBED) \"\" " + quoted(scratch + "*");
    subs = co_await imap_cmd(st, sr.index, sr.id, list);
  }
  std::size_t removed = 0;
  for (const auto& name : scratch_names(subs, scratch, keyword, true)) {
    std::string unsubscribe = "UNSUBSCRIBE " + quoted(name);
    auto r = co_await imap_cmd(st, sr.index, sr.id, unsubscribe);
    if (r.ok) ++removed;
    else if (why.empty()) why = "UNSUBSCRIBE of " + name + " failed: " + r.why;
  }
  co_return removed;
}

}  // namespace

asio::awaitable<bool> setup_fixtures(run_state& st, fixture_state& fs) {
  const bool imap = st.sc.protocol == scenario::protocol_kind::imap;
  st.c = &st.make_connection("setup", st.opt.port, st.sc.tls);
  step_result sr;
  start_step(st, sr, static_cast<int>(st.sc.steps.size()), "fixtures-setup");
  sr.expected = imap ? "a scratch mailbox with the fixture messages" : "the fixture messages submitted";
  const auto t0 = st.c->w.now_ms();
  std::string why;
  bool ok = co_await open_connection(st, *st.c, true, why);
  if (!ok) sr.message = why;
  else ok = imap ? co_await imap_setup(st, fs, sr) : co_await fx::smtp_submit(st, sr);
  st.c->conn.close();
  st.c->closed = true;
  sr.result = ok ? verdict::pass : verdict::error;
  if (!ok) sr.message = "fixtures could not be set up, nothing tested: " + sr.message;
  sr.duration_ms = st.c->w.now_ms() - t0;
  st.rec.result.steps.push_back(std::move(sr));
  st.c = nullptr;
  co_return ok;
}

asio::awaitable<void> cleanup_fixtures(run_state& st, fixture_state& fs) {
  constexpr std::int64_t cap_ms = 5000;  // an interrupted run waits this long at most per operation
  st.c = &st.make_connection("cleanup", st.opt.port, st.sc.tls);
  st.c->cap_ms = cap_ms;
  step_result sr;
  start_step(st, sr, static_cast<int>(st.sc.steps.size()) + 1, "fixtures-cleanup");
  sr.expected = "DELETE of the scratch mailbox " + fs.mailbox;
  const auto t0 = st.c->w.now_ms();
  std::string why;
  bool ok = co_await open_connection(st, *st.c, false, why);
  if (ok) why = co_await imap_login(st, sr.index, sr.id);
  std::size_t inferiors = 0, unsubscribed = 0;
  if (ok && why.empty()) {
    std::string list = "LIST \"\" " + quoted(fs.mailbox + "*");
    auto listed = co_await imap_cmd(st, sr.index, sr.id, list);
    const auto names = scratch_inferiors(listed, fs.mailbox);
    for (const auto& name : names) {
      std::string del_inferior = "DELETE " + quoted(name);
      auto r = co_await imap_cmd(st, sr.index, sr.id, del_inferior);
      if (r.ok || r.code == "NONEXISTENT") ++inferiors;
      else if (why.empty()) why = "DELETE of " + name + " failed: " + r.why;
    }
    // A refused DELETE may be of a name that went away with its last inferior (a \Noselect
    // level): only what is still listed is left behind.
    if (!why.empty()) {
      auto again = co_await imap_cmd(st, sr.index, sr.id, list);
      if (again.ok && scratch_inferiors(again, fs.mailbox).empty()) why.clear();
    }
    std::string del = "DELETE " + quoted(fs.mailbox);
    auto r = co_await imap_cmd(st, sr.index, sr.id, del);
    // Already gone (a step deleted it): nothing left behind.
    ok = (r.ok || r.code == "NONEXISTENT") && why.empty();
    if (!r.ok && r.code != "NONEXISTENT") why = "DELETE failed: " + r.why;
    if (case_subscribed(st.rec)) {
      unsubscribed = co_await drop_subscriptions(st, sr, fs.mailbox, why);
      ok = ok && why.empty();
    }
    co_await imap_logout(st, sr.index, sr.id);
  } else {
    ok = false;
  }
  st.c->conn.close();
  sr.result = ok ? verdict::pass : verdict::error;
  sr.message = ok ? "scratch mailbox " + fs.mailbox + " deleted" +
                       (inferiors ? " (and " + std::to_string(inferiors) + " mailbox(es) under it)" : "") +
                       (unsubscribed ? ", " + std::to_string(unsubscribed) + " subscription(s) removed" : "")
                  : "the scratch mailbox " + fs.mailbox + " may be left in the account: " + why;
  sr.duration_ms = st.c->w.now_ms() - t0;
  st.rec.result.steps.push_back(std::move(sr));
}

}  // namespace mailspec::session
