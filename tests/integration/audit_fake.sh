#!/usr/bin/env bash
# `mailspec audit` against mailspec-fake: an SMTP server vulnerable to STARTTLS command injection
# (fail, severity high), one that discards pipelined input (pass), an IMAP server that evaluates a
# plaintext LOGIN (fail). Env: MAILSPEC, MAILSPEC_FAKE.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$root/tests/data/audit
tls=$work/tls
fake_pid=""

stop_fake() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  [ -n "$fake_pid" ] && wait "$fake_pid" 2>/dev/null
  fake_pid=""
}
trap 'stop_fake; rm -rf "$work"' EXIT

start_fake() {  # start_fake NAME SCRIPT: sets fake_pid, fake_port
  "$MAILSPEC_FAKE" --script "$2" --print-port --tls-dir "$tls" >"$work/$1.port" 2>"$work/$1.fake.err" &
  fake_pid=$!
  fake_port=$(port_from "$work/$1.port" "$fake_pid") && return 0
  bad "$1: mailspec-fake did not start"; return 1
}

# finding NAME RULE: "verdict severity" of the first finding of RULE in the report.
finding() {
  jq_py "$work/$1/report.json" \
    'next((f["verdict"] + " " + f["severity"] for c in r["cases"] for f in c["findings"] if f["rule"] == "'"$2"'"), "none")'
}

audit_fake() {  # audit_fake NAME SERVICE
  run_ms "$1" audit 127.0.0.1 --ports "$2=$fake_port" --ca-file "$tls/ca.pem" --timeout-ms 2000 \
    --report-dir "$work/$1" --format json
}

if start_fake injection "$data/smtp-injection.json"; then
  audit_fake injection submission
  expect_exit 1 injection
  check "injection: fail, severity high" test "$(finding injection audit/starttls-injection/smtp)" = "fail high"
  stop_fake
fi

if start_fake safe "$data/smtp-safe.json"; then
  audit_fake safe submission
  check "safe: injection passes" test "$(finding safe audit/starttls-injection/smtp)" = "pass none"
  stop_fake
fi

if start_fake login "$data/imap-plaintext-login.json"; then
  audit_fake login imap
  expect_exit 1 login
  check "login: plaintext LOGIN evaluated -> fail" test "$(finding login audit/plaintext-login/imap)" = "fail high"
  check "login: the canary is labelled in the transcript" test "$(jq_py "$work/login/report.json" \
    'sum(1 for c in r["cases"] for e in c["transcript"] if e["dir"] == "meta" and "canary" in e["text"])')" -ge 1
  stop_fake
fi

finish
