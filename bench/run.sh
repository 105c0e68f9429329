#!/usr/bin/env bash
# Stowage benchmark: the engine against the pipelines a user would otherwise run, on the same
# machine, in one run, with the machine's ceilings measured alongside. See bench/README.md.
#
#   make bench                  # full: 2 GiB file, 5,000 small files, ~1 GiB MariaDB datadir
#   BENCH_QUICK=1 make bench    # smoke check on small datasets (a couple of minutes)
#
# Environment: STOWAGE_BENCH_DIR (datasets and scratch; default /var/tmp/stowage-bench),
# STOWAGE_JAR, BENCH_LEVEL (zstd level, default 1), BENCH_CONCURRENCY (default "1 2 4"),
# BENCH_REPEAT (runs per measurement, best kept; default 2, 1 when quick), BENCH_DATASETS
# (default "big small datadir").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
# 1 to 8 workers: 8 is the engine's default for a restore on these 2 cores, 4 for a backup.
CONCS=${BENCH_CONCURRENCY:-1 2 4 8}
RSS_CONC=8
# The memory bound is checked at concurrency 8: an extra single run only if CONCS lacks it.
RSS_EXTRA=$RSS_CONC
case " $CONCS " in *" $RSS_CONC "*) RSS_EXTRA= ;; esac
MAXC=$(tr ' ' '\n' <<<"$CONCS" | sort -n | tail -1)

LOGS=$RESULTS/bench-$STAMP
REPORT=$RESULTS/bench-$STAMP.md
RAW=$LOGS/raw.tsv
# Every script of this run appends its rows of issue 12's targets here (lib.sh's target()).
export BENCH_TARGETS=$LOGS/all-targets.tsv

# ---------------------------------------------------------------- prerequisites (fail loudly)
require_tools java tar zstd dd awk nproc

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$LOGS" "$OUT"
: >"$RAW"
: >"$BENCH_TARGETS"

bash "$HERE/datasets.sh" "$DATASETS"

init_page_cache

# record DATASET OP TOOL CONC BYTES STORED_BYTES: best (fastest) of the runs just measured.
BEST_SECS=
BEST_RSS=
BEST_RC=
BEST_CPU=
reset_best() { BEST_SECS=; BEST_RSS=0; BEST_RC=0; BEST_CPU=; }
keep_best() {
  if [ "$M_RC" != 0 ]; then
    BEST_RC=$M_RC
  fi
  if [ -z "$BEST_SECS" ] || awk -v a="$M_SECS" -v b="$BEST_SECS" 'BEGIN { exit !(a < b) }'; then
    BEST_SECS=$M_SECS
    BEST_CPU=$M_CPU
  fi
  [ "${M_RSS_KB:-0}" -gt "$BEST_RSS" ] && BEST_RSS=$M_RSS_KB
  return 0
}
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$BEST_SECS" "$BEST_RSS" \
    "$BEST_RC" "$6" "$BEST_CPU" >>"$RAW"
}

STOWAGE=("$JAVA" "${ENGINE_JVM[@]}" -jar "$JAR") # an array, not a function: GNU time runs it
STORE="file://$OUT/store"

# ---------------------------------------------------------------- ceilings
log "measuring ceilings..."
declare -A ZC ZD
sample_for() { # dataset -> a file of at most 512 MiB of its bytes, as a tar stream would carry them
  local ds=$1 f=$OUT/sample-$ds
  if [ "$ds" = big ]; then
    head -c $((512 << 20)) "$DATASETS/big/big.ibd" >"$f"
  else
    (cd "$DATASETS/$ds" && tar -cf - .) | head -c $((512 << 20)) >"$f" || true
  fi
  echo "$f"
}
for ds in $SETS; do
  f=$(sample_for "$ds")
  line=$(zstd -b"$LEVEL" -e"$LEVEL" -i3 -T1 "$f" 2>&1 | tr '\r' '\n' | grep -E 'MB/s, *[0-9.]+ MB/s' | tail -1)
  ZC[$ds]=$(sed -E 's/.*\), *([0-9.]+) MB\/s, *([0-9.]+) MB\/s.*/\1/' <<<"$line")
  ZD[$ds]=$(sed -E 's/.*\), *([0-9.]+) MB\/s, *([0-9.]+) MB\/s.*/\2/' <<<"$line")
  rm -f "$f"
  log "zstd -$LEVEL on $ds, one core: compress ${ZC[$ds]} MB/s, decompress ${ZD[$ds]} MB/s"
done
dd_rate() { # parses dd's summary line into MB/s (10^6 bytes)
  awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^copied/) s = $(i + 1); print $1 / s / 1e6 }'
}
DD_COUNT=$([ "$QUICK" = 1 ] && echo 128 || echo 512)
drop_caches
disk_write() { dd if=/dev/zero of="$OUT/dd.bin" bs=4M count="$DD_COUNT" conv=fsync 2>&1 | dd_rate; }
DISK_WRITE_START=$(disk_write)
drop_caches
DISK_READ=$(dd if="$OUT/dd.bin" of=/dev/null bs=4M 2>&1 | dd_rate)
rm -f "$OUT/dd.bin"
log "disk: write+fsync $DISK_WRITE_START MB/s, read $DISK_READ MB/s"

# ---------------------------------------------------------------- runs
ENGINE_VERSION=?
for ds in $SETS; do
  src=$DATASETS/$ds
  size=$(bytes_of "$src")
  log "dataset $ds: $size bytes"
  rm -rf "$OUT/store" "$OUT/target" "$OUT/base.tar.zst"
  mkdir -p "$OUT/store"

  # backup: tar | zstd
  reset_best
  for r in $(seq 1 "$REPEAT"); do
    rm -f "$OUT/base.tar.zst"
    measure "$ds-backup-tar-r$r" bash -c \
      "cd '$src' && tar -cf - . | zstd -T0 -$LEVEL -q -o '$OUT/base.tar.zst'"
    keep_best
  done
  record "$ds" backup "tar | zstd -T0 -$LEVEL" "$CORES" "$size" "$(bytes_of "$OUT/base.tar.zst")"

  # backup: stowage at each concurrency; the backup taken at the highest one is restored below
  for c in $CONCS $RSS_EXTRA; do
    reset_best
    reps=$REPEAT
    [ "$c" = "$RSS_EXTRA" ] && reps=1
    for r in $(seq 1 "$reps"); do
      name=2026-01-01.000000.$ds-c$c-r$r
      measure "$ds-backup-stowage-c$c-r$r" "${STOWAGE[@]}" backup --datadir "$src" --storage "$STORE" \
        --directory bench --name "$name" --compression zstd --level "$LEVEL" --concurrency "$c" \
        --result-file "$LOGS/$ds-backup-stowage-c$c-r$r.json"
      keep_best
      stored=$(bytes_of "$OUT/store/bench/$name" 2>/dev/null || echo 0)
      if [ "$c" = "$MAXC" ] && [ "$r" = 1 ] && [ "$M_RC" = 0 ]; then
        main=$name
      else
        rm -rf "${OUT:?}/store/bench/$name"
      fi
    done
    op=backup
    [ "$c" = "$RSS_EXTRA" ] && op=backup-rss
    record "$ds" "$op" "stowage" "$c" "$size" "$stored"
  done
  v=$(sed -nE 's/.*"engineVersion" *: *"([^"]*)".*/\1/p' "$LOGS/$ds-backup-stowage-c$MAXC-r1.json" 2>/dev/null | head -1)
  if [ -n "$v" ]; then ENGINE_VERSION=$v; fi

  # restore: zstd -d | tar -x
  reset_best
  for r in $(seq 1 "$REPEAT"); do
    rm -rf "$OUT/target" && mkdir -p "$OUT/target"
    measure "$ds-restore-tar-r$r" bash -c "zstd -d -c -q '$OUT/base.tar.zst' | tar -xf - -C '$OUT/target'"
    keep_best
  done
  record "$ds" restore "zstd -d | tar -x" 1 "$size" ""
  rm -rf "$OUT/target" "$OUT/base.tar.zst"

  # restore: stowage at each concurrency (and once at $RSS_CONC for the memory bound if CONCS lacks it)
  if [ -n "${main:-}" ]; then
    checked=no
    for c in $CONCS $RSS_EXTRA; do
      reset_best
      reps=$REPEAT
      [ "$c" = "$RSS_EXTRA" ] && reps=1
      for r in $(seq 1 "$reps"); do
        rm -rf "$OUT/target" && mkdir -p "$OUT/target"
        measure "$ds-restore-stowage-c$c-r$r" "${STOWAGE[@]}" restore --storage "$STORE" --directory bench \
          --name "$main" --datadir "$OUT/target" --concurrency "$c" \
          --result-file "$LOGS/$ds-restore-stowage-c$c-r$r.json"
        keep_best
        if [ "$checked" = no ] && [ "$M_RC" = 0 ]; then
          # Not timed: the restored tree must be the source, or the speed means nothing.
          if diff -r -q "$src" "$OUT/target" >"$LOGS/$ds-diff.txt" 2>&1; then
            checked=yes
          else
            log "restored $ds differs from the source: see $LOGS/$ds-diff.txt"
            checked=MISMATCH
          fi
          check_note=$checked
        fi
      done
      op=restore
      [ "$c" = "$RSS_EXTRA" ] && op=restore-rss
      record "$ds" "$op" "stowage" "$c" "$size" "${check_note:-}"
      check_note=
    done
    rm -rf "$OUT/target"
  fi

  # big file only: chunking off, for the chunked-vs-unchunked restore comparison
  if [ "$ds" = big ]; then
    name=2026-01-01.000000.big-unchunked
    reset_best
    measure "big-backup-unchunked" "${STOWAGE[@]}" backup --datadir "$src" --storage "$STORE" \
      --directory bench --name "$name" --compression zstd --level "$LEVEL" --concurrency "$MAXC" \
      --chunk-threshold 0
    keep_best
    record big backup-unchunked stowage "$MAXC" "$size" "$(bytes_of "$OUT/store/bench/$name" 2>/dev/null || echo 0)"
    if [ "$M_RC" = 0 ]; then
      reset_best
      for r in $(seq 1 "$REPEAT"); do
        rm -rf "$OUT/target" && mkdir -p "$OUT/target"
        measure "big-restore-unchunked-r$r" "${STOWAGE[@]}" restore --storage "$STORE" --directory bench \
          --name "$name" --datadir "$OUT/target" --concurrency "$MAXC"
        keep_best
      done
      record big restore-unchunked stowage "$MAXC" "$size" ""
    fi
    rm -rf "$OUT/target"
  fi
  rm -rf "$OUT/store"
  main=
done

# ---------------------------------------------------------------- report
# A shared disk's write speed drifts within minutes: measure again at the end and keep the faster.
drop_caches
DISK_WRITE_END=$(disk_write)
rm -f "$OUT/dd.bin"
DISK_WRITE=$(awk -v a="$DISK_WRITE_START" -v b="$DISK_WRITE_END" 'BEGIN { print (a > b) ? a : b }')
log "disk: write+fsync at the end $DISK_WRITE_END MB/s"
{
  echo "# Stowage benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`$( [ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 " )make bench\` (bench/run.sh)." \
    "Engine $ENGINE_VERSION; $(java -version 2>&1 | head -1), engine JVM flags \`${ENGINE_JVM[*]}\`; zstd $(zstd -V | sed -E 's/.* v([0-9.]+).*/\1/');" \
    "$CORES cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
    "kernel $(uname -r). zstd level $LEVEL everywhere. Page cache dropped before every run: $CAN_DROP." \
    "Each time is the best of $REPEAT run(s) and includes a final \`sync\`. MB = 10^6 bytes; MB/s is" \
    "of the uncompressed dataset. Load average at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)" \
    "(other work on the machine makes every number here lower and noisier)."
  echo
  echo "## Ceilings measured in this run"
  echo
  echo "| ceiling | MB/s |"
  echo "|---|---:|"
  for ds in $SETS; do
    echo "| zstd -$LEVEL compress, one core × $CORES, on $ds (\`zstd -b$LEVEL -T1\`) | $(awk -v a="${ZC[$ds]}" -v c="$CORES" 'BEGIN { printf "%.0f (%.0f × %d)", a * c, a, c }') |"
    echo "| zstd -$LEVEL decompress, one core × $CORES, on $ds | $(awk -v a="${ZD[$ds]}" -v c="$CORES" 'BEGIN { printf "%.0f (%.0f × %d)", a * c, a, c }') |"
  done
  echo "| disk write with fsync (\`dd conv=fsync\`), faster of start and end | $(printf '%.0f (%.0f, %.0f)' "$DISK_WRITE" "$DISK_WRITE_START" "$DISK_WRITE_END") |"
  echo "| disk read, cold cache (\`dd\`) | $(printf '%.0f' "$DISK_READ") |"
  echo
  echo "Backup ceiling = compress ceiling; restore ceiling = min(decompress ceiling, disk write)."
  echo "CPU s = user + system CPU seconds of the run (all processes of a pipeline): a run whose CPU"
  echo "seconds are well below seconds × cores waited on the disk (or on other work on the machine)."
  echo
  echo "## Results"
  echo
  echo "| dataset | operation | tool | concurrency | seconds | MB/s | vs baseline | of ceiling | stored / raw | CPU s | peak RSS MiB | note |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk -F'\t' -v OFS=' | ' -v cores="$CORES" -v dw="$DISK_WRITE" \
    -v zc="$(for ds in $SETS; do printf '%s=%s,' "$ds" "${ZC[$ds]}"; done)" \
    -v zd="$(for ds in $SETS; do printf '%s=%s,' "$ds" "${ZD[$ds]}"; done)" '
    function parse(s, arr,   n, i, kv, parts) {
      n = split(s, parts, ",")
      for (i = 1; i <= n; i++) if (parts[i] != "") { split(parts[i], kv, "="); arr[kv[1]] = kv[2] }
    }
    BEGIN { parse(zc, ZC); parse(zd, ZD) }
    {
      ds = $1; op = $2; tool = $3; conc = $4; size = $5; secs = $6; rss = $7; rc = $8; extra = $9
      mbs = (rc == 0 && secs > 0) ? size / secs / 1e6 : 0
      n++; D[n] = ds; O[n] = op; T[n] = tool; C[n] = conc; M[n] = mbs; S[n] = secs; R[n] = rss
      X[n] = extra; RC[n] = rc; Z[n] = size; CPU[n] = $10
      if (tool ~ /^tar/) base[ds, "backup"] = mbs
      if (tool ~ /^zstd -d/) base[ds, "restore"] = mbs
    }
    END {
      for (i = 1; i <= n; i++) {
        kind = (O[i] ~ /^backup/) ? "backup" : "restore"
        b = base[D[i], kind]
        vs = (T[i] == "stowage" && b > 0 && M[i] > 0) ? sprintf("%.2fx", M[i] / b) : (T[i] == "stowage" ? "" : "baseline")
        ceil = (kind == "backup") ? ZC[D[i]] * cores : ZD[D[i]] * cores
        if (kind == "restore" && dw + 0 < ceil) ceil = dw
        frac = (M[i] > 0 && ceil > 0) ? sprintf("%.2f", M[i] / ceil) : ""
        stored = ""; note = ""
        if (kind == "backup" && X[i] + 0 > 0) stored = sprintf("%.3f", X[i] / Z[i])
        if (kind == "restore" && X[i] != "") note = (X[i] == "yes") ? "restored tree = source (diff -r)" : "restored tree DIFFERS"
        if (O[i] ~ /-rss$/) note = "memory bound check"
        if (RC[i] != 0) note = "FAILED (exit " RC[i] ")"
        np = split(T[i], parts, "|"); tool = parts[1]   # escape | for markdown, in any awk
        for (k = 2; k <= np; k++) tool = tool "\\|" parts[k]
        print "| " D[i], O[i], tool, C[i], sprintf("%.2f", S[i]), (M[i] > 0 ? sprintf("%.0f", M[i]) : "-"), vs, frac, stored, CPU[i], sprintf("%.0f", R[i] / 1024), note " |"
      }
    }' "$RAW"
  echo
  echo "## Targets (issue 2)"
  echo
  awk -F'\t' -v cores="$CORES" -v maxc="$MAXC" -v zcb="${ZC[big]:-0}" -v rssc="$RSS_CONC" -v concs="$CONCS" '
    { key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4; mbs[key] = ($8 == 0 && $6 > 0) ? $5 / $6 / 1e6 : 0; rss[key] = $7 }
    $3 ~ /^tar/ { tarb[$1] = ($6 > 0) ? $5 / $6 / 1e6 : 0 }
    $3 ~ /^zstd -d/ { untar[$1] = ($6 > 0) ? $5 / $6 / 1e6 : 0 }
    $3 == "stowage" && $7 > maxrss { maxrss = $7; maxrssat = $1 " " $2 " c=" $4 }
    function verdict(ok) { return ok ? "met" : "MISSED" }
    END {
      sb = mbs["big", "backup", "stowage", cores]; if (sb == 0) sb = mbs["big", "backup", "stowage", maxc]
      ur = mbs["big", "restore-unchunked", "stowage", maxc]
      n = split(concs, cs, " ")
      for (i = 1; i <= n; i++) if (mbs["big", "restore", "stowage", cs[i]] > cr) { cr = mbs["big", "restore", "stowage", cs[i]]; crc = cs[i] }
      if (tarb["big"] > 0) printf "- Backup of the big file at concurrency %d vs tar | zstd: %.2fx (target >= 1.0): %s\n", cores, sb / tarb["big"], verdict(sb >= tarb["big"])
      for (d in tarb) if (d != "big") { s = mbs[d, "backup", "stowage", cores]; printf "- Backup of %s at concurrency %d vs tar | zstd: %.2fx (target >= 1.0): %s\n", d, cores, (tarb[d] > 0 ? s / tarb[d] : 0), verdict(s >= tarb[d]) }
      if (zcb > 0) printf "- Backup of the big file vs compression ceiling: %.2f (target >= 0.8): %s\n", sb / (zcb * cores), verdict(sb >= 0.8 * zcb * cores)
      if (ur > 0) printf "- Chunked restore of the big file (best, at concurrency %d) vs unchunked: %.2fx (target >= 1.5): %s\n", crc, cr / ur, verdict(cr >= 1.5 * ur)
      if (untar["big"] > 0) printf "- Chunked restore of the big file (best, at concurrency %d) vs zstd -d | tar -x: %.2fx (target >= 1.3): %s\n", crc, cr / untar["big"], verdict(cr >= 1.3 * untar["big"])
      printf "- Peak RSS of the engine, all runs (backup and restore at concurrency up to %d): %.0f MiB, in %s (target <= 512): %s\n", rssc, maxrss / 1024, maxrssat, verdict(maxrss <= 512 * 1024)
    }' "$RAW"
  echo
  echo "Logs, per-run GNU time output and result files: \`bench/results/bench-$STAMP/\`."
} | tee "$REPORT"
log "report written to $REPORT"

# Issue 12's targets that file storage measures, as rows of the table make bench ends with.
awk -F'\t' -v cores="$CORES" -v zcb="${ZC[big]:-0}" -v dr="$DISK_READ" -v dw="$DISK_WRITE" '
  function mbs(i) { return (RC[i] == 0 && S[i] > 0) ? Z[i] / S[i] / 1e6 : 0 }
  {
    n++; D[n] = $1; O[n] = $2; T[n] = $3; C[n] = $4; Z[n] = $5; S[n] = $6; R[n] = $7; RC[n] = $8; CPU[n] = $10
    if ($3 ~ /^tar/) { base[$1, "backup"] = n }
    if ($3 ~ /^zstd -d/) { base[$1, "restore"] = n }
    if ($3 == "stowage" && ($2 == "backup" || $2 == "restore") && mbs(n) > mbs(best[$1, $2])) best[$1, $2] = n
    if ($3 == "stowage" && $7 > maxrss) { maxrss = $7; maxat = $1 " " $2 " at concurrency " $4 }
  }
  function row(area, what, measured, goal, ok, evidence) {
    printf "%s\t%s\t%s\t%s\t%s\t%s\n", area, what, measured, goal, (ok ? "met" : "MISSED"), evidence
  }
  END {
    i = best["big", "backup"]
    if (i && zcb > 0) {
      ceil = zcb * cores; r = mbs(i) / ceil
      row("file storage", "big-file backup vs the compression ceiling (zstd -1 on one core x " cores ")",
        sprintf("%.2f (%.0f of %.0f MB/s)", r, mbs(i), ceil), ">= 0.85", r >= 0.85,
        sprintf("engine %.1f CPU-s at concurrency %d in %.2f s; zstd alone needs %.1f CPU-s for these bytes; disk read %.0f MB/s cold", CPU[i], C[i], S[i], Z[i] / zcb / 1e6, dr))
    }
    split("backup restore", ops, " ")
    for (k = 1; k <= 2; k++) {
      op = ops[k]; i = best["small", op]; b = base["small", op]
      if (!i || !b || mbs(b) == 0) continue
      goal = (op == "backup") ? 1.0 : 0.8; r = mbs(i) / mbs(b)
      row("file storage", "many small files (small dataset) " op " vs " (op == "backup" ? "tar | zstd -T0" : "zstd -d | tar -x") ", sync included",
        sprintf("%.2fx (%.0f vs %.0f MB/s)", r, mbs(i), mbs(b)), ">= " sprintf("%.1f", goal) "x", r >= goal,
        sprintf("engine %.2f s, %.1f CPU-s at concurrency %d; baseline %.2f s, %.1f CPU-s", S[i], CPU[i], C[i], S[b], CPU[b]))
    }
    if (maxrss > 0) row("file storage", "peak RSS, every run up to concurrency 8", sprintf("%.0f MiB", maxrss / 1024), "<= 512 MiB", maxrss <= 512 * 1024, "largest in " maxat)
  }' "$RAW" >"$LOGS/targets.tsv"
if [ -n "${BENCH_TARGETS:-}" ]; then cat "$LOGS/targets.tsv" >>"$BENCH_TARGETS"; fi

# S3 (a local VersityGW) vs file storage: bench/s3.sh appends its section to the same report.
BENCH_REPORT=$REPORT BENCH_LOGS=$LOGS BENCH_QUICK=$QUICK STOWAGE_JAR=$JAR STOWAGE_BENCH_DIR=$BASE \
  BENCH_LEVEL=$LEVEL BENCH_REPEAT=$REPEAT BENCH_DATASETS=$SETS bash "$HERE/s3.sh"

# The S3-shaped link and the S3 CPU profile (issue 12) need root: a network namespace and qdiscs.
# BENCH_S3_LINK=0 leaves them out (their targets then show as not run).
if [ "$(id -u)" = 0 ] && [ "${BENCH_S3_LINK:-1}" = 1 ]; then
  STOWAGE_JAR=$JAR STOWAGE_BENCH_DIR=$BASE BENCH_QUICK=$QUICK BENCH_LEVEL=$LEVEL bash "$HERE/s3-link.sh"
  STOWAGE_JAR=$JAR STOWAGE_BENCH_DIR=$BASE BENCH_QUICK=$QUICK BENCH_LEVEL=$LEVEL bash "$HERE/s3-cpu.sh"
else
  why=$([ "$(id -u)" = 0 ] && echo "BENCH_S3_LINK=0" || echo "not root: a network namespace and qdiscs need it")
  for t in "chunked restore vs one stream per file" "chunked restore vs the link ceiling" \
    "chunked backup vs unchunked" "one unchunked object, ranged GETs vs one stream" \
    "engine CPU-s per GiB, S3 vs file storage" "speed, S3 vs file storage"; do
    target "S3 (bench/s3-link.sh, bench/s3-cpu.sh)" "$t" "not run" "" "MISSED" "$why"
  done
fi
{
  echo
  bash "$HERE/targets.sh" "$BENCH_TARGETS"
} | tee -a "$REPORT"
