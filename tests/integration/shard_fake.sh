#!/usr/bin/env bash
# --shard K/N and `mailspec merge` against mailspec-fake: a plan of 5 scenarios x 2 targets x 2
# repeats (pass, fail and skip cases) run unsharded and as 3 shards; the shards are disjoint,
# together cover the plan, and their merged report has the unsharded run's counts and exit code.
# Env: MAILSPEC, MAILSPEC_FAKE.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
data=$root/tests/data/shard

start_fake() {  # start_fake NAME LISTEN [PORT]: sets fake_port (not in a subshell: pids must stick)
  "$MAILSPEC_FAKE" --script "$data/fake-imap.json" --listen "$2" ${3:+--port "$3"} >"$work/$1.port" 2>"$work/$1.err" &
  pids+=($!)
  fake_port=$(port_from "$work/$1.port" "${pids[-1]}")
}

# Two targets on one port: 127.0.0.1 and 127.0.0.3 (both loopback).
start_fake a 127.0.0.1 || { bad "mailspec-fake did not start"; finish; exit 1; }
port=$fake_port
start_fake b 127.0.0.3 "$port" || { bad "second mailspec-fake did not start on 127.0.0.3:$port"; finish; exit 1; }

plan=(run "$data/plan" --target 127.0.0.1 --target 127.0.0.3 --port "imap=$port" --repeat 2 --jobs 4 --per-host 2
      --timeout-ms 3000 --format json)

run_ms all "${plan[@]}" --report-dir "$work/all"
all_rc=$rc
expect_exit 1 all
for k in 1 2 3; do
  run_ms "shard$k" "${plan[@]}" --shard "$k/3" --report-dir "$work/shard$k"
  expect_exit 1 "shard$k"
done
run_ms merged merge "$work/shard1/report.json" "$work/shard2/report.json" "$work/shard3/report.json" \
  --report-dir "$work/merged" --format json
check "merge exits like the unsharded run ($all_rc)" test "$rc" = "$all_rc"

# summary: "cases total pass fail error warn skip" of a report
summary() {
  jq_py "$1" '" ".join(str(x) for x in [len(r["cases"])] + [sum(1 for c in r["cases"] if c["verdict"] == v) for v in ("pass", "fail", "error", "warn", "skip")])'
}
# keys: one "id host run" line per case, sorted
keys() {
  jq_py "$1" '"\n".join(sorted("%s %s %d" % (c["id"], c["target"]["host"], c["run"]) for c in r["cases"]))'
}

whole=$(summary "$work/all/report.json")
check "the unsharded plan has 20 cases with passes, fails and skips ($whole)" test "$whole" = "20 12 4 0 0 4"
check "merged counts equal the unsharded run's ($(summary "$work/merged/report.json"))" \
  test "$(summary "$work/merged/report.json")" = "$whole"
check "merged cases are the unsharded run's cases" test "$(keys "$work/merged/report.json")" = "$(keys "$work/all/report.json")"
sizes=""
for k in 1 2 3; do sizes+="$(jq_py "$work/shard$k/report.json" 'len(r["cases"])') "; done
check "shards are balanced and disjoint (sizes ${sizes% })" test "${sizes% }" = "7 7 6"
check "no case appears twice in the merged report" \
  test "$(keys "$work/merged/report.json" | sort -u | wc -l)" = "20"
# Deterministic: a shard run twice plans the same cases.
run_ms shard2again "${plan[@]}" --shard 2/3 --report-dir "$work/shard2again"
check "a shard run twice has the same cases" test "$(keys "$work/shard2again/report.json")" = "$(keys "$work/shard2/report.json")"

finish
