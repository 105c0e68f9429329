#!/usr/bin/env bash
# Installs (from Debian's apt) what the local cluster needs when it is missing,
# and checks the kernel features it relies on.
source "$(dirname "$0")/lib.sh"

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have containerd || need+=(containerd)
have runc || need+=(runc)
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ] && [ -x /usr/lib/cni/portmap ] || need+=(containernetworking-plugins)
have iptables || need+=(iptables)
have conntrack || need+=(conntrack)
have ip || need+=(iproute2)
have curl || need+=(curl)
have sysctl || need+=(procps)
have flock || need+=(util-linux)
have ethtool || need+=(ethtool)
have socat || need+=(socat)
have mkfs.btrfs && have btrfs || need+=(btrfs-progs)   # the test CSI driver (btrfs-csi)
have losetup || need+=(mount)
have go || die "Go is not installed (this project's machines ship Go 1.26; apt's Go is too old)"
if [ ${#need[@]} -gt 0 ]; then
  log "installing with apt: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

for ss in cpu cpuacct cpuset memory pids; do
  grep -qw "$ss" /proc/self/cgroup || die "cgroup controller $ss is not available (the kubelet needs it)"
done
[ -e /dev/kmsg ] || die "/dev/kmsg is missing (the kubelet's OOM watcher needs it)"
