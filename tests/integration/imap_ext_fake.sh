#!/usr/bin/env bash
# The IMAP suite's QUOTA (RFC 9208), METADATA (RFC 5464), SPECIAL-USE (RFC 6154) and CATENATE
# (RFC 4469) cases against
# imap_ext_server.py: the conforming server passes every case, and each fault class (a server that
# breaks one behaviour a case checks) makes that case fail on the step that checks it.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=../../ci/lab.d/certs.sh
source "$src/ci/lab.d/certs.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"

certs_install "${MAILSPEC_LAB_CERT_CACHE:-/tmp/mailspec-lab-certs}" "$work/certs"
export MAILSPEC_USER=alice@ext.test
MAILSPEC_PASSWORD=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_'); export MAILSPEC_PASSWORD
cases=(imap/ext/quota/ imap/ext/metadata/ imap/ext/special-use/ imap/ext/catenate/)

# against FAULT NAME [--only PREFIX ...]: a fresh server with FAULT, the cases run against it.
against() {
  local fault=$1 name=$2; shift 2
  rm -f "$work/ports"
  /usr/bin/python3 "$here/imap_ext_server.py" --cert "$work/certs/valid.pem" --key "$work/certs/valid.key" \
    --ports-file "$work/ports" --fault "$fault" </dev/null >"$work/$name.server.log" 2>&1 &
  server_pid=$!
  local port
  port=$(port_from "$work/ports" "$server_pid") || { bad "$name: server did not start"; cat "$work/$name.server.log"; return 1; }
  local only=() p
  for p in "${@:-${cases[@]}}"; do only+=(--only "$p"); done
  run_ms "$name" run "$src/scenarios/imap" --target 127.0.0.1 --port "$port" --ca-file "$work/certs/ca.pem" \
    --allow-mutation --timeout-ms 3000 "${only[@]}" --report-dir "$work/$name" --format json
  stop_server
}
verdicts() { jq_py "$work/$1/report.json" "' '.join(sorted(set(c['verdict'] for c in r['cases'])))"; }
failed_step() {  # failed_step NAME CASE: the id of the case's first step that did not pass
  jq_py "$work/$1/report.json" "next((s['id'] for c in r['cases'] if c['id']=='$2' for s in c['steps'] if s['verdict'] != 'pass'), 'none')"
}

against none clean
expect_exit 0 clean
check "clean: every extension case passes ($(jq_py "$work/clean/report.json" "r['summary']['total']") cases)" test "$(verdicts clean)" = pass
check "clean: at least 15 cases ran" test "$(jq_py "$work/clean/report.json" "r['summary']['total']")" -ge 14

# fault  case  the step that must fail
while read -r fault case step; do
  against "$fault" "$fault" "$case"
  expect_exit 1 "$fault"
  check "$fault: $case fails at step $step" test "$(failed_step "$fault" "$case")" = "$step"
done <<'TABLE'
quota-no-quota-response imap/ext/quota/getquotaroot-quota-per-root quotaroot
quota-usage-not-updated imap/ext/quota/message-usage-counts-messages quota-after
quota-unknown-root-ok imap/ext/quota/getquota-unknown-root getquota
metadata-set-ignored imap/ext/metadata/set-get-value get
metadata-nil-ignored imap/ext/metadata/nil-removes get
metadata-maxsize-ignored imap/ext/metadata/maxsize-longentries get
metadata-depth-ignored imap/ext/metadata/depth depth-0
metadata-private-shared-merged imap/ext/metadata/private-shared-distinct get
specialuse-selection-ignored imap/ext/special-use/selection list
specialuse-selection-ignored imap/ext/special-use/plain-mailbox selection
specialuse-selection-ignored imap/ext/special-use/return-option selection
specialuse-return-marks-all imap/ext/special-use/plain-mailbox return
createuse-ignored imap/ext/special-use/create-use list
catenate-drops-last-part imap/ext/catenate/append-text-parts size
TABLE
finish
