#!/usr/bin/env bash
# Runs the Argo CD resource customizations of deploy/argocd (health.lua, actions) with gopher-lua,
# the Lua interpreter Argo CD embeds, over their fixtures (make test-argocd). Seconds; no cluster.
# Needs Go (this project's machines ship it) and, the first time, the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")"

# A login shell puts the official Go on PATH; make or CI may not have that PATH.
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null 2>&1 || {
  echo "test-argocd: Go is not installed (this project's machines ship Go 1.26; apt's Go is too old)" >&2
  exit 1
}
# GOTOOLCHAIN=local: the machine's Go, never another toolchain fetched behind our back.
# -mod=readonly: go.mod and go.sum are complete; a missing entry is an error, not an edit.
GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" nice -n 10 go test -count=1 -v ./...
