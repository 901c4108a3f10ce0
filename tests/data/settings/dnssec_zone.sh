#!/usr/bin/env bash
# Builds and serves DNSSEC test zones on loopback with a real authoritative server (NSD) for
# `mailspec settings` DANE tests: lab.test signed with ldns-signzone (ECDSA P-256), unsigned.test
# not signed. TLSA records from the lab certificate: one that matches, one that does not, one
# whose signature is broken (bogus). Writes DIR/anchor (the trust anchor: lab.test's KSK DS).
# usage: dnssec_zone.sh DIR PORT CERT WEB_IP   (then: nsd -d -c DIR/nsd.conf; loopback only)
set -euo pipefail
dir=$1 port=$2 cert=$3 web_ip=$4
mkdir -p "$dir"
cd "$dir"
spki=$(openssl x509 -in "$cert" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
# A record for a key that is not the server's: the next key of a rollover.
next=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | openssl pkey -pubout -outform DER |
  openssl dgst -sha256 -r | cut -d' ' -f1)
wrong=$(printf 'not the key' | openssl dgst -sha256 -r | cut -d' ' -f1)

cat >lab.test.zone <<EOF
\$ORIGIN lab.test.
\$TTL 300
@ IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
@ IN NS ns.lab.test.
ns IN A 127.0.0.1
; good: the MX has A and AAAA, a matching DANE-EE record and one for the next key
good IN MX 10 mx-good.lab.test.
mx-good IN A 127.0.0.1
mx-good IN AAAA ::1
_25._tcp.mx-good IN TLSA 3 1 1 $spki
_25._tcp.mx-good IN TLSA 3 1 1 $next
; bad: the TLSA record matches no certificate the MX presents
bad IN MX 10 mx-bad.lab.test.
mx-bad IN A 127.0.0.1
_25._tcp.mx-bad IN TLSA 3 1 1 $wrong
; bogus: the right record, its signature broken after signing
bogus IN MX 10 mx-bogus.lab.test.
mx-bogus IN A 127.0.0.1
_25._tcp.mx-bogus IN TLSA 3 1 1 $spki
; advice: a PKIX-EE record (unusable for SMTP) and DANE-EE with the full certificate digest
advice IN MX 10 mx-advice.lab.test.
mx-advice IN A 127.0.0.1
_25._tcp.mx-advice IN TLSA 1 1 1 $spki
_25._tcp.mx-advice IN TLSA 3 0 1 $(openssl x509 -in "$cert" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
; Autodiscover and ISPDB: the web server on WEB_IP, the lab's mail servers on 127.0.0.1
@ IN A $web_ip
autodiscover IN A $web_ip
ad IN A $web_ip
adredir IN A $web_ip
adloop IN A $web_ip
isp IN A $web_ip
withac IN A $web_ip
both IN A $web_ip
ispdb IN A $web_ip
imap IN A 127.0.0.1
pop3 IN A 127.0.0.1
smtp IN A 127.0.0.1
mx1 IN A 127.0.0.1
; guessed host names of guess.lab.test (nothing published there)
imap.guess IN A 127.0.0.1
EOF
cat >unsigned.test.zone <<EOF
\$ORIGIN unsigned.test.
\$TTL 300
@ IN SOA ns.unsigned.test. hostmaster.unsigned.test. 1 3600 600 86400 300
@ IN NS ns.unsigned.test.
ns IN A 127.0.0.1
@ IN MX 10 mx.unsigned.test.
mx IN A 127.0.0.1
_25._tcp.mx IN TLSA 3 1 1 $spki
; a customer domain whose MX is at the provider lab.test (ISPDB's MX-domain lookup)
customer IN MX 10 mx1.lab.test.
EOF

rm -f Klab.test.*
zsk=$(ldns-keygen -a ECDSAP256SHA256 lab.test)
ksk=$(ldns-keygen -a ECDSAP256SHA256 -k lab.test)
ldns-signzone -n lab.test.zone "$zsk" "$ksk" >/dev/null
cp "$ksk.ds" anchor
# Break the TLSA signature of mx-bogus: one base64 character of the RRSIG changed.
python3 - lab.test.zone.signed <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
for i, l in enumerate(lines):
    f = l.split()
    if len(f) > 5 and f[0].startswith("_25._tcp.mx-bogus.") and f[3] == "RRSIG" and f[4] == "TLSA":
        sig = f[-1]
        f[-1] = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
        lines[i] = "\t".join(f)
        break
else:
    sys.exit("no TLSA RRSIG for mx-bogus")
open(path, "w").write("\n".join(lines))
PY

cat >nsd.conf <<EOF
server:
  ip-address: 127.0.0.1@$port
  ip-address: ::1@$port
  do-ip6: yes
  port: $port
  username: ""
  chroot: ""
  zonesdir: "$dir"
  pidfile: ""
  database: ""
  zonelistfile: "$dir/zone.list"
  xfrdfile: "$dir/xfrd.state"
  xfrdir: "$dir"
  logfile: "$dir/nsd.log"
  verbosity: 1
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: lab.test
  zonefile: lab.test.zone.signed
zone:
  name: unsigned.test
  zonefile: unsigned.test.zone
EOF
echo "$spki" >spki
