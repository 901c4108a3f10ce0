#!/usr/bin/env bash
# `mailspec settings` beyond autoconfig and SRV, against real parts on loopback only:
#   - DANE (RFC 7672): NSD serving lab.test signed with ldns-signzone and unsigned.test unsigned
#     (tests/data/settings/dnssec_zone.sh), a trust anchor file, the lab's Postfix as the MX:
#     matching TLSA -> pass on every address (A and AAAA), mismatching -> fail naming the MX
#     address and the record, bogus signature -> fail (bogus, never "no DANE"), unsigned -> info,
#     PKIX usage / Cert selector -> advice;
#   - IPv6: --resolver [::1]:PORT, an MX with A and AAAA probed on both (a TCP proxy puts the
#     lab's Postfix on ::1);
#   - Autodiscover: POX at https://DOMAIN/..., redirectUrl, a redirect loop (bounded), the HTTP
#     redirect step, the v2 JSON endpoint; a published plaintext POP3 entry fails; no request
#     carries credentials;
#   - ISPDB (--ispdb at the local server): used only when the domain publishes no autoconfig,
#     and the MX-domain lookup;
#   - the good DANE run under strace: every connect/sendto goes to 127.0.0.0/8 or ::1.
# Usage: MAILSPEC=/path/to/mailspec tests/integration/settings_more_lab.sh   (root)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
: "${MAILSPEC:?set MAILSPEC to the mailspec binary}"
lab="$root/ci/lab"
data="$root/tests/data/settings"
base=${MAILSPEC_LAB_PORT_BASE:-10000}
dns_port=$((base + 154))
# The web server's own loopback address (one per lab base; settings_lab.sh uses 127.0.N.1).
web_ip=127.0.$(((base / 1000) % 50 + 200)).1
lab_down=$lab  # lib.sh stops the servers in pids and the lab on exit

for tool in nsd ldns-signzone ldns-keygen strace; do
  command -v "$tool" >/dev/null || { bad "$tool missing (ci/setup installs nsd, ldnsutils and strace)"; finish; exit 1; }
done

"$lab" up good >"$work/lab.log" 2>&1 || { cat "$work/lab.log"; bad "ci/lab up good"; finish; exit 1; }
# shellcheck disable=SC1091
source "${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/env"
certs="${MAILSPEC_LAB_DIR:-/tmp/mailspec-lab}/certs"
smtp_port=$(echo "$MAILSPEC_PORT_ARGS" | grep -o 'smtp=[0-9]*' | cut -d= -f2)

# --- DNS: NSD on 127.0.0.1 and ::1, lab.test signed, unsigned.test not
bash "$data/dnssec_zone.sh" "$work/dns" "$dns_port" "$certs/valid.pem" "$web_ip" >"$work/zone.log" 2>&1 ||
  { cat "$work/zone.log"; bad "dnssec_zone.sh"; finish; exit 1; }
nsd -d -c "$work/dns/nsd.conf" >"$work/nsd.out" 2>&1 &
pids+=($!)
# --- the lab's Postfix also on ::1 (the MX's AAAA)
/usr/bin/python3 "$data/tcp_proxy.py" "$smtp_port" >"$work/proxy.out" 2>&1 &
pids+=($!)
# --- HTTPS (443) and HTTP (80) for Autodiscover and the ISPDB
www="$work/www"
ad_xml() {  # ad_xml FILE: the settings answer (IMAP SSL, POP3 in the clear, SMTP STARTTLS)
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<'XML'
<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
      <Protocol><Type>IMAP</Type><Server>imap.lab.test</Server><Port>993</Port><SSL>on</SSL><SPA>off</SPA><AuthRequired>on</AuthRequired></Protocol>
      <Protocol><Type>POP3</Type><Server>pop3.lab.test</Server><Port>110</Port><SSL>off</SSL><Encryption>None</Encryption><AuthRequired>on</AuthRequired></Protocol>
      <Protocol><Type>SMTP</Type><Server>smtp.lab.test</Server><Port>587</Port><Encryption>TLS</Encryption><AuthRequired>on</AuthRequired></Protocol>
      <Protocol><Type>EXCH</Type><Server>exch.lab.test</Server></Protocol>
    </Account>
  </Response>
</Autodiscover>
XML
}
redirect_xml() {  # redirect_xml FILE URL
  mkdir -p "$(dirname "$1")"
  printf '<?xml version="1.0"?>\n<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"><Account><Action>redirectUrl</Action><RedirectUrl>%s</RedirectUrl></Account></Response></Autodiscover>\n' "$2" >"$1"
}
ad_xml "$www/ad.lab.test/autodiscover/autodiscover.xml"
ad_xml "$www/both.lab.test/autodiscover/autodiscover.xml"
redirect_xml "$www/adredir.lab.test/autodiscover/autodiscover.xml" https://ad.lab.test/autodiscover/autodiscover.xml
redirect_xml "$www/adloop.lab.test/autodiscover/autodiscover.xml" https://adloop.lab.test/autodiscover/autodiscover.xml
mkdir -p "$www/autodiscover.lab.test/autodiscover" "$www/ispdb.lab.test/v1.1" "$www/withac.lab.test/.well-known/autoconfig/mail" "$www/http"
echo '{"Protocol":"AutodiscoverV1","Url":"https://ad.lab.test/autodiscover/autodiscover.xml"}' \
  >"$www/autodiscover.lab.test/autodiscover/autodiscover.json"
cp "$data/settings-good.xml" "$www/ispdb.lab.test/v1.1/lab.test"
cp "$data/settings-good.xml" "$www/ispdb.lab.test/v1.1/isp.lab.test"
cp "$data/settings-good.xml" "$www/ispdb.lab.test/v1.1/withac.lab.test"
cp "$data/settings-good.xml" "$www/withac.lab.test/.well-known/autoconfig/mail/config-v1.1.xml"
mkdir -p "$www/both.lab.test/.well-known/autoconfig/mail"
cp "$data/lab-good.xml" "$www/both.lab.test/.well-known/autoconfig/mail/config-v1.1.xml"
/usr/bin/python3 "$data/web_server.py" "$web_ip" "$www" "$certs/valid.pem" "$certs/valid.key" "$work/web.log" \
  >"$work/web.out" 2>&1 &
pids+=($!)

for _ in $(seq 100); do
  grep -q ready "$work/web.out" 2>/dev/null && grep -q ready "$work/proxy.out" 2>/dev/null &&
    grep -q "nsd started" "$work/dns/nsd.log" 2>/dev/null && break
  sleep 0.1
done
check "NSD, the web server and the IPv6 proxy are up" bash -c "grep -q ready '$work/web.out' && grep -q ready '$work/proxy.out' && grep -q 'nsd started' '$work/dns/nsd.log'"

dane=(--resolver "127.0.0.1:$dns_port" --trust-anchor "$work/dns/anchor" --ca-file "$MAILSPEC_CA_FILE"
      $MAILSPEC_PORT_ARGS --no-ispdb --no-autodiscover --no-guess --format json)
# verdict_of REPORT CASE RULE: the verdicts of RULE in CASE, space separated
verdict_of() {
  jq_py "$1" "' '.join(f['verdict'] for c in r['cases'] if c['id'] == '$2' for f in c['findings'] if f['rule'] == '$3')"
}
# finding REPORT RULE VERDICT SUBSTRING: a finding of RULE with VERDICT whose expected+actual has SUBSTRING
finding() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rule, verdict, sub = sys.argv[2], sys.argv[3], sys.argv[4]
hits = [f for c in r["cases"] for f in c["findings"] if f["rule"] == rule and f["verdict"] == verdict
        and sub in f.get("expected", "") + " " + f.get("actual", "")]
if not hits:
    print("# no", verdict, rule, "with", repr(sub))
    for c in r["cases"]:
        for f in c["findings"]:
            if f["rule"] == rule: print("#   have:", c["id"], f["verdict"], f.get("expected", ""), "|", f.get("actual", ""))
    sys.exit(1)
PY
}

# --- DANE: matching TLSA on both addresses, through the IPv6 resolver, under strace
t0=$(date +%s%N)
strace -f -qq -e trace=connect,sendto,sendmsg -o "$work/strace.log" \
  "$MAILSPEC" settings good.lab.test "${dane[@]/127.0.0.1:$dns_port/[::1]:$dns_port}" --report-dir "$work/good" >"$work/good.out" 2>&1
echo "# dane good: exit $?, $((($(date +%s%N) - t0) / 1000000)) ms (under strace)"
rep="$work/good/report.json"
check "good: the resolver was [::1]:$dns_port" grep -q "\"resolver\": \"\[::1\]:$dns_port\"" "$rep"
check "good: the MX is probed on 127.0.0.1 and ::1" test "$(jq_py "$rep" \
  "' '.join(sorted(c['id'] for c in r['cases'] if c['id'].startswith('settings/mx:')))")" = \
  "settings/mx:mx-good.lab.test:25@127.0.0.1 settings/mx:mx-good.lab.test:25@::1"
check "good: DANE matches on 127.0.0.1" test "$(verdict_of "$rep" settings/mx:mx-good.lab.test:25@127.0.0.1 policy/dane/tlsa-match)" = pass
check "good: DANE matches on ::1" test "$(verdict_of "$rep" settings/mx:mx-good.lab.test:25@::1 policy/dane/tlsa-match)" = pass
check "good: DNSSEC secure, DANE published, the next-key record seen" bash -c "
  $(declare -f verdict_of jq_py); r='$rep'; c=settings/mx:mx-good.lab.test:25@127.0.0.1
  [ \"\$(verdict_of \$r \$c policy/dane/dnssec-valid)\" = pass ] && [ \"\$(verdict_of \$r \$c policy/dane/published)\" = pass ] &&
  [ \"\$(verdict_of \$r \$c policy/dane/rollover)\" = pass ] && [ \"\$(verdict_of \$r \$c policy/dane/records)\" = pass ]"
check "good: report.json (with tls[].dane) matches the report schema" /usr/bin/python3 "$root/tests/scripts/validate_json_schema.py" \
  "$root/reports/schema/report-v1.json" "$rep"
check "good: the MX cases pass" test "$(jq_py "$rep" "' '.join(c['verdict'] for c in r['cases'] if c['id'].startswith('settings/mx:'))")" = "pass pass"
check "no connect or sendto leaves loopback" /usr/bin/python3 - "$work/strace.log" "$dns_port" <<'PY'
import re, sys
log = open(sys.argv[1]).read(); dns_port = sys.argv[2]
v4 = re.findall(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)', log)
v6 = re.findall(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"', log)
outside = [a for _, a in v4 if not a.startswith("127.")] + [a for _, a in v6 if a != "::1"]
if outside: print("# non-loopback destinations:", sorted(set(outside))); sys.exit(1)
dns6 = [a for p, a in v6 if p == dns_port]
if not dns6: print("# strace saw no DNS query to [::1]:%s: trace broken?" % dns_port); sys.exit(1)
print("# %d IPv4 and %d IPv6 destinations, all loopback (DNS over IPv6: %d)" % (len(v4), len(v6), len(dns6)))
PY

run_ms bad settings bad.lab.test "${dane[@]}" --report-dir "$work/bad"
check "mismatching TLSA: tlsa-match fails naming the MX address" finding "$work/bad/report.json" policy/dane/tlsa-match fail "127.0.0.1:$smtp_port"
check "mismatching TLSA: the record is named" finding "$work/bad/report.json" policy/dane/tlsa-match fail \
  "3 1 1 $(printf 'not the key' | openssl dgst -sha256 -r | cut -d' ' -f1)"

run_ms bogus settings bogus.lab.test "${dane[@]}" --report-dir "$work/bogus"
check "bogus TLSA signature: dnssec-valid fails with bogus" finding "$work/bogus/report.json" policy/dane/dnssec-valid fail "TLSA _25._tcp.mx-bogus.lab.test: bogus"
check "bogus is never treated as insecure (no 'no DANE' info)" test -z "$(verdict_of "$work/bogus/report.json" settings/mx:mx-bogus.lab.test:25 policy/dane/published)"

run_ms unsigned settings unsigned.test "${dane[@]}" --report-dir "$work/unsigned"
check "unsigned zone: info, no DANE" finding "$work/unsigned/report.json" policy/dane/published info "(insecure)"
check "unsigned zone: the TLSA record is not used" test -z "$(verdict_of "$work/unsigned/report.json" settings/mx:mx.unsigned.test:25 policy/dane/tlsa-match)"

run_ms advice settings advice.lab.test "${dane[@]}" --report-dir "$work/advice"
check "PKIX-EE record: records warns (unusable for SMTP)" finding "$work/advice/report.json" policy/dane/records warn "1 1 1"
check "DANE-EE Cert(0) record: records warns" finding "$work/advice/report.json" policy/dane/records warn "3 0 1"
check "the DANE-EE Cert(0) record still matches" test "$(verdict_of "$work/advice/report.json" settings/mx:mx-advice.lab.test:25 policy/dane/tlsa-match)" = pass

# --- Autodiscover
web=(--resolver "127.0.0.1:$dns_port" --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 $MAILSPEC_PORT_ARGS --skip-mx --no-guess
     --ispdb "https://ispdb.lab.test/v1.1/" --format json)
run_ms ad settings alice@ad.lab.test "${web[@]}" --report-dir "$work/ad"
rep="$work/ad/report.json"
check "Autodiscover POX answered at https://ad.lab.test" test "$(jq_py "$rep" \
  "[c for c in r['cases'] if c['id'] == 'settings/discovery'][0]['extra']['autodiscover.source']")" = "https://ad.lab.test/autodiscover/autodiscover.xml"
check "Autodiscover servers probed: IMAP SSL, POP3, SMTP STARTTLS" test "$(jq_py "$rep" \
  "' '.join(sorted(c['id'] for c in r['cases'] if c['extra'].get('settings.role') == 'server'))")" = \
  "settings/imap:imap.lab.test:993 settings/pop3:pop3.lab.test:110 settings/smtp:smtp.lab.test:587"
check "the published plaintext POP3 entry fails (socket type plain)" finding "$rep" settings/socket-type/not-plain fail "socketType plain"
check "the published plaintext POP3 entry fails (cleartext password)" finding "$rep" settings/auth/cleartext-needs-tls fail "plain"
check "the IMAP entry from Autodiscover works as published" test "$(verdict_of "$rep" settings/imap:imap.lab.test:993 settings/socket-type/matches)" = pass
check "Autodiscover was POSTed, without credentials" bash -c "grep -q '^POST ad.lab.test /autodiscover/autodiscover.xml auth=no' '$work/web.log' && ! grep -q 'auth=yes' '$work/web.log'"

run_ms adredir settings alice@adredir.lab.test "${web[@]}" --report-dir "$work/adredir"
check "redirectUrl followed to https://ad.lab.test" test "$(jq_py "$work/adredir/report.json" \
  "[c for c in r['cases'] if c['id'] == 'settings/discovery'][0]['extra']['autodiscover.source']")" = "https://ad.lab.test/autodiscover/autodiscover.xml"

run_ms adloop settings alice@adloop.lab.test "${web[@]}" --report-dir "$work/adloop"
check "a redirectUrl loop stops after 10 redirects: autodiscover/valid fails" finding "$work/adloop/report.json" settings/autodiscover/valid fail "more than 10 redirects"
check "the loop was bounded (at most 12 POSTs to adloop)" test "$(grep -c '^POST adloop.lab.test' "$work/web.log")" -le 12

run_ms v2 settings alice@lab.test "${web[@]}" --no-ispdb --report-dir "$work/v2"
check "v2 JSON names the POX URL, which answered" bash -c "$(declare -f jq_py); jq_py '$work/v2/report.json' \
  \"[c for c in r['cases'] if c['id'] == 'settings/discovery'][0]['extra']['autodiscover.source']\" | grep -q '^v2 https://autodiscover.lab.test/autodiscover/autodiscover.json/v1.0/alice@lab.test?Protocol=AutodiscoverV1 -> https://ad.lab.test/'"
mkdir -p "$www/http/autodiscover.lab.test/autodiscover"
echo "https://ad.lab.test/autodiscover/autodiscover.xml" >"$www/http/autodiscover.lab.test/autodiscover/autodiscover.xml.redirect"
run_ms http settings alice@lab.test "${web[@]}" --no-ispdb --report-dir "$work/http"
check "the HTTP redirect step: GET on port 80, then POST to the https Location" bash -c "
  grep -q '^GET autodiscover.lab.test /autodiscover/autodiscover.xml auth=no' '$work/web.log' &&
  grep -q 'GET http://autodiscover.lab.test/autodiscover/autodiscover.xml: 302 -> https://ad.lab.test/' '$work/http/report.json'"

# --- ISPDB
run_ms isp settings alice@isp.lab.test "${web[@]}" --no-autodiscover --report-dir "$work/isp"
check "no autoconfig: the ISPDB answered (--ispdb at the local server)" finding "$work/isp/report.json" settings/ispdb/used info "ISPDB https://ispdb.lab.test/v1.1/isp.lab.test"
run_ms withac settings alice@withac.lab.test "${web[@]}" --no-autodiscover --report-dir "$work/withac"
check "autoconfig published: the ISPDB is not asked" bash -c "grep -q '^GET withac.lab.test /.well-known/autoconfig' '$work/web.log' && ! grep -q 'v1.1/withac.lab.test' '$work/web.log'"
run_ms customer settings alice@customer.unsigned.test "${web[@]}" --no-autodiscover --report-dir "$work/customer"
check "the MX-domain lookup: ISPDB for lab.test, the MX host's domain" bash -c "
  grep -q '^GET ispdb.lab.test /v1.1/customer.unsigned.test' '$work/web.log' && grep -q '^GET ispdb.lab.test /v1.1/lab.test' '$work/web.log'"

# --- consistency and guessed hosts
run_ms both settings alice@both.lab.test "${web[@]}" --no-ispdb --report-dir "$work/both"
check "autoconfig and Autodiscover side by side: their disagreement warns" \
  finding "$work/both/report.json" settings/consistency/sources warn "Autodiscover https://both.lab.test/autodiscover/autodiscover.xml says"

run_ms guess settings alice@guess.lab.test --resolver "127.0.0.1:$dns_port" --ca-file "$MAILSPEC_CA_FILE" --bind 127.0.0.2 \
  $MAILSPEC_PORT_ARGS --skip-mx --no-autodiscover --no-ispdb --format json --report-dir "$work/guess"
check "guessed host imap.guess.lab.test probed, no cleartext login before TLS (Dovecot)" \
  test "$(verdict_of "$work/guess/report.json" settings/imap:imap.guess.lab.test:143 settings/guessed/plaintext-login)" = pass

finish
