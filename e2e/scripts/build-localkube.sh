#!/usr/bin/env bash
# Builds the localkube multi-call binary and the pause binary from e2e/localkube
# into $STOWAGE_CACHE/bin, only when go.mod/go.sum/sources changed.
source "$(dirname "$0")/lib.sh"

stamp_of() { (cd "$E2E_DIR/localkube" && cat go.mod go.sum $(find . -name '*.go' | sort) | sha256sum | cut -c1-16; go version) | tr '\n' ' '; }
mkdir -p "$BIN_DIR"
want="$(stamp_of)"
if [ -x "$BIN_DIR/localkube" ] && [ -x "$BIN_DIR/pause" ] && [ "$(cat "$BIN_DIR/localkube.stamp" 2>/dev/null)" = "$want" ]; then
  log "localkube is up to date ($BIN_DIR/localkube)"
  exit 0
fi
command -v go >/dev/null || die "go is not installed"
v=$K8S_VERSION
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=34 -X $p.gitTreeState=clean"
done
log "building localkube ($v) — a cold build takes a while on 2 cores"
start=$SECONDS
cd "$E2E_DIR/localkube" || exit 1
CGO_ENABLED=0 nice -n 10 go build -trimpath -buildvcs=false -ldflags "$ld" -o "$BIN_DIR/localkube.new" .
CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$BIN_DIR/pause.new" ./cmd/pause
mv "$BIN_DIR/localkube.new" "$BIN_DIR/localkube"
mv "$BIN_DIR/pause.new" "$BIN_DIR/pause"
echo "$want" > "$BIN_DIR/localkube.stamp"
log "built localkube in $((SECONDS - start))s, $(du -h "$BIN_DIR/localkube" | cut -f1)"
