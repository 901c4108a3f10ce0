#!/usr/bin/env bash
# The opt-in SMTP smuggling probe (`mailspec audit --smuggling`) against mailspec-fake's small MTA:
# a permissive one (ends DATA at <LF>.<LF>, <LF>.<CR><LF>, <CR><LF>.<LF>, as Postfix 3.7 by default)
# fails exactly those variants and the bare-LF rule; a hardened one fails none; without
# --smuggling no message is sent; --smuggling without a recipient is a usage error.
# Env: MAILSPEC, MAILSPEC_FAKE.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$root/tests/data/audit
fake_pid=""
unset MAILSPEC_RCPT MAILSPEC_FROM

stop_fake() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  [ -n "$fake_pid" ] && wait "$fake_pid" 2>/dev/null
  fake_pid=""
}
trap 'stop_fake; rm -rf "$work"' EXIT

start_fake() {  # start_fake NAME SCRIPT: sets fake_pid, fake_port (what clients sent: $work/NAME.fake.err)
  "$MAILSPEC_FAKE" --script "$2" --print-port --dump >"$work/$1.port" 2>"$work/$1.fake.err" &
  fake_pid=$!
  fake_port=$(port_from "$work/$1.port" "$fake_pid") && return 0
  bad "$1: mailspec-fake did not start"; return 1
}

fails() {  # fails NAME: the rule ids with a fail finding, sorted, space-separated
  jq_py "$work/$1/report.json" \
    '" ".join(sorted({f["rule"] for c in r["cases"] for f in c["findings"] if f["verdict"] == "fail"}))'
}

smuggle() {  # smuggle NAME ARGS...
  local name=$1; shift
  run_ms "$name" audit 127.0.0.1 --ports "smtp=$fake_port" --timeout-ms 2000 --report-dir "$work/$name" \
    --format json --only audit/smtp-smuggling "$@"
}

if start_fake permissive "$data/smtp-smuggling-permissive.json"; then
  smuggle permissive --smuggling --rcpt bob@lab.test --from alice@lab.test
  expect_exit 1 permissive
  want="audit/smtp-smuggling/bare-lf audit/smtp-smuggling/crlf-dot-lf audit/smtp-smuggling/lf-dot-crlf audit/smtp-smuggling/lf-dot-lf"
  got=$(fails permissive)
  check "permissive: exactly its three variants and bare LF fail ($got)" test "$got" = "$want"
  check "permissive: severity high on <LF>.<LF>" test "$(jq_py "$work/permissive/report.json" \
    'next(f["severity"] for c in r["cases"] for f in c["findings"] if f["rule"] == "audit/smtp-smuggling/lf-dot-lf")')" = high
  check "permissive: the facts reach report.json" test "$(jq_py "$work/permissive/report.json" \
    'next(c["extra"]["smuggling.lf-dot-lf"] for c in r["cases"] if "smuggling.lf-dot-lf" in c["extra"])' | cut -d: -f1)" = ends-data
  stop_fake
  check "permissive: every test message went to the configured recipient" \
    test "$(grep -ac '^RCPT TO:' "$work/permissive.fake.err")" = "$(grep -ac '^RCPT TO:<bob@lab.test>' "$work/permissive.fake.err")"
fi

if start_fake hardened "$data/smtp-smuggling-hardened.json"; then
  smuggle hardened --smuggling --rcpt bob@lab.test
  expect_exit 0 hardened
  check "hardened: no fail" test -z "$(fails hardened)"
  check "hardened: six smuggling findings, passes and the bare-CR observation" test "$(jq_py "$work/hardened/report.json" \
    'len([f for c in r["cases"] for f in c["findings"] if f["rule"].startswith("audit/smtp-smuggling/")])')" = 6
  stop_fake
fi

if start_fake optin "$data/smtp-smuggling-permissive.json"; then
  smuggle optin
  check "opt-in: no smuggling case without --smuggling" test "$(jq_py "$work/optin/report.json" \
    'sum(1 for c in r["cases"] if c["id"].endswith("/smtp-smuggling"))')" = 0
  stop_fake
  check "opt-in: no message sent without --smuggling" bash -c "! grep -aq -e '^MAIL FROM' -e '^DATA' '$work/optin.fake.err'"
fi

run_ms norcpt audit 127.0.0.1 --ports smtp=1 --smuggling --report-dir "$work/norcpt"
expect_exit 64 norcpt
check "usage: --smuggling asks for --rcpt" grep -q -- "--rcpt" "$work/norcpt.out"
run_ms rcptonly audit 127.0.0.1 --ports smtp=1 --rcpt bob@lab.test --report-dir "$work/rcptonly"
expect_exit 64 rcptonly
run_ms badrcpt audit 127.0.0.1 --ports smtp=1 --smuggling --rcpt "bob@lab.test> NOTIFY=x" --report-dir "$work/badrcpt"
expect_exit 64 badrcpt

finish
