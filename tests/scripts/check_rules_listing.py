#!/usr/bin/python3
"""Check `mailspec rules` (issue 4, acceptance 1): check_rules_listing.py MAILSPEC [MIN_RULES]

The JSON listing has at least MIN_RULES (default 60) rules; each has a unique path-shaped id, a
protocol, a level, a severity, a spec that names an RFC and a section ("RFC 5321 §4.2.1"), and
requirement text; the text listing names every rule. Prints one line per problem; exit 1 on
any, 2 on usage errors."""
import json
import re
import subprocess
import sys

PROTOCOLS = {"smtp", "imap", "pop3", "tls", "sasl", "settings", "any"}
LEVELS = {"MUST", "SHOULD", "INFO"}  # RFC 2119 keywords, as in report.json
SEVERITIES = {"none", "low", "medium", "high", "critical"}
# The first reference of a spec is an RFC and a section: "RFC 5321 §4.2.1", "RFC 5246 §A.5".
SPEC = re.compile(r"^RFC [1-9][0-9]{2,4} §[0-9A-Z][0-9A-Za-z.]*")


def run(mailspec, *args):
    p = subprocess.run([mailspec, "rules", *args], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit(f"mailspec rules {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def problems(rules, text, minimum):
    if not isinstance(rules, list):
        yield "the JSON listing is not an array"
        return
    if len(rules) < minimum:
        yield f"{len(rules)} rules listed, expected at least {minimum}"
    seen = set()
    for i, r in enumerate(rules):
        rid = r.get("id") if isinstance(r, dict) else None
        where = f"rule {i} ({rid})"
        if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9]+(/[A-Za-z0-9._-]+)+", rid):
            yield f"{where}: id is not path-shaped"
            continue
        if rid in seen:
            yield f"{where}: duplicate id"
        seen.add(rid)
        if r.get("protocol") not in PROTOCOLS:
            yield f"{where}: protocol {r.get('protocol')!r} not one of {sorted(PROTOCOLS)}"
        if r.get("level") not in LEVELS:
            yield f"{where}: level {r.get('level')!r} not one of {sorted(LEVELS)}"
        if r.get("severity") not in SEVERITIES:
            yield f"{where}: severity {r.get('severity')!r} not one of {sorted(SEVERITIES)}"
        spec = r.get("spec")
        if not isinstance(spec, str) or not SPEC.match(spec):
            yield f"{where}: spec {spec!r} does not start with an RFC and a section (RFC N §S)"
        req = r.get("requirement")
        if not isinstance(req, str) or len(req.strip()) < 20:
            yield f"{where}: requirement text missing or too short: {req!r}"
        if rid not in text:
            yield f"{where}: missing from the text listing"


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    minimum = int(argv[2]) if len(argv) == 3 else 60
    try:
        rules = json.loads(run(argv[1], "--format", "json"))
    except json.JSONDecodeError as e:
        print(f"mailspec rules --format json: not JSON: {e}")
        return 1
    text = run(argv[1], "--format", "text")
    bad = list(problems(rules, text, minimum))
    for b in bad:
        print(b)
    if not bad:
        print(f"ok: {len(rules)} rules, each with id, protocol, level, severity, spec (RFC §) and requirement")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
