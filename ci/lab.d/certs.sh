# shellcheck shell=bash
# Sourced by ci/lab. Builds the lab's certificates in a cache directory and
# copies them into the lab. Kinds (each KIND.pem + KIND.key, RSA 2048, sha256):
#   ca          private CA (CN "mailspec lab CA"), 10 years
#   valid       leaf for localhost, SAN $lab_cert_sans (localhost, the lab.test names of
#               `mailspec settings` tests, 127.0.0.1, ::1), signed by ca
#   expired     same names, signed by ca, validity entirely in the past (openssl ca)
#   selfsigned  same names, signed by its own key (not by ca)
#   wronghost   leaf signed by ca, SAN DNS:wrong.example only
# plus dh.pem: the RFC 7919 ffdhe2048 group as PKCS#3 "DH PARAMETERS".

lab_cert_kinds=(ca valid expired selfsigned wronghost)
# The names of the valid (and expired) leaf. The cache keeps a copy in "sans" and is rebuilt
# when this list changes.
lab_cert_sans="DNS:localhost, DNS:lab.test, DNS:*.lab.test, IP:127.0.0.1, IP:::1"

# Writes the OpenSSL configuration used for every certificate into $1/openssl.cnf.
certs_write_config() {
  local dir=$1
  cat >"$dir/openssl.cnf" <<EOF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ext_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ext_localhost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $lab_cert_sans
[ ext_selfsigned ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ ext_wronghost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
[ ca ]
default_ca = lab_ca
[ lab_ca ]
dir = $dir
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = lab_policy
unique_subject = no
email_in_dn = no
[ lab_policy ]
commonName = supplied
EOF
  mkdir -p "$dir/newcerts"
  : >"$dir/index.txt"
  echo 01 >"$dir/serial"
}

# certs_request DIR NAME CN -> NAME.key and NAME.csr in DIR.
certs_request() {
  local dir=$1 name=$2 cn=$3
  openssl req -new -config "$dir/openssl.cnf" -newkey rsa:2048 -nodes -sha256 \
    -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
}

certs_sign() {  # DIR NAME EXT_SECTION
  local dir=$1 name=$2 ext=$3
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 12)" -days 90 -sha256 \
    -extfile "$dir/openssl.cnf" -extensions "$ext" -out "$dir/$name.pem" 2>/dev/null
}

certs_generate() {  # DIR (empty, private)
  local d=$1 past_start past_end
  certs_write_config "$d"
  openssl req -x509 -config "$d/openssl.cnf" -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/O=mailspec/CN=mailspec lab CA" -extensions ext_ca \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  certs_request "$d" valid localhost
  certs_sign "$d" valid ext_localhost
  certs_request "$d" wronghost wrong.example
  certs_sign "$d" wronghost ext_wronghost
  # `x509 -days` cannot back-date: `openssl ca` with explicit past dates can.
  past_start=$(date -u -d '-60 days' +%Y%m%d%H%M%SZ)
  past_end=$(date -u -d '-30 days' +%Y%m%d%H%M%SZ)
  certs_request "$d" expired localhost
  openssl ca -batch -config "$d/openssl.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
    -startdate "$past_start" -enddate "$past_end" -extensions ext_localhost \
    -extfile "$d/openssl.cnf" -notext -in "$d/expired.csr" -out "$d/expired.pem" 2>/dev/null
  openssl req -x509 -config "$d/openssl.cnf" -newkey rsa:2048 -nodes -sha256 -days 90 \
    -subj "/CN=localhost" -extensions ext_selfsigned \
    -keyout "$d/selfsigned.key" -out "$d/selfsigned.pem" 2>/dev/null
  openssl genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 -out "$d/dh.pem" 2>/dev/null
  rm -rf "$d"/*.csr "$d"/index.txt* "$d"/serial* "$d/newcerts" "$d/openssl.cnf"
  echo "$lab_cert_sans" >"$d/sans"
  chmod 0600 "$d"/*.key
}

# True when every file is present and no certificate that should be currently
# valid expires within 2 days.
certs_cache_fresh() {
  local cache=$1 kind
  [ -s "$cache/dh.pem" ] || return 1
  [ "$(cat "$cache/sans" 2>/dev/null)" = "$lab_cert_sans" ] || return 1
  for kind in "${lab_cert_kinds[@]}"; do
    [ -s "$cache/$kind.pem" ] && [ -s "$cache/$kind.key" ] || return 1
    [ "$kind" = expired ] && continue
    openssl x509 -in "$cache/$kind.pem" -noout -checkend 172800 >/dev/null 2>&1 || return 1
  done
}

# certs_install CACHE DEST: refreshes the cache when needed, copies it to DEST.
# Several labs may start at once (the lab tests run side by side): one at a time refreshes the
# cache and copies it, under a lock next to it.
certs_install() {
  local cache=$1 dest=$2 tmp
  mkdir -p "$(dirname "$cache")"
  (
    flock -w 120 9 || { echo "ci/lab: certificate cache $cache is locked" >&2; exit 1; }
    if ! certs_cache_fresh "$cache"; then
      tmp=$(mktemp -d "${cache}.new.XXXXXX")
      certs_generate "$tmp"
      rm -rf "$cache"
      mv "$tmp" "$cache"
      chmod 0755 "$cache"
    fi
    mkdir -p "$dest"
    cp -p "$cache"/*.pem "$cache"/*.key "$dest"/
    rm -f "$dest/ca.key"  # servers never need the CA key
    chmod 0600 "$dest"/*.key
  ) 9>"${cache}.lock"
}
