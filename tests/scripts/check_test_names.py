#!/usr/bin/python3
"""check_test_names.py DIR: no Catch2 TEST_CASE name contains ';'. ctest splits a discovered test
name at ';' (a CMake list), so such a test runs under a name that matches nothing and never
really runs: 16 tests did not until this check existed."""
import glob
import re
import sys

bad = []
for path in sorted(glob.glob(sys.argv[1] + "/**/*.cpp", recursive=True)):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.search(r'TEST_CASE\("((?:[^"\\]|\\.)*)"', line)
        if m and ";" in m.group(1):
            bad.append(f"{path}:{n}: TEST_CASE name contains ';' (ctest would not run it): {m.group(1)}")
print("\n".join(bad) if bad else "ok: no TEST_CASE name contains ';'")
sys.exit(1 if bad else 0)
