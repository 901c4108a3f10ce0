#!/usr/bin/python3
"""A real RFC 5321 server for interop runs: Debian's python3-aiosmtpd on loopback.

    aiosmtpd_server.py --host 127.0.0.22 --cert leaf.pem --key leaf.key \
        --smtp 31025 --submission 31587 --submissions 31465 [--pidfile F] [--ports-file F]

Three listeners, as a provider would set them up:
  smtp         STARTTLS offered, AUTH not offered before TLS, no AUTH required
  submission   STARTTLS required before any mail command, AUTH PLAIN/LOGIN after TLS
  submissions  implicit TLS (RFC 8314), AUTH PLAIN/LOGIN
--weak: submission takes AUTH before STARTTLS (a misconfiguration mailspec must report).
The one account is MAILSPEC_USER / MAILSPEC_PASSWORD from the environment (never argv).
Accepted messages are counted and dropped. Runs until SIGTERM/SIGINT.
"""
import argparse
import asyncio
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self):
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        return "250 2.0.0 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user and auth_data.password == password)
        return AuthResult(success=ok, handled=False)
    return check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--smtp", type=int, required=True)
    ap.add_argument("--submission", type=int, required=True)
    ap.add_argument("--submissions", type=int, required=True)
    ap.add_argument("--weak", action="store_true",
                    help="submission accepts AUTH before STARTTLS (a real misconfiguration to be found)")
    ap.add_argument("--pidfile")
    ap.add_argument("--ports-file", help="written once listening: smtp=N,submission=N,submissions=N (port 0 = any)")
    a = ap.parse_args()
    user = os.environ.get("MAILSPEC_USER", "").encode()
    password = os.environ.get("MAILSPEC_PASSWORD", "").encode()
    if not user or not password:
        sys.exit("aiosmtpd_server.py: MAILSPEC_USER and MAILSPEC_PASSWORD must be set")

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    handler = Handler()
    auth = authenticator(user, password)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def smtp_factory():
        return SMTP(handler, hostname="mx.interop.test", tls_context=ctx, loop=loop,
                    auth_require_tls=True, authenticator=auth)

    def submission_factory():
        return SMTP(handler, hostname="submit.interop.test", tls_context=ctx, loop=loop,
                    require_starttls=not a.weak, auth_required=True, auth_require_tls=not a.weak,
                    authenticator=auth)

    def submissions_factory():
        # Implicit TLS: the session is already encrypted, so auth_require_tls holds.
        return SMTP(handler, hostname="submit.interop.test", loop=loop, auth_required=True,
                    auth_require_tls=False, authenticator=auth)

    servers = [
        loop.run_until_complete(loop.create_server(smtp_factory, a.host, a.smtp)),
        loop.run_until_complete(loop.create_server(submission_factory, a.host, a.submission)),
        loop.run_until_complete(loop.create_server(submissions_factory, a.host, a.submissions, ssl=ctx)),
    ]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    if a.ports_file:
        tmp = a.ports_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("smtp=%d,submission=%d,submissions=%d\n" % tuple(ports))
        os.replace(tmp, a.ports_file)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write(f"{os.getpid()}\n")
    stop = asyncio.Event()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    print(f"aiosmtpd listening on {a.host}: smtp {ports[0]} submission {ports[1]} "
          f"submissions {ports[2]}", flush=True)
    loop.run_until_complete(stop.wait())
    for s in servers:
        s.close()
    loop.close()


if __name__ == "__main__":
    main()
