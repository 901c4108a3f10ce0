#!/usr/bin/env bash
# Issue 2 acceptance against real Dovecot (ci/lab good): the IMAP STARTTLS/LOGIN/SELECT/FETCH
# scenario passes; a wrong password fails (exit 1) with expected vs actual; a closed port is
# exit 2; the password (and its base64 forms) appears in no report file and no console output;
# secrets are refused on plaintext unless scenario and --insecure both allow it.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
data=$src/tests/data/integration

"$src/ci/lab" up good >"$work/lab.out" 2>&1 || { cat "$work/lab.out"; echo "0 passed, 1 failed"; exit 1; }
trap '"$src/ci/lab" down >/dev/null 2>&1; rm -rf "$work"' EXIT
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
# shellcheck disable=SC2206
common=(--target 127.0.0.1 $MAILSPEC_PORT_ARGS --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2)

run_ms good run "$data/engine-imap.json" "${common[@]}" --report-dir "$work/good"
expect_exit 0 good
check "good: case passes" test "$(jq_py "$work/good/report.json" "r['cases'][0]['verdict']")" = pass
check "good: TLS verified" test "$(jq_py "$work/good/report.json" "r['cases'][0]['tls'][0]['hostname_ok']")" = True
check "good: body fetched" grep -q 'FETCH' "$work/good/report.json"
check "good: no rule fails" test "$(jq_py "$work/good/report.json" "r['summary']['findings']['fail']")" = 0
check "good: password not leaked" not_leaked "$MAILSPEC_PASSWORD" "$work/good" "$work/good.out"
check "good: redaction marker present" grep -q 'secret:pass' "$work/good/report.json"

real_pw=$MAILSPEC_PASSWORD
MAILSPEC_PASSWORD="Canary-$RANDOM-wrong-9Zq" ; canary=$MAILSPEC_PASSWORD
export MAILSPEC_PASSWORD
run_ms wrong run "$data/engine-imap.json" "${common[@]}" --report-dir "$work/wrong"
expect_exit 1 wrong
check "wrong password: login step fails" test "$(jq_py "$work/wrong/report.json" "[s['verdict'] for s in r['cases'][0]['steps'] if s['id']=='login'][0]")" = fail
check "wrong password: expected shows OK" test -n "$(jq_py "$work/wrong/report.json" "[s['expected'] for s in r['cases'][0]['steps'] if s['id']=='login'][0]" | grep OK)"
check "wrong password: actual shows NO" test -n "$(jq_py "$work/wrong/report.json" "[s['actual'] for s in r['cases'][0]['steps'] if s['id']=='login'][0]" | grep -i 'NO')"
check "wrong password: console shows the failing step" grep -q 'FAIL' "$work/wrong.out"
check "canary not leaked (files, console, base64)" not_leaked "$canary" "$work/wrong" "$work/wrong.out"
run_ms wrong-baselined run "$data/engine-imap.json" "${common[@]}" --report-dir "$work/wrong2" --baseline "$work/wrong/report.json"
expect_exit 0 wrong-baselined
check "baseline: the known failure is listed as known" grep -q '"known"' "$work/wrong2/baseline.json"
echo '{"waivers": [{"rule": "tls/cert/expired", "reason": "unrelated"}]}' >"$work/waivers.json"
run_ms wrong-new run "$data/engine-imap.json" "${common[@]}" --report-dir "$work/wrong3" --baseline "$work/waivers.json"
expect_exit 1 wrong-new
check "baseline: the unrelated waiver is reported fixed" grep -q 'tls/cert/expired' "$work/wrong3/baseline.json"
MAILSPEC_PASSWORD=$real_pw

run_ms closed run "$data/engine-imap.json" --target 127.0.0.1 --port imap=1 --ca-file "$MAILSPEC_CA_FILE" --report-dir "$work/closed"
expect_exit 2 closed
check "closed port: case is error" test "$(jq_py "$work/closed/report.json" "r['cases'][0]['verdict']")" = error

run_ms noallow run "$data/imap-plaintext-login-noallow.json" "${common[@]}" --insecure --report-dir "$work/noallow"
expect_exit 2 noallow
check "plaintext secret refused without allow_plaintext_secrets" grep -q 'plaintext' "$work/noallow/report.json"
check "nothing was sent (no client line)" test "$(jq_py "$work/noallow/report.json" "len([t for t in r['cases'][0]['transcript'] if t['dir']=='c'])")" = 0

run_ms nosecure run "$data/imap-plaintext-login.json" "${common[@]}" --report-dir "$work/nosecure"
expect_exit 2 nosecure
check "plaintext secret refused without --insecure" test "$(jq_py "$work/nosecure/report.json" "len([t for t in r['cases'][0]['transcript'] if t['dir']=='c'])")" = 0

run_ms insecure run "$data/imap-plaintext-login.json" "${common[@]}" --insecure --report-dir "$work/insecure"
expect_exit 1 insecure
check "good refuses LOGIN before STARTTLS (PRIVACYREQUIRED or BAD)" grep -Eq 'PRIVACYREQUIRED|BAD|LOGINDISABLED' "$work/insecure/report.json"
check "insecure run: password still not shown" not_leaked "$MAILSPEC_PASSWORD" "$work/insecure" "$work/insecure.out"

"$src/ci/lab" up weak >"$work/lab.out" 2>&1 || bad "lab weak up"
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
run_ms weak run "$data/imap-plaintext-login.json" "${common[@]}" --insecure --report-dir "$work/weak"
expect_exit 0 weak
check "weak accepts LOGIN before STARTTLS" test "$(jq_py "$work/weak/report.json" "[s['verdict'] for s in r['cases'][0]['steps'] if s['id']=='login'][0]")" = pass
check "weak: the plaintext LOGIN is flagged by a rule" test "$(jq_py "$work/weak/report.json" "len([f for f in r['cases'][0]['findings'] if f['verdict'] in ('warn','fail') and f['rule'].startswith('imap/')])")" -ge 1

finish
