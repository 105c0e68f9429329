# Stowage benchmarks: an S3 server on a link shaped like object storage, for the scripts that
# source this file (bench/s3-ranged.sh, s3-link.sh, s3-cpu.sh, s3-perf.sh) after bench/lib.sh.
#
# VersityGW runs inside a network namespace the script creates, reached over a veth pair with
# addresses of the 198.18.0.0/15 benchmarking range (nothing leaves the machine). "Shaped" puts a
# per-connection rate cap of BENCH_FLOW_MBIT on both directions: an htb class per bucket of a u32
# hash of the client's TCP port (this kernel has no fq maxrate and no netem, so no added latency).
# Needs root (ip netns, tc).
#
# Sets: NS NS_IF HOST_IF HOST_IP NS_IP PORT BUCKET REGION S3_ACCESS S3_SECRET VGW_PID S3_CA.
# Callers define LOGS and S3DIR first, and call s3link_cleanup from their EXIT trap.

BUCKET=bench-bucket
REGION=us-east-1
FLOW_MBIT=${BENCH_FLOW_MBIT:-400}
NS=stow$$
HOST_IF=sth$$
NS_IF=stn$$
HOST_IP=198.18.0.1
NS_IP=198.18.0.2
PORT=9000
VGW_PID=
S3_CA=

s3link_cleanup() {
  if [ -n "$VGW_PID" ] && kill -0 "$VGW_PID" 2>/dev/null; then
    kill "$VGW_PID" 2>/dev/null || true
    wait "$VGW_PID" 2>/dev/null || true
  fi
  VGW_PID=
  ip netns del "$NS" 2>/dev/null || true
  ip link del "$HOST_IF" 2>/dev/null || true
}

# s3link_up: the namespace and the veth pair, unshaped
s3link_up() {
  ip netns add "$NS" || die "cannot create a network namespace (ip netns add): see MACHINE-NOTES"
  ip link add "$HOST_IF" type veth peer name "$NS_IF"
  ip link set "$NS_IF" netns "$NS"
  ip addr add "$HOST_IP/30" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  ip netns exec "$NS" ip addr add "$NS_IP/30" dev "$NS_IF"
  ip netns exec "$NS" ip link set "$NS_IF" up
  ip netns exec "$NS" ip link set lo up
}

# _s3link_cap DEV NETNS_EXEC... PORTMASK: one htb class of FLOW_MBIT per bucket of the client port
# (the low byte of the TCP word at offset 20 selected by PORTMASK: 0x000000ff is the destination
# port, for the server's egress; 0x00ff0000 the source port, for the client's egress).
_s3link_cap() {
  local dev=$1 mask=$2 i c
  shift 2
  "$@" tc qdisc del dev "$dev" root 2>/dev/null || true
  [ "$mask" = off ] && return 0
  "$@" tc qdisc add dev "$dev" root handle 1: htb default 2
  "$@" tc class add dev "$dev" parent 1: classid 1:1 htb rate 100gbit quantum 65536
  "$@" tc class add dev "$dev" parent 1:1 classid 1:2 htb rate 100gbit quantum 65536
  "$@" tc filter add dev "$dev" parent 1: prio 1 handle 2: protocol ip u32 divisor 256
  {
    for i in $(seq 0 255); do
      c=$(printf %x $((256 + i)))
      echo "class add dev $dev parent 1:1 classid 1:$c htb rate ${FLOW_MBIT}mbit ceil ${FLOW_MBIT}mbit burst 256k cburst 256k quantum 65536"
      echo "filter add dev $dev parent 1: prio 1 protocol ip u32 ht 2:$(printf %x "$i"): match ip protocol 6 0xff flowid 1:$c"
    done
    echo "filter add dev $dev parent 1: prio 1 protocol ip u32 ht 800:: match ip protocol 6 0xff hashkey mask $mask at 20 link 2:"
  } | "$@" tc -batch - || die "cannot set up the htb/u32 per-connection cap on $dev"
}

# s3link_shape on|off: the per-connection cap in both directions, or no qdisc at all
s3link_shape() {
  if [ "$1" = on ]; then
    _s3link_cap "$NS_IF" 0x000000ff ip netns exec "$NS"
    _s3link_cap "$HOST_IF" 0x00ff0000 env
  else
    _s3link_cap "$NS_IF" off ip netns exec "$NS"
    _s3link_cap "$HOST_IF" off env
  fi
}

# s3link_tls DIR: a CA and a certificate for NS_IP made for this run; sets S3_CA
s3link_tls() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=stowage bench CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" >/dev/null 2>&1 || die "openssl: cannot make the CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$NS_IP" -keyout "$d/server.key" \
    -out "$d/server.csr" >/dev/null 2>&1 || die "openssl: cannot make the server key"
  printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
    "$NS_IP" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/server.ext" -out "$d/server.crt" >/dev/null 2>&1 ||
    die "openssl: cannot sign the server certificate"
  S3_CA=$d/ca.crt
}

# s3link_server VGW [TLSDIR]: VersityGW (posix backend on S3DIR) in the namespace, over TLS with
# TLSDIR's certificate when given; sets the AWS_* environment and VGW_PID
s3link_server() {
  local vgw=$1 tls=${2:-} ready=no
  local -a tlsargs=()
  [ -n "$tls" ] && tlsargs=(--cert "$tls/server.crt" --key "$tls/server.key")
  rm -rf "$S3DIR"
  mkdir -p "$S3DIR/$BUCKET"
  S3_ACCESS=bench$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  S3_SECRET=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  ROOT_ACCESS_KEY="$S3_ACCESS" ROOT_SECRET_KEY="$S3_SECRET" \
    ip netns exec "$NS" "$vgw" --port "$NS_IP:$PORT" --region "$REGION" --quiet --keep-alive \
    "${tlsargs[@]}" posix "$S3DIR" </dev/null >>"$LOGS/versitygw.log" 2>&1 &
  VGW_PID=$!
  for _ in $(seq 1 200); do
    kill -0 "$VGW_PID" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/$NS_IP/$PORT") 2>/dev/null; then ready=yes; break; fi
    sleep 0.05
  done
  [ "$ready" = yes ] || die "versitygw did not start in namespace $NS; see $LOGS/versitygw.log"
  export AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_REGION=$REGION
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE 2>/dev/null || true
}

# s3link_start_tls VGW on|off: the namespace, a certificate made for the run (in LOGS/tls), VersityGW
# over TLS, the per-connection cap on or off; sets S3URL, the engine's URL of the prefix stowage
s3link_start_tls() {
  s3link_up
  s3link_tls "$LOGS/tls"
  s3link_server "$1" "$LOGS/tls"
  s3link_shape "$2"
  S3URL=$(s3link_url stowage)
}

# s3link_url PREFIX: the engine's storage URL for PREFIX in the bench bucket
s3link_url() {
  if [ -n "$S3_CA" ]; then
    echo "s3://$BUCKET/$1?endpoint=https%3A%2F%2F$NS_IP%3A$PORT&region=$REGION&pathStyle=true&caBundle=$S3_CA"
  else
    echo "s3://$BUCKET/$1?endpoint=http%3A%2F%2F$NS_IP%3A$PORT&region=$REGION&pathStyle=true"
  fi
}
