#!/usr/bin/env bash
# Scale-out and politeness (issue 8) checked from outside, as a user holding only
# docs/architecture.md and the README would run it: --per-host (default 2) and --rate counted at a listener
# of our own, SIGINT during a slow --rate, and the usage errors (exit 64) of --shard, --rate,
# --target and `merge` without --report-dir.
# Env: MAILSPEC (the mailspec binary), MAILSPEC_SOURCE_DIR (default: two levels above this script).
here=$(cd "$(dirname "$0")" && pwd)
src=${MAILSPEC_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
# shellcheck source=lib.sh
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
scenario=$src/tests/data/hostile/scenarios/smtp-greeting.json
lpid=""
ms_pid=""
cleanup() {
  [ -n "$ms_pid" ] && kill -KILL "$ms_pid" 2>/dev/null
  [ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# listen NAME DELAY_S: an SMTP listener on 127.0.0.1 that greets after DELAY_S and answers QUIT;
# it writes {"peak": concurrent connections at most, "accepts": [monotonic times]} to $work/NAME.json
# every 0.1 s, and ends by itself after 60 s. Sets lpid and lport.
listen() {
  /usr/bin/python3 - "$work/$1.json" "$2" >"$work/$1.port" 2>"$work/$1.err" <<'PY' &
import json, os, socket, sys, threading, time
out, delay = sys.argv[1], float(sys.argv[2])
lock = threading.Lock(); state = {"cur": 0, "peak": 0, "accepts": []}
def serve(c):
    with lock:
        state["cur"] += 1; state["peak"] = max(state["peak"], state["cur"]); state["accepts"].append(time.monotonic())
    try:
        c.settimeout(10)
        time.sleep(delay)
        c.sendall(b"220 listener.test ESMTP\r\n")
        for line in c.makefile("rb"):
            if line.strip().upper() == b"QUIT":
                c.sendall(b"221 bye\r\n"); break
            c.sendall(b"250 ok\r\n")
    except OSError:
        pass
    finally:
        with lock: state["cur"] -= 1
        c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(256); s.settimeout(0.1)
print(s.getsockname()[1], flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
    except socket.timeout:
        pass
    with lock: text = json.dumps({"peak": state["peak"], "accepts": state["accepts"]})
    open(out + ".tmp", "w").write(text); os.replace(out + ".tmp", out)
PY
  lpid=$!
  lport=$(port_from "$work/$1.port" "$lpid")
}
stop_listener() { kill "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; lpid=""; }
peak() { sleep 0.3; jq_py "$work/$1.json" 'r["peak"]'; }
accepts() { jq_py "$work/$1.json" 'len(r["accepts"])'; }
min_gap_ms() { jq_py "$work/$1.json" 'int(1000 * min(b - a for a, b in zip(r["accepts"], r["accepts"][1:])))'; }

# 1. --per-host: default 2 even with --jobs 16; --per-host 4 allows 4; never more.
listen default 0.3 || { bad "listener did not start"; finish; exit 1; }
run_ms per-host-default run "$scenario" --target 127.0.0.1 --port "smtp=$lport" --jobs 16 --repeat 12 \
  --timeout-ms 5000 --report-dir "$work/per-host-default" --format json
expect_exit 0 per-host-default
p=$(peak default)
check "default --per-host: at most 2 connections at once at the listener, and 2 used (peak $p)" test "$p" = 2
stop_listener
listen four 0.3 || { bad "listener did not start"; finish; exit 1; }
run_ms per-host-4 run "$scenario" --target 127.0.0.1 --port "smtp=$lport" --jobs 16 --repeat 12 --per-host 4 \
  --timeout-ms 5000 --report-dir "$work/per-host-4" --format json
expect_exit 0 per-host-4
p=$(peak four)
check "--per-host 4: 4 connections at once at the listener (peak $p)" test "$p" = 4
stop_listener

# 2. --rate 5/s: new connections at least ~200 ms apart at the listener.
listen rate 0 || { bad "listener did not start"; finish; exit 1; }
run_ms rate run "$scenario" --target 127.0.0.1 --port "smtp=$lport" --jobs 8 --per-host 8 --repeat 6 --rate 5/s \
  --timeout-ms 5000 --report-dir "$work/rate" --format json
expect_exit 0 rate
sleep 0.3
g=$(min_gap_ms rate)
# The gaps are seen where the fake server accepts: under load (the sanitizer run with two fuzzers
# beside it) one accept can be seen late and the next on time (177 ms seen once); without --rate they
# are a few ms apart, so 150 ms still shows the 200 ms spacing.
check "--rate 5/s: 6 connections, the closest two $g ms apart (>= 150)" test "$(accepts rate)" = 6 -a "$g" -ge 150
stop_listener

# 3. SIGINT while waiting for a slow --rate slot (one connection every 20 s): the run ends at
#    once with exit 2 and an incomplete report.
listen slow-rate 0 || { bad "listener did not start"; finish; exit 1; }
"$MAILSPEC" run "$scenario" --target 127.0.0.1 --port "smtp=$lport" --repeat 5 --rate 0.05/s --timeout-ms 5000 \
  --report-dir "$work/slow-rate" --format json >"$work/slow-rate.out" 2>&1 &
ms_pid=$!
sleep 1
t1=$(date +%s%N)
kill -INT "$ms_pid"
for i in $(seq 1 300); do kill -0 "$ms_pid" 2>/dev/null || break; sleep 0.05; done
kill -KILL "$ms_pid" 2>/dev/null
wait "$ms_pid"
rc=$?
ms_pid=""
stop_ms=$((($(date +%s%N) - t1) / 1000000))
check "SIGINT at --rate 0.05/s: exit 2 (got $rc)" test "$rc" = 2
check "SIGINT at --rate 0.05/s: ends within 2 s (took $stop_ms ms)" test "$stop_ms" -le 2000
check "SIGINT at --rate 0.05/s: report.json is marked incomplete" \
  test "$(jq_py "$work/slow-rate/report.json" 'r["incomplete"]')" = True
stop_listener

# 4. Usage errors: exit 64 with a message naming the option, nothing run.
usage() {  # usage NAME EXPECTED_TEXT ARGS...
  local name=$1 want=$2; shift 2
  run_ms "$name" "$@"
  expect_exit 64 "$name"
  check "$name: says \"$want\"" grep -qF -- "$want" "$work/$name.out"
}
n=0
for s in 0/3 4/3 1/0 abc " 1/3" +1/3 1/99999999999 "1/3 " ""; do
  n=$((n + 1))
  usage "shard-$n" "--shard" run "$scenario" --target 127.0.0.1 --shard "$s" --report-dir "$work/u"
done
for r in 0 -1 1e-30 inf ""; do
  n=$((n + 1))
  usage "rate-$n" "--rate" run "$scenario" --target 127.0.0.1 --rate "$r" --report-dir "$work/u"
done
usage target-empty "--target" run "$scenario" --target "" --report-dir "$work/u"
usage target-port "HOST takes no port" run "$scenario" --target 127.0.0.1:25 --report-dir "$work/u"
usage target-twice "given twice" run "$scenario" --target 127.0.0.1 --target 127.0.0.1 --report-dir "$work/u"
usage target-twice-v6 "given twice" run "$scenario" --target ::1 --target "[::1]" --report-dir "$work/u"
# merge: --report-dir is required (docs/architecture.md); without it nothing lands in ./mailspec-report.
run_ms merge-src run "$scenario" --target 127.0.0.1 --port smtp=1 --timeout-ms 500 --report-dir "$work/src" --format json
(cd "$work" && "$MAILSPEC" merge "$work/src/report.json" >"$work/merge-no-dir.out" 2>&1)
rc=$?
expect_exit 64 merge-no-dir
check "merge without --report-dir: says --report-dir is required" grep -q -- "--report-dir is required" "$work/merge-no-dir.out"
check "merge without --report-dir: wrote no ./mailspec-report" test ! -e "$work/mailspec-report"

finish
