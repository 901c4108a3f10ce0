#!/usr/bin/env bash
# Issue 20, items 6 and 7, on a real merged report of five servers: the lab's Dovecot and Postfix
# (ci/lab good: `mailspec audit` of their ports and the bundled scenarios), and three mailspec-fake
# servers under other banners: an SMTP server that greets as Exim (audited), an IMAP server that
# greets as Cyrus and evaluates a plaintext LOGIN (audited: fails), and an SMTP server known only
# by its greeting (scenarios only: a non-ASCII greeting warns). The reports are `mailspec merge`d;
# ci/compliance-matrix must find the five servers, and report.html is checked in headless
# Chromium at 1400x1000 (tests/browser/report.test.mjs --expect audit,compliance): matrix layout,
# the compliance matrix equal to the script's, cells linking to their cases.
# Env: MAILSPEC, MAILSPEC_FAKE (binaries), NODE (optional), MAILSPEC_LAB_DIR / MAILSPEC_LAB_PORT_BASE
# (as for ci/lab). Brings the lab up and down. Exit 77 when node or playwright-core is missing.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=../integration/lib.sh
source "$src/tests/integration/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
: "${MAILSPEC_FAKE:?set MAILSPEC_FAKE to the mailspec-fake binary}"
node=${NODE:-node}
data=$src/tests/data
tls=$work/tls
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  "$src/ci/lab" down >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# start_fake NAME SCRIPT-FILE: a fake server serving the script to every connection; sets $port.
start_fake() {
  "$MAILSPEC_FAKE" --script "$2" --tls-dir "$tls" --connections 0 >"$work/$1.port" 2>"$work/$1.err" &
  pids+=($!)
  port=$(port_from "$work/$1.port" "${pids[-1]}") && return 0
  cat "$work/$1.err"; bad "$1: mailspec-fake did not start"; finish; exit 1
}
# A fake script with its greeting replaced (the first "send" action).
with_banner() {  # with_banner SCRIPT BANNER OUT
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["actions"][0]["send"] = sys.argv[2] + "\r\n"
s["connections"] = 0
json.dump(s, open(sys.argv[3], "w"))
PY
}

"$src/ci/lab" up good >"$work/lab.out" 2>&1 || { cat "$work/lab.out"; bad "ci/lab up good"; finish; exit 1; }
# shellcheck disable=SC1091
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
ports() {  # ports NAME...: "name=port,..." from the lab's MAILSPEC_PORTS
  local n out="" kv
  for n in "$@"; do
    for kv in ${MAILSPEC_PORTS//,/ }; do [ "${kv%%=*}" = "$n" ] && out+="${out:+,}$kv"; done
  done
  echo "$out"
}
lab=(--ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 --timeout-ms 8000 --format json)

# 1-2: the lab's Dovecot and Postfix, audited and run.
run_ms dovecot-audit audit 127.0.0.1 --ports "$(ports imap imaps pop3 pop3s)" "${lab[@]}" --report-dir "$work/dovecot-audit"
# shellcheck disable=SC2086
run_ms dovecot-run run "$src/scenarios/imap" "$src/scenarios/pop3" --target 127.0.0.1 $MAILSPEC_PORT_ARGS "${lab[@]}" \
  --report-dir "$work/dovecot-run"
run_ms postfix-audit audit 127.0.0.1 --ports "$(ports smtp submission submissions)" "${lab[@]}" --report-dir "$work/postfix-audit"
# shellcheck disable=SC2086
run_ms postfix-run run "$src/scenarios/smtp" --target 127.0.0.1 $MAILSPEC_PORT_ARGS "${lab[@]}" --report-dir "$work/postfix-run"

# 3: an SMTP fake greeting as Exim, audited on its submission port.
with_banner "$data/audit/smtp-safe.json" "220 fake-a.test ESMTP Exim 4.96 (mailspec-fake)" "$work/exim.json"
start_fake exim "$work/exim.json"
fake=(--ca-file "$tls/ca.pem" --timeout-ms 2000 --format json)
run_ms exim-audit audit 127.0.0.1 --ports "submission=$port" "${fake[@]}" --report-dir "$work/exim-audit"
# 4: an IMAP fake greeting as Cyrus that evaluates a plaintext LOGIN.
with_banner "$data/audit/imap-plaintext-login.json" "* OK fake-c.test Cyrus IMAP 3.6.1 server ready" "$work/cyrus.json"
start_fake cyrus "$work/cyrus.json"
run_ms cyrus-audit audit 127.0.0.1 --ports "imap=$port" "${fake[@]}" --report-dir "$work/cyrus-audit"
expect_exit 1 cyrus-audit
# 5: an SMTP fake known only by its greeting (non-ASCII: warns), scenarios only.
start_fake plain "$data/report/run/fake/fake-nonascii.json"
run_ms plain-run run "$data/report/run/scenarios/"{pass,warn,skip}.json --target 127.0.0.1 --port "smtp=$port" \
  --port "2525=$port" "${fake[@]}" --report-dir "$work/plain-run"

for r in dovecot-audit dovecot-run postfix-audit postfix-run exim-audit cyrus-audit plain-run; do
  check "$r: report.json written" test -s "$work/$r/report.json"
done
run_ms merged merge "$work"/{dovecot-audit,dovecot-run,postfix-audit,postfix-run,exim-audit,cyrus-audit,plain-run}/report.json \
  --report-dir "$work/merged" --format json,html
expect_exit 1 merged
matrix() { /usr/bin/python3 "$src/ci/compliance-matrix" "$@"; }
rows=$(matrix --format json "$work/merged/report.json" | /usr/bin/python3 -c \
  'import json,sys; print("\n".join(r["label"] for r in json.load(sys.stdin)["rows"]))')
echo "$rows" | sed 's/^/# server: /'
check "compliance matrix: five servers" test "$(echo "$rows" | wc -l)" = 5
# The lab's Postfix greets without naming itself ("220 mail.lab.test ESMTP mailspec-lab"): its three
# ports are one server by their common banner.
for sw in "Cyrus IMAP" Dovecot Exim "220 mail.lab.test ESMTP" "220 fake.test ESMTP"; do
  check "compliance matrix: a row for $sw" grep -q "^$sw" <<<"$rows"
done
matrix "$work/merged/report.json" >"$work/matrix.md"
sed 's/^/#   /' "$work/matrix.md" | cut -c1-220
check "Markdown: header, separator and five rows" test "$(grep -c '^|' "$work/matrix.md")" = 7
check "Markdown: the Cyrus plaintext login fails" \
  grep -q '^| Cyrus IMAP | 127.0.0.1:[0-9]* | .*fail' "$work/matrix.md"
check "Markdown: one row per port with --by port (7 of the lab, 3 fakes)" \
  test "$(matrix --by port "$work/merged/report.json" | grep -c '^|')" = 12
check "Markdown: --only keeps the asked areas" \
  bash -c "matrix() { /usr/bin/python3 '$src/ci/compliance-matrix' \"\$@\"; }; matrix --only tls/ '$work/merged/report.json' | head -n 1 | grep -q '| cases | tls/' && ! matrix --only tls/ '$work/merged/report.json' | head -n 1 | grep -q smtp/"
check "the audited ports: 7 of the lab and 2 fakes" \
  test "$(jq_py "$work/merged/report.json" "len({(c['target']['host'], c['target']['port']) for c in r['cases'] if c['kind'] == 'audit'})")" = 9

"$node" "$here/report.test.mjs" "$work/merged" --expect audit,compliance >"$work/browser.out" 2>&1
browser=$?
sed 's/^/# /' "$work/browser.out" | grep -v '^# ok ' | tail -n 40
if [ "$browser" = 77 ]; then echo "# skipped: the browser test (node or playwright-core missing)"; finish; exit 77; fi
check "report.html of the merged report in headless Chromium ($(grep -c '^ok ' "$work/browser.out") checks)" test "$browser" = 0
check "no output holds the lab password" not_leaked "$MAILSPEC_PASSWORD" "$work"
finish
