#!/usr/bin/env bash
# Encrypted vs plain: the same backups and restores with and without --encryption-key-file, on the
# same datasets, interleaved run by run (plain, encrypted, plain, ...) so a busy neighbour slows
# both sides alike. Opt-in (not part of make bench). See bench/README.md, "Client-side encryption".
#
#   BENCH_QUICK=1 bash bench/encryption.sh     # quick datasets
#   bash bench/encryption.sh                   # full datasets
#
# Environment as bench/run.sh: STOWAGE_BENCH_DIR, STOWAGE_JAR, BENCH_LEVEL, BENCH_REPEAT (runs per
# side, best kept; default 3 here), BENCH_DATASETS; BENCH_CONCURRENCY (one value; default: the
# engine's own default). BENCH_DATASETS may name big8: eight copies of the big dataset's file in
# one 2 GiB file (quick: 2 GiB too), built once under the scratch directory, for a run long
# enough that the JIT's warm-up no longer dominates.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-encryption
BENCH_REPEAT=${BENCH_REPEAT:-3}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
CONC=${BENCH_CONCURRENCY:-}

LOGS=$RESULTS/encryption-$STAMP
REPORT=$RESULTS/encryption-$STAMP.md
require_tools java awk nproc diff
mkdir -p "$LOGS" "$OUT"
bash "$HERE/datasets.sh" "$DATASETS"
init_page_cache
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

KEY=$OUT/bench-encryption.key
head -c 32 /dev/urandom >"$KEY"
STORE=$OUT/enc-store
STOWAGE=("$JAVA" "${ENGINE_JVM[@]}" -jar "$JAR")
CONC_ARGS=()
[ -n "$CONC" ] && CONC_ARGS=(--concurrency "$CONC")

# timed ID COMMAND...: drops caches, runs COMMAND, syncs; prints seconds (wall, sync included).
timed() {
  local id=$1 t0 t1 rc
  shift
  drop_caches
  t0=$(date +%s.%N)
  set +e
  "$@" >"$LOGS/$id.out" 2>"$LOGS/$id.err"
  rc=$?
  sync
  set -e
  t1=$(date +%s.%N)
  [ "$rc" = 0 ] || die "$id failed with exit $rc: $(tail -3 "$LOGS/$id.err")"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

ROWS=()
for ds in $SETS; do
  src=$DATASETS/$ds
  if [ "$ds" = big8 ]; then
    src=$OUT/big8
    if [ ! -f "$src/big8.ibd" ]; then
      mkdir -p "$src"
      for _ in 1 2 3 4 5 6 7 8; do cat "$DATASETS/big/big.ibd"; done >"$src/big8.ibd"
    fi
  fi
  size=$(bytes_of "$src")
  log "dataset $ds: $size bytes"
  declare -A BEST=()
  for r in $(seq 1 "$REPEAT"); do
    for mode in plain encrypted; do
      keyargs=()
      [ "$mode" = encrypted ] && keyargs=(--encryption-key-file "$KEY")
      name=$ds-$mode-r$r
      rm -rf "$STORE" "$OUT/enc-target" && mkdir -p "$STORE" "$OUT/enc-target"
      s=$(timed "$name-backup" "${STOWAGE[@]}" backup --datadir "$src" --storage "file://$STORE" \
        --directory bench --name "$name" --compression zstd --level "$LEVEL" --quiet \
        "${CONC_ARGS[@]}" "${keyargs[@]}")
      BEST[$mode-backup]=$(min "${BEST[$mode-backup]:-}" "$s")
      BEST[$mode-stored]=$(bytes_of "$STORE/bench/$name")
      s=$(timed "$name-restore" "${STOWAGE[@]}" restore --storage "file://$STORE" --directory bench \
        --name "$name" --datadir "$OUT/enc-target" --quiet "${CONC_ARGS[@]}" "${keyargs[@]}")
      BEST[$mode-restore]=$(min "${BEST[$mode-restore]:-}" "$s")
      if [ "$r" = 1 ]; then # not timed: the restored tree must be the source
        diff -r -q "$src" "$OUT/enc-target" >"$LOGS/$name.diff" 2>&1 ||
          die "restored $ds ($mode) differs from the source: $LOGS/$name.diff"
      fi
      log "$ds $mode run $r: backup ${BEST[$mode-backup]} s, restore ${BEST[$mode-restore]} s (best so far)"
    done
  done
  for op in backup restore; do
    p=${BEST[plain-$op]}
    e=${BEST[encrypted-$op]}
    ROWS+=("$(awk -v ds="$ds" -v op="$op" -v n="$size" -v p="$p" -v e="$e" -v sp="${BEST[plain-stored]}" \
      -v se="${BEST[encrypted-stored]}" 'BEGIN {
        printf "| %s | %s | %.1f | %.2f | %.0f | %.2f | %.0f | **%.2fx** | %d / %d |", ds, op, n / 1e6, p,
          n / p / 1e6, e, n / e / 1e6, p / e, sp, se }')")
  done
  unset BEST
done
rm -rf "$STORE" "$OUT/enc-target" "$KEY"

{
  echo "# Encrypted vs plain backup and restore ($STAMP)"
  echo
  echo "Host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo);" \
    "load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg);" \
    "page cache dropped: $CAN_DROP; $([ "$QUICK" = 1 ] && echo quick || echo full) datasets;" \
    "zstd level $LEVEL; concurrency ${CONC:-engine default}; best of $REPEAT runs per side, interleaved."
  echo "AES: $(grep -m1 -o -w aes /proc/cpuinfo >/dev/null && echo 'AES-NI present' || echo 'no AES-NI flag');" \
    "java: $("$JAVA" -version 2>&1 | head -1)."
  echo
  echo "| dataset | op | MB | plain s | plain MB/s | encrypted s | encrypted MB/s | ratio (enc ÷ plain speed) | stored bytes plain / encrypted |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Every time includes JVM start-up and a final \`sync\`; every restore was checked with \`diff -r\`"
  echo "on its first run. Logs: \`bench/results/encryption-$STAMP/\`."
} | tee "$REPORT"
log "report written to $REPORT"
