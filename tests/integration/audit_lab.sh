#!/usr/bin/env bash
# `mailspec audit` against the lab (ci/lab): good -> no fail; weak -> plaintext-login fails on
# imap, pop3 and submission and the TLS version floor fails; badcert -> certificate verification
# fails on every TLS port. Prints the wall time of the good audit; its speed target (under 3 s) is
# measured by bench/run, not here: this test only checks that the audit ends (under 60 s).
# Usage: MAILSPEC=/path/to/mailspec tests/integration/audit_lab.sh   (root; brings the lab up and down)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
lab="$root/ci/lab"
trap '"$lab" down >/dev/null 2>&1; rm -rf "$work"' EXIT

lab_up() {
  "$lab" up "$1" >"$work/lab-$1.log" 2>&1 || { cat "$work/lab-$1.log"; bad "ci/lab up $1"; return 1; }
  # shellcheck disable=SC1091
  source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
}

audit_lab() {  # audit_lab NAME: runs the audit of the 7 lab ports into $work/NAME
  local t0 t1
  t0=$(date +%s%N)
  run_ms "$1" audit 127.0.0.1 --ports "$MAILSPEC_PORTS" --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 \
    --report-dir "$work/$1" --format json,console
  t1=$(date +%s%N)
  elapsed_ms=$(((t1 - t0) / 1000000))
  echo "# audit $1: ${elapsed_ms} ms"
}

# fails_on REPORT RULE-PREFIX SERVICE...: a fail finding of that rule in a case of each service.
fails_on() {
  local report=$1 rule=$2; shift 2
  /usr/bin/python3 - "$report" "$rule" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rule = sys.argv[2]; missing = []
for svc in sys.argv[3:]:
    hit = any(c["id"].startswith("audit/" + svc + ":") and
              any(f["rule"].startswith(rule) and f["verdict"] == "fail" for f in c.get("findings", []))
              for c in r["cases"])
    if not hit: missing.append(svc)
if missing:
    print("# no fail of", rule, "on:", *missing); sys.exit(1)
PY
}

# only_fails REPORT PREFIX...: every fail finding's rule starts with one of the prefixes.
only_fails() {
  local report=$1; shift
  /usr/bin/python3 - "$report" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); prefixes = tuple(sys.argv[2:])
other = sorted({c["id"] + " " + f["rule"] for c in r["cases"] for f in c.get("findings", [])
                if f["verdict"] == "fail" and not f["rule"].startswith(prefixes)})
for o in other: print("# unexpected fail:", o)
sys.exit(1 if other else 0)
PY
}

fail_rules() {  # fail_rules REPORT: "case rule" for every fail finding
  jq_py "$1" '"\n".join(c["id"] + " " + f["rule"] for c in r["cases"] for f in c.get("findings", []) if f["verdict"] == "fail")'
}

if lab_up good; then
  audit_lab good
  same_findings audit-good "$work/good/report.json"
  expect_exit 0 good
  check "good: no fail finding" test -z "$(fail_rules "$work/good/report.json")"
  fail_rules "$work/good/report.json" | sed 's/^/#   fail: /'
  check "good: 7 ports audited" test "$(jq_py "$work/good/report.json" 'len({c["target"]["port"] for c in r["cases"]})')" = 7
  check "good: no STARTTLS injection" test -z "$(jq_py "$work/good/report.json" \
    '" ".join(f["rule"] for c in r["cases"] for f in c.get("findings", []) if f["rule"].startswith("audit/starttls-injection") and f["verdict"] != "pass")')"
  check "good: injection probed on the 4 STARTTLS ports" test "$(jq_py "$work/good/report.json" \
    'sum(1 for c in r["cases"] for f in c.get("findings", []) if f["rule"].startswith("audit/starttls-injection") and f["verdict"] == "pass")')" = 4
  echo "# good: the audit took ${elapsed_ms} ms"
  check "good: the audit ends (under 60 s, ${elapsed_ms} ms)" test "$elapsed_ms" -lt 60000
  # The only credential sent is the canary, on the plaintext-login probes only.
  check "good: canary only in plaintext-login cases" test -z "$(jq_py "$work/good/report.json" \
    '" ".join(c["id"] for c in r["cases"] for e in c.get("transcript", []) if e.get("dir") == "c" and "mailspec-canary-" in e.get("text", "") and not c["id"].endswith("/plaintext-login"))')"
  check "good: the lab password never sent" not_leaked "$MAILSPEC_PASSWORD" "$work/good"
fi

if lab_up weak; then
  audit_lab weak
  same_findings audit-weak "$work/weak/report.json"
  expect_exit 1 weak
  check "weak: plaintext-login fails on imap, pop3, submission" \
    fails_on "$work/weak/report.json" audit/plaintext-login imap pop3 submission
  check "weak: TLS version floor fails" fails_on "$work/weak/report.json" tls/version/rfc8996-floor imap pop3 submission
  check "weak: no other fail" only_fails "$work/weak/report.json" audit/plaintext-login/ tls/version/rfc8996-floor
  check "weak: plaintext-login not failed on the MX port" test -z "$(jq_py "$work/weak/report.json" \
    '" ".join(c["id"] for c in r["cases"] for f in c.get("findings", []) if c["id"].startswith("audit/smtp:") and f["rule"].startswith("audit/plaintext-login") and f["verdict"] == "fail")')"
  # RFC 4954 §4: sites SHOULD NOT permit plaintext passwords without TLS, the MX included.
  check "weak: plaintext-login on the MX port is a warning, severity high" test "$(jq_py "$work/weak/report.json" \
    '" ".join(f["verdict"] + "/" + f["severity"] for c in r["cases"] for f in c.get("findings", []) if c["id"].startswith("audit/smtp:") and f["rule"] == "audit/plaintext-login/smtp")')" = "warn/high"
fi

if lab_up badcert; then
  audit_lab badcert
  same_findings audit-badcert "$work/badcert/report.json"
  expect_exit 1 badcert
  check "badcert: certificate verification fails on every TLS port" \
    fails_on "$work/badcert/report.json" tls/cert/ smtp submission submissions imap imaps pop3 pop3s
  check "badcert: no other fail" only_fails "$work/badcert/report.json" tls/cert/
fi

"$lab" down >/dev/null 2>&1
finish
