#!/usr/bin/env bash
# kubectl for the local cluster: e2e/scripts/kubectl.sh get pods -A
source "$(dirname "$0")/lib.sh"
exec "$BIN_DIR/localkube" kubectl --kubeconfig "$KUBECONFIG_OUT" "$@"
