# Shared settings for the local cluster scripts. Source it; do not run it.
# Everything the cluster writes lives outside the repository.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$E2E_DIR/.." && pwd)"

export GOTOOLCHAIN=local
STOWAGE_CACHE="${STOWAGE_CACHE:-$HOME/.cache/stowage}"
BIN_DIR="$STOWAGE_CACHE/bin"                 # localkube, coredns, versitygw, pause
IMAGES_DIR="$STOWAGE_CACHE/images"           # rootfs + image archives
CLUSTER_DIR="${STOWAGE_CLUSTER_DIR:-/var/lib/stowage-cluster}"
PKI_DIR="$CLUSTER_DIR/pki"
LOG_DIR="$CLUSTER_DIR/logs"
RUN_DIR="$CLUSTER_DIR/run"                   # pid files
VOLUMES_DIR="$CLUSTER_DIR/volumes"           # PersistentVolumes of the default StorageClass
KUBECONFIG_OUT="${STOWAGE_KUBECONFIG:-$HOME/.kube/stowage-local.conf}"

K8S_VERSION=v1.34.4
COREDNS_VERSION=v1.14.7
VERSITYGW_VERSION=v1.7.0

POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/12
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
DUMMY_IF=stowage-sink0
BRIDGE_IF=cni0

NODE_NAME="${STOWAGE_NODE_NAME:-stowage-node}"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# node_ip: the address of the interface holding the default route (never a
# pod/service address). Pods reach the API server and CoreDNS through it; the
# traffic stays inside this machine.
node_ip() {
  local ip
  ip=$(ip -4 route get 192.0.2.255 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)
  [ -n "$ip" ] || ip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
  [ -n "$ip" ] || die "no IPv4 address found for the node"
  echo "$ip"
}

localkube() { "$BIN_DIR/localkube" "$@"; }
kctl() { "$BIN_DIR/localkube" kubectl --kubeconfig "$PKI_DIR/admin.conf" "$@"; }

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local what=$1 secs=$2; shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then log "timed out after ${secs}s waiting for $what"; return 1; fi
    sleep 1
  done
}

# containerd runs with its own config, socket and root, apart from any system containerd.
CONTAINERD_ROOT="$CLUSTER_DIR/containerd"    # images live here (kept by cluster-down; PURGE=1 removes)
CONTAINERD_STATE=/run/stowage-containerd
CONTAINERD_SOCK=$CONTAINERD_STATE/containerd.sock
PAUSE_IMAGE=docker.io/stowage/pause:dev

ctrk() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# pid_alive NAME: the process in $RUN_DIR/NAME.pid is running.
pid_alive() {
  local f="$RUN_DIR/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

# start NAME COMMAND...: run detached in its own session, log to $LOG_DIR/NAME.log.
start() {
  local name=$1; shift
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  log "starting $name"
  echo "=== $(date -u +%FT%TZ) $*" >> "$LOG_DIR/$name.log"
  setsid "$@" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/$name.pid"
}

# start_containerd: start the cluster's containerd unless it already answers.
start_containerd() {
  if pid_alive containerd && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then return 0; fi
  [ -s "$CLUSTER_DIR/config/containerd.toml" ] || die "no containerd config: run make cluster-up"
  mkdir -p "$CONTAINERD_ROOT" "$CONTAINERD_STATE"
  start containerd containerd --config "$CLUSTER_DIR/config/containerd.toml"
  wait_for containerd 60 ctr --address "$CONTAINERD_SOCK" version || die "containerd did not start; see $LOG_DIR/containerd.log"
}
