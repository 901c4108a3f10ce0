#!/usr/bin/env bash
# mailspec serve from the command line (issue 18): --list names every test with its class and
# RFC references; bad options are usage errors (64) before anything listens, a non-loopback
# --listen among them; a test nobody connects to ends as an error (exit 2) within its timeout;
# a Python stdlib client that logs in after a stripped STARTTLS makes the run exit 1 with the
# LOGIN visible and redacted in report.json, and its password in no file and no console output.
#
# Env: MAILSPEC (mailspec binary), MAILSPEC_SOURCE_DIR (default: two levels above this script).
here=$(cd "$(dirname "$0")" && pwd)
src=${MAILSPEC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"

run_ms list serve --list
expect_exit 0 list
for id in serve/smtp/strip/starttls-454 serve/imap/preauth/greeting serve/pop3s/implicit/refused serve/imaps/cert/wrong-host; do
  check "--list names $id" grep -q "^$id " "$work/list.out"
done
check "--list gives RFC references" grep -q "RFC 9051 §7.1.4" "$work/list.out"
run_ms listjson serve --list --format json
expect_exit 0 listjson
check "--list --format json: ids, classes, specs, requirements" jq_py "$work/listjson.out" \
  "all(t['id'].startswith('serve/') and t['class'] and t['spec'].startswith('RFC ') and len(t['requirement']) > 40 for t in r) or exit(1)"
run_ms rules rules --format json
check "mailspec rules lists the serve rules" jq_py "$work/rules.out" "sum(x['id'].startswith('serve/') for x in r) > 60 or exit(1)"

run_ms noproto serve --report-dir "$work/r0"
expect_exit 64 noproto
run_ms wide serve --protocol imap --listen 0.0.0.0:0 --report-dir "$work/r0"
expect_exit 64 wide
check "a non-loopback --listen is refused" grep -q "only loopback" "$work/wide.out"
run_ms badtest serve --protocol imap --test serve/pop3/ --report-dir "$work/r0"
expect_exit 64 badtest
run_ms certonly serve --protocol imap --cert /nonexistent.pem --report-dir "$work/r0"
expect_exit 64 certonly

start=$(date +%s)
run_ms nobody serve --protocol pop3 --test serve/pop3/ok/ --timeout-ms 500 --report-dir "$work/r1"
expect_exit 2 nobody
check "a test nobody connects to ends within its timeout" [ $(($(date +%s) - start)) -le 10 ]
check "the ready line names the test and the address" grep -Eq "^ready serve/pop3/ok/starttls 127\.0\.0\.1:[0-9]+$" "$work/nobody.out"
check "the CA is written to the report directory" [ -s "$work/r1/serve-ca.pem" ]

# A real client: Python's imaplib, opportunistic, against a stripped STARTTLS.
pw="canary-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$MAILSPEC" serve --protocol imap --test serve/imap/strip/capability-hidden --test serve/imap/ok/ \
  --timeout-ms 5000 --linger-ms 300 --client python-opportunistic --report-dir "$work/r2" >"$work/serve.out" 2>&1 &
spid=$!
for id in serve/imap/ok/starttls serve/imap/strip/capability-hidden; do  # in catalogue order
  for i in $(seq 1 100); do grep -q "^ready $id " "$work/serve.out" && break; sleep 0.1; done
  port=$(sed -n "s|^ready $id 127\.0\.0\.1:\([0-9]*\)$|\1|p" "$work/serve.out")
  MAILSPEC_CLIENT_PASSWORD=$pw timeout 20 /usr/bin/python3 "$src/ci/clients.d/pyclient.py" imap opportunistic 127.0.0.1 "$port" \
    "$work/r2/serve-ca.pem" >>"$work/client.out" 2>&1
done
wait "$spid"
rc=$?
echo "# serve exit $rc"
check "a plaintext login after a stripped STARTTLS: exit 1" [ "$rc" = 1 ]
check "the stripped test fails with severity high" jq_py "$work/r2/report.json" \
  "[f for c in r['cases'] for f in c['findings'] if c['id'] == 'serve/imap/strip/capability-hidden' and f['verdict'] == 'fail' and f['severity'] == 'high'] or exit(1)"
check "the LOGIN is in the transcript, redacted" jq_py "$work/r2/report.json" \
  "[e for c in r['cases'] for e in c['transcript'] if e['dir'] == 'c' and 'LOGIN' in e['text'] and '\u2039secret:credential\u203a' in e['text']] or exit(1)"
check "the baseline passes (STARTTLS, verified, login over TLS)" jq_py "$work/r2/report.json" \
  "[c for c in r['cases'] if c['id'] == 'serve/imap/ok/starttls' and c['verdict'] == 'pass'] or exit(1)"
check "the password is in no report and no console output" not_leaked "$pw" "$work/r2" "$work/serve.out"
finish
