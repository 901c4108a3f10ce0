#!/usr/bin/python3
"""The rule listing check fails on a deliberately bad listing (issue 20, item 5, acceptance):
an unmarked paraphrase, a silent cut, a level the quote does not support, an obsoleted RFC cited
alone, a quote of a section that is not stored; and passes the same rules written correctly.
Runs check_rules_listing.py --listing on generated listings; exit 1 on any unexpected result."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_rules_listing.py")


def rule(rid, spec, level, requirement):
    return {"id": rid, "protocol": "smtp", "spec": spec, "level": level, "severity": "none",
            "requirement": requirement}


GOOD = [
    rule("smtp/rfc5321/4.2/one-reply-per-command", "RFC 5321 §4.2", "MUST",
         "Every command MUST generate exactly one reply."),
    rule("smtp/rfc5321/3.8/close", "RFC 5321 §3.8", "MUST",
         "An SMTP server MUST NOT intentionally close the connection under normal operational circumstances "
         "(see Section 7.8) except: ... After receiving a QUIT command and responding with a 221 reply. "
         "(mailspec's note)"),
    rule("imap/rfc9051/6.2.3/login", "RFC 9051 §6.2.3 (RFC 3501 §6.2.3 for IMAP4rev1)", "SHOULD",
         "Server sites SHOULD NOT use any configuration that permits the LOGIN command without such a "
         "protection mechanism against password snooping."),
    rule("smtp/rfc5321/4.2/reply-code", "RFC 5321 §4.2", "MUST", "Reply-code = %x32-35 %x30-35 %x30-39"),
    rule("settings/x/summary", "RFC 8314 §3", "MUST", "Summary: clients use TLS (not a quote)."),
]

BAD = {
    "unmarked paraphrase": (rule("smtp/rfc5321/4.2/paraphrase", "RFC 5321 §4.2", "MUST",
                                 "Each command gets one reply and only one reply from the server."),
                            "not verbatim"),
    "silent cut": (rule("smtp/rfc5321/3.8/cut", "RFC 5321 §3.8", "MUST",
                        "An SMTP server MUST NOT intentionally close the connection except: After receiving a "
                        "QUIT command and responding with a 221 reply."),
                   "not verbatim"),
    "quote in another section": (rule("smtp/rfc5321/3.8/wrong-section", "RFC 5321 §3.8", "MUST",
                                      "Every command MUST generate exactly one reply."),
                                 "not verbatim"),
    "level MUST on a SHOULD": (rule("imap/rfc9051/6.2.3/level", "RFC 9051 §6.2.3", "MUST",
                                    "Server sites SHOULD NOT use any configuration that permits the LOGIN command "
                                    "without such a protection mechanism against password snooping."),
                               "level MUST"),
    "level SHOULD on a MUST": (rule("smtp/rfc5321/4.2/level", "RFC 5321 §4.2", "SHOULD",
                                    "Every command MUST generate exactly one reply."),
                               "level SHOULD"),
    "obsoleted RFC alone": (rule("imap/rfc3501/6.2.3/obsolete", "RFC 3501 §6.2.3", "SHOULD",
                                 "Summary: LOGIN should not be permitted before TLS."),
                            "obsoleted by RFC 9051"),
    "section not stored": (rule("smtp/rfc5321/9.9/missing", "RFC 5321 §9.9", "MUST",
                                "Every command MUST generate exactly one reply."),
                           "is not in tests/data/rfc"),
    "only notes": (rule("smtp/rfc5321/4.2/notes", "RFC 5321 §4.2", "INFO", "(an observation of the greeting)"),
                   "no quoted text"),
}


def check(listing):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(listing, f)
    try:
        p = subprocess.run([sys.executable, CHECK, "--listing", f.name, "1"], capture_output=True, text=True,
                           timeout=60)
    finally:
        os.unlink(f.name)
    return p.returncode, p.stdout + p.stderr


def main():
    failures = 0
    rc, out = check(GOOD)
    if rc != 0:
        print(f"not ok: the good listing was rejected:\n{out}")
        failures += 1
    else:
        print("ok: the good listing passes")
    for name, (bad, expect) in BAD.items():
        rc, out = check(GOOD + [bad])
        if rc == 1 and bad["id"] in out and expect in out:
            print(f"ok: {name} fails ({out.strip().splitlines()[0][:120]})")
        else:
            print(f"not ok: {name}: exit {rc}, expected 1 with {expect!r} for {bad['id']}:\n{out}")
            failures += 1
    print(f"{len(BAD) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
