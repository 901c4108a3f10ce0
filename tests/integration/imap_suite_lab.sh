#!/usr/bin/env bash
# Issue 16: the IMAP conformance suite (scenarios/imap) against the lab's Dovecot. Untouched: no
# case fails, none errors, no rule fails, and no scratch mailbox is left in the account. Through
# the fault-injecting proxy (tests/faults, the state model's double): every IMAP fault class is
# caught by the suite, i.e. the run fails with a failing case or a failing state rule.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
suite="$src/scenarios/imap"

lab_down="$src/ci/lab"  # lib.sh stops the lab and the proxy on exit
"$src/ci/lab" up good >"$work/lab.out" 2>&1 || { bad "lab up"; cat "$work/lab.out"; finish; exit 1; }
# shellcheck disable=SC1091
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
mailbox_root="${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/mail/alice/Maildir"
inbox_before=$(find "$mailbox_root/cur" "$mailbox_root/new" -type f 2>/dev/null | wc -l)
start_fault_proxy || { bad "proxy did not start"; cat "$work/proxy.log"; finish; exit 1; }
count() { jq_py "$1/report.json" "$2"; }
# Dovecot's documented deviations (docs/interop.md): known findings, the cases stay strict.
known="$src/tests/data/behaviour/dovecot-known.json"
unknown_fail="len([f for c in r['cases'] for f in c['findings'] if f['verdict'] in ('fail','error') and f.get('baseline',{}).get('state')!='known'])"
# caught: a failing (or, for a SHOULD the fault breaks, warning) finding the baseline does not know
caught="len([f for c in r['cases'] for f in c['findings'] if f['verdict'] in ('fail','error','warn') and f.get('baseline',{}).get('state')!='known'])"
left_behind() { find "$mailbox_root" -maxdepth 1 -name '.mailspec-*' 2>/dev/null | head -5; }

# --- the suite against Dovecot, default options apart from the lab's ports --------------------------
t0=$(date +%s%N)
# shellcheck disable=SC2086
run_ms direct run "$suite" --target 127.0.0.1 $MAILSPEC_PORT_ARGS --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 \
  --allow-mutation --baseline "$known" --report-dir "$work/direct" --format json
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# the IMAP suite against the lab took $ms ms"
expect_exit 0 direct
total=$(count "$work/direct" "r['summary']['total']")
check "direct: at least 150 IMAP cases" test "$total" -ge 150
check "direct: no case errors" test "$(count "$work/direct" "r['summary']['cases']['error']")" = 0
check "direct: no fail or error finding but the documented Dovecot deviations" test "$(count "$work/direct" "$unknown_fail")" = 0
# Dovecot's documented deviations (SHOULD-level) are still reported: the warned cases are exactly
# those dovecot-known.json waives, and nothing fails.
waived=$(/usr/bin/python3 -c 'import json, sys; print(" ".join(sorted(w["case"] for w in json.load(open(sys.argv[1]))["waivers"])))' "$known")
check "direct: the documented deviations are still reported, as warnings" test "$(count "$work/direct" \
  "' '.join(sorted(c['id'] for c in r['cases'] if c['verdict'] == 'warn')) + '/' + str(r['summary']['cases']['fail'])")" = "$waived/0"
check "direct: most cases pass (skips only for extensions Dovecot lacks)" \
  test "$(count "$work/direct" "r['summary']['cases']['pass']")" -ge $((total - 15))
check "direct: every fixtures clean-up passed" test "$(count "$work/direct" \
  "len([s for c in r['cases'] for s in c['steps'] if s['id']=='fixtures-cleanup' and s['verdict']!='pass'])")" = 0
check "direct: no scratch mailbox left in the account" test -z "$(left_behind)"
check "direct: the user's INBOX lost nothing" \
  test "$(find "$mailbox_root/cur" "$mailbox_root/new" -type f 2>/dev/null | wc -l)" -ge "$inbox_before"
check "direct: the suite finishes within 180 s (the target is 10 s on an idle machine; the figure is printed above)" test "$ms" -lt 180000

# --- without --allow-mutation the suite changes nothing: mutating cases skip, messages and mailboxes stay --
snapshot() { (cd "$mailbox_root" && find . -path './.*' -prune -o -type f -path './cur/*' -print -o -type f -path './new/*' -print; \
  find . -maxdepth 1 -name '.*' -type d) | sort; }
snapshot >"$work/before-readonly"
# shellcheck disable=SC2086
run_ms readonly run "$suite" --target 127.0.0.1 $MAILSPEC_PORT_ARGS --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 \
  --baseline "$known" --report-dir "$work/readonly" --format json
expect_exit 0 readonly
check "readonly: every case with fixtures skipped, no scratch mailbox made" test "$(count "$work/readonly" \
  "len([s for c in r['cases'] for s in c['steps'] if s['id']=='fixtures-setup'])")" = 0
check "readonly: the account's messages (names and flags) and mailboxes are as before" \
  diff -u "$work/before-readonly" <(snapshot)

# --- through the proxy: untouched, then one IMAP fault class at a time ------------------------------
# A part of the suite that holds, for every fault class, the cases written for what it breaks (a full
# run per fault class also catches each: docs/interop.md, "IMAP suite"); --per-host 8 to keep it short.
subset=(imap/select/ imap/numbers/ imap/store/ imap/expunge/ imap/ext/condstore/ imap/search/all imap/fetch/flags
        imap/fetch/uid-fetch-includes-uid)
only=()
for p in "${subset[@]}"; do only+=(--only "$p"); done
through() {  # through NAME FAULT
  echo "$2" >"$control"
  # shellcheck disable=SC2086
  run_ms "$1" run "$suite" --target 127.0.0.1 $ports --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 \
    --allow-mutation --baseline "$known" --jobs 8 --per-host 8 "${only[@]}" --report-dir "$work/$1" --format json
}
through clean none
expect_exit 0 clean
check "proxy, no fault: no failing or warning finding" test "$(count "$work/clean" "$caught")" = 0
for fault in $(/usr/bin/python3 -c "import sys; sys.path.insert(0, '$src/tests/faults'); import faults; print(' '.join(sorted(faults.IMAP)))"); do
  through "$fault" "$fault"
  check "$fault: caught by the suite ($(count "$work/$fault" "$caught") failing or warning findings)" \
    test "$(count "$work/$fault" "$caught")" -gt 0
done
check "after the faults: no scratch mailbox left in the account" test -z "$(left_behind)"
check "after the faults: the user's INBOX lost nothing" \
  test "$(find "$mailbox_root/cur" "$mailbox_root/new" -type f 2>/dev/null | wc -l)" -ge "$inbox_before"

# --- LITERAL- (RFC 7888): the lab's Dovecot again, offering LITERAL- instead of LITERAL+ ------------
# (the two LITERAL- cases skip against the default lab)
"$src/ci/lab" down >/dev/null 2>&1
MAILSPEC_LAB_DOVECOT_LITERAL_MINUS=yes "$src/ci/lab" up good >"$work/lab-lm.out" 2>&1 || { bad "lab up (LITERAL-)"; cat "$work/lab-lm.out"; }
# shellcheck disable=SC1091
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
# shellcheck disable=SC2086
run_ms literal-minus run "$suite" --target 127.0.0.1 $MAILSPEC_PORT_ARGS --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 \
  --only imap/ext/literal-minus/ --report-dir "$work/literal-minus" --format json
expect_exit 0 literal-minus
check "LITERAL-: both cases ran and passed against Dovecot with imap_literal_minus" \
  test "$(count "$work/literal-minus" "' '.join(sorted(c['verdict'] for c in r['cases']))")" = "pass pass"
finish
