#!/usr/bin/env bash
# s3-certificate.sh NAMESPACE DIR: a private certificate authority and a server certificate for
# the S3 Service "s3" of 10-s3.yaml in NAMESPACE, made with openssl:
#   DIR/ca.crt, DIR/ca.key     the CA (EC P-256, 10 years); the ConfigMap s3-ca holds ca.crt
#   DIR/tls.crt, DIR/tls.key   the server's certificate (EC P-256, 2 years, serverAuth) for
#                              s3, s3.NAMESPACE, s3.NAMESPACE.svc, s3.NAMESPACE.svc.cluster.local,
#                              signed by that CA; the Secret s3-tls holds them
# Files that exist are kept while they are still good (the CA and key readable, the certificate
# signed by that CA, for those names and valid for 30 more days), so re-running changes nothing.
# Keys are written with mode 0600. Keep DIR out of version control.
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 NAMESPACE DIR" >&2; exit 2; }
ns=$1 dir=$2
[[ $ns =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || { echo "$0: not a namespace name: $ns" >&2; exit 2; }
command -v openssl >/dev/null || { echo "$0: openssl is needed" >&2; exit 1; }
mkdir -p "$dir"
umask 077
names="DNS:s3,DNS:s3.$ns,DNS:s3.$ns.svc,DNS:s3.$ns.svc.cluster.local"

ca_ok() {
  [ -s "$dir/ca.crt" ] && [ -s "$dir/ca.key" ] &&
    openssl x509 -in "$dir/ca.crt" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 &&
    # the key belongs to the certificate
    [ "$(openssl x509 -in "$dir/ca.crt" -noout -pubkey)" = "$(openssl pkey -in "$dir/ca.key" -pubout)" ]
}
server_ok() {
  [ -s "$dir/tls.crt" ] && [ -s "$dir/tls.key" ] &&
    openssl verify -CAfile "$dir/ca.crt" "$dir/tls.crt" >/dev/null 2>&1 &&
    openssl x509 -in "$dir/tls.crt" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 &&
    [ "$(openssl x509 -in "$dir/tls.crt" -noout -pubkey)" = "$(openssl pkey -in "$dir/tls.key" -pubout)" ] &&
    [ "$(openssl x509 -in "$dir/tls.crt" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')" = "$names" ]
}

if ! ca_ok; then
  rm -f "$dir/ca.crt" "$dir/ca.key" "$dir/tls.crt" "$dir/tls.key"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=stowage example S3 CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "$0: made a new CA $dir/ca.crt" >&2
fi
if ! server_ok; then
  rm -f "$dir/tls.crt" "$dir/tls.key"
  ext=$(mktemp); csr=$(mktemp)
  trap 'rm -f "$ext" "$csr"' EXIT
  printf '%s\n' "subjectAltName=$names" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=s3.$ns.svc" \
    -keyout "$dir/tls.key" -out "$csr" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 730 -extfile "$ext" -out "$dir/tls.crt" 2>/dev/null
  echo "$0: made a new server certificate $dir/tls.crt for $names" >&2
fi
chmod 0644 "$dir/ca.crt" "$dir/tls.crt"
