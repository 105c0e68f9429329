#!/usr/bin/env bash
# Builds the CSI snapshot machinery of the local cluster from the upstream Go modules, each in its
# own module graph, into $STOWAGE_CACHE/bin/<name>-<version>/ (skipped when already built):
#   external-snapshotter: snapshot-controller, csi-snapshotter, and the VolumeSnapshot CRDs
#     (copied from the client module's config/crd, never hand-written)
#   external-provisioner: csi-provisioner
# Both modules' go.mod carry `replace` directives (the k8s staging pins; external-snapshotter
# also `client/v8 => ./client`), so `go install pkg@version` refuses them: the module is copied out
# of GOMODCACHE into a writable build directory and built there with its own go.mod/go.sum.
# node-driver-registrar is NOT built: the Go module proxy serves no version of
# github.com/kubernetes-csi/node-driver-registrar (its v2 tags lack a /v2 module path), so the
# test driver (btrfs-csi) registers itself with the kubelet (see e2e/README.md).
# The test driver e2e/btrfs-csi (its own module, go.mod/go.sum committed) is built into
# $BIN_DIR/btrfs-csi when its sources, go.mod/go.sum or the Go version changed (stamp).
# Usage: build-csi.sh [driver] [snapshotter] [provisioner]   (default: all three)
source "$(dirname "$0")/lib.sh"
command -v go >/dev/null || die "go is not installed"

SNAPSHOTTER_MOD=github.com/kubernetes-csi/external-snapshotter/v8
PROVISIONER_MOD=github.com/kubernetes-csi/external-provisioner/v6

moddir() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

# build_module NAME MODULE VERSION CMD...: builds each ./cmd/CMD of MODULE@VERSION into $BIN_DIR/NAME-VERSION/.
build_module() {
  local name=$1 mod=$2 version=$3; shift 3
  local dir="$BIN_DIR/$name-$version" ok=1 c
  for c in "$@"; do [ -x "$dir/$c" ] || ok=0; done
  if [ $ok = 1 ] && { [ "$name" != external-snapshotter ] || [ -s "$dir/crd/snapshot.storage.k8s.io_volumesnapshots.yaml" ]; }; then
    log "$name $version is built ($dir)"; return 0
  fi
  mkdir -p "$BIN_DIR"
  exec 9>"$BIN_DIR/.$name-$version.lock"
  flock 9
  log "building $name $version ($*)"
  local start=$SECONDS src work="$STOWAGE_CACHE/src/$name-$version"
  src=$(moddir "$mod@$version")
  [ -n "$src" ] || die "go mod download $mod@$version failed"
  rm -rf "$work" "$dir.tmp" && mkdir -p "$(dirname "$work")" "$dir.tmp"
  cp -r "$src" "$work" && chmod -R u+w "$work"
  if [ "$name" = external-snapshotter ]; then
    # ./client is a nested module, so it is not in the v8 module zip: use the client module of
    # the same version.
    local client
    client=$(moddir "$SNAPSHOTTER_MOD/client/v8@$version" 2>/dev/null || moddir "github.com/kubernetes-csi/external-snapshotter/client/v8@$version")
    [ -n "$client" ] || die "go mod download of the external-snapshotter client module $version failed"
    (cd "$work" && go mod edit -replace="github.com/kubernetes-csi/external-snapshotter/client/v8=$client")
    mkdir -p "$dir.tmp/crd"
    cp "$client"/config/crd/snapshot.storage.k8s.io_*.yaml "$dir.tmp/crd/"
    chmod u+w "$dir.tmp"/crd/*
  fi
  for c in "$@"; do
    (cd "$work" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 go build -mod=mod -trimpath \
      -ldflags "-s -w -X main.version=$version" -o "$dir.tmp/$c" "./cmd/$c") || die "building $c of $mod@$version failed"
  done
  rm -rf "$dir" && mv "$dir.tmp" "$dir" && rm -rf "$work"
  log "built $name $version in $((SECONDS - start))s"
  exec 9>&-
}

build_driver() {
  local stamp want
  want=$( (cd "$E2E_DIR/btrfs-csi" && cat go.mod go.sum $(find . -name '*.go' ! -name '*_test.go' | sort) | sha256sum | cut -c1-16; go version) | tr '\n' ' ')
  if [ -x "$BIN_DIR/btrfs-csi" ] && [ "$(cat "$BIN_DIR/btrfs-csi.stamp" 2>/dev/null)" = "$want" ]; then
    log "btrfs-csi is up to date ($BIN_DIR/btrfs-csi)"; return 0
  fi
  log "building btrfs-csi"
  local start=$SECONDS
  mkdir -p "$BIN_DIR"
  (cd "$E2E_DIR/btrfs-csi" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" nice -n 10 go build -trimpath \
    -ldflags "-s -w -X main.version=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo dev)" -o "$BIN_DIR/btrfs-csi.new" .) ||
    die "building e2e/btrfs-csi failed"
  mv "$BIN_DIR/btrfs-csi.new" "$BIN_DIR/btrfs-csi"
  echo "$want" > "$BIN_DIR/btrfs-csi.stamp"
  log "built btrfs-csi in $((SECONDS - start))s"
}

what=("$@"); [ ${#what[@]} -gt 0 ] || what=(driver snapshotter provisioner)
for w in "${what[@]}"; do
  case $w in
    driver) build_driver ;;
    snapshotter) build_module external-snapshotter $SNAPSHOTTER_MOD "$EXTERNAL_SNAPSHOTTER_VERSION" snapshot-controller csi-snapshotter ;;
    provisioner) build_module external-provisioner $PROVISIONER_MOD "$EXTERNAL_PROVISIONER_VERSION" csi-provisioner ;;
    *) die "unknown CSI component $w" ;;
  esac
done
