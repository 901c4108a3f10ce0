#!/usr/bin/python3
"""Validate scenario files against the JSON Schema: check_schema.py SCHEMA FILE|DIR ...

Directories are walked for *.json (skipping directories named "schema"). Prints one line per
problem and exits 1 if any file is invalid, 2 on usage errors."""
import json
import os
import sys

import jsonschema


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d != "schema")
                for n in sorted(names):
                    if n.endswith(".json"):
                        yield os.path.join(root, n)
        else:
            yield p


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    count = 0
    for path in files_of(argv[2:]):
        count += 1
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: {e}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors:
            pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in e.absolute_path)
            print(f"{path} ({pointer}): {e.message}")
        bad += 1 if errors else 0
    if count == 0:
        print("no scenario files given", file=sys.stderr)
        return 2
    print(f"{count - bad} of {count} file(s) valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
