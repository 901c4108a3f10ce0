// The scripted IMAP server (RFC 9051 / RFC 3501, RFC 2595 STARTTLS): an empty INBOX, enough for
// a client to log in, list, select, search and log out.
#include "core/text.hpp"
#include "server/dialogue.hpp"

namespace mailspec::server {

namespace {

// The text of an [ALERT] an attacker in the middle could send before TLS.
const char* const alert_text = "Your mailbox is full: confirm your password at http://mailspec.invalid/verify";

class imap : public dialogue {
 public:
  using dialogue::dialogue;

 private:
  std::string greeting() override {
    if (s_.preauth) {
      authed_ = true;
      return "* PREAUTH [CAPABILITY IMAP4rev1] mailspec serve: already logged in\r\n";
    }
    if (s_.alert) return "* OK [ALERT] " + std::string(alert_text) + "\r\n";
    if (s_.untagged_caps || s_.tampered_caps) return "* OK mailspec serve ready\r\n";
    return "* OK [CAPABILITY " + caps() + "] mailspec serve ready\r\n";
  }
  std::string challenge(const std::string& b64) override { return "+ " + b64 + "\r\n"; }
  std::string not_tls_reply(const command& c) override { return c.tag + " BAD TLS not available\r\n"; }

  bool login_disabled() const {
    if (c_.tls()) return s_.tampered_caps;
    return !s_.lure && !s_.tampered_caps;
  }

  // The capabilities on this channel: a correct server offers no login before TLS.
  std::string caps() const {
    std::string c = "IMAP4rev1 LITERAL+";
    if (authed_) return c + " NAMESPACE UIDPLUS";
    if (!c_.tls() && !s_.hide_starttls) c += " STARTTLS";
    if (c_.tls()) c += s_.tampered_caps ? " SASL-IR AUTH=PLAIN" : " SASL-IR AUTH=PLAIN AUTH=LOGIN";
    else if (s_.tampered_caps) c += " AUTH=LOGIN";
    else if (s_.lure) c += " SASL-IR AUTH=PLAIN AUTH=LOGIN";
    if (login_disabled()) c += " LOGINDISABLED";
    return c;
  }

  std::string ok(const command& cmd, const std::string& text) { return cmd.tag + " OK " + text + "\r\n"; }

  asio::awaitable<bool> login(const command& cmd) {
    if (authed_) co_return co_await say(cmd.tag + " BAD Already authenticated\r\n");
    if (login_disabled()) {
      if (c_.tls()) cached("LOGIN over TLS although the capabilities over TLS say LOGINDISABLED (only those before TLS allowed LOGIN)");
      co_return co_await say(cmd.tag + " NO [PRIVACYREQUIRED] LOGIN is disabled\r\n");
    }
    authed_ = true;
    co_return co_await say(ok(cmd, "[CAPABILITY " + caps() + "] LOGIN completed"));
  }

  asio::awaitable<bool> authenticate(const command& cmd) {
    if (authed_) co_return co_await say(cmd.tag + " BAD Already authenticated\r\n");
    auto start = sasl_of("imap", cmd);
    if (!start) co_return co_await say(cmd.tag + " BAD Missing mechanism\r\n");
    if (c_.tls() && s_.tampered_caps && start->mechanism == "LOGIN")
      cached("AUTHENTICATE LOGIN over TLS: only the capabilities before TLS offered AUTH=LOGIN");
    if (!co_await sasl(*start, "AUTHENTICATE " + start->mechanism)) {
      if (!c_.open()) co_return false;
      co_return co_await say(cmd.tag + " NO Authentication failed or mechanism not supported\r\n");
    }
    if (!c_.tls() && !s_.lure) co_return co_await say(cmd.tag + " NO [PRIVACYREQUIRED] TLS required\r\n");
    authed_ = true;
    co_return co_await say(ok(cmd, "[CAPABILITY " + caps() + "] AUTHENTICATE completed"));
  }

  asio::awaitable<bool> capability(const command& cmd) {
    std::string r = "* CAPABILITY " + caps() + "\r\n";
    // After the real answer, before STARTTLS: a list without STARTTLS and LOGINDISABLED.
    if (s_.untagged_caps && !c_.tls() && !authed_) r += "* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN AUTH=LOGIN\r\n";
    co_return co_await say(r + ok(cmd, "CAPABILITY completed"));
  }

  asio::awaitable<bool> idle(const command& cmd) {
    // A client that idles has done its work: end the test instead of waiting for the deadline.
    if (!co_await say("+ idling\r\n")) co_return false;
    if (co_await c_.more_within(clock::now() + std::chrono::seconds(1))) {
      auto done = co_await c_.line(false);
      if (done) t_.rec.add(direction::client, c_.chan(), *done);
      co_return done && co_await say(ok(cmd, "IDLE terminated"));
    }
    co_await say("* BYE mailspec serve: the test is over\r\n");
    co_return false;
  }

  asio::awaitable<bool> selected_commands(const command& cmd) {
    const std::string& v = cmd.verb;
    // Replies are built before the co_await: GCC 12 destroys temporaries of a conditional
    // expression inside a co_await expression twice.
    if (v == "SELECT" || v == "EXAMINE") {
      const std::string done = v == "SELECT" ? "[READ-WRITE] SELECT completed" : "[READ-ONLY] EXAMINE completed";
      const std::string r = "* 0 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] flags\r\n"
                            "* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT 1] next UID\r\n" + ok(cmd, done);
      co_return co_await say(r);
    }
    if (v == "LIST" || v == "LSUB") {
      std::string r = "* " + v;
      if (cmd.args.find("\"\" \"\"") != std::string::npos) r += " (\\Noselect) \"/\" \"\"\r\n";
      else r += " (\\HasNoChildren) \"/\" INBOX\r\n";
      r += ok(cmd, v + " completed");
      co_return co_await say(r);
    }
    if (v == "STATUS")
      co_return co_await say("* STATUS INBOX (MESSAGES 0 RECENT 0 UIDNEXT 1 UIDVALIDITY 1 UNSEEN 0)\r\n" + ok(cmd, "STATUS completed"));
    if (v == "SEARCH" || v == "UID SEARCH") co_return co_await say("* SEARCH\r\n" + ok(cmd, "SEARCH completed"));
    if (v == "NAMESPACE") co_return co_await say("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n" + ok(cmd, "NAMESPACE completed"));
    if (v == "ENABLE") co_return co_await say("* ENABLED\r\n" + ok(cmd, "ENABLE completed"));
    if (v == "IDLE") co_return co_await idle(cmd);
    co_return co_await say(ok(cmd, v + " completed"));  // FETCH, STORE, APPEND, EXPUNGE, CLOSE, ...: nothing to do
  }

  asio::awaitable<bool> handle(const command& cmd) override {
    const std::string& v = cmd.verb;
    if (cmd.tag.empty() || v.empty()) co_return co_await say("* BAD Missing tag or command\r\n");
    if (v == "CAPABILITY") co_return co_await capability(cmd);
    if (v == "NOOP" || v == "CHECK") co_return co_await say(ok(cmd, v + " completed"));
    if (v == "ID") co_return co_await say("* ID (\"name\" \"mailspec serve\")\r\n" + ok(cmd, "ID completed"));
    if (v == "LOGOUT") {
      co_await say("* BYE Logging out\r\n" + ok(cmd, "LOGOUT completed"));
      co_return false;
    }
    if (v == "STARTTLS") {
      if (c_.tls() || authed_) co_return co_await say(cmd.tag + " BAD STARTTLS not allowed now\r\n");
      if (s_.hide_starttls) co_return co_await say(cmd.tag + " BAD Unknown command\r\n");
      const std::string next = next_tag(cmd.tag), after = next_tag(next);
      starttls_replies r;
      r.ok = ok(cmd, "Begin TLS negotiation now");
      r.refusal = cmd.tag + " BAD STARTTLS not available\r\n";
      r.injected_ok = "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN\r\n" + (next.empty() ? "" : next + " OK CAPABILITY completed\r\n");
      r.injected_refusal = next.empty() ? "* OK injected\r\n" : next + " OK LOGIN completed\r\n" + after + " OK completed\r\n";
      co_return co_await starttls(cmd, r);
    }
    if (v == "LOGIN") co_return co_await login(cmd);
    if (v == "AUTHENTICATE") co_return co_await authenticate(cmd);
    if (!authed_) co_return co_await say(cmd.tag + " BAD Log in first\r\n");
    co_return co_await selected_commands(cmd);
  }

  void on_tls() override { authed_ = false; }
};

}  // namespace

std::unique_ptr<dialogue> make_imap(test_state& t, conn& c, int session) { return std::make_unique<imap>(t, c, session); }

}  // namespace mailspec::server
