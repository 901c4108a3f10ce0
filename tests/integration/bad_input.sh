#!/usr/bin/env bash
# Bad input (issue 7): unreadable or special files, empty directories, huge and deeply nested
# scenarios, schema errors and bad flags. Each must end quickly with a clear message and exit 65
# (invalid scenario input) or 64 (usage), never a crash or a hang, and send nothing anywhere.
# `mailspec validate tests/data/scenario/broken5` must print exactly 5 errors, each with
# file:line:col and a JSON pointer, and open no socket (checked with strace when installed).
#
# Env: MAILSPEC (mailspec binary), MAILSPEC_SOURCE_DIR (default: two levels above this script).
here=$(cd "$(dirname "$0")" && pwd)
src=${MAILSPEC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
good=$src/tests/data/hostile/scenarios/smtp-greeting.json

# bad NAME WANT_EXIT MESSAGE_REGEX ARGS...: mailspec ARGS under a 20 s limit and 1 GB of address
# space (a runaway read fails fast instead of eating the machine); checks exit, time, message.
bad_case() {
  local name=$1 want=$2 regex=$3 start end ms; shift 3
  start=$(date +%s%N)
  ([ -n "${MAILSPEC_SANITIZED:-}" ] || ulimit -v 1048576; timeout -k 2 20 "$MAILSPEC" "$@") >"$work/$name.out" 2>&1
  rc=$?
  end=$(date +%s%N)
  ms=$(((end - start) / 1000000))
  echo "# $name: mailspec $* -> exit $rc in $ms ms"
  expect_exit "$want" "$name"
  check "$name: ends within 10 s (took $ms ms)" [ "$ms" -le 10000 ]
  if grep -Eq -- "$regex" "$work/$name.out"; then ok "$name: message matches /$regex/"
  else bad "$name: no message matching /$regex/"; sed 's/^/#   /' "$work/$name.out" | head -n 10; fi
}

# variant NAME PYTHON: writes $work/NAME.json, the good scenario changed by PYTHON (variable s).
variant() {
  /usr/bin/python3 - "$good" "$work/$1.json" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY
}

echo "# bad input: $MAILSPEC"

# Paths that are not scenario files.
bad_case missing 65 "nonexistent/x.json.*(no such file|not found)" validate "$work/nonexistent/x.json"
mkdir -p "$work/empty"
bad_case empty-dir 65 "no scenario" validate "$work/empty"
bad_case empty-dir-run 65 "no scenario" run "$work/empty" --target 127.0.0.1
# A FIFO nobody writes to (root ignores chmod 000, so this is the unreadable file): opening it
# must not block for ever. And a character device that never ends: reading must stop.
mkfifo "$work/fifo.json"
bad_case fifo 65 "fifo.json.*(regular file|cannot read|not a file)" validate "$work/fifo.json"
bad_case dev-zero 65 "/dev/zero.*(regular file|cannot read|larger|not a file)" validate /dev/zero
# A 50 MB scenario: refused by size, not parsed into memory.
/usr/bin/python3 -c "
import json, sys
s = json.load(open(sys.argv[1])); s['title'] = 'x' * (50 * 1024 * 1024)
json.dump(s, open(sys.argv[2], 'w'))" "$good" "$work/huge.json"
bad_case huge 65 "huge.json.*(larger|too large|size)" validate "$work/huge.json"
# Deeply nested JSON: 100000 '[' (unclosed) and 100000 '[' + ']' (closed).
/usr/bin/python3 -c "import sys; open(sys.argv[1], 'w').write('[' * 100000)" "$work/deep-open.json"
/usr/bin/python3 -c "import sys; open(sys.argv[1], 'w').write('[' * 100000 + ']' * 100000)" "$work/deep.json"
bad_case deep-open 65 "deep-open.json:1:[0-9]+" validate "$work/deep-open.json"
bad_case deep 65 "deep.json:1:[0-9]+.*(nest|deep)" validate "$work/deep.json"
# Not JSON at all, and not an object.
printf '{"format": 1, "id": \n' >"$work/truncated.json"
bad_case truncated 65 "truncated.json:[0-9]+:[0-9]+" validate "$work/truncated.json"
printf '[1, 2, 3]\n' >"$work/array.json"
bad_case array 65 "array.json" validate "$work/array.json"

# Schema errors: position, JSON pointer and what was expected.
variant unknown-field 's["titel"] = s.pop("title")'
bad_case unknown-field 65 'unknown-field.json:[0-9]+:[0-9]+ \(/titel\).*did you mean "title"' validate "$work/unknown-field.json"
variant unknown-step-field 's["steps"][1]["sned"] = s["steps"][1].pop("send")'
bad_case unknown-step-field 65 '\(/steps/1/sned\).*did you mean "send"' validate "$work/unknown-step-field.json"
variant wrong-type-steps 's["steps"] = "QUIT"'
bad_case wrong-type-steps 65 'wrong-type-steps.json:[0-9]+:[0-9]+ \(/steps\).*expected' validate "$work/wrong-type-steps.json"
variant wrong-type-code 's["steps"][0]["expect"]["code"] = True'
bad_case wrong-type-code 65 '\(/steps/0/expect/code\).*expected' validate "$work/wrong-type-code.json"
variant wrong-type-format 's["format"] = "1"'
bad_case wrong-type-format 65 '\(/format\)' validate "$work/wrong-type-format.json"
variant bad-regex 's["steps"][0]["expect"]["lines"] = [{"regex": "220 (unclosed"}]'
bad_case bad-regex 65 '\(/steps/0/expect/lines/0/regex\).*regex' validate "$work/bad-regex.json"
variant unknown-var 's["steps"][1]["send"] = "QUIT ${var.nope}"'
bad_case unknown-var 65 '\(/steps/1/send\).*nope' validate "$work/unknown-var.json"
variant port-range 's["connection"]["port"] = 70000'
bad_case port-range 65 '\(/connection/port\).*70000' validate "$work/port-range.json"
variant port-zero 's["connection"]["port"] = 0'
bad_case port-zero 65 '\(/connection/port\)' validate "$work/port-zero.json"
variant bad-protocol 's["protocol"] = "smtps"'
bad_case bad-protocol 65 '\(/protocol\).*smtps' validate "$work/bad-protocol.json"
# A run with an invalid scenario sends nothing: exit 65 before connecting.
bad_case run-invalid 65 "unknown-field.json" run "$work/unknown-field.json" --target 127.0.0.1 --port smtp=9

# Usage errors.
bad_case jobs-zero 64 "jobs" run "$good" --target 127.0.0.1 --jobs 0
bad_case port-flag 64 "port" run "$good" --target 127.0.0.1 --port x=y
bad_case port-flag-range 64 "port" run "$good" --target 127.0.0.1 --port smtp=70000
bad_case port-flag-form 64 "port" run "$good" --target 127.0.0.1 --port smtp
bad_case unknown-flag 64 "bogus" run "$good" --target 127.0.0.1 --bogus
bad_case no-target 64 "target" run "$good"
bad_case timeout-flag 64 "timeout" run "$good" --target 127.0.0.1 --timeout-ms abc
bad_case format-flag 64 "format|xml" run "$good" --target 127.0.0.1 --format xml
bad_case shard-flag 64 "shard" run "$good" --target 127.0.0.1 --shard 3/2
bad_case no-command 64 "." 
bad_case unknown-command 64 "unknown command 'frobnicate'.*run, audit, settings, serve, validate, rules, merge" frobnicate
bad_case near-command 64 "unknown command 'rule'.*did you mean 'rules'" rule --format json
bad_case no-command-list 64 "a command is required.*run, audit, settings, serve, validate, rules, merge"

# broken5: exactly five errors, each file:line:col (JSON pointer), and no socket.
broken5=$src/tests/data/scenario/broken5
bad_case broken5 65 "5 errors" validate "$broken5"
n=$(grep -cE '^[^ ]+\.json:[0-9]+:[0-9]+ \(/[^)]*\): .+' "$work/broken5.out")
check "broken5: exactly 5 errors with file:line:col (pointer) (got $n)" [ "$n" = 5 ]
if command -v strace >/dev/null 2>&1; then
  strace -f -qq -e trace=socket,connect -o "$work/broken5.strace" "$MAILSPEC" validate "$broken5" >/dev/null 2>&1
  if grep -Eq 'socket\(AF_INET|connect\(' "$work/broken5.strace"; then
    bad "broken5: validate opened a network socket"; grep -E 'socket|connect' "$work/broken5.strace" | head -n 5
  else
    ok "broken5: validate opened no network socket (strace)"
  fi
  strace -f -qq -e trace=connect -o "$work/run-invalid.strace" "$MAILSPEC" run "$broken5" --target 127.0.0.1 \
    --report-dir "$work/run-invalid-report" >/dev/null 2>&1
  if grep -q 'connect(' "$work/run-invalid.strace"; then bad "run broken5: mailspec connected somewhere"
  else ok "run broken5: no connect() before the input errors"; fi
else
  echo "# strace not installed: socket checks skipped (apt-get install strace)"
fi

finish
