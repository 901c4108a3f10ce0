#!/usr/bin/env bash
# Interruption (issue 7): SIGINT/SIGTERM half way through a run ends it cleanly: exit 2, a valid
# report.json with "incomplete": true, the cases completed before the signal present, no new case
# started after it, and a step waiting on a slow read is cancelled at once (not at its deadline).
#
# Env: MAILSPEC (mailspec binary), MAILSPEC_FAKE (mailspec-fake binary),
#      MAILSPEC_SOURCE_DIR (default: two levels above this script).
here=$(cd "$(dirname "$0")" && pwd)
src=${MAILSPEC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$src/tests/data/hostile
fake_pid=""
ms_pid=""

cleanup() {
  [ -n "$ms_pid" ] && kill -KILL "$ms_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill -TERM "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# start_fake NAME SCRIPT: serves SCRIPT on every connection until stopped; sets fake_pid, fake_port.
start_fake() {
  "$MAILSPEC_FAKE" --script "$2" --print-port --connections 0 >"$work/$1.port" 2>"$work/$1.fake.err" &
  fake_pid=$!
  fake_port=$(port_from "$work/$1.port" "$fake_pid")
}
stop_fake() {
  kill -TERM "$fake_pid" 2>/dev/null
  wait "$fake_pid" 2>/dev/null
  fake_pid=""
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# interrupt NAME SCRIPT SIGNAL AFTER_MS TIMEOUT_MS REPEAT: runs mailspec (one job at a time), sends
# SIGNAL after AFTER_MS; sets rc, stop_ms (signal to exit) and total_ms.
interrupt() {
  local name=$1 script=$2 sig=$3 after_ms=$4 timeout_ms=$5 repeat=$6 t0 t1 t2
  start_fake "$name" "$script" || { bad "$name: fake server did not start"; return 1; }
  t0=$(now_ms)
  "$MAILSPEC" run "$data/scenarios/smtp-greeting.json" --target 127.0.0.1 --port "smtp=$fake_port" \
    --jobs 1 --per-host 1 --repeat "$repeat" --timeout-ms "$timeout_ms" --report-dir "$work/$name" \
    --format json,junit,console >"$work/$name.out" 2>&1 &
  ms_pid=$!
  sleep "$(awk -v ms="$after_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  t1=$(now_ms)
  kill "-$sig" "$ms_pid"
  # A hung mailspec is killed after 30 s so the script always ends.
  local i
  for i in $(seq 1 300); do kill -0 "$ms_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$ms_pid" 2>/dev/null
  wait "$ms_pid"
  rc=$?
  ms_pid=""
  t2=$(now_ms)
  stop_ms=$((t2 - t1))
  total_ms=$((t2 - t0))
  echo "# $name: SIG$sig after $((t1 - t0)) ms, mailspec exit $rc ${stop_ms} ms later"
  stop_fake
}

# report_check FILE MIN_DONE MAX_CASES: incomplete report with at least MIN_DONE passed cases and
# at most MAX_CASES cases, each with a verdict.
report_check() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, min_done, max_cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    r = json.loads(open(path, "rb").read().decode("utf-8"))
except Exception as e:
    print(f"#   report.json missing or invalid: {e}")
    sys.exit(1)
cases = r.get("cases", [])
verdicts = [c.get("verdict") for c in cases]
print(f"#   incomplete={r.get('incomplete')!r} reason={r.get('incomplete_reason')!r} verdicts={verdicts}")
problems = []
if r.get("incomplete") is not True:
    problems.append('"incomplete" is not true')
if sum(v == "pass" for v in verdicts) < min_done:
    problems.append(f"fewer than {min_done} completed (pass) cases")
if len(cases) > max_cases:
    problems.append(f"{len(cases)} cases: new cases started after the signal")
if any(v not in ("pass", "fail", "warn", "info", "skip", "error") for v in verdicts):
    problems.append("a case without a verdict")
for p in problems:
    print("#   " + p)
sys.exit(1 if problems else 0)
PY
}

echo "# interruption: $MAILSPEC against $MAILSPEC_FAKE"

# 1. Between cases: each case takes ~1.2 s (QUIT answered late); SIGINT after ~3 s of 8 cases.
if interrupt between "$data/scripts/slow-quit.json" INT 3000 4000 8; then
  check "between: exit 2 (got $rc)" [ "$rc" = 2 ]
  check "between: ends within 6 s of SIGINT (took $stop_ms ms)" [ "$stop_ms" -le 6000 ]
  check "between: report.json incomplete, completed cases kept, nothing new started" \
    report_check "$work/between/report.json" 1 5
  check "between: junit.xml written" [ -s "$work/between/junit.xml" ]
fi

# 2. SIGTERM is handled the same way.
if interrupt term "$data/scripts/slow-quit.json" TERM 3000 4000 8; then
  check "term: exit 2 (got $rc)" [ "$rc" = 2 ]
  check "term: ends within 6 s of SIGTERM (took $stop_ms ms)" [ "$stop_ms" -le 6000 ]
  check "term: report.json incomplete, completed cases kept" report_check "$work/term/report.json" 1 5
fi

# 3. During a slow read (the greeting comes after 30 s, the step deadline is 20 s): the signal
#    cancels the read at once, so mailspec ends within about a second, not at the deadline; the
#    report is written, no other case starts.
if interrupt slow-read "$data/scripts/greeting-after-30s.json" INT 1000 20000 4; then
  check "slow-read: exit 2 (got $rc)" [ "$rc" = 2 ]
  check "slow-read: the read is cancelled, ends within 1.5 s of SIGINT (took $stop_ms ms)" [ "$stop_ms" -le 1500 ]
  check "slow-read: report.json incomplete, at most the interrupted case" \
    report_check "$work/slow-read/report.json" 0 1
fi

finish
