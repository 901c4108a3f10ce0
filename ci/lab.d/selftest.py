#!/usr/bin/env python3
"""Checks a running lab against its profile: ci/lab.d/selftest.py [PROFILE].

Reads $MAILSPEC_LAB_DIR/env (default /tmp/mailspec-lab). Plaintext checks bind
127.0.0.2 as the source: Dovecot treats a client whose IP equals its own as
secure. Prints one line per check (never a password); exits 1 on any failure.
"""
import os
import socket
import ssl
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0 on purpose

HOST, SRC = "127.0.0.1", "127.0.0.2"


def load_env():
    lab = os.environ.get("MAILSPEC_LAB_DIR", "/tmp/mailspec-lab")
    env = {}
    with open(os.path.join(lab, "env")) as f:
        for line in f:
            key, _, value = line.removeprefix("export ").strip().partition("=")
            env[key] = value.strip("'")
    env["ports"] = dict(p.split("=") for p in env["MAILSPEC_PORTS"].split(","))
    return env


class Line:
    """A line-oriented client on a socket that can be upgraded to TLS."""

    def __init__(self, port, src=SRC):
        self.sock = socket.socket()
        self.sock.settimeout(5)
        self.sock.bind((src, 0))
        self.sock.connect((HOST, port))
        self.buf = b""

    def tls(self, ctx):
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        out, _, self.buf = self.buf.partition(b"\r\n")
        return out.decode("latin-1")

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def until(self, pred):
        lines = []
        while True:
            lines.append(self.line())
            if pred(lines[-1]):
                return lines


def tls_ctx(ca, version=None):
    ctx = ssl.create_default_context(cafile=ca)
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx


def smtp_reply(c):
    return c.until(lambda l: l[3:4] == " ")


def open_plain(proto, port):
    """Connects, reads the greeting (and SMTP EHLO); returns (conn, capability text)."""
    c = Line(port)
    if proto == "smtp":
        smtp_reply(c)
        c.send("EHLO client.lab.test")
        return c, " ".join(smtp_reply(c))
    greeting = c.line()
    if proto == "imap":
        c.send("a0 CAPABILITY")
        return c, " ".join(c.until(lambda l: l.startswith("a0 ")))
    c.send("CAPA")
    return c, greeting + " " + " ".join(c.until(lambda l: l == "."))


def starttls(proto, c, ctx):
    cmd = {"imap": "a1 STARTTLS", "pop3": "STLS", "smtp": "STARTTLS"}[proto]
    c.send(cmd)
    reply = c.line() if proto != "smtp" else smtp_reply(c)[-1]
    if not (reply.startswith("a1 OK") or reply.startswith("+OK") or reply.startswith("220")):
        raise RuntimeError(f"STARTTLS refused: {reply}")
    c.tls(ctx)


def tls_connect(proto, port, implicit, ctx):
    if implicit:
        c = Line(port)
        c.tls(ctx)
        return c
    c, _ = open_plain(proto, port)
    starttls(proto, c, ctx)
    return c


def plaintext_login(proto, port, env):
    """Tries a cleartext login before TLS; returns True if the server accepted it."""
    user, pw = env["MAILSPEC_USER"], env["MAILSPEC_PASSWORD"]
    c, _ = open_plain(proto, port)
    if proto == "imap":
        c.send(f'a2 LOGIN "{user}" "{pw}"')
        return c.until(lambda l: l.startswith("a2 "))[-1].startswith("a2 OK")
    if proto == "pop3":
        c.send(f"USER {user}")
        if not c.line().startswith("+OK"):
            return False
        c.send(f"PASS {pw}")
        return c.line().startswith("+OK")
    import base64
    token = base64.b64encode(f"\0{user}\0{pw}".encode()).decode()
    c.send(f"AUTH PLAIN {token}")
    return smtp_reply(c)[-1].startswith("235")


TLS_ENDPOINTS = [("imap", "imap", False), ("imap", "imaps", True), ("pop3", "pop3", False),
                 ("pop3", "pop3s", True), ("smtp", "smtp", False),
                 ("smtp", "submission", False), ("smtp", "submissions", True)]


class Checks:
    def __init__(self, env, profile):
        self.env, self.profile, self.failed = env, profile, 0
        self.port = lambda name: int(env["ports"][name])

    def expect(self, name, want, fn):
        try:
            got, detail = fn(), ""
        except Exception as e:  # a refused handshake or login is an outcome here
            got, detail = False, f" ({type(e).__name__}: {e})"
        ok = got == want
        self.failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: expected {want}, got {got}{detail if not ok or not got else ''}")

    def verify(self, proto, name, implicit):
        ctx = tls_ctx(self.env["MAILSPEC_CA_FILE"])
        tls_connect(proto, self.port(name), implicit, ctx)
        return True

    def tls10(self, proto, name, implicit):
        ctx = tls_ctx(self.env["MAILSPEC_CA_FILE"], ssl.TLSVersion.TLSv1)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        return tls_connect(proto, self.port(name), implicit, ctx).sock.version() == "TLSv1"

    def mailbox(self):
        ctx = tls_ctx(self.env["MAILSPEC_CA_FILE"])
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        c = tls_connect("pop3", self.port("pop3s"), True, ctx)
        c.line()
        c.send(f"USER {self.env['MAILSPEC_USER']}"); c.line()
        c.send(f"PASS {self.env['MAILSPEC_PASSWORD']}"); c.line()
        c.send("STAT")
        stat = c.line()
        c.send("RETR 2")
        body = c.until(lambda l: l == ".")
        return stat.startswith("+OK 3 ") and "..leading dot line" in body and ".." in body

    def imap_inbox(self):
        ctx = tls_ctx(self.env["MAILSPEC_CA_FILE"])
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        c = tls_connect("imap", self.port("imap"), False, ctx)
        c.send("a2 CAPABILITY")
        caps = " ".join(c.until(lambda l: l.startswith("a2 ")))
        mechs = all(f"AUTH={m}" in caps for m in
                    ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"))
        user, pw = self.env["MAILSPEC_USER"], self.env["MAILSPEC_PASSWORD"]
        c.send(f'a3 LOGIN "{user}" "{pw}"')
        c.until(lambda l: l.startswith("a3 "))
        c.send("a4 EXAMINE INBOX")
        exists = "* 3 EXISTS" in c.until(lambda l: l.startswith("a4 "))
        c.send("a5 FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = [l for l in c.until(lambda l: l.startswith("a5 ")) if l.startswith("Subject:")]
        order = [x.split()[1] for x in subjects] == ["Welcome", "Dots", "Multipart"]
        return mechs and exists and order

    def swaks(self):
        e = self.env
        cmd = ["swaks", "--server", HOST, "--port", str(self.port("submission")), "--tls",
               "--auth", "PLAIN", "--auth-user", e["MAILSPEC_USER"], "--auth-password",
               e["MAILSPEC_PASSWORD"], "--from", e["MAILSPEC_FROM"], "--to", e["MAILSPEC_RCPT"],
               "--local-interface", SRC, "--helo", "client.lab.test"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return r.returncode == 0 and "250 2.0.0 Ok: queued" in r.stdout

    def run(self):
        good_certs = self.profile != "badcert"
        weak = self.profile == "weak"
        for proto, name, implicit in TLS_ENDPOINTS:
            self.expect(f"certificate verifies on {name}", good_certs,
                        lambda: self.verify(proto, name, implicit))
        for proto, name in [("imap", "imap"), ("pop3", "pop3"), ("smtp", "submission")]:
            self.expect(f"plaintext login before TLS on {name} from {SRC}", weak,
                        lambda: plaintext_login(proto, self.port(name), self.env))
        _, caps = open_plain("imap", self.port("imap"))
        self.expect("LOGINDISABLED advertised before STARTTLS", not weak,
                    lambda: "LOGINDISABLED" in caps)
        for proto, name, implicit in [("imap", "imaps", True), ("pop3", "pop3s", True),
                                      ("smtp", "submissions", True), ("smtp", "smtp", False)]:
            self.expect(f"TLS 1.0 accepted on {name}", weak,
                        lambda: self.tls10(proto, name, implicit))
        self.expect("IMAP: 5 AUTH mechanisms after STARTTLS, INBOX has the 3 known messages in order",
                    True, self.imap_inbox)
        self.expect("POP3: 3 known messages, dot-stuffed RETR 2", True, self.mailbox)
        self.expect("swaks --tls --auth PLAIN alice->bob via submission", True, self.swaks)
        return self.failed


def main():
    env = load_env()
    profile = sys.argv[1] if len(sys.argv) > 1 else env["MAILSPEC_LAB_PROFILE"]
    failed = Checks(env, profile).run()
    print(f"selftest {profile}: {'all checks passed' if not failed else f'{failed} failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
