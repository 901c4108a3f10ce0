#!/usr/bin/python3
"""A small IMAP server with QUOTA (RFC 9208), METADATA (RFC 5464), SPECIAL-USE / CREATE-SPECIAL-USE
(RFC 6154) and CATENATE (RFC 4469, TEXT parts only), for the extension cases of the IMAP suite
(tests/integration/imap_ext_fake.sh).

    imap_ext_server.py --cert leaf.pem --key leaf.key --ports-file FILE [--fault NAME]

Implicit TLS on 127.0.0.1 (an ephemeral port, written as "imaps=PORT" to --ports-file). One account,
MAILSPEC_USER / MAILSPEC_PASSWORD from the environment, with INBOX and Drafts (\\Drafts). Enough
IMAP for the cases and their fixtures: CAPABILITY, LOGIN, LOGOUT, NOOP, NAMESPACE, CREATE [USE],
DELETE, LIST [(SPECIAL-USE)] [RETURN (SPECIAL-USE)], STATUS (MESSAGES), APPEND [CATENATE (TEXT ...)],
EXAMINE, FETCH n RFC822.SIZE, SEARCH BODY, GETQUOTAROOT, GETQUOTA, SETMETADATA,
GETMETADATA [(MAXSIZE n DEPTH d)]. Without --fault it follows the RFCs; each
fault breaks one behaviour a case checks (FAULTS below). Every read has a deadline; runs until
SIGTERM/SIGINT.
"""
import argparse
import asyncio
import os
import re
import signal
import ssl

FAULTS = {
    "none": "conforming",
    "quota-no-quota-response": "GETQUOTAROOT answers QUOTAROOT with a root but no QUOTA response for it",
    "quota-usage-not-updated": "the MESSAGE usage stays what it was when the session logged in",
    "quota-unknown-root-ok": "GETQUOTA of any name answers a QUOTA and OK",
    "metadata-set-ignored": "SETMETADATA answers OK and stores nothing",
    "metadata-nil-ignored": "SETMETADATA with NIL answers OK and removes nothing",
    "metadata-maxsize-ignored": "GETMETADATA returns every value whatever MAXSIZE says, without LONGENTRIES",
    "metadata-depth-ignored": "GETMETADATA treats every DEPTH as infinity",
    "metadata-private-shared-merged": "/private/X and /shared/X are one entry",
    "specialuse-selection-ignored": "LIST (SPECIAL-USE) lists every mailbox",
    "specialuse-return-marks-all": "RETURN (SPECIAL-USE) gives every mailbox \\Drafts",
    "createuse-ignored": "CREATE (USE (...)) creates the mailbox without its special use",
    "catenate-drops-last-part": "APPEND CATENATE stores every TEXT part but the last",
}
CAPS = "IMAP4rev1 NAMESPACE LIST-EXTENDED SPECIAL-USE CREATE-SPECIAL-USE QUOTA METADATA CATENATE"
DEADLINE_S = 15
MAX_LITERAL = 1 << 20
TOKEN = re.compile(r'\(|\)|"(?:[^"\\]|\\.)*"|\{\d+\}$|[^\s()"]+')


def tokens(text):
    """The command line as a nested list: atoms and strings as str (quotes removed), lists as list."""
    out, stack = [], []
    cur = out
    for m in TOKEN.finditer(text):
        t = m.group(0)
        if t == "(":
            stack.append(cur)
            cur.append([])
            cur = cur[-1]
        elif t == ")":
            cur = stack.pop() if stack else cur
        elif t.startswith('"'):
            cur.append(re.sub(r'\\(.)', r'\1', t[1:-1]))
        else:
            cur.append(t)
    return out


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Account:
    def __init__(self):
        self.boxes = {"INBOX": [], "Drafts": []}
        self.use = {"Drafts": "\\Drafts"}
        self.meta = {}  # (mailbox, entry) -> value


class Session:
    def __init__(self, reader, writer, account, fault):
        self.r, self.w, self.a, self.fault = reader, writer, account, fault
        self.login_usage = 0
        self.selected = None

    async def line(self):
        data = await asyncio.wait_for(self.r.readline(), DEADLINE_S)
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace").rstrip("\r\n")

    async def send(self, text):
        self.w.write(text.encode())
        await self.w.drain()

    async def command(self):
        """One command: its line with literals read in (each literal as a quoted string; APPEND's
        literals, the message or CATENATE's TEXT parts, kept apart in order)."""
        line, data = await self.line(), []
        for _ in range(100):
            m = re.search(r"\{(\d+)\}$", line)
            if not m or int(m.group(1)) > MAX_LITERAL:
                return line, data
            await self.send("+ go ahead\r\n")
            body = await asyncio.wait_for(self.r.readexactly(int(m.group(1))), DEADLINE_S)
            rest = await self.line()
            if line.split(" ")[1:2] and line.split(" ")[1].upper() == "APPEND":
                data.append(body)
                line = line[:m.start()] + "LITERAL" + rest
            else:
                line = line[:m.start()] + quote(body.decode("utf-8", "replace")) + rest
        raise EOFError  # more literals in one command than any case sends

    def usage(self):
        return sum(len(v) for v in self.a.boxes.values())

    def quota(self):
        msgs = self.login_usage if self.fault == "quota-usage-not-updated" else self.usage()
        size = sum(len(m) for v in self.a.boxes.values() for m in v)
        return '* QUOTA "User quota" (STORAGE %d 1048576 MESSAGE %d 100000)\r\n' % ((size + 1023) // 1024, msgs)

    def entry_key(self, box, entry):
        if self.fault == "metadata-private-shared-merged":
            entry = re.sub(r"^/(private|shared)", "", entry, flags=re.I)
        return (box, entry.lower())

    def list_lines(self, args):
        sel, ret = [], []
        if args and isinstance(args[0], list):
            sel, args = [s.upper() for s in args[0]], args[1:]
        if len(args) >= 4 and str(args[2]).upper() == "RETURN":
            ret = [s.upper() for s in args[3]]
        pattern = args[1] if len(args) > 1 else ""
        rx = re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace("%", "[^.]*") + "$", re.I)
        out = []
        for name in sorted(self.a.boxes):
            if not rx.match(name):
                continue
            use = self.a.use.get(name, "")
            if "SPECIAL-USE" in sel and not use and self.fault != "specialuse-selection-ignored":
                continue
            attrs = []
            if "SPECIAL-USE" in ret or "SPECIAL-USE" in sel:
                if self.fault == "specialuse-return-marks-all":
                    use = "\\Drafts"
                if use:
                    attrs.append(use)
            out.append('* LIST (%s) "." %s\r\n' % (" ".join(attrs), quote(name)))
        return "".join(out)

    def getmetadata(self, tag, args):
        maxsize, depth = None, "0"
        if args and isinstance(args[0], list):
            opts = args[0]
            for i in range(0, len(opts) - 1, 2):
                if opts[i].upper() == "MAXSIZE":
                    maxsize = int(opts[i + 1])
                elif opts[i].upper() == "DEPTH":
                    depth = opts[i + 1].lower()
            args = args[1:]
        box, entries = args[0], args[1] if isinstance(args[1], list) else [args[1]]
        if self.fault == "metadata-maxsize-ignored":
            maxsize = None
        if self.fault == "metadata-depth-ignored":
            depth = "infinity"
        found, longest = [], 0
        for e in entries:
            for (b, k), v in sorted(self.a.meta.items()):
                if b != box:
                    continue
                key = self.entry_key(box, e)[1]
                below = k.startswith(key + "/")
                level = k[len(key) + 1:].count("/") + 1 if below else 0
                if k == key or (below and (depth == "infinity" or (depth == "1" and level == 1))):
                    if maxsize is not None and len(v) > maxsize:
                        longest = max(longest, len(v))
                        continue
                    name = e if k == key else e + k[len(key):]
                    found.append("%s %s" % (name, quote(v)))
        out = "".join("* METADATA %s (%s)\r\n" % (quote(box), f) for f in found)
        code = "[METADATA LONGENTRIES %d] " % longest if longest else ""
        return out + "%s OK %sdone\r\n" % (tag, code)

    async def run(self):
        await self.send("* OK [CAPABILITY %s] ext double ready\r\n" % CAPS)
        authed = False
        for _ in range(10000):
            line, data = await self.command()
            parts = tokens(line)
            if len(parts) < 2:
                await self.send("* BAD no command\r\n")
                continue
            tag, cmd, args = parts[0], str(parts[1]).upper(), parts[2:]
            ok = "%s OK %s done\r\n" % (tag, cmd)
            if cmd == "CAPABILITY":
                await self.send("* CAPABILITY %s\r\n%s" % (CAPS, ok))
            elif cmd == "LOGIN" and len(args) == 2:
                authed = args[0] == os.environ.get("MAILSPEC_USER") and args[1] == os.environ.get("MAILSPEC_PASSWORD")
                self.login_usage = self.usage()
                await self.send(ok if authed else "%s NO [AUTHENTICATIONFAILED] bad\r\n" % tag)
            elif cmd == "LOGOUT":
                await self.send("* BYE bye\r\n" + ok)
                return
            elif cmd == "NOOP":
                await self.send(ok)
            elif not authed:
                await self.send("%s BAD log in first\r\n" % tag)
            elif cmd == "NAMESPACE":
                await self.send('* NAMESPACE (("" ".")) NIL NIL\r\n' + ok)
            elif cmd == "CREATE" and args:
                if args[0] in self.a.boxes:
                    await self.send("%s NO [ALREADYEXISTS] exists\r\n" % tag)
                    continue
                self.a.boxes[args[0]] = []
                if len(args) > 1 and isinstance(args[1], list) and len(args[1]) == 2 and str(args[1][0]).upper() == "USE":
                    if self.fault != "createuse-ignored":
                        self.a.use[args[0]] = args[1][1][0]
                await self.send(ok)
            elif cmd == "DELETE" and args:
                found = self.a.boxes.pop(args[0], None) is not None
                self.a.use.pop(args[0], None)
                self.a.meta = {k: v for k, v in self.a.meta.items() if k[0] != args[0]}
                await self.send(ok if found else "%s NO [NONEXISTENT] no such mailbox\r\n" % tag)
            elif cmd == "LIST":
                await self.send(self.list_lines(args) + ok)
            elif cmd == "STATUS" and args and args[0] in self.a.boxes:
                await self.send("* STATUS %s (MESSAGES %d)\r\n%s" % (quote(args[0]), len(self.a.boxes[args[0]]), ok))
            elif cmd == "APPEND" and args and args[0] in self.a.boxes and data:
                if len(args) > 1 and str(args[1]).upper() == "CATENATE":
                    # RFC 4469 §5: the message is the concatenation of the parts, in order.
                    if self.fault == "catenate-drops-last-part":
                        data = data[:-1]
                    self.a.boxes[args[0]].append(b"".join(data))
                else:
                    self.a.boxes[args[0]].append(data[0])
                await self.send(ok)
            elif cmd == "EXAMINE" and args and args[0] in self.a.boxes:
                self.selected = args[0]
                n = len(self.a.boxes[args[0]])
                await self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* %d EXISTS\r\n"
                                "* 0 RECENT\r\n* OK [PERMANENTFLAGS ()] read-only\r\n* OK [UIDVALIDITY 1] ok\r\n"
                                "* OK [UIDNEXT %d] ok\r\n%s OK [READ-ONLY] done\r\n" % (n, n + 1, tag))
            elif cmd == "FETCH" and self.selected and len(args) == 2 and str(args[1]).upper() == "RFC822.SIZE":
                msgs = self.a.boxes.get(self.selected, [])
                n = int(args[0]) if str(args[0]).isdigit() else 0
                size = "* %d FETCH (RFC822.SIZE %d)\r\n" % (n, len(msgs[n - 1])) if 1 <= n <= len(msgs) else ""
                await self.send(size + ok)
            elif cmd == "SEARCH" and self.selected and len(args) == 2 and str(args[0]).upper() == "BODY":
                msgs = self.a.boxes.get(self.selected, [])
                hits = [str(i + 1) for i, m in enumerate(msgs)
                        if args[1].lower() in m.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace").lower()]
                await self.send("* SEARCH%s\r\n%s" % ("".join(" " + h for h in hits), ok))
            elif cmd == "GETQUOTAROOT" and args and args[0] in self.a.boxes:
                quota = "" if self.fault == "quota-no-quota-response" else self.quota()
                await self.send('* QUOTAROOT %s "User quota"\r\n%s%s' % (quote(args[0]), quota, ok))
            elif cmd == "GETQUOTA" and args:
                if args[0] == "User quota" or self.fault == "quota-unknown-root-ok":
                    await self.send(self.quota() + ok)
                else:
                    await self.send("%s NO no such quota root\r\n" % tag)
            elif cmd == "SETMETADATA" and len(args) == 2 and (args[0] == "" or args[0] in self.a.boxes):
                pairs = args[1]
                for i in range(0, len(pairs) - 1, 2):
                    key = self.entry_key(args[0], pairs[i])
                    if self.fault == "metadata-set-ignored":
                        continue
                    if pairs[i + 1] == "NIL":
                        if self.fault != "metadata-nil-ignored":
                            self.a.meta.pop(key, None)
                    else:
                        self.a.meta[key] = pairs[i + 1]
                await self.send(ok)
            elif cmd == "GETMETADATA" and len(args) >= 2:
                await self.send(self.getmetadata(tag, args))
            else:
                await self.send("%s BAD unknown command or arguments\r\n" % tag)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--fault", default="none", choices=sorted(FAULTS))
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    account = Account()

    async def on_conn(reader, writer):
        try:
            await Session(reader, writer, account, a.fault).run()
        except (EOFError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ssl.SSLError,
                IndexError, ValueError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(on_conn, "127.0.0.1", 0, ssl=ctx)
    with open(a.ports_file + ".tmp", "w") as f:
        f.write("imaps=%d\n" % srv.sockets[0].getsockname()[1])
    os.replace(a.ports_file + ".tmp", a.ports_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    srv.close()


if __name__ == "__main__":
    asyncio.run(main())
