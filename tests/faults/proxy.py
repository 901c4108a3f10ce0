#!/usr/bin/env python3
"""A fault-injecting proxy in front of the lab's real servers (tests/faults/README.md).

It terminates TLS on both sides (implicit TLS, and STARTTLS / STLS with the client and with the
server), passes every command on, and lets one fault class (faults.py) change what the server
says about its state while keeping every reply syntactically valid. The fault is read from the
control file when a client connects ("none" passes everything through unchanged).

  proxy.py --env LAB/env --control FILE --ports-out FILE

writes "--port smtp=P --port submission=P ..." to --ports-out once it listens (127.0.0.1,
ephemeral ports), connects upstream from 127.0.0.2 (the lab's servers treat 127.0.0.1 as
secure), and runs until killed. Every read has a deadline; a peer that closes ends the pair.
"""
import argparse
import asyncio
import os
import re
import shlex
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults  # noqa: E402

READ_S = 15
MAX_CHUNK = 1 << 20  # BDAT chunks carried across, bytes
LIMIT = 1 << 20
SERVICES = {  # name -> (protocol, TLS mode)
    "smtp": ("smtp", "starttls"), "submission": ("smtp", "starttls"), "submissions": ("smtp", "implicit"),
    "imap": ("imap", "starttls"), "imaps": ("imap", "implicit"),
    "pop3": ("pop3", "starttls"), "pop3s": ("pop3", "implicit"),
}
LITERAL = re.compile(rb"\{(\d+)(\+?)\}\r\n$")


class Closed(Exception):
    pass


class Pair:
    """One client connection and its upstream connection."""

    def __init__(self, cr, cw, sr, sw, ctx):
        self.cr, self.cw, self.sr, self.sw, self.ctx = cr, cw, sr, sw, ctx

    async def _line(self, reader):
        line = await asyncio.wait_for(reader.readline(), READ_S)
        if not line:
            raise Closed()
        return line

    async def c_line(self):
        return await self._line(self.cr)

    async def s_line(self):
        return await self._line(self.sr)

    async def c_bytes(self, n):
        return await asyncio.wait_for(self.cr.readexactly(n), READ_S)

    async def s_bytes(self, n):
        return await asyncio.wait_for(self.sr.readexactly(n), READ_S)

    def to_client(self, data):
        self.cw.write(data)

    def to_server(self, data):
        self.sw.write(data)

    async def upgrade(self, reply):
        """STARTTLS on both sides: first with the server; then the positive reply goes to the
        client and the client's handshake is taken at once (no await in between, so its
        ClientHello cannot reach the plaintext reader)."""
        await self.sw.start_tls(self.ctx.client, server_hostname="127.0.0.1")
        self.cw.write(reply)
        await self.cw.start_tls(self.ctx.server)


async def smtp_reply(p):
    lines = [await p.s_line()]
    while len(lines[-1]) > 3 and lines[-1][3:4] == b"-" and len(lines) < 1000:
        lines.append(await p.s_line())
    return lines


async def run_smtp(p, fault):
    f = faults.SmtpFault(fault)
    p.to_client(b"".join(await smtp_reply(p)))
    while True:
        line = await p.c_line()
        words = line.split()
        verb = words[0].decode("ascii", "replace").upper() if words else ""
        if f.fake_data:  # swallow the message of a DATA the proxy accepted
            while line not in (b".\r\n", b".\n"):
                line = await p.c_line()
            f.fake_data = False
            p.to_client(b"250 2.0.0 Ok: queued as FAULT\r\n")
            continue
        act = f.before(verb, line)
        if isinstance(act, bytes):
            p.to_client(act)
            continue
        if isinstance(act, tuple):
            for pre in act[1]:
                p.to_server(pre)
                await smtp_reply(p)
        p.to_server(line)
        if verb == "BDAT" and len(words) > 1 and words[1].isdigit() and int(words[1]) <= MAX_CHUNK:
            p.to_server(await p.c_bytes(int(words[1])))  # RFC 3030 §2: the chunk follows the command line
        reply = await smtp_reply(p)
        real = faults.code_of(reply)
        if verb == "STARTTLS" and real == 220:
            await p.upgrade(b"".join(reply))
            f.tls = True
            continue
        p.to_client(b"".join(f.after(verb, line, reply)))
        if verb == "DATA" and real == 354:
            while line not in (b".\r\n", b".\n"):
                line = await p.c_line()
                p.to_server(line)
            p.to_client(b"".join(f.after("DATA-BODY", b"", await smtp_reply(p))))
        while verb == "AUTH" and faults.code_of(reply) == 334:
            p.to_server(await p.c_line())
            reply = await smtp_reply(p)
            p.to_client(b"".join(reply))
        if verb == "QUIT":
            return


async def run_pop3(p, fault):
    f = faults.Pop3Fault(fault)
    p.to_client(await p.s_line())
    while True:
        line = await p.c_line()
        words = line.decode("latin-1").split()
        verb, args = (words[0].upper(), words[1:]) if words else ("", [])
        local = f.before(verb, args)
        if local is not None:
            p.to_client(local)
            continue
        p.to_server(f.rewrite(verb, args, line))
        status = await p.s_line()
        while status.startswith(b"+ "):  # SASL round
            p.to_client(status)
            p.to_server(await p.c_line())
            status = await p.s_line()
        body = []
        if status.startswith(b"+OK") and faults.pop3_multiline(verb, args):
            while len(body) < 1_000_000:
                l = await p.s_line()
                if l == b".\r\n":
                    break
                body.append(l)
        if verb == "STLS" and status.startswith(b"+OK"):
            await p.upgrade(status)
            continue
        status, body = f.after(verb, args, status, body)
        p.to_client(status + b"".join(body) + (b".\r\n" if status.startswith(b"+OK") and faults.pop3_multiline(verb, args) else b""))
        if verb == "QUIT":
            return


async def imap_response(p):
    """One server response as segments: [(b"line", bytes) | (b"lit", bytes)]."""
    segs = [(b"line", await p.s_line())]
    while len(segs) < 2000:
        m = LITERAL.search(segs[-1][1])
        if not m or segs[-1][0] != b"line":
            break
        segs.append((b"lit", await p.s_bytes(int(m.group(1)))))
        segs.append((b"line", await p.s_line()))
    return segs


async def client_command_rest(p, line):
    """Sends a client line and, for non-synchronising literals, what follows; returns the size
    of a synchronising literal the client waits to send (0 when none)."""
    while True:
        p.to_server(line)
        m = LITERAL.search(line)
        if not m:
            return 0
        if not m.group(2):
            return int(m.group(1))
        p.to_server(await p.c_bytes(int(m.group(1))))
        line = await p.c_line()


async def run_imap(p, fault):
    f = faults.ImapFault(fault)
    p.to_client(b"".join(s for _, s in await imap_response(p)))
    while True:
        line = await p.c_line()
        words = line.decode("latin-1").split()
        tag = words[0].encode() if words else b""
        verb = words[1].upper() if len(words) > 1 else ""
        uid = verb == "UID" and len(words) > 2
        if uid:
            verb = words[2].upper()
        f.command(verb, uid, words[3:] if uid else words[2:])
        literal = await client_command_rest(p, line)
        while True:
            segs = await imap_response(p)
            first = segs[0][1]
            if first.startswith(b"+"):
                p.to_client(first)
                if literal:
                    p.to_server(await p.c_bytes(literal))
                literal = await client_command_rest(p, await p.c_line())
                continue
            tagged = first.startswith(tag + b" ")
            if tagged and verb == "STARTTLS" and re.match(rb"^\S+ OK", first):
                await p.upgrade(first)
                break
            if tagged:
                p.to_client(b"".join(f.extra_before_tagged()))
            p.to_client(b"".join(f.line(s, tag) if kind == b"line" else s for kind, s in segs))
            if tagged:
                break
        if verb == "LOGOUT":
            return


class Contexts:
    def __init__(self, ca, cert, key):
        self.server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server.load_cert_chain(cert, key)
        self.client = ssl.create_default_context(cafile=ca)


def serve(name, upstream_port, ctx, control):
    proto, mode = SERVICES[name]
    runner = {"smtp": run_smtp, "pop3": run_pop3, "imap": run_imap}[proto]

    async def handle(cr, cw):
        try:
            fault = open(control).read().strip() or faults.NONE
        except OSError:
            fault = faults.NONE
        sw = None
        try:
            sr, sw = await asyncio.wait_for(asyncio.open_connection(
                "127.0.0.1", upstream_port, ssl=ctx.client if mode == "implicit" else None,
                server_hostname="127.0.0.1" if mode == "implicit" else None,
                local_addr=("127.0.0.2", 0), limit=LIMIT), READ_S)
            await runner(Pair(cr, cw, sr, sw, ctx), fault)
            await asyncio.sleep(0.05)
        except (Closed, asyncio.IncompleteReadError, ConnectionError):
            pass  # a peer closed: the pair ends
        except (asyncio.TimeoutError, ssl.SSLError, OSError) as e:
            print(f"proxy {name} ({fault}): {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        finally:
            for w in (cw, sw):
                if w is not None:
                    w.close()
    return handle, (ctx.server if mode == "implicit" else None)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", required=True, help="the lab's env file")
    ap.add_argument("--control", required=True, help="file holding the fault for new connections")
    ap.add_argument("--ports-out", required=True)
    a = ap.parse_args()
    env = {}
    for line in open(a.env):
        m = re.match(r"export (\w+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = shlex.split(m.group(2))[0] if m.group(2) else ""
    lab = env["MAILSPEC_LAB_DIR"]
    ctx = Contexts(env["MAILSPEC_CA_FILE"], f"{lab}/certs/valid.pem", f"{lab}/certs/valid.key")
    upstream = dict(kv.split("=") for kv in env["MAILSPEC_PORTS"].split(","))
    servers, args = [], []
    for name in SERVICES:
        handle, sslctx = serve(name, int(upstream[name]), ctx, a.control)
        srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=sslctx, limit=LIMIT)
        servers.append(srv)
        args.append(f"--port {name}={srv.sockets[0].getsockname()[1]}")
    with open(a.ports_out + ".tmp", "w") as out:
        out.write(" ".join(args) + "\n")
    os.replace(a.ports_out + ".tmp", a.ports_out)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
