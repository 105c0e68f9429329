#!/usr/bin/env bash
# make test-btrfs-csi: the test CSI driver's Go tests, without a cluster: the kubernetes-csi sanity
# suite (csi-test v5) and the consistent-prefix snapshot test, each on a btrfs file system on a
# loop-device file under a temp dir (unmounted and detached at the end). Needs root and btrfs-progs
# (e2e/scripts/ensure-host.sh installs it). About 10 s warm.
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
[ "$(id -u)" = 0 ] || { echo "test-btrfs-csi: run as root (losetup, mount)" >&2; exit 1; }
command -v mkfs.btrfs >/dev/null || bash ../scripts/ensure-host.sh
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
nice -n 10 go test -count=1 -v ./... 2>&1 | grep -v '^[0-9/]* [0-9:]* /csi.v1\.'
