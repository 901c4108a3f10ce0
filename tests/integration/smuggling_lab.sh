#!/usr/bin/env bash
# SMTP smuggling against the lab's real Postfix 3.7 (ci/lab): with Debian's permissive default
# (MAILSPEC_LAB_POSTFIX_BARE_NEWLINE=no) `mailspec audit --smuggling` fails <LF>.<LF>,
# <LF>.<CR><LF>, <CR><LF>.<LF> and the bare-LF rule on every SMTP port (and the smtp/smuggling-*
# scenarios fail the same way); with the lab's hardened default (smtpd_forbid_bare_newline =
# reject) nothing fails. Every test message goes to the lab's recipient, where Postfix discards it.
# Usage: MAILSPEC=/path/to/mailspec tests/integration/smuggling_lab.sh   (root; brings the lab up and down)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
lab="$root/ci/lab"
trap '"$lab" down >/dev/null 2>&1; rm -rf "$work"' EXIT

lab_up() {  # lab_up BARE_NEWLINE
  MAILSPEC_LAB_POSTFIX_BARE_NEWLINE=$1 "$lab" up good >"$work/lab-$1.log" 2>&1 || { cat "$work/lab-$1.log"; bad "ci/lab up ($1)"; return 1; }
  # shellcheck disable=SC1091
  source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
  smtp_ports=$(echo "$MAILSPEC_PORTS" | tr , '\n' | grep -E '^(smtp|submission|submissions)=' | paste -sd,)
}

smuggle() {  # smuggle NAME: the smuggling audit of the lab's three SMTP ports into $work/NAME
  run_ms "$1" audit 127.0.0.1 --ports "$smtp_ports" --ca-file "$MAILSPEC_CA_FILE" --smuggling --rcpt "$MAILSPEC_RCPT" \
    --from "$MAILSPEC_FROM" --only audit/smtp-smuggling --report-dir "$work/$1" --format json,console
}

scenarios() {  # scenarios NAME: the smtp/smuggling-* scenarios into $work/NAME
  run_ms "$1" run "$root"/scenarios/smtp/smuggling-*.json --target 127.0.0.1 $MAILSPEC_PORT_ARGS --allow-mutation \
    --report-dir "$work/$1" --format json
}

# fails_per_port REPORT: "port rule" for every fail finding, sorted, one per line.
fails_per_port() {
  jq_py "$1" '"\n".join(sorted(c["id"].split("/")[1].split(":")[0] + " " + f["rule"].split("/")[-1] for c in r["cases"] for f in c["findings"] if f["verdict"] == "fail"))'
}

failed_cases() {  # failed_cases REPORT: ids of failed cases, sorted, space-separated
  jq_py "$1" '" ".join(sorted(c["id"] for c in r["cases"] if c["verdict"] == "fail"))'
}

if lab_up no; then
  smuggle permissive
  expect_exit 1 permissive
  want=""
  for svc in smtp submission submissions; do
    for v in bare-lf crlf-dot-lf lf-dot-crlf lf-dot-lf; do want+="$svc $v"$'\n'; done
  done
  got=$(fails_per_port "$work/permissive/report.json")
  check "permissive Postfix: <LF>.<LF>, <LF>.<CR><LF>, <CR><LF>.<LF> and bare LF fail on the 3 SMTP ports" \
    test "$got" = "$(printf '%s' "$want" | sort)"
  [ "$got" = "$(printf '%s' "$want" | sort)" ] || echo "$got" | sed 's/^/#   fail: /'
  check "permissive Postfix: the reply to the smuggled NOOP is the evidence" test "$(jq_py "$work/permissive/report.json" \
    'next(f["actual"] for c in r["cases"] for f in c["findings"] if f["rule"] == "audit/smtp-smuggling/lf-dot-lf")' | grep -c '| 250 2.0.0 Ok')" = 1
  scenarios permissive-run
  expect_exit 1 permissive-run
  check "permissive Postfix: the four scenarios fail" test "$(failed_cases "$work/permissive-run/report.json")" = \
    "smtp/smuggling-bare-lf smtp/smuggling-crlf-dot-lf smtp/smuggling-lf-dot-crlf smtp/smuggling-lf-dot-lf"
fi

if lab_up reject; then
  smuggle hardened
  expect_exit 0 hardened
  check "hardened Postfix: no fail" test -z "$(fails_per_port "$work/hardened/report.json")"
  check "hardened Postfix: 18 findings (6 variants x 3 ports), none skipped or in error" test "$(jq_py "$work/hardened/report.json" \
    'sum(1 for c in r["cases"] for f in c["findings"] if f["rule"].startswith("audit/smtp-smuggling/") and f["verdict"] in ("pass", "info"))')" = 18
  scenarios hardened-run
  expect_exit 0 hardened-run
  run_ms no-mutation run "$root"/scenarios/smtp/smuggling-*.json --target 127.0.0.1 $MAILSPEC_PORT_ARGS \
    --report-dir "$work/no-mutation" --format json
  check "without --allow-mutation the scenarios do not run" test "$(jq_py "$work/no-mutation/report.json" \
    'sum(1 for c in r["cases"] if c["verdict"] != "skip")')" = 0
fi

finish
