#!/usr/bin/env bash
# Hostile-server matrix (issue 7, and issue 4 item 3): mailspec against fake servers that
# misbehave. For every item mailspec must end with exit 1 or 2 (never a crash or a hang),
# within its deadline, with peak RSS under 100 MB, and write a valid report.json whose case
# is `error` or `fail` with evidence. The issue-4 items must each yield a `fail` finding of
# the matching rule, citing the right RFC section.
#
# Env: MAILSPEC (mailspec binary), MAILSPEC_FAKE (mailspec-fake binary),
#      MAILSPEC_SOURCE_DIR (the source tree; default: two levels above this script).
# Fixtures: tests/data/hostile/scenarios/*.json (mailspec scenarios) and
#           tests/data/hostile/scripts/*.json (mailspec-fake scripts).
here=$(cd "$(dirname "$0")" && pwd)
src=${MAILSPEC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$src/tests/data/hostile
tls=$work/tls
rss_limit_kb=$((100 * 1024))
timeout_ms=2000   # --timeout-ms for every case: every step deadline is 2 s
fake_pid=""
fake_port=""

stop_fake() {
  [ -n "$fake_pid" ] || return 0
  local i
  for i in $(seq 1 30); do kill -0 "$fake_pid" 2>/dev/null || break; sleep 0.1; done
  kill -TERM "$fake_pid" 2>/dev/null
  wait "$fake_pid" 2>/dev/null
  fake_pid=""
}
trap 'stop_fake; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

# start_fake NAME SCRIPT: mailspec-fake in the background; sets fake_pid and fake_port.
start_fake() {
  local name=$1 script=$2
  "$MAILSPEC_FAKE" --script "$script" --print-port --tls-dir "$tls" >"$work/$name.port" 2>"$work/$name.fake.err" &
  fake_pid=$!
  fake_port=$(port_from "$work/$name.port" "$fake_pid") && return 0
  echo "# mailspec-fake did not start:"; sed 's/^/#   /' "$work/$name.fake.err"
  return 1
}

# start_raw NAME PYTHON-BYTES...: a one-connection python server for bytes a JSON script cannot
# hold (invalid UTF-8). Each argument is a python bytes literal to send; the literal "READ" reads
# one line instead. Sets fake_pid and fake_port.
start_raw() {
  local name=$1; shift
  /usr/bin/python3 - "$@" >"$work/$name.port" 2>"$work/$name.fake.err" <<'PY' &
import ast, socket, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
srv.settimeout(30)
c, _ = srv.accept()
c.settimeout(10)
f = c.makefile("rb")
try:
    for a in sys.argv[1:]:
        if a == "READ":
            f.readline()
        else:
            c.sendall(ast.literal_eval(a))
    time.sleep(0.3)
except OSError:
    pass
c.close()
PY
  fake_pid=$!
  fake_port=$(port_from "$work/$name.port" "$fake_pid")
}

# run_case NAME SCENARIO: runs mailspec against the fake on $fake_port; sets rc, elapsed_ms, rss_kb.
# A hard limit (60 s) kills a hung mailspec so the script itself always ends.
run_case() {
  local name=$1 scenario=$2 start end
  local args=(run "$data/scenarios/$scenario.json" --target 127.0.0.1 --port "smtp=$fake_port"
              --port "imap=$fake_port" --port "pop3=$fake_port" --ca-file "$tls/ca.pem"
              --timeout-ms "$timeout_ms" --report-dir "$work/$name" --format json,console)
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    timeout -k 2 60 /usr/bin/time -f %M -o "$work/$name.rss" "$MAILSPEC" "${args[@]}" >"$work/$name.out" 2>&1
    rc=$?
    rss_kb=$(tail -n 1 "$work/$name.rss" 2>/dev/null)
  else  # no GNU time: poll the high-water mark
    "$MAILSPEC" "${args[@]}" >"$work/$name.out" 2>&1 &
    local pid=$! hwm t=0
    rss_kb=0
    while kill -0 "$pid" 2>/dev/null && [ "$t" -lt 600 ]; do
      hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
      [ -n "$hwm" ] && [ "$hwm" -gt "$rss_kb" ] && rss_kb=$hwm
      sleep 0.1; t=$((t + 1))
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"; rc=$?
  fi
  end=$(date +%s%N)
  elapsed_ms=$(((end - start) / 1000000))
  case "$rss_kb" in '' | *[!0-9]*) rss_kb=0 ;; esac
  echo "# $name: mailspec exit $rc in ${elapsed_ms} ms, peak RSS ${rss_kb} kB"
  stop_fake
}

# report_check FILE MODE [ARG...]: validates report.json (strict UTF-8 JSON, one case).
#   hostile [WANT]   case verdict error|fail (exactly WANT when given) with evidence (message/actual or
#                    a server transcript entry)
#   any              case verdict is one of pass|fail|error (clean end)
#   finding RULE SPEC   a finding of RULE with verdict fail whose spec starts with SPEC
#   mentions NEEDLE  the case, a step or a meta transcript entry says NEEDLE
#   bytes NEEDLE     no U+FFFD anywhere; a server transcript entry and a finding's actual show NEEDLE
report_check() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, mode, *args = sys.argv[1:]
try:
    raw = open(path, "rb").read()
    r = json.loads(raw.decode("utf-8"))
except Exception as e:
    print(f"#   report.json is not valid UTF-8 JSON: {e}")
    sys.exit(1)
cases = r.get("cases", [])
if len(cases) != 1:
    print(f"#   expected 1 case, got {len(cases)}")
    sys.exit(1)
c = cases[0]
v = c.get("verdict")
def evidence(c):
    if c.get("message"):
        return True
    for s in c.get("steps", []):
        if s.get("verdict") in ("error", "fail") and (s.get("message") or s.get("actual")):
            return True
    for f in c.get("findings", []):
        if f.get("verdict") in ("error", "fail") and (f.get("message") or f.get("actual")):
            return True
    return any(t.get("dir") == "s" and t.get("text") for t in c.get("transcript", []))
if mode == "hostile":
    if args and v != args[0]:
        print(f"#   case verdict {v}, expected {args[0]}")
        for s in c.get("steps", []):
            if s.get("verdict") != "pass":
                print(f"#   step {s.get('id')}: {s.get('verdict')}: {s.get('message')}")
        for f in c.get("findings", []):
            if f.get("verdict") == "fail":
                print(f"#   finding {f.get('rule')}: fail: {f.get('message')!r} actual {f.get('actual', '')[:80]!r}")
        sys.exit(1)
    if v not in ("error", "fail"):
        print(f"#   case verdict {v}, expected error or fail")
        sys.exit(1)
    if not evidence(c):
        print("#   no evidence: no message, actual or server transcript")
        sys.exit(1)
elif mode == "any":
    if v not in ("pass", "warn", "info", "fail", "error"):
        print(f"#   case verdict {v}")
        sys.exit(1)
elif mode == "mentions":
    needle = args[0]
    said = [c.get("message", "")] + [st.get("message", "") for st in c.get("steps", [])] + \
        [t.get("text", "") for t in c.get("transcript", []) if t.get("dir") == "meta"]
    if not any(needle in x for x in said):
        print(f"#   no case/step message or meta entry mentions {needle!r}: {[x for x in said if x][:3]!r}")
        sys.exit(1)
elif mode == "bytes":
    needle = args[0]
    if "\ufffd" in raw.decode("utf-8"):
        print("#   report.json has U+FFFD: invalid server bytes were replaced, not shown")
        sys.exit(1)
    texts = [t.get("text", "") for t in c.get("transcript", []) if t.get("dir") == "s"]
    actuals = [f.get("actual", "") for f in c.get("findings", [])]
    if not any(needle in t for t in texts):
        print(f"#   no server transcript entry shows {needle!r}: {texts[:2]!r}")
        sys.exit(1)
    if not any(needle in a for a in actuals):
        print(f"#   no finding's actual shows {needle!r}")
        sys.exit(1)
elif mode == "finding":
    rule, spec = args
    hits = [f for f in c.get("findings", []) if f.get("rule") == rule]
    if not any(f.get("verdict") == "fail" for f in hits):
        print(f"#   no fail finding for {rule}; got {[f.get('verdict') for f in hits]}")
        print("#   fail findings:", [f.get("rule") for f in c.get("findings", []) if f.get("verdict") == "fail"])
        sys.exit(1)
    bad = [f.get("spec") for f in hits if f.get("verdict") == "fail" and not f.get("spec", "").startswith(spec)]
    if bad:
        print(f"#   {rule} cites {bad}, expected {spec}")
        sys.exit(1)
print(f"#   case verdict {v}: {c.get('message', '')[:160]!r}")
PY
}

show_output() { sed 's/^/#   /' "$work/$1.out" | tail -n 20; }

# hostile NAME SCENARIO DEADLINE_S [WANT]: the checks every hostile item must pass; WANT (error or
# fail) is the exact case verdict when only one is right.
hostile() {
  local name=$1 scenario=$2 deadline_s=$3 want=${4:-}
  run_case "$name" "$scenario"
  case "$rc" in
    1 | 2) ok "$name: exit $rc" ;;
    *) bad "$name: exit $rc, expected 1 or 2 (134/139 = crash, 124/137 = hung and killed)"; show_output "$name" ;;
  esac
  check "$name: ends within ${deadline_s} s (took ${elapsed_ms} ms)" [ "$elapsed_ms" -le $((deadline_s * 1000)) ]
  check "$name: peak RSS ${rss_kb} kB under 100 MB" [ "$rss_kb" -gt 0 -a "$rss_kb" -lt "$rss_limit_kb" ]
  check "$name: report.json is valid, case ${want:-error/fail} with evidence" \
    report_check "$work/$name/report.json" hostile $want
}

# finding NAME SCENARIO RULE SPEC: an issue-4 item, a fail finding of RULE citing SPEC, exit 1.
finding() {
  local name=$1 scenario=$2 rule=$3 spec=$4
  run_case "$name" "$scenario"
  expect_exit 1 "$name"
  check "$name: $rule fails, citing $spec" report_check "$work/$name/report.json" finding "$rule" "$spec"
}

item() {  # item NAME SCENARIO DEADLINE_S [WANT]: hostile item with the fake script of the same name
  start_fake "$1" "$data/scripts/$1.json" || { bad "$1: fake server did not start"; return; }
  hostile "$@"
}

echo "# hostile-server matrix: $MAILSPEC against $MAILSPEC_FAKE"

# A line of 100 MB without CRLF: the 1 MiB line bound cuts it, nothing grows.
item long-line smtp-greeting 20
check "long-line: the 1 MiB line bound ends the read, not the 64 MiB session bound" \
  report_check "$work/long-line/report.json" mentions "line bound"
# An IMAP literal announcing {99999999999}, then 200 MB: the literal bound refuses it.
item imap-huge-literal imap-capability 20
# A greeting trickled one byte per second: the step deadline (2 s) still fires.
item trickle smtp-greeting 10
# A greeting that never comes.
item no-greeting smtp-greeting 10
# Connection reset in the middle of a multi-line reply.
item reset-mid-reply smtp-greeting 10
# The server closes right after its STARTTLS 220.
item close-after-starttls smtp-starttls 10
# Garbage instead of a TLS ServerHello.
item garbage-tls smtp-starttls 10
# A TLS alert instead of a ServerHello.
item tls-alert smtp-starttls 10
# An endless multi-line SMTP reply ("250-x" for ever): the line-count bound ends it. Every line is
# well-formed, so no rule is broken: the harness could not judge (error).
item endless-multiline smtp-ehlo 30 error
# Endless untagged IMAP responses, never a tagged one: the response-count bound ends it (error).
item imap-endless-untagged imap-capability 30 error
# The same with 500-byte lines (SMTP) and 300-byte untagged responses (IMAP), and a POP3 body of
# 1000-byte lines: what a bound lets in must still fit in 100 MB.
item smtp-endless-wide smtp-ehlo 30 error
item imap-endless-wide imap-capability 30 error
item pop3-endless-wide pop3-capa 30 error
# An IMAP command answered by an untagged response, then silence: a timeout is an error, not a fail.
item imap-no-completion imap-capability 10 error
# A POP3 multi-line body that never ends (short lines, then long bare-LF lines).
item pop3-endless-body pop3-capa 30
item pop3-endless-long-lines pop3-capa 30
# Replies to commands never sent: extra replies after the greeting.
item extra-replies smtp-greeting 10

# NUL bytes and invalid UTF-8 in replies: the report must still be valid JSON.
if start_raw nul-utf8-smtp "b'220 mail\\x00.example \\xff\\xfe\\xc3( \\xed\\xa0\\x80 ESMTP\\r\\n'" READ \
     "b'221 \\x00bye \\xc0\\xaf\\r\\n'"; then
  hostile nul-utf8-smtp smtp-greeting 10
  # Issue 20 item 3: NUL and bytes that are not UTF-8 break the reply grammar: a MUST, so `fail`.
  check "nul-utf8-smtp: smtp/rfc5321/4.2/reply-text-bytes fails, citing RFC 5321 §4.2" \
    report_check "$work/nul-utf8-smtp/report.json" finding smtp/rfc5321/4.2/reply-text-bytes "RFC 5321 §4.2"
else
  bad "nul-utf8-smtp: python server did not start"
fi
if start_raw nul-utf8-imap "b'* OK \\x00\\xff\\xfe ready\\r\\n'" READ \
     "b'* CAPABILITY IMAP4rev1 \\x80\\x00\\r\\nA001 NO \\xf8\\x88\\x80\\x80\\x80 \\x00\\r\\n'"; then
  hostile nul-utf8-imap imap-capability 10
  check "nul-utf8-imap: imap/rfc9051/9/text-bytes fails, citing RFC 9051 §9" \
    report_check "$work/nul-utf8-imap/report.json" finding imap/rfc9051/9/text-bytes "RFC 9051 §9"
else
  bad "nul-utf8-imap: python server did not start"
fi
if start_raw nul-utf8-pop3 "b'+OK POP3 \\x00\\xff\\xc3( ready\\r\\n'" READ "b'+OK\\r\\nUSER\\r\\n.\\r\\n'"; then
  hostile nul-utf8-pop3 pop3-capa 10
  check "nul-utf8-pop3: pop3/rfc2449/3/status-line-bytes fails, citing RFC 2449 §3" \
    report_check "$work/nul-utf8-pop3/report.json" finding pop3/rfc2449/3/status-line-bytes "RFC 2449 §3"
else
  bad "nul-utf8-pop3: python server did not start"
fi

# 10,000 untagged IMAP responses before the tagged one: pass or fail cleanly, no hang.
if start_fake imap-untagged-flood "$data/scripts/imap-untagged-flood.json"; then
  run_case imap-untagged-flood imap-capability
  case "$rc" in 0 | 1 | 2) ok "imap-untagged-flood: exit $rc" ;; *) bad "imap-untagged-flood: exit $rc"; show_output imap-untagged-flood ;; esac
  check "imap-untagged-flood: ends within 20 s (took ${elapsed_ms} ms)" [ "$elapsed_ms" -le 20000 ]
  check "imap-untagged-flood: peak RSS ${rss_kb} kB under 100 MB" [ "$rss_kb" -gt 0 -a "$rss_kb" -lt "$rss_limit_kb" ]
  check "imap-untagged-flood: report.json is valid" report_check "$work/imap-untagged-flood/report.json" any
else
  bad "imap-untagged-flood: fake server did not start"
fi

# Issue 4 item 3: each defect is a `fail` finding of its rule, with the right section.
run_finding() {  # run_finding NAME SCENARIO RULE SPEC
  start_fake "$1" "$data/scripts/$1.json" || { bad "$1: fake server did not start"; return; }
  finding "$@"
}
run_finding smtp-mismatched-codes smtp-greeting smtp/rfc5321/4.2.1/multiline-same-code "RFC 5321 §4.2.1"
run_finding smtp-bare-lf smtp-greeting smtp/rfc5321/2.3.8/crlf-line-endings "RFC 5321 §2.3.8"
run_finding imap-wrong-tag imap-capability imap/rfc9051/2.2.2/tagged-completion "RFC 9051 §2.2.2"
run_finding pop3-no-dot pop3-capa pop3/rfc1939/3/multiline-terminated "RFC 1939 §3"

# Invalid UTF-8 from the server stays visible as \xNN in report.json (never U+FFFD).
if start_fake invalid-utf8 "$data/scripts/invalid-utf8.json"; then
  run_case invalid-utf8 smtp-greeting
  check "invalid-utf8: bytes shown as \\xe9 and \\xff, no U+FFFD" \
    report_check "$work/invalid-utf8/report.json" bytes 'caf\xe9 \xff ok'
else
  bad "invalid-utf8: fake server did not start"
fi

finish
