"""The fault classes of the fault-injecting proxy (proxy.py), one per behaviour the state model
judges. Each keeps every reply syntactically valid and changes only what the server says about its
state. A fault object lives for one client connection; the proxy calls

  before(verb, line)        -> None (forward the line), bytes (answer locally, forward nothing),
                               or ("prelude", [lines]) (send these to the server first, silently)
  rewrite(verb, line)       -> the line to forward (POP3, IMAP)
  after(verb, line, reply)  -> the reply to give the client (SMTP/POP3: list of lines; IMAP: one
                               response as a list of segments, or a list of responses)

Lines are bytes with their CRLF.
"""
import re

NONE = "none"

SMTP = {
    "smtp-rcpt-before-mail",    # RCPT without MAIL answered 250
    "smtp-data-without-rcpt",   # DATA without RCPT answered 354 (the message is swallowed)
    "smtp-unknown-accepted",    # an unrecognized command answered 250
    "smtp-rset-ignored",        # RSET answered 250 by the proxy, the server keeps the transaction
    "smtp-ehlo-keeps-mail",     # a second EHLO answered by the proxy, the server keeps the transaction
    "smtp-tls-keeps-mail",      # after STARTTLS the pre-TLS MAIL is replayed before RCPT
    "smtp-no-ehlo-after-tls",   # MAIL refused before the first EHLO, accepted after STARTTLS without one
    "smtp-size-not-enforced",   # MAIL SIZE= over the limit answered 250
    "smtp-size-advertised-small",  # EHLO advertises SIZE 1000; the server takes more
}
POP3 = {
    "pop3-stat-list-mismatch",  # STAT counts one message more than LIST lists
    "pop3-top-ignores-lines",   # TOP n k answered with the whole message
    "pop3-uidl-changes",        # the second UIDL answers other unique-ids
    "pop3-uidl-duplicate",      # two messages of a UIDL listing share a unique-id
    "pop3-rset-ignored",        # RSET answered +OK by the proxy, deletions stay
    "pop3-dele-ignored",        # DELE answered +OK by the proxy, the message stays
    "pop3-list-n-mismatch",     # LIST n disagrees with LIST
}
IMAP = {
    "imap-search-shifted",      # SEARCH hits shifted by one
    "imap-search-drops-last",   # SEARCH leaves out its last hit (the message is still there)
    "imap-exists-inflated",     # EXISTS five higher than the truth
    "imap-uidnext-stuck",       # UIDNEXT always 1
    "imap-uid-fetch-other",     # UIDs in FETCH responses to UID FETCH shifted by 1000
    "imap-examine-read-write",  # EXAMINE answered [READ-WRITE]
    "imap-select-no-code",      # SELECT answered without [READ-WRITE]
    "imap-store-no-flags",      # FETCH responses to STORE show no flags
    "imap-expunge-in-fetch",    # an EXPUNGE slipped into the answer to FETCH
    "imap-expunge-beyond-exists",  # EXPUNGE of a message number above EXISTS
    "imap-uidvalidity-decreases",  # the second selection of a mailbox has a lower UIDVALIDITY
    "imap-uid-changes",         # the second FETCH of a message shows another UID
    "imap-uids-descending",     # UIDs in FETCH responses to FETCH go down as sequence numbers go up
    "imap-modseq-decreases",    # the second FETCH MODSEQ of a message is lower
}
ALL = {NONE} | SMTP | POP3 | IMAP


def code_of(lines):
    m = re.match(rb"(\d{3})", lines[-1]) if lines else None
    return int(m.group(1)) if m else -1


class SmtpFault:
    def __init__(self, fault):
        self.f = fault
        self.mail = False       # a MAIL the server accepted, transaction open (as the proxy sees it)
        self.tls = False
        self.greeted_tls = False
        self.mail_tls = False
        self.pre_tls_ehlo = None
        self.pre_tls_mail = None
        self.ehlo_reply = None
        self.fake_data = False  # a DATA the proxy answered 354: swallow the message

    def before(self, verb, line):
        if self.f == "smtp-no-ehlo-after-tls" and verb == "MAIL" and not self.tls and self.pre_tls_ehlo is None:
            return b"503 5.5.1 Error: send HELO/EHLO first\r\n"  # strict before the first EHLO...
        if self.f == "smtp-rset-ignored" and verb == "RSET":
            return b"250 2.0.0 Ok\r\n"
        if self.f == "smtp-ehlo-keeps-mail" and verb in ("EHLO", "HELO") and self.ehlo_reply and self.mail:
            return b"".join(self.ehlo_reply)
        if self.tls and not self.greeted_tls and verb not in ("EHLO", "HELO", "QUIT"):
            if self.f == "smtp-no-ehlo-after-tls" and self.pre_tls_ehlo:
                self.greeted_tls = True  # ...but after STARTTLS the pre-TLS EHLO still counts
                return ("prelude", [self.pre_tls_ehlo])
        if self.f == "smtp-tls-keeps-mail" and self.tls and verb == "RCPT" and not self.mail_tls and self.pre_tls_mail:
            self.mail_tls = True
            return ("prelude", [self.pre_tls_mail])
        return None

    def after(self, verb, line, reply):
        code = code_of(reply)
        if verb in ("EHLO", "HELO") and 200 <= code < 300:
            if self.tls:
                self.greeted_tls = True
            elif self.pre_tls_ehlo is None:
                self.pre_tls_ehlo = line
            self.ehlo_reply = reply
            self.mail = False
        if verb == "MAIL" and 200 <= code < 300:
            self.mail = True
            if self.tls:
                self.mail_tls = True
            else:
                self.pre_tls_mail = line
        if verb in ("RSET", "DATA-BODY") and 200 <= code < 300:
            self.mail = False
        if self.f == "smtp-size-advertised-small" and verb == "EHLO":
            reply = [re.sub(rb"^250([- ])SIZE \d+", rb"250\1SIZE 1000", l) for l in reply]
        if self.f == "smtp-rcpt-before-mail" and verb == "RCPT" and code == 503:
            return [b"250 2.1.5 Ok\r\n"]
        if self.f == "smtp-data-without-rcpt" and verb == "DATA" and code in (503, 554):
            self.fake_data = True
            return [b"354 End data with <CR><LF>.<CR><LF>\r\n"]
        if self.f == "smtp-unknown-accepted" and code in (500, 502) and verb.isalpha():
            return [b"250 2.0.0 Ok\r\n"]
        if self.f == "smtp-size-not-enforced" and verb == "MAIL" and code == 552:
            return [b"250 2.1.0 Ok\r\n"]
        return reply


def pop3_multiline(verb, args):
    return (verb in ("LIST", "UIDL") and not args) or verb in ("RETR", "TOP", "CAPA") or (verb == "AUTH" and not args)


class Pop3Fault:
    def __init__(self, fault):
        self.f = fault
        self.uidl_calls = 0

    def before(self, verb, args):
        if self.f == "pop3-rset-ignored" and verb == "RSET":
            return b"+OK\r\n"
        if self.f == "pop3-dele-ignored" and verb == "DELE":
            return b"+OK Marked to be deleted.\r\n"
        return None

    def rewrite(self, verb, args, line):
        if self.f == "pop3-top-ignores-lines" and verb == "TOP" and len(args) == 2:
            return b"RETR " + args[0].encode() + b"\r\n"  # the whole message comes back
        return line

    def after(self, verb, args, status, body):
        ok = status.startswith(b"+OK")
        if not ok:
            return status, body
        if self.f == "pop3-stat-list-mismatch" and verb == "STAT":
            status = re.sub(rb"^\+OK (\d+)", lambda m: b"+OK " + str(int(m.group(1)) + 1).encode(), status)
        if self.f == "pop3-list-n-mismatch" and verb == "LIST" and args:
            status = re.sub(rb"^(\+OK \d+ )(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1).encode(), status)
        if verb == "UIDL" and not args:
            self.uidl_calls += 1
            if self.f == "pop3-uidl-changes" and self.uidl_calls > 1:
                body = [re.sub(rb"^(\d+ \S{1,60})\r\n$", rb"\1x\r\n", l) for l in body]
            if self.f == "pop3-uidl-duplicate" and len(body) >= 3:
                first = body[0].split(b" ", 1)[1]
                body = [body[0], body[1].split(b" ", 1)[0] + b" " + first] + body[2:]
        return status, body


FETCH_UID = re.compile(rb"\bUID (\d+)")
ok_tagged = re.compile(rb"^(\S+) OK ")


class ImapFault:
    def __init__(self, fault):
        self.f = fault
        self.selected = {}      # mailbox -> selections seen
        self.mailbox = None
        self.exists = 0
        self.fetches = {}       # sequence number -> FETCH responses with a UID seen
        self.modseq_seen = set()

    def command(self, verb, uid, args):
        self.verb, self.uid, self.args = verb, uid, args
        if verb in ("SELECT", "EXAMINE") and args:
            name = args[0].strip('"').upper() if args[0].strip('"').upper() == "INBOX" else args[0]
            self.mailbox = name
            self.selected[name] = self.selected.get(name, 0) + 1

    def line(self, text, tag):
        """Rewrites one line of a server response (not literal data)."""
        f, v = self.f, self.verb
        m = re.match(rb"^\* (\d+) (EXISTS|EXPUNGE|FETCH)\b", text)
        if m and m.group(2) == b"EXISTS":
            self.exists = int(m.group(1))
            if f == "imap-exists-inflated":
                text = b"* %d EXISTS\r\n" % (self.exists + 5)
        if m and m.group(2) == b"EXPUNGE" and f == "imap-expunge-beyond-exists":
            text = b"* %d EXPUNGE\r\n" % (int(m.group(1)) + 10)
        if f == "imap-search-shifted" and v == "SEARCH" and not self.uid and text.startswith(b"* SEARCH"):
            text = re.sub(rb"\b(\d+)\b", lambda n: str(int(n.group(1)) + 1).encode(), text)
        if f == "imap-search-drops-last" and v == "SEARCH" and not self.uid and text.startswith(b"* SEARCH "):
            text = re.sub(rb" \d+(\r\n)$", rb"\1", text)
        if f == "imap-uidnext-stuck":
            text = re.sub(rb"\[UIDNEXT \d+\]", b"[UIDNEXT 1]", text)
        if f == "imap-uidvalidity-decreases" and self.selected.get(self.mailbox, 0) > 1:
            text = re.sub(rb"\[UIDVALIDITY (\d+)\]", lambda n: b"[UIDVALIDITY %d]" % max(1, int(n.group(1)) - 1), text)
        if m and m.group(2) == b"FETCH":
            text = self.fetch_line(int(m.group(1)), text)
        t = ok_tagged.match(text)
        if t and t.group(1) == tag:
            if f == "imap-examine-read-write" and v == "EXAMINE":
                text = text.replace(b"[READ-ONLY]", b"[READ-WRITE]")
            if f == "imap-select-no-code" and v == "SELECT":
                text = text.replace(b"[READ-WRITE] ", b"")
        return text

    def fetch_line(self, seq, text):
        f = self.f
        if f == "imap-uid-fetch-other" and self.uid and self.verb == "FETCH":
            text = FETCH_UID.sub(lambda n: b"UID %d" % (int(n.group(1)) + 1000), text)
        if f == "imap-uid-changes" and FETCH_UID.search(text):
            self.fetches[seq] = self.fetches.get(seq, 0) + 1
            if self.fetches[seq] > 1:
                text = FETCH_UID.sub(lambda n: b"UID %d" % (int(n.group(1)) + 1), text)
        if f == "imap-uids-descending" and not self.uid and self.verb == "FETCH":
            text = FETCH_UID.sub(lambda n: b"UID %d" % max(1, 1000 - int(n.group(1))), text)
        if f == "imap-store-no-flags" and self.verb == "STORE":
            text = re.sub(rb"FLAGS \([^)]*\)", b"FLAGS ()", text)
        if f == "imap-modseq-decreases" and b"MODSEQ (" in text and seq not in self.modseq_seen:
            self.modseq_seen.add(seq)  # the first MODSEQ of a message is shown 10 higher
            text = re.sub(rb"MODSEQ \((\d+)\)", lambda n: b"MODSEQ (%d)" % (int(n.group(1)) + 10), text)
        return text

    def extra_before_tagged(self):
        """Untagged responses to add before the tagged completion."""
        if self.f == "imap-expunge-in-fetch" and self.verb == "FETCH" and not self.uid and self.exists > 0:
            return [b"* %d EXPUNGE\r\n" % self.exists]
        return []
