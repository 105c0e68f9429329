#!/usr/bin/env bash
# Encrypted vs plain: the same backups and restores with and without --encryption-key-file, on the
# same datasets, interleaved run by run (plain, encrypted, plain, ...) so a busy neighbour slows
# both sides alike. Opt-in (not part of make bench). See bench/README.md, "Client-side encryption".
#
#   BENCH_QUICK=1 bash bench/encryption.sh     # quick datasets
#   bash bench/encryption.sh                   # full datasets
#
# Each run is a pair (plain and encrypted back to back, the order alternating); the ratio reported is the median of the
# pairs' ratios, so one lucky or unlucky run on a noisy machine moves it less than a best-of-N per
# side does (both are printed, with the CPU seconds of each side).
#
# Environment as bench/run.sh: STOWAGE_BENCH_DIR, STOWAGE_JAR, BENCH_LEVEL, BENCH_REPEAT (pairs per
# dataset; default 5 here), BENCH_DATASETS; BENCH_CONCURRENCY (one value; default: the
# engine's own default). BENCH_DATASETS may name big8: eight copies of the big dataset's file in
# one 2 GiB file (quick: 2 GiB too), built once under the scratch directory, for a run long
# enough that the JIT's warm-up no longer dominates.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-encryption
BENCH_REPEAT=${BENCH_REPEAT:-5}
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

RAW=$LOGS/raw.tsv # dataset, run, mode, op, seconds, CPU seconds
: >"$RAW"
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
  declare -A STORED=()
  for r in $(seq 1 "$REPEAT"); do
    # Odd pairs run plain first, even pairs encrypted first: whatever the first run of a pair
    # leaves behind (dirty pages, a warm or throttled CPU) falls on both sides alike.
    order="plain encrypted"
    [ $((r % 2)) = 0 ] && order="encrypted plain"
    for mode in $order; do
      keyargs=()
      [ "$mode" = encrypted ] && keyargs=(--encryption-key-file "$KEY")
      name=$ds-$mode-r$r
      rm -rf "$STORE" "$OUT/enc-target" && mkdir -p "$STORE" "$OUT/enc-target"
      m=$(cpu_run "$name-backup" "${STOWAGE[@]}" backup --datadir "$src" --storage "file://$STORE" \
        --directory bench --name "$name" --compression zstd --level "$LEVEL" --quiet \
        "${CONC_ARGS[@]}" "${keyargs[@]}")
      printf '%s\t%s\t%s\tbackup\t%s\n' "$ds" "$r" "$mode" "${m/ /$'\t'}" >>"$RAW"
      STORED[$mode]=$(bytes_of "$STORE/bench/$name")
      if [ "$mode" = encrypted ] && ! grep -q 'cryptography: AWS-LC' "$LOGS/$name-backup.err"; then
        die "$name: the engine did not use AWS-LC ($(grep -h 'cryptography' "$LOGS/$name-backup.err" || echo 'no cryptography line')): the ratio would be the JDK's"
      fi
      m=$(cpu_run "$name-restore" "${STOWAGE[@]}" restore --storage "file://$STORE" --directory bench \
        --name "$name" --datadir "$OUT/enc-target" --quiet "${CONC_ARGS[@]}" "${keyargs[@]}")
      printf '%s\t%s\t%s\trestore\t%s\n' "$ds" "$r" "$mode" "${m/ /$'\t'}" >>"$RAW"
      if [ "$r" = 1 ]; then # not timed: the restored tree must be the source
        diff -r -q "$src" "$OUT/enc-target" >"$LOGS/$name.diff" 2>&1 ||
          die "restored $ds ($mode) differs from the source: $LOGS/$name.diff"
      fi
    done
    log "$ds pair $r: $(awk -F'\t' -v ds="$ds" -v r="$r" '$1 == ds && $2 == r { printf "%s %s %s s; ", $3, $4, $5 }' "$RAW")"
  done
  for op in backup restore; do
    # col FIELD MODE: that column of every run of this dataset, operation and mode, one a line
    col() { awk -F'\t' -v ds="$ds" -v op="$op" -v m="$2" -v f="$1" '$1 == ds && $4 == op && $3 == m { print $f }' "$RAW"; }
    pairs=$(awk -F'\t' -v ds="$ds" -v op="$op" '$1 == ds && $4 == op { s[$2, $3] = $5; r[$2] = 1 }
      END { for (i in r) print s[i, "plain"] / s[i, "encrypted"] }' "$RAW" | sort -g)
    ROWS+=("$(awk -v ds="$ds" -v op="$op" -v n="$size" -v p="$(col 5 plain | median)" -v e="$(col 5 encrypted | median)" \
      -v bp="$(col 5 plain | sort -g | head -1)" -v be="$(col 5 encrypted | sort -g | head -1)" \
      -v cp="$(col 6 plain | median)" -v ce="$(col 6 encrypted | median)" \
      -v med="$(median <<<"$pairs")" -v lo="$(head -1 <<<"$pairs")" -v hi="$(tail -1 <<<"$pairs")" \
      -v sp="${STORED[plain]}" -v se="${STORED[encrypted]}" 'BEGIN {
        printf "| %s | %s | %.1f | %.2f | %.2f | %.2f | %.2f | **%.2fx** | %.2f-%.2fx | %.2fx | %.2fx | %d / %d |",
          ds, op, n / 1e6, p, e, cp, ce, med, lo, hi, bp / be, cp / ce, sp, se }')")
  done
  unset STORED
done
rm -rf "$STORE" "$OUT/enc-target" "$KEY"

{
  echo "# Encrypted vs plain backup and restore ($STAMP)"
  echo
  echo "Host: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo);" \
    "load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg);" \
    "page cache dropped: $CAN_DROP; $([ "$QUICK" = 1 ] && echo quick || echo full) datasets;" \
    "zstd level $LEVEL; concurrency ${CONC:-engine default}; $REPEAT pairs per dataset (plain first in odd pairs, encrypted first in even ones)."
  echo "AES: $(grep -m1 -o -w aes /proc/cpuinfo >/dev/null && echo 'AES-NI present' || echo 'no AES-NI flag');" \
    "java: $("$JAVA" -version 2>&1 | head -1)."
  echo
  echo "| dataset | op | MB | plain s | encrypted s | plain CPU s | encrypted CPU s | **speed ratio** | pairs' range | best ÷ best | CPU ratio | stored bytes plain / encrypted |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Speed ratio: the median over the pairs of plain seconds ÷ encrypted seconds (a pair is one plain"
  echo "and one encrypted run, back to back, the order alternating); the target is >= 0.9x. Seconds and CPU seconds are each"
  echo "side's median; best ÷ best is the best plain time over the best encrypted time (how earlier reports"
  echo "were made); CPU ratio is plain ÷ encrypted CPU seconds (user + system, GNU time). Every time"
  echo "includes JVM start-up and a final \`sync\`; each side's first restore was checked with \`diff -r\`."
  echo "Runs: \`bench/results/encryption-$STAMP/raw.tsv\`."
} | tee "$REPORT"
log "report written to $REPORT"
