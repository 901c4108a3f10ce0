#!/usr/bin/python3
"""A mail client written the way Python's standard library documents it (imaplib, poplib,
smtplib), driven by ci/clients against `mailspec serve`.

Usage: pyclient.py PROTOCOL MODE HOST PORT CA
  PROTOCOL  imap | pop3 | smtp
  MODE      opportunistic  STARTTLS when the server offers it (verifying against CA), else log in anyway
            required       STARTTLS or give up (verifying against CA)
            defaults       STARTTLS or give up, with the library's default TLS context (no argument)
            implicit       Implicit TLS (IMAP4_SSL, POP3_SSL, SMTP_SSL), verifying against CA
The user and password come from MAILSPEC_CLIENT_USER / MAILSPEC_CLIENT_PASSWORD (never argv).
Exit 0 when the session completed, 1 when the client gave up or failed."""
import imaplib
import os
import poplib
import smtplib
import ssl
import sys

TIMEOUT = 10


def context(mode, ca):
    if mode == "defaults":
        return None  # what the library does when the caller passes no context
    return ssl.create_default_context(cafile=ca)


def imap(mode, host, port, ca, user, password):
    if mode == "implicit":
        c = imaplib.IMAP4_SSL(host, port, ssl_context=context(mode, ca), timeout=TIMEOUT)
    else:
        c = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        if "STARTTLS" in c.capabilities:
            c.starttls(ssl_context=context(mode, ca))
        elif mode != "opportunistic":
            c.logout()
            raise SystemExit("STARTTLS not offered")
    c.login(user, password)
    c.select("INBOX")
    c.logout()


def pop3(mode, host, port, ca, user, password):
    if mode == "implicit":
        c = poplib.POP3_SSL(host, port, context=context(mode, ca), timeout=TIMEOUT)
    else:
        c = poplib.POP3(host, port, timeout=TIMEOUT)
        try:
            c.stls(context=context(mode, ca))
        except poplib.error_proto:
            if mode != "opportunistic":
                c.quit()
                raise
    c.user(user)
    c.pass_(password)
    c.stat()
    c.quit()


def smtp(mode, host, port, ca, user, password):
    if mode == "implicit":
        c = smtplib.SMTP_SSL(host, port, context=context(mode, ca), timeout=TIMEOUT)
    else:
        c = smtplib.SMTP(host, port, timeout=TIMEOUT)
        c.ehlo()
        if c.has_extn("starttls"):
            c.starttls(context=context(mode, ca))
            c.ehlo()
        elif mode != "opportunistic":
            c.quit()
            raise SystemExit("STARTTLS not offered")
    if c.has_extn("auth"):
        c.login(user, password)
    c.sendmail("alice@example.com", ["bob@example.com"], "Subject: mailspec serve\r\n\r\ntest\r\n")
    c.quit()


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 64
    proto, mode, host, port, ca = argv[1:]
    user = os.environ.get("MAILSPEC_CLIENT_USER", "alice")
    password = os.environ.get("MAILSPEC_CLIENT_PASSWORD", "")
    try:
        {"imap": imap, "pop3": pop3, "smtp": smtp}[proto](mode, host, int(port), ca, user, password)
    except (OSError, ssl.SSLError, imaplib.IMAP4.error, poplib.error_proto, smtplib.SMTPException, EOFError) as e:
        print(f"pyclient: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
