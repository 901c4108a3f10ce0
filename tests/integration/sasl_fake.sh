#!/usr/bin/env bash
# SASL mechanisms through the mailspec binary against mailspec-fake: the OAuth token (and the
# base64 of the whole XOAUTH2 / OAUTHBEARER blob) never reaches any output (report.json, html,
# junit, sarif, console) while the server did receive it; a wrong SCRAM server signature is the
# fail finding sasl/rfc5802/3/server-signature even though the server says OK; an absurd iteration
# count is an error; usage and scenario errors. Env: MAILSPEC, MAILSPEC_FAKE.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$root/tests/data/sasl
tls=$work/tls
fake_pid=""

export MAILSPEC_USER=alice@lab.test
export MAILSPEC_PASSWORD="Canary-Pw-$RANDOM-q7Z"
export MAILSPEC_OAUTH_TOKEN="ya29.Canary-Token-$RANDOM$RANDOM-Xk3"
b64() { printf '%s' "$1" | base64 -w0; }
oauth_json=$(b64 '{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}')
xoauth2_blob=$(printf 'user=%s\001auth=Bearer %s\001\001' "$MAILSPEC_USER" "$MAILSPEC_OAUTH_TOKEN" | base64 -w0)

stop_fake() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  [ -n "$fake_pid" ] && wait "$fake_pid" 2>/dev/null
  fake_pid=""
}
trap 'stop_fake; rm -rf "$work"' EXIT

start_fake() {  # start_fake NAME SCRIPT-JSON: sets fake_pid, fake_port; what the client sent goes to NAME.fake.err
  printf '%s\n' "$2" >"$work/$1.script.json"
  "$MAILSPEC_FAKE" --script "$work/$1.script.json" --tls-dir "$tls" --implicit-tls --dump \
    >"$work/$1.port" 2>"$work/$1.fake.err" &
  fake_pid=$!
  fake_port=$(port_from "$work/$1.port" "$fake_pid") && return 0
  bad "$1: mailspec-fake did not start"; return 1
}

run_case() {  # run_case NAME SCENARIO SERVICE
  run_ms "$1" run "$data/$2" --target 127.0.0.1 --port "$3=$fake_port" --ca-file "$tls/ca.pem" \
    --timeout-ms 3000 --report-dir "$work/$1" --format json,html,junit,sarif,console
  stop_fake
}

no_mismatch() { ! grep -q 'mismatch' "$1"; }

finding() {  # finding NAME RULE: "verdict severity" of the first finding of RULE
  jq_py "$work/$1/report.json" \
    'next((f["verdict"] + " " + f["severity"] for c in r["cases"] for f in c["findings"] if f["rule"] == "'"$2"'"), "none")'
}

# XOAUTH2 refused by the server: JSON error challenge, empty answer, tagged NO.
if start_fake xoauth2 '{"actions": [{"send": "* OK ready\r\n"}, {"read_line": null}, {"send": "+ \r\n"},
    {"read_line": null}, {"send": "+ '"$oauth_json"'\r\n"}, {"expect_line": ""},
    {"send": "A001 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"}, {"drain": {"ms": 2000}}]}'; then
  run_case xoauth2 imap-xoauth2.json imaps
  expect_exit 1 xoauth2
  check "xoauth2: the server received the exact blob" grep -qF "$xoauth2_blob" "$work/xoauth2.fake.err"
  check "xoauth2: the empty answer to the error challenge" no_mismatch "$work/xoauth2.fake.err"
  check "xoauth2: the auth step fails showing the server's JSON error" \
    grep -q 'mail.google.com' "$work/xoauth2/report.json"
  check "xoauth2: token not in any output" not_leaked "$MAILSPEC_OAUTH_TOKEN" "$work/xoauth2" "$work/xoauth2.out"
  check "xoauth2: whole blob not in any output" not_leaked "$(printf 'user=%s\001auth=Bearer %s\001\001' "$MAILSPEC_USER" "$MAILSPEC_OAUTH_TOKEN")" "$work/xoauth2" "$work/xoauth2.out"
  check "xoauth2: redaction marker shown" grep -q 'secret:token' "$work/xoauth2/report.json"
  check "xoauth2: all formats written" test -s "$work/xoauth2/report.html" -a -s "$work/xoauth2/junit.xml" -a -s "$work/xoauth2/report.sarif"
fi

# OAUTHBEARER accepted over SMTP submissions: the initial response inline.
if start_fake oauthbearer '{"actions": [{"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO *"},
    {"send": "250-fake\r\n250 AUTH OAUTHBEARER XOAUTH2\r\n"}, {"expect_line": "AUTH OAUTHBEARER *"},
    {"send": "235 2.7.0 accepted\r\n"}, {"expect_line": "QUIT"}, {"send": "221 bye\r\n"}, {"close": null}]}'; then
  run_case oauthbearer smtp-oauthbearer.json submissions
  expect_exit 0 oauthbearer
  check "oauthbearer: token reached the server" grep -q "AUTH OAUTHBEARER $(printf 'n,a=%s,\001host=127.0.0.1\001port=' "$MAILSPEC_USER" | base64 -w0 | cut -c1-20)" "$work/oauthbearer.fake.err"
  check "oauthbearer: token not in any output" not_leaked "$MAILSPEC_OAUTH_TOKEN" "$work/oauthbearer" "$work/oauthbearer.out"
fi

scram_script() {  # scram_script MISBEHAVE [ITERATIONS] FINAL-REPLY
  printf '{"actions": [{"send": "* OK ready\\r\\n"}, {"scram": {"hash": "SHA-256", "user": "%s", "pass": "%s", "misbehave": "%s", "iterations": %s}}, {"send": "%s\\r\\n"}, {"read_line": null}, {"send": "* BYE bye\\r\\nA002 OK bye\\r\\n"}, {"drain": {"ms": 2000}}]}' \
    "$MAILSPEC_USER" "$MAILSPEC_PASSWORD" "$1" "$2" "$3"
}

if start_fake scram-good "$(scram_script "" 4096 "A001 OK logged in")"; then
  run_case scram-good imap-scram.json imaps
  expect_exit 0 scram-good
  check "scram: the server verified our proof" no_mismatch "$work/scram-good.fake.err"
  check "scram: server signature finding passes" test "$(finding scram-good sasl/rfc5802/3/server-signature)" = "pass none"
  check "scram: nonce finding passes" test "$(finding scram-good sasl/rfc5802/5.1/server-nonce)" = "pass none"
  check "scram: password not in any output" not_leaked "$MAILSPEC_PASSWORD" "$work/scram-good" "$work/scram-good.out"
fi

if start_fake scram-sig "$(scram_script wrong_signature 4096 "A001 OK logged in anyway")"; then
  run_case scram-sig imap-scram.json imaps
  expect_exit 1 scram-sig
  check "scram wrong signature: fail, severity high" test "$(finding scram-sig sasl/rfc5802/3/server-signature)" = "fail high"
  check "scram wrong signature: the auth step fails" test "$(jq_py "$work/scram-sig/report.json" "[s['verdict'] for s in r['cases'][0]['steps'] if s['id']=='auth'][0]")" = fail
  check "scram wrong signature: evidence is the server's v=" test -n "$(jq_py "$work/scram-sig/report.json" "[f['actual'] for f in r['cases'][0]['findings'] if f['rule']=='sasl/rfc5802/3/server-signature'][0]" | grep '^v=')"
  check "scram wrong signature: console names the rule" grep -q 'sasl/rfc5802/3/server-signature' "$work/scram-sig.out"
  check "scram wrong signature: sarif names the rule" grep -q 'sasl/rfc5802/3/server-signature' "$work/scram-sig/report.sarif"
fi

if start_fake scram-nonce "$(scram_script foreign_nonce 4096 "A001 BAD cancelled")"; then
  run_case scram-nonce imap-scram.json imaps
  expect_exit 1 scram-nonce
  check "scram foreign nonce: fail, severity high" test "$(finding scram-nonce sasl/rfc5802/5.1/server-nonce)" = "fail high"
fi

if start_fake scram-iter "$(scram_script "" 4000000000 "A001 BAD cancelled")"; then
  start=$(date +%s%N)
  run_case scram-iter imap-scram.json imaps
  elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
  expect_exit 2 scram-iter
  check "scram absurd iterations: refused quickly (${elapsed} ms)" test "$elapsed" -lt 3000
  check "scram absurd iterations: the reason is reported" grep -q "over mailspec's bound" "$work/scram-iter/report.json"
fi

# EXTERNAL through run and audit: the fake refuses any handshake without a client certificate.
external='{"tls": {"require_client_cert": true}, "actions": [{"send": "* OK ready\r\n"},
  {"expect_line": "A001 AUTHENTICATE EXTERNAL"}, {"send": "+ \r\n"}, {"expect_line": ""},
  {"send": "A001 OK welcome\r\n"}, {"expect_line": "A002 LOGOUT"}, {"send": "* BYE\r\nA002 OK bye\r\n"}, {"close": null}]}'
if start_fake external "$external"; then
  run_ms external run "$data/imap-external.json" --target 127.0.0.1 --port "imaps=$fake_port" --ca-file "$tls/ca.pem" \
    --client-cert "$tls/valid.pem" --client-key "$tls/valid.key" --timeout-ms 3000 --report-dir "$work/external" --format json
  stop_fake
  expect_exit 0 external
  check "external: the script saw exactly what it expected" no_mismatch "$work/external.fake.err"
fi
if start_fake external-nocert "$external"; then
  run_ms external-nocert run "$data/imap-external.json" --target 127.0.0.1 --port "imaps=$fake_port" --ca-file "$tls/ca.pem" \
    --timeout-ms 3000 --report-dir "$work/external-nocert" --format json
  stop_fake
  expect_exit 2 external-nocert
fi
if start_fake audit-cert '{"tls": {"require_client_cert": true}, "actions": [{"send": "* OK [CAPABILITY IMAP4rev1 AUTH=EXTERNAL] ready\r\n"}, {"drain": {"ms": 1000}}]}'; then
  run_ms audit-cert audit 127.0.0.1 --ports "imaps=$fake_port" --ca-file "$tls/ca.pem" --client-cert "$tls/valid.pem" \
    --client-key "$tls/valid.key" --timeout-ms 2000 --report-dir "$work/audit-cert" --format json
  stop_fake
  check "audit presents the client certificate: the TLS probe got the greeting" \
    grep -q 'AUTH=EXTERNAL' "$work/audit-cert/report.json"
fi

printf '{"format": 1, "id": "x", "protocol": "imap", "connection": {"port": 993, "tls": "implicit"},
  "steps": [{"auth": {"mechanism": "scram-sha256", "user": "u", "pass": "p"}}]}' >"$work/bad-mech.json"
run_ms bad-mech validate "$work/bad-mech.json"
expect_exit 65 bad-mech
check "unknown mechanism: did-you-mean" grep -q 'did you mean "SCRAM-SHA-256"' "$work/bad-mech.out"

run_ms half-cert run "$data/imap-scram.json" --target 127.0.0.1 --client-cert "$root/README.md"
expect_exit 64 half-cert
check "--client-cert without --client-key is a usage error" grep -q 'go together' "$work/half-cert.out"

finish
