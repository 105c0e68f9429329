#!/usr/bin/env bash
# Stowage benchmark: what the S3 path costs the engine in CPU (issue 12). The same dataset backed
# up and restored through S3 over TLS (VersityGW in a network namespace, link not shaped: the
# cores are the limit) and through file storage, runs interleaved (file, S3, file, S3, ...) so a
# busy neighbour slows both alike; the engine's user + system CPU seconds per GiB of raw data, and
# the ratio S3 / file. Then one more backup and restore on each storage under async-profiler
# (fetched from Maven Central once; native frames included), whose CPU by bucket (TLS, SDK, zstd,
# copies, JIT...) says where the S3 CPU goes. Part of make bench.
#
#   bash bench/s3-cpu.sh                      # writes bench/results/bench-s3-cpu-<UTC time>.md
#   BENCH_QUICK=1 bash bench/s3-cpu.sh        # the small datasets
#
# Environment: as bench/s3-link.sh (STOWAGE_BENCH_DIR, STOWAGE_JAR, BENCH_QUICK, BENCH_LEVEL),
# plus BENCH_CPU_SET (dataset, default big), BENCH_REPEAT (runs per side, median kept, default 3),
# BENCH_JAVA (the runtime; default the java on PATH) and BENCH_JAVA_B (a second runtime, for
# instance another JDK, interleaved with the first on the same jar). Needs root (ip netns), openssl.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-s3-cpu
BENCH_REPEAT=${BENCH_REPEAT:-3}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
# shellcheck source=bench/s3-link.lib.sh
. "$HERE/s3-link.lib.sh"
SET=${BENCH_CPU_SET:-big}
REPORT=$RESULTS/bench-s3-cpu-$STAMP.md
LOGS=$RESULTS/bench-s3-cpu-$STAMP

require_tools awk ip openssl sort
[ "$(id -u)" = 0 ] || die "needs root: it creates a network namespace"
VGW=$(bash "$ROOT/scripts/ensure-versitygw.sh") || die "cannot build or find versitygw"
JAVAS=("$JAVA")
if [ -n "${BENCH_JAVA_B:-}" ]; then
  [ -x "$BENCH_JAVA_B" ] || die "BENCH_JAVA_B=$BENCH_JAVA_B is not executable"
  JAVAS+=("$BENCH_JAVA_B")
fi
mkdir -p "$LOGS" "$OUT"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

bash "$HERE/datasets.sh" "$DATASETS"
init_page_cache
SRC=$DATASETS/$SET
[ -d "$SRC" ] || die "dataset $SET not found in $DATASETS"
RAW_BYTES=$(bytes_of "$SRC")

S3DIR=$OUT/s3-cpu
FSTORE=$OUT/s3-cpu-file
TARGET=$OUT/s3-cpu-target
cleanup() {
  s3link_cleanup
  rm -rf "${S3DIR:?}" "${FSTORE:?}" "${TARGET:?}" "${LOGS:?}/tls"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

s3link_start_tls "$VGW" off
mkdir -p "$FSTORE"

RAW=$LOGS/raw.tsv
: >"$RAW"
for r in $(seq 1 "$REPEAT"); do
  for j in "${!JAVAS[@]}"; do
    for kind in file s3; do
      if [ "$kind" = file ]; then storage="file://$FSTORE"; else storage=$S3URL; fi
      name=j$j-r$r
      m=$(cpu_run "backup-$kind-$name" "${JAVAS[$j]}" "${ENGINE_JVM[@]}" -jar "$JAR" backup --datadir "$SRC" \
        --storage "$storage" --directory bench --name "$name" --compression zstd --level "$LEVEL" --quiet)
      read -r secs cpu <<<"$m"
      printf '%s\t%s\tbackup\t%s\t%s\n' "$j" "$kind" "$secs" "$cpu" >>"$RAW"
      rm -rf "$TARGET" && mkdir -p "$TARGET"
      m=$(cpu_run "restore-$kind-$name" "${JAVAS[$j]}" "${ENGINE_JVM[@]}" -jar "$JAR" restore --storage "$storage" \
        --directory bench --name "$name" --datadir "$TARGET" --quiet)
      read -r secs cpu <<<"$m"
      printf '%s\t%s\trestore\t%s\t%s\n' "$j" "$kind" "$secs" "$cpu" >>"$RAW"
      # What a run costs whatever its size (JVM start, class loading, the storage client's
      # set-up, one listing): subtracted for the per-GiB figures.
      m=$(cpu_run "ls-$kind-$name" "${JAVAS[$j]}" "${ENGINE_JVM[@]}" -jar "$JAR" ls --storage "$storage" --directory bench)
      read -r secs cpu <<<"$m"
      printf '%s\t%s\tls\t%s\t%s\n' "$j" "$kind" "$secs" "$cpu" >>"$RAW"
      log "run $r, $(basename "$(dirname "$(dirname "${JAVAS[$j]}")")"), $kind: done"
    done
  done
done
cmp -s <(cd "$SRC" && find . -type f -exec md5sum {} + | sort) \
  <(cd "$TARGET" && find . -type f -exec md5sum {} + | sort) ||
  die "the last restore differs from $SRC"

# One more backup and restore on each storage under async-profiler (first runtime; not timed: the
# profiler adds its own cost), native frames included: the CPU of each run by where it went, and
# what the S3 run spent more than the file run on.
AP=$(async_profiler) || die "async-profiler could not be fetched (tools.profiler:async-profiler from Maven Central)"
for kind in file s3; do
  if [ "$kind" = file ]; then storage="file://$FSTORE"; else storage=$S3URL; fi
  rm -rf "$TARGET" && mkdir -p "$TARGET"
  for op in backup restore; do
    prof=-agentpath:$AP=start,event=cpu,interval=1ms,threads,collapsed,file=$LOGS/$kind-$op.collapsed
    if [ "$op" = backup ]; then
      args=(backup --datadir "$SRC" --storage "$storage" --directory bench --name "profiled" --compression zstd --level "$LEVEL" --quiet)
    else
      args=(restore --storage "$storage" --directory bench --name "profiled" --datadir "$TARGET" --quiet)
    fi
    drop_caches
    "$JAVA" "$prof" "${ENGINE_JVM[@]}" -jar "$JAR" "${args[@]}" >"$LOGS/profile-$kind-$op.out" 2>&1 ||
      die "profiled $kind $op failed: $(tail -3 "$LOGS/profile-$kind-$op.out")"
    cpu_buckets "$LOGS/$kind-$op.collapsed" >"$LOGS/$kind-$op.buckets.tsv"
  done
done
# where_more OP: "bucket +x.xx" for the buckets where the S3 run spent the most more than the file run
where_more() {
  awk -F'\t' 'NR == FNR { f[$1] = $2; next } { d = $2 - f[$1]; if (d > 0.02) printf "%s\t%.2f\n", $1, d }' \
    "$LOGS/file-$1.buckets.tsv" "$LOGS/s3-$1.buckets.tsv" | sort -t$'\t' -k2 -rn
}

ELAPSED=$(($(date +%s) - T_START))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
cleanup
{
  echo "# Stowage benchmark: engine CPU on S3 over TLS vs file storage, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`$([ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 ")bash bench/s3-cpu.sh\`; dataset $SET" \
    "($RAW_BYTES bytes); $CORES cores; kernel $(uname -r). Load average at the start: $LOAD_START;" \
    "at the end: $LOAD_END; ${ELAPSED} s. VersityGW over TLS in a network namespace, link not shaped;" \
    "the engine's defaults for each storage; caches dropped, \`sync\` inside each time; median of" \
    "$REPEAT interleaved runs. CPU = the engine's user + system seconds (GNU time)."
  echo
  echo "| runtime | operation | file s | file CPU s | S3 s | S3 CPU s | file CPU s/GiB | S3 CPU s/GiB | **S3 / file CPU** | S3 / file speed |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for j in "${!JAVAS[@]}"; do
    rt=$("${JAVAS[$j]}" -version 2>&1 | head -1)
    for op in ls backup restore; do
      fs=$(awk -F'\t' -v j="$j" -v o="$op" '$1 == j && $2 == "file" && $3 == o { print $4 }' "$RAW" | median)
      fc=$(awk -F'\t' -v j="$j" -v o="$op" '$1 == j && $2 == "file" && $3 == o { print $5 }' "$RAW" | median)
      ss=$(awk -F'\t' -v j="$j" -v o="$op" '$1 == j && $2 == "s3" && $3 == o { print $4 }' "$RAW" | median)
      sc=$(awk -F'\t' -v j="$j" -v o="$op" '$1 == j && $2 == "s3" && $3 == o { print $5 }' "$RAW" | median)
      if [ "$op" = ls ]; then
        FL=$fc SL=$sc
        awk -v rt="$rt" -v fs="$fs" -v fc="$fc" -v ss="$ss" -v sc="$sc" 'BEGIN {
          printf "| %s | start-up (ls) | %.2f | %.2f | %.2f | %.2f | | | %.2fx | |\n", rt, fs, fc, ss, sc, sc / fc }'
        continue
      fi
      awk -v rt="$rt" -v op="$op" -v fs="$fs" -v fc="$fc" -v ss="$ss" -v sc="$sc" -v fl="$FL" -v sl="$SL" \
        -v n="$RAW_BYTES" 'BEGIN {
        gib = n / 1073741824
        printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | **%.2fx** | %.2fx |\n",
          rt, op, fs, fc, ss, sc, (fc - fl) / gib, (sc - sl) / gib, (sc - sl) / (fc - fl), fs / ss }'
    done
  done
  echo
  echo "CPU s/GiB and **S3 / file CPU** leave out each storage's start-up (the ls row: JVM start, class"
  echo "loading, the storage client's set-up), which does not grow with the data. Target (issue 12): S3"
  echo "CPU per GiB <= 1.25x file storage's; S3 speed >= 0.8x file storage's."
  echo
  for op in backup restore; do
    echo "Where one $op's CPU went, file storage and S3 (async-profiler 4.1, \`event=cpu\`, native"
    echo "frames included, one run each, not timed; a stack counts in the first bucket it matches:"
    echo "bench/lib.sh, cpu_buckets):"
    echo
    echo "| bucket | file CPU s | S3 CPU s | S3 - file |"
    echo "|---|---:|---:|---:|"
    awk -F'\t' 'NR == FNR { f[$1] = $2; k[$1] = 1; next } { s[$1] = $2; k[$1] = 1 }
      END { for (b in k) printf "%.3f\t| %s | %.2f | %.2f | %+.2f |\n", s[b] - f[b], b, f[b], s[b], s[b] - f[b] }' \
      "$LOGS/file-$op.buckets.tsv" "$LOGS/s3-$op.buckets.tsv" | sort -t$'\t' -k1 -rg | cut -f2-
    echo
  done
  echo "Logs and profiles (collapsed stacks, for a flame graph): \`bench/results/bench-s3-cpu-$STAMP/\`."
} | tee "$REPORT"
# Issue 12's targets this run measures (first runtime), as rows of the table make bench ends with.
med() { awk -F'\t' -v o="$2" -v k="$1" -v f="$3" '$1 == 0 && $2 == k && $3 == o { print $f }' "$RAW" | median; }
{
  hot_b=$(where_more backup | sed -n '1,4p' | awk -F'\t' '{ printf "%s%s +%s", (NR > 1 ? ", " : ""), $1, $2 }')
  hot_r=$(where_more restore | sed -n '1,4p' | awk -F'\t' '{ printf "%s%s +%s", (NR > 1 ? ", " : ""), $1, $2 }')
  for op in backup restore; do
    awk -v op="$op" -v n="$RAW_BYTES" -v fs="$(med file "$op" 4)" -v fc="$(med file "$op" 5)" \
      -v ss="$(med s3 "$op" 4)" -v sc="$(med s3 "$op" 5)" -v fl="$(med file ls 5)" -v sl="$(med s3 ls 5)" \
      -v hot="$([ "$op" = backup ] && echo "$hot_b" || echo "$hot_r")" -v set="$SET" 'BEGIN {
      area = "S3 over TLS, link not shaped (" set " dataset)"
      gib = n / 1073741824; c = (sc - sl) / (fc - fl); v = fs / ss
      printf "%s\t%s: engine CPU-s per GiB, S3 vs file storage (start-up left out)\t%.2fx (%.2f vs %.2f)\t<= 1.25x\t%s\twhat the S3 %s spent more than the file one (async-profiler, CPU-s): %s; start-up alone %.1f vs %.1f CPU-s\n",
        area, op, c, (sc - sl) / gib, (fc - fl) / gib, (c <= 1.25 ? "met" : "MISSED"), op, hot, sl, fl
      printf "%s\t%s: speed, S3 vs file storage\t%.2fx (%.2f vs %.2f s)\t>= 0.8x\t%s\tS3 run used %.1f CPU-s in %.2f s (engine; the S3 server shares the cores)\n",
        area, op, v, ss, fs, (v >= 0.8 ? "met" : "MISSED"), sc, ss
    }'
  done
  awk -F': ' -v set="$SET" '/Maximum resident set size/ && $2 > m { m = $2; f = FILENAME }
    END { sub(/.*\//, "", f); sub(/\.time$/, "", f)
      printf "S3 over TLS, link not shaped (%s dataset)\tpeak RSS, every run\t%.0f MiB\t<= 512 MiB\t%s\tlargest in %s\n",
        set, m / 1024, (m <= 512 * 1024 ? "met" : "MISSED"), f }' "$LOGS"/*.time
} >"$LOGS/targets.tsv"
if [ -n "${BENCH_TARGETS:-}" ]; then cat "$LOGS/targets.tsv" >>"$BENCH_TARGETS"; fi
log "written to $REPORT"
