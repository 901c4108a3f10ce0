#!/usr/bin/env bash
# The bundled scenarios for APOP, POP3 AUTH and IMAP AUTHENTICATE with an initial response, BDAT
# with a body, a command after SMTP QUIT, LITERAL- and NOTIFY, run unchanged against mailspec-fake:
# a conforming dialogue passes, and a server that breaks the behaviour the case checks makes it
# fail (exit 1) on the step that checks it. The APOP digest and the password never reach any
# output while the server did receive the digest. Env: MAILSPEC, MAILSPEC_FAKE.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
tls=$work/tls
fake_pid=""

export MAILSPEC_USER=alice@lab.test
export MAILSPEC_PASSWORD="Canary-Pw-$RANDOM-a9P"
export MAILSPEC_FROM=alice@lab.test MAILSPEC_RCPT=bob@lab.test
timestamp="<4711.$RANDOM@fake.test>"
digest=$(printf '%s%s' "$timestamp" "$MAILSPEC_PASSWORD" | md5sum | cut -d' ' -f1)

stop_fake() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  [ -n "$fake_pid" ] && wait "$fake_pid" 2>/dev/null
  fake_pid=""
}
trap 'stop_fake; rm -rf "$work"' EXIT

# run_fake NAME SCENARIO SERVICE TLS SCRIPT-JSON: mailspec-fake plays SCRIPT (implicit TLS when TLS
# is "tls"), mailspec runs the bundled SCENARIO against it; what the client sent is in NAME.fake.err.
run_fake() {
  local name=$1 scenario=$2 service=$3 mode=$4
  printf '%s\n' "$5" >"$work/$name.script.json"
  local tls_args=()
  [ "$mode" = tls ] && tls_args=(--implicit-tls)
  "$MAILSPEC_FAKE" --script "$work/$name.script.json" --tls-dir "$tls" "${tls_args[@]}" --dump \
    >"$work/$name.port" 2>"$work/$name.fake.err" &
  fake_pid=$!
  local port
  if ! port=$(port_from "$work/$name.port" "$fake_pid"); then bad "$name: mailspec-fake did not start"; rc=-1; return; fi
  run_ms "$name" run "$root/scenarios/$scenario" --target 127.0.0.1 --port "$service=$port" --ca-file "$tls/ca.pem" \
    --allow-mutation --timeout-ms 3000 --report-dir "$work/$name" --format json,console
  stop_fake
}

failed_step() {  # failed_step NAME: the id of the first step that did not pass
  jq_py "$work/$1/report.json" 'next((s["id"] for c in r["cases"] for s in c["steps"] if s["verdict"] != "pass"), "none")'
}

pop3_greeting='{"send": "+OK POP3 fake ready '"$timestamp"'\r\n"}'
pop3_end='{"expect_line": "QUIT"}, {"send": "+OK bye\r\n"}, {"close": null}'

# APOP: the digest of the greeting's timestamp and the password, and nothing else, on the wire.
run_fake apop pop3/apop.json pop3s tls '{"actions": ['"$pop3_greeting"', {"expect_line": "APOP alice@lab.test '"$digest"'"},
  {"send": "+OK maildrop locked and ready\r\n"}, {"expect_line": "STAT"}, {"send": "+OK 0 0\r\n"}, '"$pop3_end"']}'
expect_exit 0 apop
check "apop: the server received the RFC 1939 digest" grep -qF "APOP alice@lab.test $digest" "$work/apop.fake.err"
check "apop: the client sent what the script expected" test -z "$(grep mismatch "$work/apop.fake.err")"
check "apop: the digest is in no output" not_leaked "$digest" "$work/apop" "$work/apop.out"
check "apop: the password is in no output" not_leaked "$MAILSPEC_PASSWORD" "$work/apop" "$work/apop.out"
check "apop: the transcript shows the redacted digest" grep -qF 'APOP alice@lab.test ‹secret:pass›' "$work/apop/report.json"

# A server that accepts any APOP digest: the wrong-digest case fails at the APOP step.
run_fake apop-any pop3/apop-wrong-digest-account.json pop3s tls '{"actions": ['"$pop3_greeting"', {"read_line": null},
  {"send": "+OK maildrop locked and ready\r\n"}, {"drain": {"ms": 1000}}]}'
expect_exit 1 apop-any
check "apop-any: the apop step fails" test "$(failed_step apop-any)" = apop

# POP3 AUTH PLAIN with the initial response on the AUTH line.
plain=$(printf '\0%s\0%s' "$MAILSPEC_USER" "$MAILSPEC_PASSWORD" | base64 -w0)
pop3_capa='{"expect_line": "CAPA"}, {"send": "+OK\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nSASL PLAIN\r\n.\r\n"}'
run_fake pop3-ir pop3/auth-plain-initial-response.json pop3s tls '{"actions": ['"$pop3_greeting"', '"$pop3_capa"',
  {"expect_line": "AUTH PLAIN '"$plain"'"}, {"send": "+OK welcome\r\n"}, {"expect_line": "STAT"}, {"send": "+OK 0 0\r\n"}, '"$pop3_end"']}'
expect_exit 0 pop3-ir
check "pop3-ir: AUTH PLAIN carried the initial response" grep -qF "AUTH PLAIN $plain" "$work/pop3-ir.fake.err"
check "pop3-ir: the password is in no output" not_leaked "$MAILSPEC_PASSWORD" "$work/pop3-ir" "$work/pop3-ir.out"

# A server that advertises AUTH-RESP-CODE but refuses credentials without [AUTH].
run_fake auth-code pop3/auth-initial-response-refused-auth-code.json pop3s tls '{"actions": ['"$pop3_greeting"', '"$pop3_capa"',
  {"read_line": null}, {"send": "-ERR authentication failed\r\n"}, {"drain": {"ms": 1000}}]}'
expect_exit 1 auth-code
check "auth-code: the auth step fails" test "$(failed_step auth-code)" = auth

# IMAP SASL-IR: a server that advertises it but still sends an empty challenge.
imap_greeting='{"send": "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] fake ready\r\n"}'
imap_caps='{"expect_line": "A001 CAPABILITY"}, {"send": "* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\nA001 OK done\r\n"}'
run_fake sasl-ir imap/ext/sasl-ir/authenticate-plain.json imaps tls '{"actions": ['"$imap_greeting"', '"$imap_caps"',
  {"expect_line": "A002 AUTHENTICATE PLAIN '"$plain"'"}, {"send": "A002 OK done\r\n"}, {"expect_line": "A003 EXAMINE INBOX"},
  {"send": "* FLAGS (\\Seen)\r\n* 0 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] ok\r\nA003 OK [READ-ONLY] done\r\n"},
  {"expect_line": "A004 LOGOUT"}, {"send": "* BYE bye\r\nA004 OK done\r\n"},
  {"close": null}]}'
expect_exit 0 sasl-ir
run_fake sasl-ir-ignored imap/ext/sasl-ir/authenticate-plain.json imaps tls '{"actions": ['"$imap_greeting"', '"$imap_caps"',
  {"read_line": null}, {"send": "+ \r\n"}, {"read_line": null}, {"send": "A002 OK done\r\n"}, {"drain": {"ms": 1000}}]}'
expect_exit 1 sasl-ir-ignored
check "sasl-ir-ignored: the auth step fails (PLAIN cancelled on the unexpected challenge)" test "$(failed_step sasl-ir-ignored)" = auth

# BDAT: a server that does not count the chunk's octets answers its lines as commands.
smtp_start='{"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO *"}, {"send": "250-fake\r\n250-PIPELINING\r\n250 CHUNKING\r\n"},
  {"expect_line": "MAIL FROM:<alice@lab.test>"}, {"send": "250 ok\r\n"}, {"expect_line": "RCPT TO:<bob@lab.test>"}, {"send": "250 ok\r\n"}'
run_fake bdat smtp/chunking-bdat-last-message.json smtp plain '{"actions": ['"$smtp_start"', {"expect_line": "BDAT * LAST"},
  {"read_line": null}, {"read_line": null}, {"read_line": null}, {"read_line": null}, {"read_line": null},
  {"send": "250 2.0.0 queued\r\n"}, {"expect_line": "QUIT"}, {"send": "221 bye\r\n"}, {"close": null}]}'
expect_exit 0 bdat
run_fake bdat-uncounted smtp/chunking-bdat-last-message.json smtp plain '{"actions": ['"$smtp_start"', {"read_line": null},
  {"send": "250 2.0.0 ok\r\n"}, {"read_line": null}, {"send": "500 5.5.2 unknown command\r\n"}, {"drain": {"ms": 1000}}]}'
expect_exit 1 bdat-uncounted
check "bdat-uncounted: the QUIT step gets the stray 500 and fails" test "$(failed_step bdat-uncounted)" = quit

# A command after QUIT: a server that answers it before closing.
smtp_ehlo='{"send": "220 fake ESMTP\r\n"}, {"expect_line": "EHLO *"}, {"send": "250-fake\r\n250 PIPELINING\r\n"}'
run_fake after-quit smtp/sequence-command-after-quit.json smtp plain '{"actions": ['"$smtp_ehlo"', {"expect_line": "QUIT"},
  {"send": "221 bye\r\n"}, {"close": null}]}'
expect_exit 0 after-quit
run_fake after-quit-answered smtp/sequence-command-after-quit.json smtp plain '{"actions": ['"$smtp_ehlo"', {"expect_line": "QUIT"},
  {"expect_line": "NOOP"}, {"send": "221 bye\r\n"}, {"sleep": {"ms": 100}}, {"send": "250 ok\r\n"}, {"close": null}]}'
expect_exit 1 after-quit-answered
check "after-quit-answered: the expect_close step fails" test "$(failed_step after-quit-answered)" = end

# LITERAL-: a server that carries out a non-synchronizing literal over 4096 octets.
lit_greeting='{"send": "* OK [CAPABILITY IMAP4rev1 LITERAL-] fake ready\r\n"}, {"read_line": null}, {"send": "A001 OK done\r\n"},
  {"read_line": null}, {"send": "* CAPABILITY IMAP4rev1 LITERAL-\r\nA002 OK done\r\n"},
  {"read_line": null}, {"send": "* 0 EXISTS\r\nA003 OK [READ-ONLY] done\r\n"}'
run_fake literal-minus imap/ext/literal-minus/non-synchronizing-over-4096-refused.json imaps tls '{"actions": ['"$lit_greeting"',
  {"read_line": null}, {"read_line": null}, {"send": "* SEARCH\r\nA004 OK done\r\n"}, {"drain": {"ms": 1000}}]}'
expect_exit 1 literal-minus
check "literal-minus: the over-4096 step fails" test "$(failed_step literal-minus)" = search-4097

# NOTIFY advertised but refused.
run_fake notify imap/ext/notify/set-none.json imaps tls '{"actions": [{"send": "* OK [CAPABILITY IMAP4rev1] fake ready\r\n"},
  {"read_line": null}, {"send": "A001 OK done\r\n"}, {"read_line": null}, {"send": "* CAPABILITY IMAP4rev1 NOTIFY\r\nA002 OK done\r\n"},
  {"read_line": null}, {"send": "A003 BAD unknown command\r\n"}, {"drain": {"ms": 1000}}]}'
expect_exit 1 notify
check "notify: the NOTIFY SET step fails" test "$(failed_step notify)" = notify-set

finish
