#!/usr/bin/env bash
# `mailspec settings` against real parts: a local DNS server (dnsmasq on 127.0.0.1, a high port)
# serving SRV/MX/TXT/A records for lab.test, a local HTTPS server (python3, the lab CA's leaf,
# listening on 127.0.N.1:443 as the spec's port requires) serving the autoconfig and MTA-STS
# files, and the lab's Dovecot/Postfix (profile good) behind them. Checks:
#   1. the published settings match the servers and are safe: exit 0, and the report says what
#      was discovered and from where;
#   2. SSL claimed on a STARTTLS port, socketType plain, an auth method the server lacks, MTA-STS
#      MX patterns that miss the MX, and max_age out of range each give their fail (or warn);
#   4. nothing leaves loopback: under strace every connect/sendto destination is 127.0.0.0/8 or ::1.
# Usage: MAILSPEC=/path/to/mailspec tests/integration/settings_lab.sh   (root; brings the lab up and down)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
lab="$root/ci/lab"
data="$root/tests/data/settings"
base=${MAILSPEC_LAB_PORT_BASE:-10000}
dns_port=$((base + 53))
# The HTTPS server's own loopback address (one per lab base, so two labs' tests do not meet on :443).
web_ip=127.0.$(((base / 1000) % 250 + 1)).1
lab_down=$lab  # lib.sh stops the servers in pids and the lab on exit

for tool in /usr/sbin/dnsmasq strace; do
  command -v "$tool" >/dev/null || { bad "$tool missing (ci/setup installs dnsmasq-base and strace)"; finish; exit 1; }
done

"$lab" up good >"$work/lab.log" 2>&1 || { cat "$work/lab.log"; bad "ci/lab up good"; finish; exit 1; }
# shellcheck disable=SC1091
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
certs="${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/certs"

# --- DNS: dnsmasq answers lab.test only (no upstream), on loopback, a high port
/usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root --pid-file= \
  --listen-address=127.0.0.1 --bind-interfaces --port="$dns_port" --local=/lab.test/ \
  --log-queries --log-facility="$work/dns.log" \
  --host-record=lab.test,"$web_ip" --host-record=autoconfig.lab.test,"$web_ip" --host-record=mta-sts.lab.test,"$web_ip" \
  --host-record=imap.lab.test,127.0.0.1 --host-record=pop3.lab.test,127.0.0.1 --host-record=smtp.lab.test,127.0.0.1 \
  --host-record=mx.lab.test,127.0.0.1 \
  --srv-host=_imaps._tcp.lab.test,imap.lab.test,993,0,1 --srv-host=_imap._tcp.lab.test,imap.lab.test,143,10,1 \
  --srv-host=_pop3s._tcp.lab.test,pop3.lab.test,995,0,1 --srv-host=_pop3._tcp.lab.test \
  --srv-host=_submissions._tcp.lab.test,smtp.lab.test,465,0,1 --srv-host=_submission._tcp.lab.test,smtp.lab.test,587,10,1 \
  --mx-host=lab.test,mx.lab.test,10 \
  --txt-record=_mta-sts.lab.test,"v=STSv1; id=20261201T000000" \
  --txt-record=_smtp._tls.lab.test,"v=TLSRPTv1; rua=mailto:tlsrpt@lab.test" &
pids+=($!)

# --- HTTPS: the autoconfig at both well-known places, the MTA-STS policy
www="$work/www"
mkdir -p "$www/mail" "$www/.well-known/autoconfig/mail"
cp "$data/settings-good.xml" "$www/mail/config-v1.1.xml"
cp "$data/settings-good.xml" "$www/.well-known/autoconfig/mail/config-v1.1.xml"
policy() { printf 'version: STSv1\r\nmode: enforce\r\nmx: %s\r\nmax_age: %s\r\n' "$1" "$2" >"$www/.well-known/mta-sts.txt"; }
policy "*.lab.test" 604800
/usr/bin/python3 "$data/https_server.py" "$web_ip" 443 "$www" "$certs/valid.pem" "$certs/valid.key" "$work/http.log" \
  >"$work/https.out" 2>&1 &
pids+=($!)

# Both answer before the first run (bounded: 5 s).
for _ in $(seq 50); do
  grep -q ready "$work/https.out" 2>/dev/null && (exec 3<>"/dev/udp/127.0.0.1/$dns_port") 2>/dev/null && break
  sleep 0.1
done
check "https server up on $web_ip:443" grep -q ready "$work/https.out"

common=(--resolver "127.0.0.1:$dns_port" --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 $MAILSPEC_PORT_ARGS --format json,console)

# findings REPORT VERDICT: "case rule" per finding with that verdict
findings() {
  jq_py "$1" "'\n'.join(c['id'] + ' ' + f['rule'] for c in r['cases'] for f in c['findings'] if f['verdict'] == '$2')"
}
# has_finding REPORT RULE VERDICT [EXPECTED-SUBSTRING ACTUAL-SUBSTRING]
has_finding() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rule, verdict = sys.argv[2], sys.argv[3]
exp = sys.argv[4] if len(sys.argv) > 4 else ""; act = sys.argv[5] if len(sys.argv) > 5 else ""
hits = [f for c in r["cases"] for f in c["findings"] if f["rule"] == rule and f["verdict"] == verdict
        and exp in f.get("expected", "") and act in f.get("actual", "")]
if not hits:
    print("# no", verdict, rule, "with expected~", repr(exp), "actual~", repr(act))
    for c in r["cases"]:
        for f in c["findings"]:
            if f["rule"] == rule: print("#   have:", c["id"], f["verdict"], f.get("expected", ""), "|", f.get("actual", ""))
    sys.exit(1)
PY
}

# --- 1. published = real, and safe; under strace (4.)
t0=$(date +%s%N)
strace -f -qq -e trace=connect,sendto,sendmsg -o "$work/strace.log" \
  "$MAILSPEC" settings alice@lab.test "${common[@]}" --report-dir "$work/good" >"$work/good.out" 2>&1
rc=$?
echo "# settings good: $((($(date +%s%N) - t0) / 1000000)) ms (under strace)"
expect_exit 0 good
rep="$work/good/report.json"
check "good: no fail, warn or error finding" test -z "$(findings "$rep" fail; findings "$rep" warn; findings "$rep" error)"
findings "$rep" fail | sed 's/^/#   fail: /'
findings "$rep" warn | sed 's/^/#   warn: /'
findings "$rep" error | sed 's/^/#   error: /'
check "good: the autoconfig came from https://autoconfig.lab.test with the address" test \
  "$(jq_py "$rep" "[c for c in r['cases'] if c['id'] == 'settings/discovery'][0]['extra']['autoconfig.source']")" = \
  "https://autoconfig.lab.test/mail/config-v1.1.xml?emailaddress=alice%40lab.test"
check "good: the HTTPS server was asked with Host autoconfig.lab.test" grep -q "^autoconfig.lab.test /mail/config-v1.1.xml?emailaddress=alice%40lab.test" "$work/http.log"
check "good: discovery lists sources, SRV, MX, MTA-STS and TLS-RPT lookups" /usr/bin/python3 - "$rep" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); d = [c for c in r["cases"] if c["id"] == "settings/discovery"][0]["extra"]
need = ["_imaps._tcp.lab.test: ok [0 1 993 imap.lab.test]", "(service not offered)"]
ok = all(n in d["srv"] for n in need) and "MX lab.test: 10 mx.lab.test" in d["sources"] \
     and "https://mta-sts.lab.test/.well-known/mta-sts.txt: HTTP 200" in d["sources"] and d["resolver"].startswith("127.0.0.1:")
if not ok: print(json.dumps(d, indent=1)); sys.exit(1)
PY
check "good: 5 published servers probed, each works as published" /usr/bin/python3 - "$rep" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
srv = [c for c in r["cases"] if c["extra"].get("settings.role") == "server" and not c["extra"].get("guessed_host")]
bad = [(c["id"], c["extra"].get("published.socket_type"), c["extra"].get("real.socket_type")) for c in srv
       if c["extra"].get("published.socket_type") != c["extra"].get("real.socket_type") or c["verdict"] != "pass"]
ids = sorted(c["id"] for c in srv)
if len(srv) != 5 or bad: print("#", ids, bad); sys.exit(1)
PY
check "good: SRV and autoconfig agree (srv/consistent pass)" has_finding "$rep" settings/srv/consistent pass
check "good: sources compared side by side, no disagreement" has_finding "$rep" settings/consistency/sources pass
check "good: the guessed pop3.lab.test (not published on 110) offers no cleartext login before STLS" \
  has_finding "$rep" settings/guessed/plaintext-login pass "" "pop3.lab.test:110"
check "good: MTA-STS policy, MX match, MX STARTTLS and TLS-RPT pass" bash -c "
  $(declare -f has_finding); has_finding '$rep' policy/mta-sts/mx-match pass && has_finding '$rep' policy/mta-sts/mx-starttls pass &&
  has_finding '$rep' policy/mta-sts/max-age pass && has_finding '$rep' policy/tls-rpt/record pass"
check "good: the MX was probed on the lab's SMTP port through --port smtp=N" test \
  "$(jq_py "$rep" "[c['target']['port'] for c in r['cases'] if c['id'] == 'settings/mx:mx.lab.test:25'][0]")" = "$((base + 25))"

# --- 4. every destination under strace is loopback (DNS, HTTPS and the mail servers)
check "no connect or sendto leaves loopback" /usr/bin/python3 - "$work/strace.log" "$dns_port" "$web_ip" <<'PY'
import re, sys
log = open(sys.argv[1]).read(); dns_port, web_ip = sys.argv[2], sys.argv[3]
v4 = re.findall(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)', log)
v6 = re.findall(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"', log)
outside = [a for _, a in v4 if not a.startswith("127.")] + [a for _, a in v6 if a != "::1"]
if outside: print("# non-loopback destinations:", sorted(set(outside))); sys.exit(1)
dns = [a for p, a in v4 if p == dns_port]; web = [a for p, a in v4 if a == web_ip and p == "443"]
if not dns or not web: print("# strace saw no DNS (%d) or HTTPS (%d) connect: trace broken?" % (len(dns), len(web))); sys.exit(1)
print("# %d IPv4 destinations, all loopback (DNS %d, HTTPS %d)" % (len(v4), len(dns), len(web)))
PY
check "dnsmasq answered the queries (no other resolver was asked)" grep -q "query\[SRV\] _imaps._tcp.lab.test" "$work/dns.log"

# --- 2. defects, one run each
run_bad() {  # NAME ARGS...: a settings run expected to exit 1
  local name=$1; shift
  run_ms "$name" settings alice@lab.test "${common[@]}" --report-dir "$work/$name" "$@"
  expect_exit 1 "$name"
}
run_bad ssl-on-starttls --autoconfig "$data/settings-ssl-on-starttls.xml" --skip-mx
check "SSL claimed on a STARTTLS port: socket-type/matches fails, both values shown" \
  has_finding "$work/ssl-on-starttls/report.json" settings/socket-type/matches fail "socketType SSL" "the port does STARTTLS"
check "SSL on a STARTTLS port: the implicit TLS handshake fails" \
  has_finding "$work/ssl-on-starttls/report.json" audit/implicit-tls/works fail
run_bad plain --autoconfig "$data/settings-plain.xml" --skip-mx
check "socketType plain: not-plain fails" has_finding "$work/plain/report.json" settings/socket-type/not-plain fail "" "socketType plain"
check "socketType plain + password-cleartext: cleartext-needs-tls fails" \
  has_finding "$work/plain/report.json" settings/auth/cleartext-needs-tls fail
check "socketType plain on a port that does STARTTLS: published vs real shown" \
  has_finding "$work/plain/report.json" settings/socket-type/matches fail "socketType plain" "the port does STARTTLS"
run_bad auth-missing --autoconfig "$data/settings-auth-missing.xml" --skip-mx
check "OAuth2 published, not offered: auth/offered fails with what is offered" \
  has_finding "$work/auth-missing/report.json" settings/auth/offered fail "OAuth2" "offered after TLS: CRAM-MD5"
policy "mail.example.net" 604800
run_bad mx-miss
check "MTA-STS mx patterns miss the MX: mx-match fails" \
  has_finding "$work/mx-miss/report.json" policy/mta-sts/mx-match fail "mail.example.net" "not matched: mx.lab.test"
policy "*.lab.test" 99999999
run_bad max-age
check "MTA-STS max_age out of range: max-age fails" has_finding "$work/max-age/report.json" policy/mta-sts/max-age fail "" "99999999"
policy "*.lab.test" 3600
run_ms short-max-age settings alice@lab.test "${common[@]}" --report-dir "$work/short-max-age" --skip-mx
expect_exit 0 short-max-age
check "MTA-STS max_age of an hour: max-age warns" has_finding "$work/short-max-age/report.json" policy/mta-sts/max-age warn
policy "*.lab.test" 604800

# A redirect to another host is reported, not followed; the second well-known URL is then used.
echo "https://evil.example/config-v1.1.xml" >"$www/mail/config-v1.1.xml.redirect"
run_ms redirect settings alice@lab.test "${common[@]}" --report-dir "$work/redirect" --skip-mx
expect_exit 0 redirect
check "a redirect to another host warns and is not followed" \
  has_finding "$work/redirect/report.json" settings/autoconfig/redirect warn "" "evil.example"
check "then the .well-known autoconfig is used" test "$(jq_py "$work/redirect/report.json" \
  "[c for c in r['cases'] if c['id'] == 'settings/discovery'][0]['extra']['autoconfig.source']")" = \
  "https://lab.test/.well-known/autoconfig/mail/config-v1.1.xml"
rm -f "$www/mail/config-v1.1.xml.redirect"

# Bad input: exit 64, nothing sent.
run_ms usage settings not-an-address "${common[@]}" --report-dir "$work/usage"
expect_exit 64 usage
run_ms usage2 settings alice@lab.test --resolver 127.0.0.1:99999 --report-dir "$work/usage2"
expect_exit 64 usage2

finish
