#!/usr/bin/python3
"""Validates SARIF files with Microsoft's SARIF SDK (npm @microsoft/sarif-multitool-linux).

Usage: validate_sarif.py [--only schema|multitool] FILE...

Two checks, both on by default:
  schema     the SARIF 2.1.0 JSON Schema the SDK ships (sarif-2.1.0.json in the package),
             with Debian's python3-jsonschema: every type, enum and required member; plus
             the spec's kind/level rule (3.27.10), which no schema encodes;
  multitool  `Sarif.Multitool validate`: the SDK's own schema validation (JSON1xxx) and the
             SARIF spec rules (SARIF1xxx errors, SARIF2xxx warnings and notes).
A file fails on any schema error or any multitool result of level "error"; warnings are listed.
The multitool exits 0 even when it finds errors, so its output log is read instead.
Its rule SARIF2006 (help URIs reachable over HTTP) is disabled: tests make no network request.

Exit 0 all valid, 1 any invalid, 2 usage or validator failure, 77 validators not installed
(only outside CI: with CI set, a missing validator is a failure).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "node_modules", "@microsoft", "sarif-multitool-linux")
MULTITOOL = os.path.join(PACKAGE, "Sarif.Multitool")
SCHEMA = os.path.join(PACKAGE, "sarif-2.1.0.json")
CONFIG = os.path.join(HERE, "sarif-validate.config.xml")


def missing(what):
    msg = f"{what} not installed: run `npm ci` in {HERE} (ci/setup does it)"
    if os.environ.get("CI"):
        print("FAIL: " + msg)
        sys.exit(2)
    print("SKIP: " + msg)
    sys.exit(77)


def package_version():
    with open(os.path.join(PACKAGE, "package.json"), encoding="utf-8") as f:
        return json.load(f)["version"]


def check_schema(path):
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc),
                    key=lambda e: list(e.absolute_path))
    for e in errors[:50]:
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        print(f"{path}: schema: {where}: {e.message}")
    return not errors


def check_kind_level(path):
    # SARIF 2.1.0 sections 3.27.9-10: a result whose kind is not "fail" has level "none". Neither
    # the schema nor the multitool checks it.
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    ok = True
    for i, run in enumerate(doc.get("runs", [])):
        for j, r in enumerate(run.get("results") or []):
            kind = r.get("kind", "fail")
            level = r.get("level", "warning" if kind == "fail" else "none")  # the spec's defaults
            if kind != "fail" and level != "none":
                print(f"{path}: spec 3.27.10: runs[{i}].results[{j}]: kind {kind!r} with level {level!r}")
                ok = False
    return ok


def no_network_prefix():
    # An empty network namespace, where the kernel allows it: belt and braces on top of
    # the disabled SARIF2006, so the validator cannot reach anything.
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0:
        return [unshare, "-rn"]
    return []


def check_multitool(path):
    if not os.access(MULTITOOL, os.X_OK):
        os.chmod(MULTITOOL, 0o755)  # the package's postinstall does this; npm may skip scripts
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1", DOTNET_CLI_TELEMETRY_OPTOUT="1")
    with tempfile.TemporaryDirectory(prefix="mailspec-sarif-") as tmp:
        out = os.path.join(tmp, "validation.sarif")
        cmd = no_network_prefix() + [MULTITOOL, "validate", path, "--config", CONFIG,
                                     "--output", out, "--log", "ForceOverwrite", "--level", "Error;Warning"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if p.returncode != 0 or not os.path.exists(out):
            print(f"{path}: Sarif.Multitool failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
            sys.exit(2)
        with open(out, encoding="utf-8-sig") as f:
            log = json.load(f)
    ok = True
    for run in log.get("runs", []):
        for inv in run.get("invocations", []):
            for n in inv.get("toolExecutionNotifications", []):
                if n.get("level", "warning") == "error":
                    print(f"{path}: multitool: execution error: {n.get('message', {}).get('text')}")
                    ok = False
        templates = {rule["id"]: rule.get("messageStrings", {}) for rule in run.get("tool", {}).get("driver", {}).get("rules", [])}
        for r in run.get("results", []):
            level = r.get("level", "warning")
            text = message_text(r, templates.get(r.get("ruleId"), {}))
            print(f"{path}: multitool: {level} {r.get('ruleId')}: {text[:300]}")
            if level == "error":
                ok = False
    return ok


def message_text(result, strings):
    msg = result.get("message", {})
    if "text" in msg:
        return msg["text"]
    args = msg.get("arguments", [])
    template = strings.get(msg.get("id"), {}).get("text")
    if not template:
        return " ".join(args)
    return re.sub(r"\{(\d+)\}", lambda m: args[int(m[1])] if int(m[1]) < len(args) else m[0], template)


def main(argv):
    args = argv[1:]
    only = None
    if len(args) >= 2 and args[0] == "--only":
        only, args = args[1], args[2:]
    if not args or only not in (None, "schema", "multitool"):
        print(__doc__, file=sys.stderr)
        return 2
    if not os.path.exists(MULTITOOL) or not os.path.exists(SCHEMA):
        missing("@microsoft/sarif-multitool-linux")
    print(f"validator: @microsoft/sarif-multitool-linux {package_version()} "
          f"(schema {os.path.relpath(SCHEMA, HERE)}; python3-jsonschema)")
    bad = 0
    for path in args:
        valid = True
        if only in (None, "schema"):
            valid = check_schema(path) and valid
            valid = check_kind_level(path) and valid
        if only in (None, "multitool"):
            valid = check_multitool(path) and valid
        print(f"{path}: {'valid' if valid else 'INVALID'}")
        bad += not valid
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
