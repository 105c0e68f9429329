#!/usr/bin/env bash
# Stowage benchmark: where an S3 run's CPU goes, native code included. JFR (bench/s3-cpu.sh)
# samples Java frames only, so once TLS's AES-GCM runs in AWS-LC (native) it no longer shows; perf
# samples every thread in every frame, and the JVM writes a map of its compiled methods for it
# (-XX:+DumpPerfMapAtExit). One S3 backup and one restore of the dataset through VersityGW over
# TLS in a network namespace (the link of s3-link.lib.sh, not shaped), each under
# `perf record -e cpu-clock`; the report lists the CPU by library (DSO) and the top symbols.
# Opt-in (not part of make bench).
#
#   bash bench/s3-perf.sh                     # writes bench/results/bench-s3-perf-<UTC time>.md
#   BENCH_QUICK=1 bash bench/s3-perf.sh       # the small datasets
#
# Environment: as bench/s3-cpu.sh (STOWAGE_BENCH_DIR, STOWAGE_JAR, BENCH_QUICK, BENCH_LEVEL,
# BENCH_CPU_SET, BENCH_JAVA). Needs root (ip netns), openssl and perf (Debian: linux-perf).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-s3-perf
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
# shellcheck source=bench/s3-link.lib.sh
. "$HERE/s3-link.lib.sh"
SET=${BENCH_CPU_SET:-big}
REPORT=$RESULTS/bench-s3-perf-$STAMP.md
LOGS=$RESULTS/bench-s3-perf-$STAMP

require_tools awk ip openssl perf
[ "$(id -u)" = 0 ] || die "needs root: it creates a network namespace"
VGW=$(bash "$ROOT/scripts/ensure-versitygw.sh") || die "cannot build or find versitygw"
mkdir -p "$LOGS" "$OUT"
bash "$HERE/datasets.sh" "$DATASETS"
init_page_cache
SRC=$DATASETS/$SET
[ -d "$SRC" ] || die "dataset $SET not found in $DATASETS"

S3DIR=$OUT/s3-perf
TARGET=$OUT/s3-perf-target
cleanup() {
  s3link_cleanup
  rm -rf "${S3DIR:?}" "${TARGET:?}" "${LOGS:?}/tls"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

s3link_start_tls "$VGW" off

# profiled OP ARGS...: the engine under perf (999 samples per second of CPU); the JVM's perf map
# names the JIT-compiled frames.
profiled() {
  local op=$1
  shift
  drop_caches
  perf record -q -e cpu-clock -F 999 -g -o "$LOGS/$op.perf" -- \
    "$JAVA" "${ENGINE_JVM[@]}" -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer \
    -jar "$JAR" "$op" "$@" --quiet >"$LOGS/$op.out" 2>&1 || die "profiled $op failed: $(tail -3 "$LOGS/$op.out")"
}
profiled backup --datadir "$SRC" --storage "$S3URL" --directory bench --name profiled \
  --compression zstd --level "$LEVEL"
rm -rf "$TARGET" && mkdir -p "$TARGET"
profiled restore --storage "$S3URL" --directory bench --name profiled --datadir "$TARGET"

# Self time (no children) by library, then by symbol; the JVM's compiled code is the perf map
# (the map file the JVM writes in /tmp at exit); the interpreter and the JIT's stubs show under
# perf's own labels for anonymous memory.
# (`|| true`: head stops reading early, and pipefail would count perf's SIGPIPE as a failure.)
for op in backup restore; do
  { perf report -i "$LOGS/$op.perf" --no-children -g none --sort dso --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -12 >"$LOGS/$op.dso.txt"; } || true
  { perf report -i "$LOGS/$op.perf" --no-children -g none --sort dso,sym --stdio 2>/dev/null |
    grep -E '^ +[0-9]' | head -30 >"$LOGS/$op.sym.txt"; } || true
  [ -s "$LOGS/$op.sym.txt" ] || die "perf report gave nothing for $LOGS/$op.perf"
done
cleanup
{
  echo "# Stowage benchmark: where an S3 run's CPU goes (perf), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`$([ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 ")bash bench/s3-perf.sh\`; dataset $SET;" \
    "$CORES cores; $("$JAVA" -version 2>&1 | head -1); VersityGW over TLS in a network namespace," \
    "link not shaped. \`perf record -e cpu-clock -F 999 -g\` of the engine's process only (the S3" \
    "server's CPU is not in it); self time."
  for op in backup restore; do
    echo
    echo "S3 $op, by library:"
    echo
    echo '```'
    cat "$LOGS/$op.dso.txt"
    echo '```'
    echo
    echo "S3 $op, top symbols:"
    echo
    echo '```'
    cat "$LOGS/$op.sym.txt"
    echo '```'
  done
  echo
  echo "Recordings: \`bench/results/bench-s3-perf-$STAMP/\` (\`perf report -i ...\`)."
} | tee "$REPORT"
