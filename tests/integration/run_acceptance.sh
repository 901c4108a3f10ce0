#!/usr/bin/env bash
# Outside acceptance of `mailspec run`, `validate`, `merge` and the reports, from the binary only
# (docs/architecture.md), against mailspec-fake: each check pins a promise that an acceptance
# review found broken (named "regression:" in its description).
#
# Env: MAILSPEC (mailspec binary), MAILSPEC_FAKE (mailspec-fake binary).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
fake_pids=()
trap 'for p in "${fake_pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

# start_fake NAME SCRIPT-JSON [ARGS...]: mailspec-fake serving the script (written to a file);
# sets fake_port. Not in a subshell, so the pid can be stopped at exit.
start_fake() {
  local name=$1 script=$2; shift 2
  printf '%s\n' "$script" >"$work/$name.script.json"
  "$MAILSPEC_FAKE" --script "$work/$name.script.json" "$@" >"$work/$name.port" 2>"$work/$name.fake.err" &
  fake_pids+=($!)
  fake_port=$(port_from "$work/$name.port" "${fake_pids[-1]}") && return 0
  bad "$name: mailspec-fake did not start"
  return 1
}

scenario() {  # scenario NAME JSON: writes $work/NAME.json
  printf '%s\n' "$2" >"$work/$1.json"
}

canary="Canary-Echo-5d2e91"
export RR_PASS="$canary" RR_USER="bob"

# --- A server that echoes the password back (in a step's reply and in a rule's evidence) ---
start_fake echo '{"actions": [{"send": "+OK ready\r\n"}, {"expect_line": "USER *"}, {"send": "+OK\r\n"},
  {"expect_line": "PASS *"}, {"send": "-ERR password '"$canary"' is wrong\r\n"}, {"drain": 1000}]}'
scenario echo '{"format": 1, "id": "acc/echo", "title": "password echoed", "protocol": "pop3",
  "connection": {"port": 110, "tls": "none"}, "allow_plaintext_secrets": true,
  "vars": {"user": {"env": "RR_USER"}, "pass": {"env": "RR_PASS", "secret": true}},
  "steps": [{"expect": {"status": "+OK"}}, {"send": "USER ${var.user}", "expect": {"status": "+OK"}},
            {"send": "PASS ${var.pass}", "expect": {"status": "+OK"}}]}'
run_ms echo run "$work/echo.json" --target 127.0.0.1 --port "pop3=$fake_port" --insecure --report-dir "$work/echo-out"
expect_exit 1 echo
check "regression: a password the server echoes is not in the console output" not_leaked "$canary" "$work/echo.out"
check "regression: a password the server echoes is in no report file" not_leaked "$canary" "$work/echo-out"
check "the echoed reply is still shown, redacted" grep -q 'secret:pass' "$work/echo.out"

# SMTP: a 535 with a bare LF quoting the password; the CRLF rule's evidence quotes the line.
start_fake echo-smtp '{"actions": [{"send": "220 fake\r\n"}, {"expect_line": "EHLO *"}, {"send": "250 fake\r\n"},
  {"expect_line": "AUTH PLAIN *"}, {"send": "535 5.7.8 bad password '"$canary"'\n"}, {"drain": 1000}]}'
scenario echo-smtp '{"format": 1, "id": "acc/echo-smtp", "title": "password echoed", "protocol": "smtp",
  "connection": {"port": 25, "tls": "none"}, "allow_plaintext_secrets": true,
  "vars": {"user": {"env": "RR_USER"}, "pass": {"env": "RR_PASS", "secret": true}},
  "steps": [{"expect": {"code": 220}}, {"send": "EHLO a.test", "expect": {"code": 250}},
            {"auth": {"mechanism": "PLAIN", "user": "${var.user}", "pass": "${var.pass}"}}]}'
run_ms echo-smtp run "$work/echo-smtp.json" --target 127.0.0.1 --port "smtp=$fake_port" --insecure \
  --report-dir "$work/echo-smtp-out"
expect_exit 1 echo-smtp
check "a rule judged the echoed line (bare LF)" \
  test "$(jq_py "$work/echo-smtp-out/report.json" "sum(1 for f in r['cases'][0]['findings'] if f['verdict'] == 'fail' and 'crlf' in f['rule'])")" -ge 1
check "regression: a password in a rule finding's evidence is in no report file" not_leaked "$canary" "$work/echo-smtp-out"
check "regression: ... nor in the console output" not_leaked "$canary" "$work/echo-smtp.out"

# --- Values put into a `send` line or a message body cannot smuggle commands in ---
start_fake inject '{"actions": [{"send": "220 fake\r\n"}, {"expect_line": "EHLO *"}, {"send": "250 fake\r\n"},
  {"drain": 1500}]}' --connections 1 --dump
scenario inject '{"format": 1, "id": "acc/inject", "title": "CRLF in a variable", "protocol": "smtp",
  "connection": {"port": 25, "tls": "none"}, "vars": {"who": {"env": "RR_WHO"}},
  "steps": [{"expect": {"code": 220}}, {"send": "EHLO a.test", "expect": {"code": 250}},
            {"id": "vrfy", "send": "VRFY ${var.who}", "expect": {"code": "2xx"}}]}'
RR_WHO=$'bob\r\nRSET' run_ms inject run "$work/inject.json" --target 127.0.0.1 --port "smtp=$fake_port" --report-dir "$work/inject-out"
expect_exit 2 inject
sleep 1.7
check "regression: a variable with CR LF in a send line sends nothing (no RSET reached the server)" \
  bash -c "! grep -q RSET '$work/inject.fake.err' && ! grep -q VRFY '$work/inject.fake.err'"
check "... and the step says why" grep -q 'contains CR or LF' "$work/inject.out"

start_fake body '{"actions": [{"send": "220 fake\r\n"}, {"expect_line": "MAIL *"}, {"send": "250 ok\r\n"},
  {"expect_line": "RCPT *"}, {"send": "250 ok\r\n"}, {"expect_line": "DATA"}, {"send": "354 go\r\n"}, {"read_line": null}, {"read_line": null}, {"read_line": null},
  {"read_line": null}, {"send": "250 queued\r\n"}, {"expect_line": "QUIT"}, {"send": "221 bye\r\n"}, {"close": null}]}' \
  --connections 1 --dump
scenario body '{"format": 1, "id": "acc/body", "title": "body from a variable", "protocol": "smtp",
  "connection": {"port": 25, "tls": "none"}, "vars": {"body": {"env": "RR_BODY"}},
  "steps": [{"expect": {"code": 220}}, {"send": "MAIL FROM:<a@b.test>", "expect": {"code": 250}},
            {"send": "RCPT TO:<c@d.test>", "expect": {"code": 250}}, {"send": "DATA", "expect": {"code": 354}}, {"message": {"lines": ["Subject: x", "${var.body}"]}, "expect": {"code": 250}},
            {"send": "QUIT", "expect": {"code": 221}}]}'
RR_BODY=$'line one\r\n.\r\nQUIT' run_ms body run "$work/body.json" --target 127.0.0.1 --port "smtp=$fake_port" --report-dir "$work/body-out"
expect_exit 0 body
check "regression: a line break in a message value is a line of the body, dot-stuffed (no early end of DATA)" \
  python3 -c "import json,sys; t=[e['text'] for e in json.load(open('$work/body-out/report.json'))['cases'][0]['transcript'] if e['dir']=='c' and e['text'].startswith('Subject')]; sys.exit(0 if t and t[0]=='Subject: x\\\\r\\\\nline one\\\\r\\\\n..\\\\r\\\\nQUIT\\\\r\\\\n.\\\\r\\\\n' else 1)"

# --- Flag values that are wrong for every case are usage errors, before any connection ---
for flag in "--ca-file /etc/hostname" "--bind 999.1.1.1" "--bind no.such.host.invalid" "--helo a\r\nRSET" "--sni a b"; do
  # shellcheck disable=SC2086
  run_ms usage run "$work/echo.json" --target 127.0.0.1 --port pop3=9 --report-dir "$work/usage-out" $(printf '%b' "${flag%% *}") "$(printf '%b' "${flag#* }")"
  expect_exit 64 usage
  check "regression: $flag is a usage error that names the flag" grep -q -- "${flag%% *}" "$work/usage.out"
done

# --- A skipped case whose transcript breaks a rule: the case is skip, the finding counts ---
start_fake warn '{"actions": [{"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO *"},
  {"send": "250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"}, {"drain": 500}], "connections": 0}'
scenario skipwarn '{"format": 1, "id": "acc/skip-warn", "title": "needs CHUNKING", "protocol": "smtp",
  "connection": {"port": 587, "tls": "none"}, "requires": {"capabilities": ["CHUNKING"]},
  "steps": [{"expect": {"code": 220}}, {"send": "EHLO x.test", "expect": {"code": 250, "save_capabilities": true}},
            {"send": "BDAT 0 LAST", "expect": {"code": 250}}]}'
run_ms skipwarn run "$work/skipwarn.json" --target 127.0.0.1 --port "submission=$fake_port" --report-dir "$work/skipwarn-out"
expect_exit 0 skipwarn
check "regression: a skipped case with a warning finding is skip, not warn" \
  test "$(jq_py "$work/skipwarn-out/report.json" "r['cases'][0]['verdict'] + ' ' + str(r['summary']['findings']['warn'])")" = "skip 1"
check "the console says why it skipped" grep -q 'SKIP .*lacks required capability CHUNKING' "$work/skipwarn.out"
run_ms skipwarn-failon run "$work/skipwarn.json" --target 127.0.0.1 --port "submission=$fake_port" --fail-on warn \
  --report-dir "$work/skipwarn-out"
expect_exit 1 skipwarn-failon
check "--fail-on warn: the summary lists the warning that made the exit code" \
  grep -q 'smtp/rfc4954/4/auth-plain-before-tls' "$work/skipwarn-failon.out"
run_ms skipwarn-strict run "$work/skipwarn.json" --target 127.0.0.1 --port "submission=$fake_port" --strict \
  --report-dir "$work/skipwarn-out"
expect_exit 1 skipwarn-strict
check "--strict: the finding fails, the case is still skip" \
  test "$(jq_py "$work/skipwarn-out/report.json" "r['cases'][0]['verdict'] + ' ' + str(r['summary']['findings']['fail'])")" = "skip 1"
check "junit.xml: the skipped case lists the failed rule in system-out" \
  python3 -c "import sys,xml.etree.ElementTree as E; t=E.parse('$work/skipwarn-out/junit.xml').find('.//testcase'); sys.exit(0 if t.find('skipped') is not None and 'auth-plain-before-tls' in t.find('system-out').text else 1)"

# --- --only: a typo is a usage error; only the scenarios that run need their environment ---
scenario needs-env '{"format": 1, "id": "acc/needs-env", "title": "needs a password", "protocol": "pop3",
  "connection": {"port": 995, "tls": "implicit"}, "vars": {"pass": {"env": "RR_UNSET_PASSWORD", "secret": true}},
  "steps": [{"expect": {"status": "+OK"}}, {"send": "PASS ${var.pass}", "expect": {"status": "+OK"}}]}'
scenario mutating '{"format": 1, "id": "acc/mutating", "title": "sends mail", "protocol": "smtp", "mutates": true,
  "connection": {"port": 25, "tls": "none"}, "vars": {"rcpt": {"env": "RR_UNSET_RCPT"}},
  "steps": [{"expect": {"code": 220}}, {"send": "RCPT TO:<${var.rcpt}>", "expect": {"code": 250}}]}'
mkdir -p "$work/only" && cp "$work/needs-env.json" "$work/mutating.json" "$work/skipwarn.json" "$work/only/"
run_ms only-typo run "$work/only" --target 127.0.0.1 --port "submission=$fake_port" --only acc/skip-wran --report-dir "$work/only-out"
expect_exit 64 only-typo
check "regression: an --only prefix that matches nothing says so (it ran every scenario)" grep -q 'acc/skip-wran matches no scenario' "$work/only-typo.out"
run_ms only-env run "$work/only" --target 127.0.0.1 --port "submission=$fake_port" --only acc/skip --report-dir "$work/only-out"
expect_exit 0 only-env
check "regression: a scenario --only leaves out does not need its environment variables" \
  test "$(jq_py "$work/only-out/report.json" "','.join(c['id'] + ':' + c['verdict'] for c in r['cases'])")" = "acc/skip-warn:skip"
run_ms only-mut run "$work/only" --target 127.0.0.1 --port "submission=$fake_port" --only acc/mut --report-dir "$work/only-out"
expect_exit 0 only-mut
check "regression: a mutating scenario held back (no --allow-mutation) does not need its environment" \
  grep -q 'SKIP  acc/mutating' "$work/only-mut.out"
run_ms only-mut2 run "$work/only" --target 127.0.0.1 --port "submission=$fake_port" --only acc/mut --allow-mutation --report-dir "$work/only-out"
expect_exit 65 only-mut2
check "with --allow-mutation it does, and the error names the variable" grep -q 'RR_UNSET_RCPT is not set' "$work/only-mut2.out"
run_ms only-all run "$work/only" --target 127.0.0.1 --port "submission=$fake_port" --report-dir "$work/only-out"
expect_exit 65 only-all
check "without --only every scenario that runs needs its environment" grep -q 'RR_UNSET_PASSWORD is not set' "$work/only-all.out"

# --- --baseline: what it covers fails neither the exit code nor junit.xml; what is new does ---
start_fake quit '{"actions": [{"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO *"}, {"send": "250-fake\r\n250 STARTTLS\r\n"},
  {"expect_line": "QUIT"}, {"send": "250 not bye\r\n"}, {"close": null}], "connections": 0}'
scenario quit '{"format": 1, "id": "acc/quit", "title": "QUIT", "protocol": "smtp", "connection": {"port": 587, "tls": "none"},
  "steps": [{"expect": {"code": 220}}, {"send": "EHLO x.test", "expect": {"code": 250}}, {"send": "QUIT", "expect": {"code": 221}}]}'
run_ms bl-first run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --report-dir "$work/bl-first"
expect_exit 1 bl-first
for form in report waivers; do
  if [ $form = report ]; then base="$work/bl-first/report.json"; else
    printf '{"waivers": [{"rule": "scenario/expect", "case": "acc/quit", "reason": "r"}, {"rule": "smtp/rfc5321/", "reason": "r"}]}\n' >"$work/waivers.json"
    base="$work/waivers.json"; fi
  run_ms bl-$form run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --baseline "$base" --report-dir "$work/bl-$form"
  expect_exit 0 bl-$form
  check "regression: --baseline ($form): a known failure is no <failure> in junit.xml either" \
    python3 -c "import sys,xml.etree.ElementTree as E; t=E.parse('$work/bl-$form/junit.xml').getroot(); sys.exit(0 if not t.findall('.//failure') and t.get('failures') == '0' and 'known' in t.find('.//system-out').text else 1)"
  check "--baseline ($form): the console lists no known failure as FAIL" bash -c "! grep -q '^  FAIL' '$work/bl-$form.out'"
done
printf '{"waivers": [{"rule": "scenario/expect", "case": "acc/quit", "reason": "r"}]}\n' >"$work/waivers1.json"
run_ms bl-new run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --baseline "$work/waivers1.json" --report-dir "$work/bl-new"
expect_exit 1 bl-new
check "--baseline: a new failure fails junit.xml and is listed" \
  python3 -c "import sys,xml.etree.ElementTree as E; t=E.parse('$work/bl-new/junit.xml').getroot(); sys.exit(0 if len(t.findall('.//failure')) == 1 else 1)"
check "... on the console too" grep -q 'quit-221' "$work/bl-new.out"

# --- A large failing run: the console summary details the first 50 cases and counts the rest ---
run_ms many run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --repeat 60 --jobs 8 --per-host 8 \
  --format json --report-dir "$work/many"
expect_exit 1 many
check "regression: the summary of 60 failing cases lists 50 and counts 10" \
  bash -c "[ \$(grep -c '^  FAIL acc/quit' '$work/many.out') = 50 ] && grep -q 'and 10 more cases' '$work/many.out'"

# --- merge: a shard merged twice, or one missing, is said on stderr ---
for k in 1 2 3; do
  run_ms shard$k run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --repeat 4 --shard $k/3 \
    --format json --report-dir "$work/shard$k"
done
run_ms merge-all merge "$work/shard1/report.json" "$work/shard2/report.json" "$work/shard3/report.json" --report-dir "$work/merged"
expect_exit 1 merge-all
check "merge of the three shards: 4 cases, no warning" \
  bash -c "[ \$(python3 -c \"import json; print(len(json.load(open('$work/merged/report.json'))['cases']))\") = 4 ] && ! grep -q warning '$work/merge-all.out'"
run_ms merge-twice merge "$work/shard1/report.json" "$work/shard1/report.json" "$work/shard2/report.json" "$work/shard3/report.json" --report-dir "$work/merged2"
check "regression: merging a report twice is warned about" grep -q 'merged twice' "$work/merge-twice.out"
run_ms merge-missing merge "$work/shard1/report.json" "$work/shard3/report.json" --report-dir "$work/merged3"
check "regression: a missing shard is warned about" grep -q 'shard 2/3 not among the merged reports' "$work/merge-missing.out"
run_ms merge-bad merge "$work/no-such.json" --report-dir "$work/merged4"
expect_exit 65 merge-bad
check "regression: a missing merge input is named once" test "$(grep -o 'no-such.json' "$work/merge-bad.out" | wc -l)" = 1

# --- A --report-dir that cannot be written is a usage error before the run, not after it ---
touch "$work/a-file"
run_ms bad-dir run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --report-dir "$work/a-file/sub"
expect_exit 64 bad-dir
check "regression: an unusable --report-dir is refused before any case runs" bash -c "! grep -q 'acc/quit' '$work/bad-dir.out'"
run_ms bad-dir-merge merge "$work/shard1/report.json" --report-dir "$work/a-file/sub"
expect_exit 64 bad-dir-merge

# --- Options before the scenarios: each list option takes one value per occurrence ---
run_ms order run --target 127.0.0.1 --port "submission=$fake_port" "$work/quit.json" --report-dir "$work/order"
expect_exit 1 order
check "regression: \`run --target HOST --port X=N SCENARIO\` runs the scenario (it said 'scenarios is required')" \
  grep -q 'acc/quit' "$work/order.out"
run_ms bare-only run "$work/quit.json" --target 127.0.0.1 --port "submission=$fake_port" --report-dir "$work/order" --only
expect_exit 64 bare-only

# --- docs/architecture.md `mailspec run [SCENARIO|DIR ...]`: without one, the bundled library runs ---
start_fake library '{"actions": [{"send": "220 fake\r\n"}, {"expect_line": "QUIT"}, {"send": "221 bye\r\n"}, {"close": null}]}'
run_ms library run --target 127.0.0.1 --port "smtp=$fake_port" --only smtp/greeting-quit --report-dir "$work/library"
expect_exit 0 library
check "regression: \`run --target HOST\` without a scenario runs the bundled library (it said 'scenarios is required')" \
  test "$(jq_py "$work/library/report.json" "' '.join(c['id'] + '=' + c['verdict'] for c in r['cases'])")" = "smtp/greeting-quit=pass"

# --- STARTTLS answered 454 (TLS not available for now): TLS could not start, an error (exit 2) ---
start_fake stls454 '{"actions": [{"send": "220 hi\r\n"}, {"expect_line": "EHLO *"}, {"send": "250-hi\r\n250 STARTTLS\r\n"},
  {"expect_line": "STARTTLS"}, {"send": "454 4.7.0 TLS not available due to temporary reason\r\n"}, {"drain": 500}]}'
scenario stls454 '{"format": 1, "id": "acc/stls454", "title": "STARTTLS", "protocol": "smtp", "connection": {"port": 587, "tls": "starttls"},
  "steps": [{"expect": {"code": 220}}, {"send": "EHLO x.test", "expect": {"code": 250}}, {"send": "STARTTLS", "expect": {"code": 220}},
            {"starttls": {}}, {"send": "QUIT", "expect": {"code": 221}}]}'
run_ms stls454 run "$work/stls454.json" --target 127.0.0.1 --port "submission=$fake_port" --report-dir "$work/stls454"
expect_exit 2 stls454

finish
