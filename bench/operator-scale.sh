#!/usr/bin/env bash
# Stowage benchmark (issue 14): the operator at fleet scale. The operator jar of this tree runs as
# its own process against a real etcd and kube-apiserver (the localkube binary, on loopback ports;
# no controllers, no kubelet, so no Job ever runs) that holds BENCH_BACKUPS MysqlBackups (already
# Succeeded) and BENCH_SCHEDULES MysqlBackupSchedules in BENCH_NAMESPACES namespaces, with the
# image's JVM flags (operator/jvm.options, plus -XX:MaxRAM=512m for the Deployment's limit).
# Reported, each target met or MISSED: the time until every resource was reconciled once (and that
# each one shows it within 10 min), API requests during start-up and per minute while idle, idle
# CPU, peak RSS, and the p50/p99 time from a slot at which every schedule fires to each new
# backup's first Job. The harness is operator's OperatorScaleBench (not run by mvn verify).
#
#   bash bench/operator-scale.sh      # writes bench/results/bench-operator-scale-<UTC time>.md
#
# Environment: BENCH_BACKUPS (10000), BENCH_SCHEDULES (500), BENCH_NAMESPACES (50),
# BENCH_IDLE_SECONDS (180). Takes 12 to 15 minutes at the defaults on 2 cores.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"
MVN="${MVN:-mvn -B -ntp}"
STAMP=$(date -u +%Y%m%d-%H%M%S)
mkdir -p bench/results
REPORT="$ROOT/bench/results/bench-operator-scale-$STAMP.md"
bash scripts/ensure-deps.sh >/dev/null
$MVN -q -DskipTests -pl crds -am install
# The operator jar of this tree (the verify below would build it too, but the harness runs it).
$MVN -q -DskipTests -pl operator package
$MVN -pl operator verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=OperatorScaleBench -Dbench.report="$REPORT" \
  -Dbench.backups="${BENCH_BACKUPS:-10000}" -Dbench.schedules="${BENCH_SCHEDULES:-500}" \
  -Dbench.namespaces="${BENCH_NAMESPACES:-50}" -Dbench.idleSeconds="${BENCH_IDLE_SECONDS:-180}"
echo "report: $REPORT"
cat "$REPORT"
