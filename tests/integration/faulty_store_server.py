#!/usr/bin/python3
"""A POP3 and IMAP server whose deleting commands misbehave, for the data-safety test.

    faulty_store_server.py --cert leaf.pem --key leaf.key --state FILE --ports-file FILE

Listens on 127.0.0.1 (ephemeral ports): pop3 (STLS), pop3s, imap (STARTTLS), imaps. One account,
MAILSPEC_USER / MAILSPEC_PASSWORD from the environment. The store: a POP3 maildrop of 2 messages
and an IMAP INBOX of 3. Faults, each a way to lose data:
  POP3 RSET   answers +OK and unmarks nothing; QUIT then removes every message marked by DELE.
  IMAP EXPUNGE, UID EXPUNGE, CLOSE   remove every message of the selected mailbox, \\Deleted or not,
              even after EXAMINE; DELETE and RENAME of INBOX empty it; MOVE removes the messages.
Every command and the store after every change go to --state (JSON: {"pop3": n, "imap": n,
"commands": [...]}). Runs until SIGTERM/SIGINT.
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import ssl

MESSAGE = (b"From: a@example.invalid\r\nTo: b@example.invalid\r\nSubject: kept %d\r\n"
           b"Message-ID: <%d@faulty.invalid>\r\n\r\nbody line\r\n")


class Store:
    def __init__(self, path):
        self.path = path
        self.pop3 = [MESSAGE % (i, i) for i in (1, 2)]
        self.imap = [MESSAGE % (i, i) for i in (11, 12, 13)]
        self.commands = []
        self.save()

    def log(self, proto, line):
        self.commands.append(proto + " " + line)
        self.save()

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"pop3": len(self.pop3), "imap": len(self.imap), "commands": self.commands}, f)
        os.replace(tmp, self.path)


class Conn:
    def __init__(self, reader, writer, store, tls_ctx, implicit):
        self.r, self.w, self.store, self.ctx = reader, writer, store, tls_ctx
        self.tls = implicit

    async def line(self):
        data = await asyncio.wait_for(self.r.readline(), 30)
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace").rstrip("\r\n")

    async def send(self, text):
        self.w.write(text.encode() if isinstance(text, str) else text)
        await self.w.drain()

    async def starttls(self):
        await self.w.start_tls(self.ctx)
        self.tls = True


def creds_ok(user, pw):
    return user.strip('"') == os.environ["MAILSPEC_USER"] and pw.strip('"') == os.environ["MAILSPEC_PASSWORD"]


async def pop3(c, store):
    await c.send("+OK faulty POP3 ready\r\n")
    user, authed, marked = None, False, set()
    while True:
        line = await c.line()
        store.log("pop3", line if not line.upper().startswith("PASS") else "PASS ...")
        word, _, arg = line.partition(" ")
        cmd = word.upper()
        msgs = store.pop3
        if cmd == "CAPA":
            await c.send("+OK\r\nUSER\r\nTOP\r\nUIDL\r\n" + ("" if c.tls else "STLS\r\n") + ".\r\n")
        elif cmd == "STLS" and not c.tls:
            await c.send("+OK begin TLS\r\n")
            await c.starttls()
        elif cmd == "USER":
            user = arg
            await c.send("+OK\r\n")
        elif cmd == "PASS":
            authed = user is not None and creds_ok(user, arg)
            await c.send("+OK logged in\r\n" if authed else "-ERR bad login\r\n")
        elif cmd == "QUIT":
            if authed:  # UPDATE state: every marked message goes
                store.pop3 = [m for i, m in enumerate(msgs) if i + 1 not in marked]
                store.save()
            await c.send("+OK bye\r\n")
            return
        elif not authed:
            await c.send("-ERR log in first\r\n")
        elif cmd == "STAT":
            live = [m for i, m in enumerate(msgs) if i + 1 not in marked]
            await c.send("+OK %d %d\r\n" % (len(live), sum(len(m) for m in live)))
        elif cmd in ("LIST", "UIDL") and not arg:
            body = "".join("%d %s\r\n" % (i + 1, len(m) if cmd == "LIST" else "uid%d" % (i + 1))
                           for i, m in enumerate(msgs) if i + 1 not in marked)
            await c.send("+OK\r\n" + body + ".\r\n")
        elif cmd in ("RETR", "TOP"):
            n = int(arg.split()[0]) if arg.split() and arg.split()[0].isdigit() else 0
            if n < 1 or n > len(msgs) or n in marked:
                await c.send("-ERR no such message\r\n")
            else:
                await c.send(b"+OK\r\n" + msgs[n - 1] + b".\r\n")
        elif cmd == "DELE":
            n = int(arg) if arg.isdigit() else 0
            if n < 1 or n > len(msgs) or n in marked:
                await c.send("-ERR no such message\r\n")
            else:
                marked.add(n)
                await c.send("+OK marked\r\n")
        elif cmd == "RSET":
            await c.send("+OK\r\n")  # the fault: nothing is unmarked
        elif cmd == "NOOP":
            await c.send("+OK\r\n")
        else:
            await c.send("-ERR unknown command\r\n")


IMAP_CAPS = "IMAP4rev1 NAMESPACE IDLE UNSELECT UIDPLUS MOVE"


async def imap(c, store):
    await c.send("* OK [CAPABILITY %s%s] faulty IMAP ready\r\n" % (IMAP_CAPS, "" if c.tls else " STARTTLS"))
    authed, selected = False, False
    while True:
        line = await c.line()
        store.log("imap", line if " LOGIN " not in line.upper() else line.split(" ")[0] + " LOGIN ...")
        parts = line.split(" ")
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else ""
        args = parts[2:]
        if cmd == "UID" and args:
            cmd, args = "UID " + args[0].upper(), args[1:]
        msgs = store.imap
        ok = "%s OK %s done\r\n" % (tag, cmd)
        if cmd == "CAPABILITY":
            await c.send("* CAPABILITY %s%s\r\n%s" % (IMAP_CAPS, "" if c.tls else " STARTTLS", ok))
        elif cmd == "STARTTLS" and not c.tls:
            await c.send(ok)
            await c.starttls()
        elif cmd == "LOGIN" and len(args) == 2:
            authed = creds_ok(args[0], args[1])
            await c.send(ok if authed else "%s NO [AUTHENTICATIONFAILED] bad\r\n" % tag)
        elif cmd == "LOGOUT":
            await c.send("* BYE bye\r\n" + ok)
            return
        elif cmd == "NOOP":
            await c.send(ok)
        elif not authed:
            await c.send("%s BAD log in first\r\n" % tag)
        elif cmd in ("SELECT", "EXAMINE"):
            selected = True
            await c.send("* FLAGS (\\Seen \\Deleted)\r\n* %d EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"
                         "* OK [UIDNEXT %d] ok\r\n%s OK [%s] done\r\n"
                         % (len(msgs), len(msgs) + 1, tag, "READ-ONLY" if cmd == "EXAMINE" else "READ-WRITE"))
        elif cmd in ("SEARCH", "UID SEARCH"):
            await c.send("* SEARCH%s\r\n%s" % ("".join(" %d" % (i + 1) for i in range(len(msgs))), ok))
        elif cmd in ("FETCH", "UID FETCH"):
            await c.send("".join("* %d FETCH (UID %d FLAGS ())\r\n" % (i + 1, i + 1) for i in range(len(msgs))) + ok)
        elif cmd in ("EXPUNGE", "UID EXPUNGE", "CLOSE", "MOVE", "UID MOVE") and selected:
            removed = len(msgs)
            store.imap = []  # the fault: everything goes
            store.save()
            await c.send("".join("* 1 EXPUNGE\r\n" for _ in range(removed if cmd != "CLOSE" else 0)) + ok)
        elif cmd in ("DELETE", "RENAME"):
            if args and args[0].strip('"').upper() == "INBOX":
                store.imap = []
                store.save()
            await c.send(ok)
        elif cmd == "STORE" or cmd == "UID STORE":
            await c.send(ok)
        elif cmd == "STATUS":
            await c.send("* STATUS INBOX (MESSAGES %d UIDNEXT %d)\r\n%s" % (len(msgs), len(msgs) + 1, ok))
        elif cmd in ("LIST", "LSUB"):
            await c.send('* LIST (\\HasNoChildren) "/" INBOX\r\n' + ok)
        elif cmd == "NAMESPACE":
            await c.send('* NAMESPACE (("" "/")) NIL NIL\r\n' + ok)
        elif cmd == "IDLE":
            await c.send("+ idling\r\n")
            await c.line()
            await c.send(ok)
        elif cmd == "UNSELECT":
            selected = False
            await c.send(ok)
        else:
            await c.send("%s BAD unknown command\r\n" % tag)


def serve(handler, store, ctx, implicit):
    async def on_conn(reader, writer):
        try:
            await handler(Conn(reader, writer, store, ctx, implicit), store)
        except (EOFError, ConnectionError, asyncio.TimeoutError, ssl.SSLError):
            pass
        finally:
            writer.close()
    return on_conn


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--ports-file", required=True)
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    store = Store(a.state)
    servers, ports = [], []
    for name, handler, implicit in (("pop3", pop3, False), ("pop3s", pop3, True),
                                    ("imap", imap, False), ("imaps", imap, True)):
        srv = await asyncio.start_server(serve(handler, store, ctx, implicit), "127.0.0.1", 0,
                                         ssl=ctx if implicit else None)
        servers.append(srv)
        ports.append("%s=%d" % (name, srv.sockets[0].getsockname()[1]))
    with open(a.ports_file + ".tmp", "w") as f:
        f.write(",".join(ports) + "\n")
    os.replace(a.ports_file + ".tmp", a.ports_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main())
