#!/usr/bin/env bash
# make test-e2e: local cluster up (idempotent), images, the operator from deploy/,
# the *E2E tests, and cluster-down at the end when this run was the one that started
# the cluster (KEEP_CLUSTER=1 keeps it). With KUBECONFIG set, only the operator is
# deployed and the tests run, against that cluster (its images must be loadable there).
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"
MVN="${MVN:-mvn -B -ntp}"
# e2e/pom.xml is not a module of the root build (its tests need the cluster), so the API
# classes it uses are installed into ~/.m2 first, fresh from this tree.
install_api() { $MVN -q -DskipTests -pl crds -am install; }
# HelmE2E runs the chart with helm; a cold build (minutes) happens here, not inside the test.
ensure_helm() { bash "$REPO_DIR/scripts/ensure-helm.sh" >/dev/null; }

if [ -n "${KUBECONFIG:-}" ]; then
  log "KUBECONFIG is set: running the E2E tests against $KUBECONFIG (images must be loaded there)"
  bash "$E2E_DIR/scripts/deploy-operator.sh"
  install_api
  ensure_helm
  exec $MVN -f e2e/pom.xml verify
fi

started=0
if ! bash "$E2E_DIR/scripts/cluster-status.sh" -q; then started=1; fi
cleanup() {
  rc=$?
  if [ $rc != 0 ] && [ -d "$LOG_DIR" ]; then
    log "E2E failed (exit $rc): last lines of every component log in $LOG_DIR"
    for f in "$LOG_DIR"/*.log; do echo "----- $f"; tail -n 15 "$f" | cut -c1-400; done >&2
  fi
  if [ $started = 1 ] && [ "${KEEP_CLUSTER:-0}" != 1 ]; then
    log "stopping the cluster this run started (KEEP_CLUSTER=1 keeps it)"
    bash "$E2E_DIR/scripts/cluster-down.sh" || rc=1
  fi
  exit $rc
}
trap cleanup EXIT
bash "$E2E_DIR/scripts/cluster-up.sh"
bash "$E2E_DIR/images/build.sh"
# The CSI snapshot path (VolumeSnapshot, clone from it) of the local cluster, before the tests use it.
bash "$E2E_DIR/scripts/csi-smoke.sh"
bash "$E2E_DIR/scripts/deploy-operator.sh"
install_api
ensure_helm
$MVN -f e2e/pom.xml verify
