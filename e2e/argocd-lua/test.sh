#!/usr/bin/env bash
# make test-argocd: the Argo CD resource customizations of deploy/argocd (health.lua, actions) run
# by gopher-lua, the Lua interpreter Argo CD embeds, over their fixtures (e2e/argocd-lua), and the
# Flux healthCheckExprs of deploy/argocd/flux-health-checks.yaml evaluated as Flux does over the
# same fixtures (e2e/flux-cel). Seconds; no cluster. Needs Go (this project's machines ship it)
# and, the first time, the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."

# A login shell puts the official Go on PATH; make or CI may not have that PATH.
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null 2>&1 || {
  echo "test-argocd: Go is not installed (this project's machines ship Go 1.26; apt's Go is too old)" >&2
  exit 1
}
# GOTOOLCHAIN=local: the machine's Go, never another toolchain fetched behind our back.
# -mod=readonly: go.mod and go.sum are complete; a missing entry is an error, not an edit.
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
status=0
for module in argocd-lua flux-cel; do
  (cd "$module" && nice -n 10 go test -count=1 -v ./...) || status=1
done
exit $status
