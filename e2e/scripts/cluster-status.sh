#!/usr/bin/env bash
# Reports whether the local cluster is up and healthy. -q: no output, exit status only.
source "$(dirname "$0")/lib.sh"
quiet=false; [ "${1:-}" = -q ] && quiet=true
say() { $quiet || echo "$@"; }
ok=0
for c in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns provisioner btrfs-csi csi-provisioner csi-snapshotter snapshot-controller; do
  if pid_alive "$c"; then say "  $c: running (pid $(cat "$RUN_DIR/$c.pid"))"; else say "  $c: NOT running"; ok=1; fi
done
[ $ok = 0 ] || exit 1
[ -x "$BIN_DIR/localkube" ] || exit 1
kctl get --raw /readyz >/dev/null 2>&1 || { say "  apiserver: not ready"; exit 1; }
kctl wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s >/dev/null 2>&1 || { say "  node: not Ready"; exit 1; }
localkube dns-check --server "$DNS_SERVICE_IP:53" >/dev/null 2>&1 || { say "  dns: not answering"; exit 1; }
[ -s "$KUBECONFIG_OUT" ] || { say "  kubeconfig $KUBECONFIG_OUT missing"; exit 1; }
say "cluster is up: kubeconfig $KUBECONFIG_OUT, logs $LOG_DIR"
