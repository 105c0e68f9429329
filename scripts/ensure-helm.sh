#!/usr/bin/env bash
# Builds Helm (Apache-2.0) from its Go module, once per version, into a cache outside the
# repository, and prints the binary's path on stdout. The chart tests (make test-helm and
# HelmChartApiServerIT) run it.
#
# Idempotent: when the binary for HELM_VERSION exists it only prints the path. Layout:
# $STOWAGE_CACHE/bin/helm-<version>/helm, like ensure-versitygw.sh.
#
# Environment: STOWAGE_CACHE (default ~/.cache/stowage), HELM_VERSION (default below, pinned; the
# module version pins all of Helm's dependencies through its own go.sum, checked by the Go
# checksum database). Needs Go (the module's go directive) and the Go module proxy. A cold build
# takes a few minutes on 2 cores; it runs under nice so a parallel build wins.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v4.3.2}"
STOWAGE_CACHE="${STOWAGE_CACHE:-$HOME/.cache/stowage}"
dir="$STOWAGE_CACHE/bin/helm-$HELM_VERSION"
bin="$dir/helm"

log() { printf '[ensure-helm %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

# A login shell puts the official Go on PATH; a test JVM or CI may not have that PATH.
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null 2>&1 || {
  log "ERROR: go is not installed; the Helm chart tests build helm with it"
  exit 1
}

major="${HELM_VERSION#v}"
module="helm.sh/helm/v${major%%.*}"

mkdir -p "$STOWAGE_CACHE/bin"
# Two builds may ask at once: one builds, the other waits.
exec 9>"$STOWAGE_CACHE/bin/.helm-$HELM_VERSION.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

log "building helm $HELM_VERSION ($module) with go install (first time only; a few minutes)"
start=$SECONDS
tmp="$dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# GOTOOLCHAIN=local: build with the machine's Go, never fetch another toolchain behind our back.
# The version stamp is the one Helm's own Makefile sets, so `helm version` names the release.
GOTOOLCHAIN=local GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
  nice -n 10 go install -trimpath \
  -ldflags "-s -w -X $module/internal/version.version=$HELM_VERSION" \
  "$module/cmd/helm@$HELM_VERSION" >&2
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "built $bin in $((SECONDS - start))s"
echo "$bin"
