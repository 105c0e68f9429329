#!/usr/bin/env bash
# Brings up (or confirms) the local single-node Kubernetes. Idempotent: a
# healthy running cluster is left alone; leftovers of a killed run are stopped
# and the cluster is started again. Must run as root.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root (containerd, kubelet, iptables, mounts)"
lock_cluster
T0=$SECONDS

bash "$E2E_DIR/scripts/ensure-host.sh"
bash "$E2E_DIR/scripts/build-localkube.sh"
bash "$E2E_DIR/scripts/build-addons.sh" coredns
bash "$E2E_DIR/scripts/build-csi.sh"

NODE_IP=$(node_ip)

if bash "$E2E_DIR/scripts/cluster-status.sh" -q; then
  log "cluster already up and healthy (kubeconfig: $KUBECONFIG_OUT)"
  exit 0
fi
if ls "$RUN_DIR"/*.pid >/dev/null 2>&1; then
  log "found leftovers of a previous run: stopping them first"
  bash "$E2E_DIR/scripts/cluster-down.sh"
fi

mkdir -p "$CLUSTER_DIR" "$LOG_DIR" "$RUN_DIR" "$VOLUMES_DIR" "$CLUSTER_DIR/config/cni" "$CLUSTER_DIR/config/certs.d/docker.io"
CFG="$CLUSTER_DIR/config"

# --- 1. network guard rails, before anything can send a packet --------------
# Route the pod and service ranges to a sink interface (packets sent there are
# dropped), so nothing addressed to them can leave through the default route.
# The more specific cni0 route and kube-proxy's DNAT still win.
# This kernel may lack the dummy driver: a bridge without ports is an equally
# dead end (frames sent to it reach no wire).
if ! ip link show "$DUMMY_IF" >/dev/null 2>&1; then
  ip link add "$DUMMY_IF" type dummy 2>/dev/null || ip link add "$DUMMY_IF" type bridge
fi
ip link set "$DUMMY_IF" up
ip route replace "$POD_CIDR" dev "$DUMMY_IF"
ip route replace "$SERVICE_CIDR" dev "$DUMMY_IF"
# Pods may talk to each other, to services and to this node, never beyond it.
iptables -C FORWARD -s "$POD_CIDR" ! -o "$BRIDGE_IF" -m comment --comment stowage-no-egress -j DROP 2>/dev/null ||
  iptables -I FORWARD 1 -s "$POD_CIDR" ! -o "$BRIDGE_IF" -m comment --comment stowage-no-egress -j DROP
sysctl -qw net.ipv4.ip_forward=1
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
# Values the kubelet would otherwise set itself (see README).
sysctl -qw vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1 || true

# --- 2. PKI and configuration -------------------------------------------------
# Certificates name the node IP: start the PKI afresh if the IP changed.
if [ -d "$PKI_DIR" ] && [ "$(cat "$PKI_DIR/node-ip" 2>/dev/null)" != "$NODE_IP" ]; then rm -rf "$PKI_DIR"; fi
localkube certs --dir "$PKI_DIR" --node-ip "$NODE_IP" --node-name "$NODE_NAME" --service-ip "$API_SERVICE_IP"

# Pods get no upstream nameserver: only the cluster DNS (ClusterFirst).
echo "$NODE_IP" > "$PKI_DIR/node-ip"
printf 'search\n' > "$CFG/resolv.conf"
cat > "$CFG/cni/10-stowage.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "stowage",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE_IF", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "dataDir": "$CLUSTER_DIR/cni-ipam",
                "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
write_containerd_config
cat > "$CFG/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
failSwapOn: false
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI_DIR/ca.crt}
authorization: {mode: AlwaysAllow}
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: $CFG/resolv.conf
podCIDR: $NODE_POD_CIDR
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
protectKernelDefaults: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%, imagefs.inodesFree: 1%}
maxPods: 60
YAML
cat > "$CFG/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $PKI_DIR/kube-proxy.conf}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, min: 0}
nodePortAddresses: [primary]
YAML
cat > "$CFG/Corefile" <<COREFILE
# Answers cluster.local (and reverse lookups) only; no forward: nothing is resolved outside the cluster.
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:10380
    ready 127.0.0.1:10381
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $PKI_DIR/localkube-addons.conf
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
COREFILE

# --- 3. processes ---------------------------------------------------------------
PKI=$PKI_DIR

start etcd "$BIN_DIR/localkube" etcd --data-dir "$CLUSTER_DIR/etcd"
wait_for "etcd" 60 curl -fsS http://127.0.0.1:2379/health || die "etcd did not start; see $LOG_DIR/etcd.log"

start kube-apiserver "$BIN_DIR/localkube" kube-apiserver \
  --etcd-servers=http://127.0.0.1:2379 \
  --advertise-address="$NODE_IP" --secure-port=6443 \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --authorization-mode=Node,RBAC --allow-privileged=true --profiling=false \
  --endpoint-reconciler-type=lease --kubelet-preferred-address-types=InternalIP
wait_for "kube-apiserver" 120 kctl get --raw /readyz || die "kube-apiserver not ready; see $LOG_DIR/kube-apiserver.log"

start kube-controller-manager "$BIN_DIR/localkube" kube-controller-manager \
  --kubeconfig="$PKI/controller-manager.conf" \
  --authentication-kubeconfig="$PKI/controller-manager.conf" --authorization-kubeconfig="$PKI/controller-manager.conf" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --allocate-node-cidrs=true --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false
# --pod-max-in-unschedulable-pods-duration: a pod that waited for its claim to bind is sometimes
# not requeued when the claim binds (the PV controller binds in two writes; kubernetes issues
# 87145, 125762), and then waits for this flush, 5 min by default: once a StatefulSet on
# stowage-btrfs stayed Pending past SnapshotE2E's 5 min. 15 s bounds that wait on this cluster.
start kube-scheduler "$BIN_DIR/localkube" kube-scheduler \
  --kubeconfig="$PKI/scheduler.conf" \
  --authentication-kubeconfig="$PKI/scheduler.conf" --authorization-kubeconfig="$PKI/scheduler.conf" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false \
  --pod-max-in-unschedulable-pods-duration=15s

start_containerd
bash "$E2E_DIR/images/build.sh" pause

start kubelet "$BIN_DIR/localkube" kubelet \
  --config="$CFG/kubelet.yaml" --kubeconfig="$PKI/kubelet.conf" \
  --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --root-dir="$CLUSTER_DIR/kubelet"
start kube-proxy "$BIN_DIR/localkube" kube-proxy --config="$CFG/kube-proxy.yaml"
start coredns "$BIN_DIR/coredns-$COREDNS_VERSION/coredns" -conf "$CFG/Corefile"
start provisioner "$BIN_DIR/localkube" provisioner \
  --kubeconfig="$PKI/localkube-addons.conf" --dir="$VOLUMES_DIR" --node-name="$NODE_NAME"

# CSI snapshots (issue 11): a btrfs file system on a loop-device file for the test driver, the
# VolumeSnapshot CRDs of external-snapshotter, its snapshot-controller and csi-snapshotter, and
# external-provisioner's csi-provisioner; all host processes talking to the driver's unix socket.
if ! mountpoint -q "$BTRFS_DIR"; then
  rm -f "$BTRFS_IMG" && truncate -s "$BTRFS_SIZE" "$BTRFS_IMG"
  mkfs.btrfs -q -f "$BTRFS_IMG" >/dev/null
  mkdir -p "$BTRFS_DIR" && mount -o loop "$BTRFS_IMG" "$BTRFS_DIR"
fi
SNAPSHOTTER_DIR="$BIN_DIR/external-snapshotter-$EXTERNAL_SNAPSHOTTER_VERSION"
kctl apply -f "$SNAPSHOTTER_DIR/crd" >/dev/null
wait_for "VolumeSnapshot CRDs" 60 kctl wait --for=condition=Established --timeout=5s \
  crd/volumesnapshotclasses.snapshot.storage.k8s.io crd/volumesnapshotcontents.snapshot.storage.k8s.io crd/volumesnapshots.snapshot.storage.k8s.io ||
  die "the VolumeSnapshot CRDs are not established; see $LOG_DIR/kube-apiserver.log"
start btrfs-csi "$BIN_DIR/btrfs-csi" --endpoint="unix://$CSI_SOCK" --driver-name="$CSI_DRIVER" \
  --node-id="$NODE_NAME" --root="$BTRFS_DIR" --registration-dir="$CLUSTER_DIR/kubelet/plugins_registry"
wait_for "btrfs-csi socket" 30 test -S "$CSI_SOCK" || die "btrfs-csi did not start; see $LOG_DIR/btrfs-csi.log"
start csi-provisioner "$BIN_DIR/external-provisioner-$EXTERNAL_PROVISIONER_VERSION/csi-provisioner" \
  --csi-address="$CSI_SOCK" --kubeconfig="$PKI/localkube-addons.conf" --leader-election=false --timeout=60s
start csi-snapshotter "$SNAPSHOTTER_DIR/csi-snapshotter" \
  --csi-address="$CSI_SOCK" --kubeconfig="$PKI/localkube-addons.conf" --leader-election=false --timeout=60s \
  --feature-gates=CSIVolumeGroupSnapshot=false
# Group snapshots (VolumeGroupSnapshot CRDs) are not installed: the gate off says so, instead of a
# warning at every start.
start snapshot-controller "$SNAPSHOTTER_DIR/snapshot-controller" \
  --kubeconfig="$PKI/localkube-addons.conf" --leader-election=false --feature-gates=CSIVolumeGroupSnapshot=false

# --- 4. cluster objects ---------------------------------------------------------
# The default class is the snapshot-capable stowage-btrfs (issue 11), so StatefulSets get volumes
# that can be snapshotted; STOWAGE_DEFAULT_STORAGE_CLASS=stowage-local gives the old default.
DEFAULT_SC="${STOWAGE_DEFAULT_STORAGE_CLASS:-stowage-btrfs}"
case $DEFAULT_SC in stowage-local|stowage-btrfs) ;; *) die "STOWAGE_DEFAULT_STORAGE_CLASS=$DEFAULT_SC: must be stowage-local or stowage-btrfs" ;; esac
is_default() { [ "$1" = "$DEFAULT_SC" ] && echo true || echo false; }
kctl apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: stowage-local
  annotations: {storageclass.kubernetes.io/is-default-class: "$(is_default stowage-local)"}
provisioner: stowage.dev/local-dir
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
# The test CSI driver: no attach step (one node), the kubelet applies fsGroup to the subvolume.
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata:
  name: $CSI_DRIVER
spec:
  attachRequired: false
  podInfoOnMount: false
  fsGroupPolicy: File
  volumeLifecycleModes: [Persistent]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: stowage-btrfs
  annotations: {storageclass.kubernetes.io/is-default-class: "$(is_default stowage-btrfs)"}
provisioner: $CSI_DRIVER
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: stowage-btrfs
  annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}
driver: $CSI_DRIVER
deletionPolicy: Delete
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $DNS_SERVICE_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
# CoreDNS runs as a host process on the node IP; this slice points the
# selector-less kube-dns Service at it.
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-host
  namespace: kube-system
  labels: {kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: localkube.stowage.dev}
addressType: IPv4
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
endpoints:
- addresses: ["$NODE_IP"]
  conditions: {ready: true}
  nodeName: $NODE_NAME
YAML

# --- 5. wait until usable -------------------------------------------------------
wait_for "node $NODE_NAME Ready" 180 kctl wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s ||
  die "node not Ready; see $LOG_DIR/kubelet.log and $LOG_DIR/containerd.log"
wait_for "CoreDNS on $NODE_IP" 60 localkube dns-check --server "$NODE_IP:53" ||
  die "CoreDNS does not answer; see $LOG_DIR/coredns.log"
wait_for "cluster DNS through the kube-dns Service" 60 localkube dns-check --server "$DNS_SERVICE_IP:53" ||
  die "kube-dns Service does not answer; see $LOG_DIR/kube-proxy.log"
wait_for "CSI driver $CSI_DRIVER registered with the kubelet" 60 sh -c "'$BIN_DIR/localkube' kubectl --kubeconfig '$PKI_DIR/admin.conf' get csinode '$NODE_NAME' -o jsonpath='{.spec.drivers[*].name}' | grep -qw '$CSI_DRIVER'" ||
  die "the kubelet did not register $CSI_DRIVER; see $LOG_DIR/btrfs-csi.log and $LOG_DIR/kubelet.log"
wait_for "default service account" 60 kctl -n default get serviceaccount default ||
  die "no default service account; see $LOG_DIR/kube-controller-manager.log"

mkdir -p "$(dirname "$KUBECONFIG_OUT")"
cp "$PKI_DIR/admin.conf" "$KUBECONFIG_OUT.tmp" && mv "$KUBECONFIG_OUT.tmp" "$KUBECONFIG_OUT"
log "cluster up in $((SECONDS - T0))s: node $NODE_NAME ($NODE_IP), kubeconfig $KUBECONFIG_OUT, logs $LOG_DIR"
