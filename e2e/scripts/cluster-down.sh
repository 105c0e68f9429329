#!/usr/bin/env bash
# Stops every process the local cluster started (by pid file, never by name),
# removes its pods' containers, mounts, network namespaces, interfaces, routes
# and iptables rules, and its state (etcd, kubelet dir, volumes). Built binaries
# and imported images are kept; PURGE=1 also removes the images (containerd root).
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root"
lock_cluster

stop() { # NAME [SECONDS]
  local name=$1 secs=${2:-20} f="$RUN_DIR/$1.pid" pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if pid_alive "$name"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    local end=$((SECONDS + secs))
    while pid_alive "$name" && [ $SECONDS -lt $end ]; do sleep 0.5; done
    if pid_alive "$name"; then log "$name did not stop; killing"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  rm -f "$f"
}

stop snapshot-controller
stop csi-snapshotter
stop csi-provisioner
stop provisioner
stop coredns
stop kube-proxy
stop kubelet
# The pods' processes belong to containerd shims, not to the kubelet: stop them.
if pid_alive containerd && ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
  for t in $(ctrk tasks ls -q 2>/dev/null); do ctrk tasks kill -s KILL "$t" >/dev/null 2>&1 || true; done
  sleep 1
  for t in $(ctrk tasks ls -q 2>/dev/null); do ctrk tasks delete -f "$t" >/dev/null 2>&1 || true; done
  for c in $(ctrk containers ls -q 2>/dev/null); do ctrk containers delete "$c" >/dev/null 2>&1 || true; done
fi
stop containerd
# Shims of containers whose containerd is gone (a killed earlier run): they were
# started with our containerd's address, so find them by that, pid by pid.
for p in /proc/[0-9]*; do
  if tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -q -- "-address $CONTAINERD_SOCK"; then
    log "killing leftover shim ${p#/proc/}"; kill -KILL "${p#/proc/}" 2>/dev/null || true
  fi
done
# Any pod process still alive (its shim was killed with an earlier run) lives in
# the kubelet's kubepods cgroups, which only pods use: kill exactly those pids.
for procs in $(find /sys/fs/cgroup/*/kubepods -name cgroup.procs 2>/dev/null); do
  for pid in $(cat "$procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
done
stop btrfs-csi
stop kube-scheduler
stop kube-controller-manager
stop kube-apiserver
stop etcd

# Mounts under the cluster directory and containerd's state (deepest first).
umount_under() {
  local d=$1
  awk -v d="$d" '$2 == d || index($2, d "/") == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}
umount_under "$CLUSTER_DIR/kubelet"
# The test CSI driver's btrfs (mount -o loop: the loop device is detached by the last umount).
umount_under "$BTRFS_DIR"
if command -v losetup >/dev/null; then
  for dev in $(losetup -j "$BTRFS_IMG" 2>/dev/null | cut -d: -f1); do losetup -d "$dev" 2>/dev/null || true; done
fi
umount_under "$CONTAINERD_STATE"
umount_under "$CONTAINERD_ROOT"
# Pod network namespaces made by the CNI plugins for our containerd.
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
ip link show "$BRIDGE_IF" >/dev/null 2>&1 && ip link delete "$BRIDGE_IF" || true
# kube-proxy's rules, then ours.
[ -x "$BIN_DIR/localkube" ] && "$BIN_DIR/localkube" kube-proxy --cleanup >/dev/null 2>&1 || true
# The kubelet's own chains (KUBE-FIREWALL, KUBE-KUBELET-CANARY): jumps first, then the chains.
for ipt in iptables ip6tables; do
  command -v $ipt >/dev/null || continue
  for table in filter nat mangle; do
    $ipt -t $table -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-' |
      while read -r rule; do eval "$ipt -t $table -D ${rule#-A }" 2>/dev/null || true; done || true
    for chain in $($ipt -t $table -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
      $ipt -t $table -F "$chain" 2>/dev/null || true
    done
    for chain in $($ipt -t $table -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
      $ipt -t $table -X "$chain" 2>/dev/null || true
    done
  done
done
while iptables -D FORWARD -s "$POD_CIDR" ! -o "$BRIDGE_IF" -m comment --comment stowage-no-egress -j DROP 2>/dev/null; do :; done
ip route del "$POD_CIDR" dev "$DUMMY_IF" 2>/dev/null || true
ip route del "$SERVICE_CIDR" dev "$DUMMY_IF" 2>/dev/null || true
ip link show "$DUMMY_IF" >/dev/null 2>&1 && ip link delete "$DUMMY_IF" || true

# State: a fresh cluster next time (volumes belong to PVs that die with etcd).
mountpoint -q "$BTRFS_DIR" 2>/dev/null && die "$BTRFS_DIR is still mounted (something holds it): not removing state"
rm -rf "$CLUSTER_DIR/etcd" "$CLUSTER_DIR/kubelet" "$CLUSTER_DIR/cni-ipam" "$VOLUMES_DIR" "$BTRFS_DIR" "$BTRFS_IMG" "$CONTAINERD_STATE" "$RUN_DIR"
rm -f "$KUBECONFIG_OUT"
if [ "${PURGE:-0}" = 1 ]; then
  log "PURGE=1: removing $CLUSTER_DIR (images, PKI, logs)"
  rm -rf "$CLUSTER_DIR"
fi
log "cluster down"
