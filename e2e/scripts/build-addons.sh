#!/usr/bin/env bash
# Builds CoreDNS and VersityGW with their own `go install` (their own module
# graphs, kept apart from the Kubernetes module) into $STOWAGE_CACHE/bin/<name>-<version>/.
# Usage: build-addons.sh [coredns] [versitygw]   (default: both)
source "$(dirname "$0")/lib.sh"
command -v go >/dev/null || die "go is not installed"

build() { # name version package
  local name=$1 version=$2 pkg=$3 dir="$BIN_DIR/$1-$2"
  if [ -x "$dir/$name" ]; then log "$name $version is built ($dir/$name)"; return 0; fi
  mkdir -p "$BIN_DIR"
  # Same lock as scripts/ensure-versitygw.sh: one builder at a time, the other waits.
  exec 9>"$BIN_DIR/.$name-$version.lock"
  flock 9
  if [ -x "$dir/$name" ]; then log "$name $version is built ($dir/$name)"; exec 9>&-; return 0; fi
  log "building $name $version with go install"
  local start=$SECONDS
  mkdir -p "$dir.tmp"
  GOBIN="$dir.tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 go install -trimpath -ldflags "-s -w" "$pkg@$version"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  log "built $name in $((SECONDS - start))s"
  exec 9>&-
}

what=("$@"); [ ${#what[@]} -gt 0 ] || what=(coredns versitygw)
for w in "${what[@]}"; do
  case $w in
    coredns) build coredns "$COREDNS_VERSION" github.com/coredns/coredns ;;
    versitygw) build versitygw "$VERSITYGW_VERSION" github.com/versity/versitygw/cmd/versitygw ;;
    *) die "unknown addon $w" ;;
  esac
done
