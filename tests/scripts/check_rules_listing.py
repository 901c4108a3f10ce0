#!/usr/bin/python3
"""Check `mailspec rules` (issue 4, acceptance 1; issue 20, item 5):
    check_rules_listing.py MAILSPEC [MIN_RULES]
    check_rules_listing.py --listing RULES.json [MIN_RULES]   (a saved JSON listing; no text listing)

The JSON listing has at least MIN_RULES (default 60) rules; each has a unique path-shaped id, a
protocol, a level, a severity, a spec that names an RFC and a section ("RFC 5321 §4.2.1"), and
requirement text; the text listing names every rule. Every requirement either starts with
"Summary:" or quotes the sections its spec cites word for word, at a level the quote supports,
checked against the RFC texts in tests/data/rfc (rfc_quotes.py); an obsoleted RFC is cited with its
successor. Prints one line per problem; exit 1 on any, 2 on usage errors."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rfc_quotes  # noqa: E402

RFC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "rfc")

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


def problems(rules, text, minimum, rfc_dir=RFC_DIR):
    if not isinstance(rules, list):
        yield "the JSON listing is not an array"
        return
    if len(rules) < minimum:
        yield f"{len(rules)} rules listed, expected at least {minimum}"
    seen = set()
    library = rfc_quotes.Library(rfc_dir)
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
        if text is not None and rid not in text:
            yield f"{where}: missing from the text listing"
        if isinstance(spec, str) and isinstance(req, str):
            yield from rfc_quotes.problems(r, library)


def main(argv):
    args = argv[1:]
    listing = None
    if args[:1] == ["--listing"] and len(args) >= 2:
        listing, args = args[1], args[2:]
    if (listing is None and len(args) not in (1, 2)) or (listing is not None and len(args) > 1):
        print(__doc__, file=sys.stderr)
        return 2
    rest = args[1:] if listing is None else args
    minimum = int(rest[0]) if rest else 60
    try:
        if listing is not None:
            with open(listing, encoding="utf-8") as f:
                rules = json.load(f)
        else:
            rules = json.loads(run(args[0], "--format", "json"))
    except json.JSONDecodeError as e:
        print(f"mailspec rules --format json: not JSON: {e}")
        return 1
    text = run(args[0], "--format", "text") if listing is None else None
    bad = list(problems(rules, text, minimum))
    for b in bad:
        print(b)
    if not bad:
        quoted = sum(1 for r in rules if not str(r.get("requirement", "")).startswith("Summary:"))
        print(f"ok: {len(rules)} rules, each with id, protocol, level, severity, spec (RFC §) and requirement; "
              f"{quoted} quote the RFC verbatim (tests/data/rfc), {len(rules) - quoted} are marked Summary:")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
