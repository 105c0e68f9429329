# shellcheck shell=bash
# Shared settings for the local cluster scripts. Source it; do not run it.
# Everything the cluster writes lives outside the repository.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$E2E_DIR/.." && pwd)"

export GOTOOLCHAIN=local
# CI may run with a minimal environment: caches and the kubeconfig hang off HOME.
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
STOWAGE_CACHE="${STOWAGE_CACHE:-$HOME/.cache/stowage}"
BIN_DIR="$STOWAGE_CACHE/bin"                 # localkube, coredns, versitygw, pause
IMAGES_DIR="$STOWAGE_CACHE/images"           # rootfs + image archives
CLUSTER_DIR="${STOWAGE_CLUSTER_DIR:-/var/lib/stowage-cluster}"
PKI_DIR="$CLUSTER_DIR/pki"
LOG_DIR="$CLUSTER_DIR/logs"
RUN_DIR="$CLUSTER_DIR/run"                   # pid files
VOLUMES_DIR="$CLUSTER_DIR/volumes"           # PersistentVolumes of the stowage-local StorageClass
# The test CSI driver (btrfs-csi): a btrfs file system on a loop-device file, its volumes are
# subvolumes (see e2e/README.md, "CSI snapshots").
BTRFS_IMG="$CLUSTER_DIR/btrfs.img"
BTRFS_DIR="$CLUSTER_DIR/btrfs"
BTRFS_SIZE="${STOWAGE_BTRFS_SIZE:-20G}"       # sparse: takes only what the volumes use
CSI_DRIVER=btrfs.csi.stowage.dev
CSI_SOCK="$CLUSTER_DIR/kubelet/plugins/$CSI_DRIVER/csi.sock"
KUBECONFIG_OUT="${STOWAGE_KUBECONFIG:-$HOME/.kube/stowage-local.conf}"

K8S_VERSION=v1.34.4
COREDNS_VERSION=v1.14.7
VERSITYGW_VERSION=v1.7.0
# CSI snapshots (issue 11): newest served on 2026-12-05 (go list -m -versions).
EXTERNAL_SNAPSHOTTER_VERSION=v8.7.0
EXTERNAL_PROVISIONER_VERSION=v6.4.0

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
  # 8>&-: the daemon must not inherit (and so hold) the cluster lock.
  setsid "$@" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null 8>&- &
  echo $! > "$RUN_DIR/$name.pid"
}

# write_containerd_config: the cluster containerd's config (own root, state, socket; CRI with
# the Debian CNI plugins). Used by cluster-up and by the image import when the cluster is down.
write_containerd_config() {
  mkdir -p "$CLUSTER_DIR/config/certs.d/docker.io" "$CLUSTER_DIR/config/cni"
  # No registry is reachable: make any accidental docker.io pull fail on loopback.
  cat > "$CLUSTER_DIR/config/certs.d/docker.io/hosts.toml" <<'TOML'
server = "http://127.0.0.1:9"
[host."http://127.0.0.1:9"]
  capabilities = ["pull", "resolve"]
TOML
  cat > "$CLUSTER_DIR/config/containerd.toml" <<TOML
version = 2
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CLUSTER_DIR/containerd-opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM withholds CAP_SYS_RESOURCE, so no process may lower oom_score_adj
  # below its own (0): clamp the sandbox's -998 and Guaranteed pods' -997.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/config/cni"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CLUSTER_DIR/config/certs.d"
TOML
}

# start_containerd: start the cluster's containerd unless it already answers.
start_containerd() {
  if pid_alive containerd && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then return 0; fi
  [ -s "$CLUSTER_DIR/config/containerd.toml" ] || write_containerd_config
  mkdir -p "$CONTAINERD_ROOT" "$CONTAINERD_STATE"
  start containerd containerd --config "$CLUSTER_DIR/config/containerd.toml"
  wait_for containerd 60 ctr --address "$CONTAINERD_SOCK" version || die "containerd did not start; see $LOG_DIR/containerd.log"
}

# lock_cluster: one cluster-up/cluster-down at a time on this machine.
# (cluster-up runs cluster-down for leftovers: the child sees the parent holds it.)
lock_cluster() {
  [ -z "${STOWAGE_CLUSTER_LOCKED:-}" ] || return 0
  mkdir -p "$(dirname "$CLUSTER_DIR")"
  exec 8>"$CLUSTER_DIR.lock"
  flock 8
  export STOWAGE_CLUSTER_LOCKED=$$
}
