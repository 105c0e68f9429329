#!/usr/bin/env bash
# Installs the operator from deploy/ (kubectl apply -k) and waits until its Deployment is
# Available. On the local cluster the images must already be imported (make images); a
# rebuilt stowage/operator:dev restarts the pod. With KUBECONFIG set it deploys there (the
# images must be loadable by that cluster's nodes). On failure it prints the Deployment,
# the pods, the namespace's events and the operator's logs, and exits non-zero.
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"
NS=stowage-system
TIMEOUT="${STOWAGE_DEPLOY_TIMEOUT:-180s}"

if [ -n "${KUBECONFIG:-}" ]; then
  KUBECTL=(kubectl)
  command -v kubectl >/dev/null || KUBECTL=("$BIN_DIR/localkube" kubectl)
  where="the cluster of KUBECONFIG=$KUBECONFIG"
else
  KUBECTL=("$BIN_DIR/localkube" kubectl --kubeconfig "$KUBECONFIG_OUT")
  where="the local cluster"
  bash "$E2E_DIR/scripts/cluster-status.sh" -q || die "the local cluster is not up (make cluster-up)"
fi
k() { "${KUBECTL[@]}" "$@"; }

diagnose() {
  log "the operator did not become Available in $TIMEOUT; what the cluster says:"
  {
    echo "----- deployment"; k -n $NS get deployment stowage-operator -o wide
    k -n $NS describe deployment stowage-operator | sed -n '/^Conditions:/,$p'
    echo "----- pods"; k -n $NS get pods -o wide
    echo "----- events"; k -n $NS get events --sort-by=.lastTimestamp | tail -n 30
    for pod in $(k -n $NS get pods -l app.kubernetes.io/name=stowage-operator -o name); do
      echo "----- logs of $pod"; k -n $NS logs "$pod" --tail=100
      echo "----- logs of $pod (previous container, if it restarted)"; k -n $NS logs "$pod" --previous --tail=50
    done
  } >&2 2>&1 || true
}

log "installing the operator from deploy/ on $where"
k apply -k deploy/

# The tag stays stowage/operator:dev across builds; a new build gets a new template
# annotation, which rolls the pod (a same value is a no-op).
stamp="$IMAGES_DIR/operator.imported"
if [ -z "${KUBECONFIG:-}" ] && [ -s "$stamp" ]; then
  k -n $NS patch deployment stowage-operator --type merge \
    -p "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"stowage.dev/image-inputs\":\"$(cat "$stamp")\"}}}}}" >/dev/null
fi

t0=$SECONDS
if ! k -n $NS rollout status deployment/stowage-operator --timeout="$TIMEOUT" ||
   ! k -n $NS wait deployment/stowage-operator --for=condition=Available --timeout=30s; then
  diagnose
  exit 1
fi
log "operator Available after $((SECONDS - t0))s: $(k -n $NS get pods -l app.kubernetes.io/name=stowage-operator -o jsonpath='{.items[*].metadata.name}')"
