# Helpers for the integration test scripts: checks that count, and a closing summary line.
# Usage: source this file; set MAILSPEC (binary) and use check / expect_exit / not_in_files.
set -uo pipefail
# ctest runs the lab tests two at a time, each with its own lab (tests/integration/CMakeLists.txt):
# MAILSPEC_LAB_INSTANCE=N moves this test's lab to its own directory and its own 1,000 ports.
if [ -n "${MAILSPEC_LAB_INSTANCE:-}" ]; then
  export MAILSPEC_LAB_DIR="${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}-$MAILSPEC_LAB_INSTANCE"
  export MAILSPEC_LAB_PORT_BASE=$((${MAILSPEC_LAB_PORT_BASE:-10000} + 1000 * MAILSPEC_LAB_INSTANCE))
fi
passed=0
failed=0
work=$(mktemp -d /tmp/mailspec-it.XXXXXX)
# Background servers a test starts go into `pids`: on exit they are stopped, the lab is brought
# down when the test set `lab_down` to its ci/lab script, and $work is removed.
pids=()
lab_down=""
# The one server a test restarts between runs (its double): start it in the background, set
# server_pid, and stop_server it before the next; on exit it is stopped too.
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}
on_exit() {
  local p
  stop_server
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -z "$lab_down" ] || "$lab_down" down >/dev/null 2>&1
  rm -rf "$work"
}
trap on_exit EXIT

ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "NOT OK - $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

# run_ms NAME ARGS...: runs mailspec, keeps stdout+stderr in $work/NAME.out and the exit code in $rc.
run_ms() {
  local name=$1; shift
  "$MAILSPEC" "$@" >"$work/$name.out" 2>&1
  rc=$?
  echo "# mailspec $* -> exit $rc"
}

expect_exit() {  # expect_exit WANT NAME
  if [ "$rc" = "$1" ]; then ok "$2: exit $1"; else bad "$2: exit $rc, expected $1"; sed 's/^/#   /' "$work/$2.out" | tail -n 40; fi
}

# port_from FILE [PID]: prints the first line of FILE (a port a server printed at start) once it
# is there; fails after 10 s, or at once when PID is given and that process has exited.
port_from() {
  local i p
  for i in $(seq 1 100); do
    p=$(head -n 1 "$1" 2>/dev/null)
    [ -n "$p" ] && { echo "$p"; return 0; }
    [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}

# start_fault_proxy: the fault-injecting proxy (tests/faults) in front of the lab that is up (its
# env sourced). Sets $control (write a fault class there; "none" to start) and $ports (the --port
# arguments for the proxy's ports); the proxy is stopped on exit. Fails when it did not start.
start_fault_proxy() {
  control="$work/fault"
  echo none >"$control"
  /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/../faults/proxy.py" --env "$MAILSPEC_LAB_DIR/env" \
    --control "$control" --ports-out "$work/ports" >"$work/proxy.log" 2>&1 &
  pids+=($!)
  ports=$(port_from "$work/ports" "$!")
}

# jq-free JSON queries through python3.
jq_py() {  # jq_py FILE EXPR  (EXPR uses variable r = the parsed JSON)
  /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

# not_leaked SECRET PATH...: the secret and its base64 forms (every alignment) appear in no file.
not_leaked() {
  local secret=$1; shift
  /usr/bin/python3 - "$secret" "$@" <<'PY'
import base64, os, sys
secret = sys.argv[1].encode()
forms = {secret}
for k in range(3):
    enc = base64.b64encode(b"\0" * k + secret)
    head = (k * 8 + 5) // 6
    stable = ((k + len(secret)) * 8) // 6
    if stable - head >= 4:
        forms.add(enc[head:stable])
hits = []
for root in sys.argv[2:]:
    paths = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    for p in paths:
        data = open(p, "rb").read()
        for f in forms:
            if f in data:
                hits.append(p)
if hits:
    print("secret found in:", *sorted(set(hits)))
    sys.exit(1)
PY
}

# same_findings NAME REPORT: the report's findings (case, port, rule, verdict; ports relative to
# the lab's base) equal tests/data/behaviour/NAME.txt, recorded before the rule-engine rewrite so a
# refactor cannot change a verdict unnoticed. MAILSPEC_RECORD_FINDINGS=1 rewrites the file instead
# (an intended change of behaviour: say why in tests/data/behaviour/README.md).
same_findings() {
  local name=$1 want="${MAILSPEC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/data/behaviour/$1.txt"
  /usr/bin/python3 - "$2" "${MAILSPEC_LAB_PORT_BASE:-10000}" >"$work/$name.findings" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1])); base = int(sys.argv[2])
def rel(p): return p - base if p > base else p
out = []
for c in r["cases"]:
    case = re.sub(r"(?<=:)\d{4,5}(?=/)", lambda m: str(rel(int(m.group(0)))), c["id"])
    for f in c["findings"]:
        out.append(f"{case} | {rel(int(c['target']['port']))} | {f['rule']} | {f['verdict']}")
print("\n".join(sorted(out)))
PY
  if [ "${MAILSPEC_RECORD_FINDINGS:-0}" = 1 ]; then cp "$work/$name.findings" "$want"; ok "$name: findings recorded"; return; fi
  if diff -u "$want" "$work/$name.findings" >"$work/$name.diff"; then
    ok "$name: the $(wc -l <"$want") findings recorded in tests/data/behaviour"
  else
    bad "$name: findings differ from tests/data/behaviour/$name.txt"
    sed 's/^/#   /' "$work/$name.diff" | head -n 60
  fi
}

# only_known_deviations REPORT: every failing case of the report is listed in lab_deviations.txt
# (the lab servers' own RFC deviations, each with its evidence there), fails only on its scenario
# expectation, and every listed case that ran failed (a fixed server must be taken off the list).
only_known_deviations() {
  /usr/bin/python3 - "$1" "$(dirname "${BASH_SOURCE[0]}")/lab_deviations.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
known = {l.split()[0] for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
bad = []
for c in r["cases"]:
    fails = sorted({f["rule"] for f in c["findings"] if f["verdict"] in ("fail", "error")})
    if c["id"] in known:
        if c["verdict"] != "fail" or fails != ["scenario/expect"]:
            bad.append(f"{c['id']}: listed as a lab deviation but {c['verdict']} ({fails})")
    elif c["verdict"] in ("fail", "error") or fails:
        bad.append(f"{c['id']}: {c['verdict']} {fails}")
for b in bad:
    print("#  ", b)
sys.exit(1 if bad else 0)
PY
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
