#!/usr/bin/python3
"""D2 in docs/interop.md: several sessions of one user CREATE names of their own at once; prints
how many CREATEs were not answered OK (Dovecot 2.3 on maildir with its mailbox list index answers
some NO [ALREADYEXISTS]). Every mailbox it made is deleted again.

  source $MAILSPEC_LAB_DIR/env; create_race.py [SESSIONS [CREATES-PER-SESSION [IMAPS-PORT]]]

Account and CA from the lab's env file (MAILSPEC_USER, MAILSPEC_PASSWORD, MAILSPEC_CA_FILE); the
password is never printed. Connects to 127.0.0.1 only."""
import imaplib
import os
import ssl
import sys
import threading
import uuid


def main():
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    port = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("MAILSPEC_LAB_PORT_BASE", "10000")) + 993
    ctx = ssl.create_default_context(cafile=os.environ["MAILSPEC_CA_FILE"])
    run = uuid.uuid4().hex[:8]
    refused, lock, start = [], threading.Lock(), threading.Barrier(sessions)

    def session(k):
        c = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=20)
        c.login(os.environ["MAILSPEC_USER"], os.environ["MAILSPEC_PASSWORD"])
        start.wait(30)
        names = ["mailspec-race-%s-%d-%d" % (run, k, i) for i in range(per)]
        for name in names:
            typ, data = c.create(name)
            if typ != "OK":
                with lock:
                    refused.append((name, typ, data[0].decode(errors="replace")))
        for name in names:
            c.delete(name)
        c.logout()

    threads = [threading.Thread(target=session, args=(k,)) for k in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    print("%d sessions x %d CREATEs: %d not OK" % (sessions, per, len(refused)))
    for r in refused[:10]:
        print("  %s: %s %s" % r)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
