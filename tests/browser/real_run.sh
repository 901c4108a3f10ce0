#!/usr/bin/env bash
# Issue 6 acceptance on a real run (not the synthetic sample): mailspec against two mailspec-fake
# SMTP servers and a closed port, scenarios in tests/data/report/run, giving one case of each of
# pass, fail, warn, skip and error. Checks: every report validates (report.json schema, SARIF SDK,
# Jenkins' JUnit XSD + structure); a canary password used in a step appears in no output file and
# no console output, nor its base64 forms; console: plain lines without a TTY, a progress line and
# colours on one (`script` gives it a pseudo-terminal); --baseline: known failures pass the run,
# a new one exits 1, one fixed is listed fixed (console, report.json, report.html); --fail-on warn;
# merge of two runs validates too.
# Env: MAILSPEC, MAILSPEC_FAKE (binaries), MAILSPEC_SOURCE_DIR (source tree).
here=$(cd "$(dirname "$0")" && pwd)
src=${MAILSPEC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
# shellcheck source=../integration/lib.sh
source "$src/tests/integration/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$src/tests/data/report/run
validators=$src/tests/validators
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# start_fake NAME SCRIPT: a fake server serving SCRIPT to every connection; sets $port.
start_fake() {
  "$MAILSPEC_FAKE" --script "$2" --print-port --connections 0 >"$work/$1.port" 2>"$work/$1.err" &
  pids+=($!)
  port=$(port_from "$work/$1.port" "${pids[-1]}") && return 0
  cat "$work/$1.err"; echo "0 passed, 1 failed"; exit 1
}
start_fake clean "$data/fake/fake-clean.json"; clean=$port
start_fake nonascii "$data/fake/fake-nonascii.json"; nonascii=$port

canary="Canary-$RANDOM-$$-pw9Zq"
export MAILSPEC_PASSWORD=$canary
common=(--target 127.0.0.1 --port "smtp=$clean" --port "2525=$nonascii" --port 2526=1 --insecure
        --jobs 1 --timeout-ms 3000)

# validate NAME CMD...: a validator run; exit 77 (not installed, outside CI) is reported, not failed.
validate() {
  local what=$1; shift
  "$@" >"$work/validate.out" 2>&1
  local v=$?
  if [ "$v" = 0 ]; then ok "$what"
  elif [ "$v" = 77 ]; then echo "# skipped: $what ($(head -n 1 "$work/validate.out"))"
  else bad "$what"; sed 's/^/#   /' "$work/validate.out" | tail -n 30; fi
}

run_ms all run "$data/scenarios" "${common[@]}" --report-dir "$work/all"
expect_exit 1 all
for v in pass fail warn skip error; do
  check "real run has a $v case" test "$(jq_py "$work/all/report.json" "r['summary']['cases']['$v']")" -ge 1
done
validate "real run: report.json matches its schema" \
  /usr/bin/python3 "$src/tests/scripts/validate_json_schema.py" "$src/reports/schema/report-v1.json" "$work/all/report.json"
validate "real run: report.sarif passes the SARIF SDK validator" \
  /usr/bin/python3 "$validators/validate_sarif.py" "$work/all/report.sarif"
validate "real run: junit.xml matches Jenkins' JUnit XSD and the run" \
  /usr/bin/python3 "$validators/validate_junit.py" --report "$work/all/report.json" "$work/all/junit.xml"
check "real run: every report written" test -s "$work/all/report.html" -a -s "$work/all/junit.xml" -a -s "$work/all/report.sarif"
check "canary was sent (redacted in the transcript)" grep -q 'NOOP ‹secret:pass›' "$work/all/report.json"
check "canary and its base64 forms in no report file nor console output" not_leaked "$canary" "$work/all" "$work/all.out"

# Console without a TTY: one plain line per case, no escape sequence.
check "console (pipe): one [k/5] line per case" test "$(grep -c '^\[[1-5]/5\] ' "$work/all.out")" = 5
check "console (pipe): no escape sequences" bash -c "! grep -q $'\x1b' '$work/all.out'"
check "console (pipe): no carriage returns" bash -c "! grep -q $'\r' '$work/all.out'"
# On a pseudo-terminal: colours, and the progress line rewritten in place (CR + erase line).
cmd=$(printf '%q ' "$MAILSPEC" run "$data/scenarios" "${common[@]}" --report-dir "$work/tty")
script -qfec "$cmd" /dev/null >"$work/tty.out" 2>&1
check "console (tty): exit 1 as without a TTY" test "$?" = 1
check "console (tty): colours" grep -q $'\x1b\[1;31mFAIL' "$work/tty.out"
check "console (tty): progress line rewritten in place" grep -q $'\r\x1b\[2K' "$work/tty.out"
check "console (tty): canary not shown" not_leaked "$canary" "$work/tty.out" "$work/tty"

# --baseline: without the error case (exit 2 is not a baseline matter).
mkdir -p "$work/known" "$work/new"
cp "$data/scenarios/"{pass,fail,skip,warn}.json "$work/known/"
sed -e 's#"report-run/fail"#"report-run/fail-new"#' "$data/scenarios/fail.json" >"$work/new/fail-new.json"
run_ms first run "$work/known" "${common[@]}" --report-dir "$work/first"
expect_exit 1 first
run_ms baselined run "$work/known" "${common[@]}" --report-dir "$work/baselined" --baseline "$work/first/report.json"
expect_exit 0 baselined
check "baseline: the known failure is listed as known" \
  test "$(jq_py "$work/baselined/baseline.json" "len(r['known'])")" -ge 1
run_ms newfail run "$work/known" "$work/new" "${common[@]}" --report-dir "$work/newfail" --baseline "$work/first/report.json"
expect_exit 1 newfail
check "baseline: the new failure is listed as new" \
  test "$(jq_py "$work/newfail/baseline.json" "any(x.startswith('report-run/fail-new ') for x in r['new'])")" = True
check "baseline: the known failure is still known" \
  test "$(jq_py "$work/newfail/baseline.json" "any(x.startswith('report-run/fail ') for x in r['known'])")" = True
validate "baseline: report.json with known/new marks matches its schema" \
  /usr/bin/python3 "$src/tests/scripts/validate_json_schema.py" "$src/reports/schema/report-v1.json" "$work/newfail/report.json"
check "baseline: the console says what is new" grep -q '^  new:   FAIL report-run/fail-new ' "$work/newfail.out"
run_ms failonwarn run "$work/known/pass.json" "$work/known/warn.json" "${common[@]}" --report-dir "$work/fow" --fail-on warn
expect_exit 1 failonwarn
run_ms warnonly run "$work/known/pass.json" "$work/known/warn.json" "${common[@]}" --report-dir "$work/wo"
expect_exit 0 warnonly
# merge: two shards joined into one valid set of reports.
run_ms merged merge "$work/all/report.json" "$work/first/report.json" --report-dir "$work/merged"
expect_exit 1 merged
check "merge: every case of both shards" test "$(jq_py "$work/merged/report.json" "len(r['cases'])")" = 9
validate "merge: report.json matches its schema" \
  /usr/bin/python3 "$src/tests/scripts/validate_json_schema.py" "$src/reports/schema/report-v1.json" "$work/merged/report.json"
validate "merge: report.sarif passes the SARIF SDK validator" \
  /usr/bin/python3 "$validators/validate_sarif.py" "$work/merged/report.sarif"
validate "merge: junit.xml matches Jenkins' JUnit XSD and the merged cases" \
  /usr/bin/python3 "$validators/validate_junit.py" --report "$work/merged/report.json" "$work/merged/junit.xml"
# Fixed since the baseline: the failing scenario again, against a server on the same port (the
# baseline knows findings by case, host:port and rule) that now answers its NOOP; the baseline's
# other cases did not run (not rerun, not fixed). Last: the clean server is replaced.
kill -TERM "${pids[0]}" 2>/dev/null; wait "${pids[0]}" 2>/dev/null
"$MAILSPEC_FAKE" --script "$data/fake/fake-noop-ok.json" --port "$clean" --connections 0 >"$work/noopok.port" 2>"$work/noopok.err" &
pids+=($!)
port_from "$work/noopok.port" "${pids[-1]}" >/dev/null || { cat "$work/noopok.err"; bad "the fake on port $clean did not start"; }
run_ms fixed run "$work/known/fail.json" --target 127.0.0.1 --port "smtp=$clean" --insecure --jobs 1 --timeout-ms 3000 \
  --report-dir "$work/fixed" --format json,html --baseline "$work/first/report.json"
expect_exit 0 fixed
check "baseline: the console lists the fixed failure" grep -q '^  fixed: FIXED report-run/fail  127.0.0.1:' "$work/fixed.out"
check "baseline: the console counts what did not run" grep -q '^since the baseline (.*): 0 new, [1-9][0-9]* fixed, 0 known, [1-9][0-9]* not rerun$' "$work/fixed.out"
check "baseline: report.json lists it fixed, was fail" test "$(jq_py "$work/fixed/report.json" \
  "any(x['case'] == 'report-run/fail' and x['was'] == 'fail' for x in r['baseline']['fixed'])")" = True
check "baseline: the warning whose case did not run is not fixed" test "$(jq_py "$work/fixed/report.json" \
  "any(x['case'] == 'report-run/warn' for x in r['baseline']['not_rerun']) and not any(x['case'] == 'report-run/warn' for x in r['baseline']['fixed'])")" = True
validate "baseline: report.json with fixed entries matches its schema" \
  /usr/bin/python3 "$src/tests/scripts/validate_json_schema.py" "$src/reports/schema/report-v1.json" "$work/fixed/report.json"
# The page shows it (headless Chromium; skipped without node/playwright-core outside CI).
if command -v node >/dev/null; then
  validate "baseline: report.html shows new and fixed (headless Chromium)" node "$here/report.test.mjs" "$work/fixed" --expect baseline
  validate "baseline: report.html of a run with a new failure (headless Chromium)" node "$here/report.test.mjs" "$work/newfail" --expect baseline
fi
check "no output of any run holds the canary" not_leaked "$canary" "$work"

finish
