#!/usr/bin/env bash
# Issue 15, acceptance 5: no bundled scenario without "mutates" can delete, move or expunge a
# message, whatever the server answers. The server (faulty_store_server.py) has a POP3 RSET that
# unmarks nothing and an IMAP EXPUNGE / CLOSE / MOVE that remove every message; the whole POP3 and
# IMAP library runs against it (without --allow-mutation) and the store must be intact. The
# controls show the faults are real: with "mutates" the same commands lose messages.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=../../ci/lab.d/certs.sh
source "$src/ci/lab.d/certs.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"

certs_install "${MAILSPEC_LAB_CERT_CACHE:-/tmp/mailspec-lab-certs}" "$work/certs"
export MAILSPEC_USER=alice@faulty.test MAILSPEC_FROM=alice@faulty.test MAILSPEC_RCPT=bob@faulty.test
MAILSPEC_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_'); export MAILSPEC_PASSWORD
state=$work/state.json

start_server() {
  rm -f "$work/ports" "$state"
  /usr/bin/python3 "$here/faulty_store_server.py" --cert "$work/certs/valid.pem" --key "$work/certs/valid.key" \
    --state "$state" --ports-file "$work/ports" </dev/null >"$work/server.log" 2>&1 &
  server_pid=$!
  ports=$(port_from "$work/ports" "$server_pid") || { bad "faulty server started"; cat "$work/server.log"; return 1; }
  port_args=()
  local p i; IFS=, read -ra p <<<"$ports"; for i in "${p[@]}"; do port_args+=(--port "$i"); done
  ok "faulty server listening ($ports)"
}
st() { jq_py "$state" "$1"; }
verdict_of() { jq_py "$1/report.json" "[c['verdict'] for c in r['cases'] if c['id']=='$2'][0]"; }

start_server || { finish; exit 1; }
run_ms library run "$src/scenarios/pop3" "$src/scenarios/imap" --target 127.0.0.1 "${port_args[@]}" \
  --ca-file "$work/certs/ca.pem" --report-dir "$work/library" --format json
check "library: ran (exit 1 or 2: the server is faulty)" test "$rc" = 1 -o "$rc" = 2
check "library: the POP3 maildrop still holds its 2 messages" test "$(st "r['pop3']")" = 2
check "library: the IMAP INBOX still holds its 3 messages" test "$(st "r['imap']")" = 3
check "library: pop3/retr-top-dele-rset reached DELE" test "$(st "len([c for c in r['commands'] if c == 'pop3 DELE 1'])")" -ge 1
check "library: no EXPUNGE, CLOSE, MOVE, DELETE or RENAME reached the IMAP server" \
  test "$(st "len([c for c in r['commands'] if c.startswith('imap ') and len(c.split()) > 2 and c.split()[2].upper() in ('EXPUNGE','CLOSE','MOVE','DELETE','RENAME') or (c.startswith('imap ') and ' UID EXPUNGE' in c.upper() or ' UID MOVE' in c.upper())])")" = 0
check "library: pop3/retr-top-dele-rset fails on the RSET that did nothing" test "$(verdict_of "$work/library" pop3/retr-top-dele-rset)" = fail
check "library: ... at its own STAT after RSET (the maildrop 1 message short)" \
  test "$(jq_py "$work/library/report.json" "[s['message'] for c in r['cases'] if c['id']=='pop3/retr-top-dele-rset' for s in c['steps'] if s['verdict']=='fail'][0]")" = 'assert that "${cap.count_after}" eq ${cap.count}: the value is "1", not "2"'
check "library: the mutating scenarios were skipped, not run" \
  test "$(jq_py "$work/library/report.json" "len([c for c in r['cases'] if c['verdict']=='skip' and 'mutates' in c.get('message','')])")" -ge 2
check "library: password never in a report" not_leaked "$MAILSPEC_PASSWORD" "$work/library" "$work/library.out"

# A scenario that does not check the maildrop itself: mailspec's STAT before QUIT does, and the
# connection is dropped without QUIT.
quits=$(st "len([c for c in r['commands'] if c == 'pop3 QUIT'])")
run_ms guard run "$src/tests/data/data-safety/guard" --target 127.0.0.1 "${port_args[@]}" --ca-file "$work/certs/ca.pem" \
  --report-dir "$work/guard" --format json
expect_exit 1 guard
check "guard: the maildrop still holds its 2 messages" test "$(st "r['pop3']")" = 2
check "guard: no QUIT reached the server" test "$(st "len([c for c in r['commands'] if c == 'pop3 QUIT'])")" = "$quits"
check "guard: the step says why" \
  grep -q 'RSET did not restore the maildrop (STAT 2 [0-9]* before DELE, 1 [0-9]* before QUIT): QUIT not sent' "$work/guard/report.json"

# The controls: the faults are real (with mutates, the same commands lose messages).
run_ms control run "$src/tests/data/data-safety/control" --target 127.0.0.1 "${port_args[@]}" --ca-file "$work/certs/ca.pem" \
  --allow-mutation --report-dir "$work/control" --format json
check "control: DELE, RSET, QUIT removed a POP3 message" test "$(st "r['pop3']")" = 1
check "control: EXAMINE then CLOSE emptied the IMAP INBOX" test "$(st "r['imap']")" = 0
stop_server
finish
