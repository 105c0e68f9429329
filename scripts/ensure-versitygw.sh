#!/usr/bin/env bash
# Builds the S3 server the integration tests run (VersityGW, Apache-2.0) from its Go module, once
# per version, into a cache outside the repository, and prints the binary's path on stdout.
#
# Idempotent: when the binary for VERSITYGW_VERSION exists it only prints the path. The layout
# ($STOWAGE_CACHE/bin/versitygw-<version>/versitygw) and build flags are the ones
# e2e/scripts/build-addons.sh uses, so a binary built by either serves both.
#
# Environment: STOWAGE_CACHE (default ~/.cache/stowage), VERSITYGW_VERSION (default below).
# Needs Go >= 1.25 (the module's go directive) and the Go module proxy. A cold build takes a few
# minutes on 2 cores (module download + compile); it runs under nice so a parallel build wins.
set -euo pipefail

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.7.0}"
STOWAGE_CACHE="${STOWAGE_CACHE:-$HOME/.cache/stowage}"
dir="$STOWAGE_CACHE/bin/versitygw-$VERSITYGW_VERSION"
bin="$dir/versitygw"

log() { printf '[ensure-versitygw %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

# A login shell puts the official Go on PATH; a test JVM or CI may not have that PATH.
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null 2>&1 || {
  log "ERROR: go is not installed; the S3 integration tests build VersityGW with it"
  exit 1
}

mkdir -p "$STOWAGE_CACHE/bin"
# Two test JVMs (or a test and the e2e image build) may ask at once: one builds, the other waits.
exec 9>"$STOWAGE_CACHE/bin/.versitygw-$VERSITYGW_VERSION.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

log "building versitygw $VERSITYGW_VERSION with go install (first time only; a few minutes)"
start=$SECONDS
tmp="$dir.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
# GOTOOLCHAIN=local: build with the machine's Go, never fetch another toolchain behind our back.
GOTOOLCHAIN=local GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
  nice -n 10 go install -trimpath -ldflags "-s -w" \
  "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "built $bin in $((SECONDS - start))s"
echo "$bin"
