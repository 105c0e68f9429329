#!/usr/bin/env bash
# make csi-smoke (and make test-e2e, after the images): proves the CSI snapshot path of the local
# cluster end to end. A PVC on stowage-btrfs, a pod (uid 999, fsGroup 999, like MariaDB) writing
# into it, a VolumeSnapshot of it with NO class named (so the default VolumeSnapshotClass is
# used) reaching readyToUse with a creationTime, a PVC from the snapshot (dataSource) bound and
# mounted by a second pod that reads the same bytes and can write, then everything deleted and
# the PVs, the VolumeSnapshotContent and the btrfs subvolumes gone. Needs stowage/mariadb:10.11
# in containerd (make images) for a shell. Exit 0 only when every step held.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root (it lists the btrfs subvolumes)"
NS=stowage-csi-smoke
IMAGE="${STOWAGE_SMOKE_IMAGE:-docker.io/stowage/mariadb:10.11}"
T0=$SECONDS
fail() { log "csi-smoke FAILED: $*"; kctl -n $NS get pvc,pod,volumesnapshot -o wide >&2 || true; kctl get volumesnapshotcontent,pv >&2 || true
  kctl -n $NS get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 20 >&2 || true
  for c in btrfs-csi csi-provisioner csi-snapshotter snapshot-controller; do echo "----- $c" >&2; tail -n 8 "$LOG_DIR/$c.log" | cut -c1-300 >&2; done
  exit 1; }
jp() { kctl -n $NS get "$1" -o jsonpath="$2"; }
subvols() { btrfs subvolume list "$BTRFS_DIR" | awk '{print $NF}'; }

kctl delete namespace $NS --ignore-not-found --wait=true >/dev/null
kctl create namespace $NS >/dev/null
TOKEN="smoke-$(date +%s%N)"
pod() { # NAME CLAIM SCRIPT
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 999, runAsGroup: 999, fsGroup: 999}
  containers:
  - name: c
    image: $IMAGE
    imagePullPolicy: Never
    command: [sh, -c, '$3']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: $2}}]
YAML
}
kctl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: source, namespace: $NS}
spec: {storageClassName: stowage-btrfs, accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
YAML
pod writer source "echo $TOKEN > /data/token && seq 1 100000 > /data/seq && sync" | kctl apply -f - >/dev/null
wait_for "the writer pod to succeed" 120 sh -c "[ \"\$('$BIN_DIR/localkube' kubectl --kubeconfig '$PKI_DIR/admin.conf' -n $NS get pod writer -o jsonpath='{.status.phase}')\" = Succeeded ]" ||
  fail "the writer pod did not succeed"
log "writer wrote into the stowage-btrfs claim (volume $(jp pvc/source '{.spec.volumeName}'))"

kctl apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap, namespace: $NS}
spec: {source: {persistentVolumeClaimName: source}}
YAML
wait_for "the VolumeSnapshot to be readyToUse" 60 sh -c "[ \"\$('$BIN_DIR/localkube' kubectl --kubeconfig '$PKI_DIR/admin.conf' -n $NS get volumesnapshot snap -o jsonpath='{.status.readyToUse}')\" = true ]" ||
  fail "the VolumeSnapshot is not readyToUse"
created=$(jp volumesnapshot/snap '{.status.creationTime}')
class=$(jp volumesnapshot/snap '{.spec.volumeSnapshotClassName}')
content=$(jp volumesnapshot/snap '{.status.boundVolumeSnapshotContentName}')
[ -n "$created" ] || fail "the ready VolumeSnapshot has no status.creationTime"
[ "$class" = stowage-btrfs ] || fail "the snapshot got class '$class', not the default class stowage-btrfs"
snapHandle=$(kctl get volumesnapshotcontent "$content" -o jsonpath='{.status.snapshotHandle}')
[ -n "$snapHandle" ] || fail "VolumeSnapshotContent $content has no snapshotHandle"
subvols | grep -qx "snapshots/$snapHandle" || fail "no btrfs subvolume snapshots/$snapHandle for the snapshot"
[ "$(btrfs property get -ts "$BTRFS_DIR/snapshots/$snapHandle" ro)" = ro=true ] || fail "snapshot subvolume $snapHandle is not read-only"
log "VolumeSnapshot readyToUse, creationTime $created, class $class, content $content, btrfs snapshot $snapHandle (read-only)"

kctl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restored, namespace: $NS}
spec:
  storageClassName: stowage-btrfs
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap}
YAML
pod reader restored "cat /data/token && seq 1 100000 | cmp - /data/seq && echo written-by-reader > /data/reader && echo seq-ok" | kctl apply -f - >/dev/null
wait_for "the reader pod to succeed" 120 sh -c "[ \"\$('$BIN_DIR/localkube' kubectl --kubeconfig '$PKI_DIR/admin.conf' -n $NS get pod reader -o jsonpath='{.status.phase}')\" = Succeeded ]" ||
  { kctl -n $NS logs reader >&2 || true; fail "the reader pod did not succeed"; }
out=$(kctl -n $NS logs reader)
[ "$out" = "$TOKEN"$'\n'"seq-ok" ] || fail "the reader saw '$out', expected the writer's token and sequence"
srcHandle=$(kctl get pv "$(jp pvc/source '{.spec.volumeName}')" -o jsonpath='{.spec.csi.volumeHandle}')
dstPV=$(jp pvc/restored '{.spec.volumeName}'); srcPV=$(jp pvc/source '{.spec.volumeName}')
dstHandle=$(kctl get pv "$dstPV" -o jsonpath='{.spec.csi.volumeHandle}')
log "a claim from the snapshot (volume $dstHandle) holds the writer's data and is writable"

kctl -n $NS delete pod writer reader --wait=true >/dev/null
kctl -n $NS delete pvc restored --wait=true >/dev/null
kctl -n $NS delete volumesnapshot snap --wait=true >/dev/null
kctl -n $NS delete pvc source --wait=true >/dev/null
gone() { ! kctl get "$1" >/dev/null 2>&1; }
wait_for "PV $srcPV deleted" 60 gone "pv/$srcPV" || fail "PV $srcPV not deleted"
wait_for "PV $dstPV deleted" 60 gone "pv/$dstPV" || fail "PV $dstPV not deleted"
wait_for "VolumeSnapshotContent $content deleted" 60 gone "volumesnapshotcontent/$content" || fail "VolumeSnapshotContent $content not deleted"
left=$(subvols | grep -xE "volumes/($srcHandle|$dstHandle)|snapshots/$snapHandle" || true)
[ -z "$left" ] || fail "btrfs subvolumes left after deletion: $left"
kctl delete namespace $NS --wait=true >/dev/null
log "csi-smoke passed in $((SECONDS - T0))s: snapshot, clone, read, delete; no subvolume left"
