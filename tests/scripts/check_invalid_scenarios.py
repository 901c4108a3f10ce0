#!/usr/bin/python3
"""Each file under DIR must be rejected by the JSON Schema and by `mailspec validate` (exit 65):
check_invalid_scenarios.py SCHEMA MAILSPEC DIR. Exits 1 when one is accepted by either."""
import json
import os
import subprocess
import sys

import jsonschema


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.validators.validator_for(schema)(schema)
    bad = 0
    names = sorted(n for n in os.listdir(argv[3]) if n.endswith(".json"))
    for name in names:
        path = os.path.join(argv[3], name)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if not list(validator.iter_errors(doc)):
            print(f"{path}: the JSON Schema accepts it")
            bad += 1
        r = subprocess.run([argv[2], "validate", path], capture_output=True, text=True, timeout=60)
        if r.returncode != 65:
            print(f"{path}: mailspec validate exit {r.returncode}, expected 65")
            bad += 1
        else:
            print(f"{path}: rejected: {r.stderr.strip().splitlines()[0] if r.stderr.strip() else r.stdout.strip()}")
    if not names:
        print("no files", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
