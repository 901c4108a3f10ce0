#!/usr/bin/python3
"""Validates JSON files against a JSON Schema (draft 7 or 2020-12, from the schema's $schema).

Usage: validate_json_schema.py SCHEMA FILE...
Exit 0 when every file is valid, 1 when any is not (every error is listed), 2 on usage errors.
Uses Debian's python3-jsonschema; formats are checked when the checker supports them.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    bad = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:50]:
            where = "/" + "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: {where}: {e.message}", file=sys.stderr)
        if errors:
            bad += 1
            print(f"{path}: INVALID ({len(errors)} errors)")
        else:
            print(f"{path}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
