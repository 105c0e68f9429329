#!/usr/bin/env bash
# Stowage benchmark (issue 11): the write latency a client sees while the same MariaDB is backed
# up with no backup, a CrashConsistent snapshot backup, a FlushTablesWithReadLock snapshot backup
# and a quiesced backup (whose longest gap is the database's downtime), on the local cluster
# (e2e/: btrfs CSI snapshots, S3 in a pod). The harness is e2e's OnlineBackupLatencyBench, which
# the E2E suite never runs.
#
#   bash bench/online-backup.sh     # writes bench/results/bench-online-backup-<UTC time>.md
#
# Environment: BENCH_DATA_MIB (default 256, random InnoDB rows), BENCH_IDLE_SECONDS (default 30,
# the no-backup phase), KEEP_CLUSTER=1 (keep a cluster this script started). It starts the local
# cluster when it is down (and stops it at the end, as make test-e2e does), builds the jars and
# images of this tree and deploys the operator.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"
MVN="${MVN:-mvn -B -ntp}"
STAMP=$(date -u +%Y%m%d-%H%M%S)
mkdir -p bench/results
REPORT="$ROOT/bench/results/bench-online-backup-$STAMP.md"

started=0
bash e2e/scripts/cluster-status.sh -q || started=1
finish() {
  rc=$?
  if [ $started = 1 ] && [ "${KEEP_CLUSTER:-0}" != 1 ]; then bash e2e/scripts/cluster-down.sh || rc=1; fi
  exit $rc
}
trap finish EXIT
bash e2e/scripts/cluster-up.sh
$MVN -q -DskipTests -pl engine,operator -am package
bash e2e/images/build.sh
bash e2e/scripts/deploy-operator.sh
$MVN -q -DskipTests -pl crds -am install
$MVN -f e2e/pom.xml verify -Dit.test=OnlineBackupLatencyBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.report="$REPORT" -Dbench.dataMiB="${BENCH_DATA_MIB:-256}" \
  -Dbench.idleSeconds="${BENCH_IDLE_SECONDS:-30}"
echo "report: $REPORT"
cat "$REPORT"
