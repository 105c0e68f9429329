#!/usr/bin/env bash
# Stowage benchmark, S3 part: the same datasets through S3 (a local VersityGW on 127.0.0.1, posix
# backend, data on the same disk as the file-storage runs) vs file storage, backup and restore, at
# the engine's default S3 concurrency, with the S3 server's share of the CPU. See bench/README.md.
#
#   bash bench/s3.sh                 # alone: writes bench/results/bench-s3-<UTC time>.md
#   BENCH_QUICK=1 bash bench/s3.sh   # small datasets
#
# bench/run.sh (make bench) calls it at the end with BENCH_REPORT and BENCH_LOGS set: the section
# is then appended to that report and the logs go to that run's log directory.
#
# Environment: as bench/run.sh (STOWAGE_BENCH_DIR, STOWAGE_JAR, BENCH_QUICK, BENCH_LEVEL,
# BENCH_REPEAT, BENCH_DATASETS), plus BENCH_REPORT and BENCH_LOGS (set by run.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-s3
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
HZ=$(getconf CLK_TCK)
BUCKET=bench-bucket
REGION=us-east-1
# The engine's defaults for S3 (S3Storage.defaultConcurrency): backup max(4, cores), restore
# max(8, 2 x cores). The S3 runs pass no --concurrency (the default is what users get; the worker
# count the engine logs is checked against these); the file runs pass these numbers.
BACKUP_C=$((CORES > 4 ? CORES : 4))
RESTORE_C=$((2 * CORES > 8 ? 2 * CORES : 8))

if [ -n "${BENCH_REPORT:-}" ]; then
  REPORT=$BENCH_REPORT
  LOGS=${BENCH_LOGS:?BENCH_LOGS must be set with BENCH_REPORT}/s3
  STANDALONE=no
else
  REPORT=$RESULTS/bench-s3-$STAMP.md
  LOGS=$RESULTS/bench-s3-$STAMP
  STANDALONE=yes
fi
RAW=$LOGS/raw.tsv

# ---------------------------------------------------------------- prerequisites (fail loudly)
require_tools java awk nproc getconf diff
VGW=$(bash "$ROOT/scripts/ensure-versitygw.sh") || die "cannot build or find versitygw (scripts/ensure-versitygw.sh)"
[ -x "$VGW" ] || die "versitygw binary $VGW not executable"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
mkdir -p "$LOGS" "$OUT"
: >"$RAW"

bash "$HERE/datasets.sh" "$DATASETS"

init_page_cache

# ---------------------------------------------------------------- the S3 server
S3DIR=$OUT/s3                # versitygw's posix root: bucket = directory; same disk as $FSTORE
FSTORE=$OUT/s3-file-store    # file storage for the comparison runs
VGW_PID=
cleanup() {
  if [ -n "$VGW_PID" ] && kill -0 "$VGW_PID" 2>/dev/null; then
    kill "$VGW_PID" 2>/dev/null || true
    wait "$VGW_PID" 2>/dev/null || true
  fi
  VGW_PID=
  rm -rf "${S3DIR:?}" "${FSTORE:?}" "$OUT/s3-target"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    local p
    while :; do
      p=$((20000 + RANDOM % 20000))
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
  fi
}

rm -rf "$S3DIR" "$FSTORE"
mkdir -p "$S3DIR/$BUCKET" "$FSTORE" # the posix backend serves a directory of its root as a bucket
# Throwaway credentials for a server that only listens on loopback; passed through the environment
# (never on a command line) to the server and to the engine, never printed.
S3_ACCESS=bench$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
S3_SECRET=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
for attempt in 1 2 3; do
  PORT=$(free_port)
  ROOT_ACCESS_KEY="$S3_ACCESS" ROOT_SECRET_KEY="$S3_SECRET" \
    "$VGW" --port "127.0.0.1:$PORT" --region "$REGION" --quiet --keep-alive posix "$S3DIR" \
    </dev/null >>"$LOGS/versitygw.log" 2>&1 &
  VGW_PID=$!
  ready=no
  for _ in $(seq 1 200); do # 10 s
    kill -0 "$VGW_PID" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then ready=yes; break; fi
    sleep 0.05
  done
  [ "$ready" = yes ] && break
  log "versitygw did not start on port $PORT (attempt $attempt); see $LOGS/versitygw.log"
  kill "$VGW_PID" 2>/dev/null || true
  wait "$VGW_PID" 2>/dev/null || true
  VGW_PID=
done
[ -n "$VGW_PID" ] || die "versitygw did not start; see $LOGS/versitygw.log"
# Its CPU is read from /proc/$VGW_PID/stat (all threads): that must be the server, not a wrapper.
[ "$(cat "/proc/$VGW_PID/comm")" = versitygw ] || die "pid $VGW_PID is not versitygw"
log "versitygw (pid $VGW_PID) on 127.0.0.1:$PORT, data in $S3DIR"

export AWS_ACCESS_KEY_ID=$S3_ACCESS AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_REGION=$REGION
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE 2>/dev/null || true
S3URL="s3://$BUCKET/stowage?endpoint=http%3A%2F%2F127.0.0.1%3A$PORT&region=$REGION&pathStyle=true"

# CPU ticks (utime + stime) the server has used so far.
server_ticks() {
  local s
  s=$(cat "/proc/$VGW_PID/stat" 2>/dev/null) || die "versitygw (pid $VGW_PID) is gone; see $LOGS/versitygw.log"
  s=${s##*) } # the command name may hold spaces: fields after it start at field 3 (state)
  awk '{ print $12 + $13 }' <<<"$s"
}

# measure ID COMMAND...: drops caches, runs COMMAND under GNU time, then sync; sets M_SECS (wall
# time including the sync), M_CPU (engine user + system seconds), M_SRV (server CPU seconds over
# the same interval, sync included), M_RSS_KB, M_RC.
measure() {
  local id=$1
  shift
  drop_caches
  local t0 t1 k0 k1
  k0=$(server_ticks)
  t0=$(date +%s.%N)
  set +e
  /usr/bin/time -v -o "$LOGS/$id.time" "$@" >"$LOGS/$id.out" 2>"$LOGS/$id.err"
  M_RC=$?
  sync
  set -e
  t1=$(date +%s.%N)
  k1=$(server_ticks)
  M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  M_SRV=$(awk -v a="$k0" -v b="$k1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
  M_RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$LOGS/$id.time" 2>/dev/null || echo 0)
  M_CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$LOGS/$id.time" 2>/dev/null || echo 0)
  if [ "$M_RC" != 0 ]; then
    log "$id failed with exit $M_RC; see $LOGS/$id.err"
    tail -5 "$LOGS/$id.err" >&2 || true
  fi
}

BEST_SECS=
BEST_CPU=
BEST_SRV=
BEST_RC=
reset_best() { BEST_SECS=; BEST_CPU=; BEST_SRV=; BEST_RC=0; }
keep_best() {
  if [ "$M_RC" != 0 ]; then BEST_RC=$M_RC; fi
  if [ -z "$BEST_SECS" ] || awk -v a="$M_SECS" -v b="$BEST_SECS" 'BEGIN { exit !(a < b) }'; then
    BEST_SECS=$M_SECS
    BEST_CPU=$M_CPU
    BEST_SRV=$M_SRV
  fi
  return 0
}
# record DATASET OP STORAGE CONC BYTES NOTE
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$BEST_SECS" "$BEST_RC" \
    "$BEST_CPU" "$BEST_SRV" "$6" >>"$RAW"
}

STOWAGE=("$JAVA" "${ENGINE_JVM[@]}" -jar "$JAR")
join_notes() { if [ -n "$1" ] && [ -n "$2" ]; then echo "$1; $2"; else echo "$1$2"; fi; }
workers_of() { # ID -> the worker count the engine logged for that run ("... N workers")
  sed -nE 's/.* ([0-9]+) workers$/\1/p' "$LOGS/$1.err" 2>/dev/null | head -1
}
# check_workers ID EXPECTED: the run must have used the concurrency the table says
check_workers() {
  local used
  used=$(workers_of "$1")
  if [ "$M_RC" = 0 ] && [ "$used" != "$2" ]; then
    WNOTE="used ${used:-?} workers, not $2"
    log "$1: $WNOTE"
  fi
}

# ---------------------------------------------------------------- runs
for ds in $SETS; do
  src=$DATASETS/$ds
  size=$(bytes_of "$src")
  log "dataset $ds: $size bytes"

  for kind in file s3; do
    if [ "$kind" = file ]; then
      storage="file://$FSTORE"
      cflag=(--concurrency "$BACKUP_C")
      rflag=(--concurrency "$RESTORE_C")
      objroot=$FSTORE/bench
    else
      storage=$S3URL
      cflag=()
      rflag=()
      objroot=$S3DIR/$BUCKET/stowage/bench
    fi

    # backup; the first successful one is restored below
    main=
    WNOTE=
    reset_best
    for r in $(seq 1 "$REPEAT"); do
      name=2026-01-01.000000.$ds-$kind-r$r
      measure "$ds-backup-$kind-r$r" "${STOWAGE[@]}" backup --datadir "$src" --storage "$storage" \
        --directory bench --name "$name" --compression zstd --level "$LEVEL" "${cflag[@]}" \
        --result-file "$LOGS/$ds-backup-$kind-r$r.json"
      keep_best
      check_workers "$ds-backup-$kind-r$r" "$BACKUP_C"
      if [ "$M_RC" = 0 ] && [ -z "$main" ]; then
        main=$name
      else
        rm -rf "${objroot:?}/$name"
      fi
    done
    record "$ds" backup "$kind" "$BACKUP_C" "$size" "$WNOTE"

    # restore into an empty directory; the first S3 restore is compared with the source
    if [ -n "$main" ]; then
      reset_best
      note=
      WNOTE=
      for r in $(seq 1 "$REPEAT"); do
        rm -rf "$OUT/s3-target" && mkdir -p "$OUT/s3-target"
        measure "$ds-restore-$kind-r$r" "${STOWAGE[@]}" restore --storage "$storage" --directory bench \
          --name "$main" --datadir "$OUT/s3-target" "${rflag[@]}" \
          --result-file "$LOGS/$ds-restore-$kind-r$r.json"
        keep_best
        check_workers "$ds-restore-$kind-r$r" "$RESTORE_C"
        if [ "$kind" = s3 ] && [ -z "$note" ] && [ "$M_RC" = 0 ]; then
          # Not timed: the restored tree must be the source, or the speed means nothing.
          if diff -r -q "$src" "$OUT/s3-target" >"$LOGS/$ds-diff.txt" 2>&1; then
            note="restored tree = source (diff -r)"
          else
            note="restored tree DIFFERS"
            log "restored $ds differs from the source: see $LOGS/$ds-diff.txt"
          fi
        fi
      done
      record "$ds" restore "$kind" "$RESTORE_C" "$size" "$(join_notes "$note" "$WNOTE")"
      rm -rf "$OUT/s3-target"
    fi
    rm -rf "${objroot:?}"
  done
done

# ---------------------------------------------------------------- report
ELAPSED=$(($(date +%s) - T_START))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
cleanup
{
  if [ "$STANDALONE" = yes ]; then
    echo "# Stowage benchmark, S3 part, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    v=$(sed -nE 's/.*"engineVersion" *: *"([^"]*)".*/\1/p' "$LOGS"/*-backup-s3-r1.json 2>/dev/null | head -1)
    echo "Command: \`$( [ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 " )bash bench/s3.sh\`. Engine ${v:-?}; $(java -version 2>&1 | head -1);" \
      "$CORES cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r)."
  fi
  echo
  echo "## S3 (VersityGW on loopback)"
  echo
  echo "The same datasets through S3 (VersityGW v1.7.0, posix backend, on 127.0.0.1:$PORT, its data on" \
    "the same disk as the file storage) and through file storage, at the engine's default S3" \
    "concurrency: backup $BACKUP_C, restore $RESTORE_C (the S3 runs pass no \`--concurrency\`; the file runs" \
    "pass these). zstd level $LEVEL. Page cache dropped before every run: $CAN_DROP. Each time is the best of" \
    "$REPEAT run(s) and includes a final \`sync\` (which also makes the server's writes durable)." \
    "MB = 10^6 bytes of the uncompressed dataset. S3 / file = S3 MB/s ÷ file MB/s." \
    "Engine CPU s: user + system of the engine (GNU \`time -v\`); server CPU s: utime + stime of the" \
    "versitygw process over the same interval (\`/proc/PID/stat\`); server share = server ÷ (engine + server)." \
    "The server runs on the same $CORES cores as the engine. Load average at the start: $LOAD_START;" \
    "at the end: $LOAD_END. This part took ${ELAPSED} s."
  echo
  echo "| dataset | operation | storage | concurrency | seconds | MB/s | S3 / file | engine CPU s | server CPU s | server CPU share | note |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
  awk -F'\t' '
    {
      n++; D[n] = $1; O[n] = $2; K[n] = $3; C[n] = $4; S[n] = $6; RC[n] = $7; E[n] = $8; V[n] = $9; X[n] = $10
      M[n] = ($7 == 0 && $6 > 0) ? $5 / $6 / 1e6 : 0
      if ($3 == "file") F[$1, $2] = M[n]
    }
    END {
      for (i = 1; i <= n; i++) {
        ratio = ""; srv = "-"; share = "-"
        if (K[i] == "s3") {
          f = F[D[i], O[i]]
          if (f > 0 && M[i] > 0) ratio = sprintf("%.2fx", M[i] / f)
          srv = V[i]
          if (E[i] + V[i] > 0) share = sprintf("%.0f%%", 100 * V[i] / (E[i] + V[i]))
        }
        note = X[i]
        if (RC[i] != 0) note = "FAILED (exit " RC[i] ")" (note != "" ? "; " note : "")
        printf "| %s | %s | %s | %d | %.2f | %s | %s | %s | %s | %s | %s |\n", D[i], O[i], K[i], C[i], S[i],
          (M[i] > 0 ? sprintf("%.0f", M[i]) : "-"), ratio, E[i], srv, share, note
      }
    }' "$RAW"
  echo
  echo "S3 logs, GNU time output and result files: \`${LOGS#"$ROOT"/}/\`."
} | tee -a "$REPORT"
log "S3 section written to $REPORT (took ${ELAPSED} s)"
# Issue 12's "S3 backup and restore >= 0.8x file storage on loopback", as rows of make bench's table.
awk -F'\t' '
  { k = $1 SUBSEP $2; if ($3 == "file") { F[k] = $6; FC[k] = $8 } else { S[k] = $6; SC[k] = $8; SV[k] = $9; RC[k] = $7; order[++n] = k } }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, SUBSEP)
      if (!(k in F) || S[k] <= 0 || RC[k] != 0) continue
      v = F[k] / S[k]
      printf "S3 on loopback, plain HTTP (bench/s3.sh)\t%s %s: speed, S3 vs file storage\t%.2fx (%.2f vs %.2f s)\t>= 0.8x\t%s\tengine %.1f CPU-s on S3 vs %.1f on file; the S3 server %.1f CPU-s on the same cores\n",
        p[1], p[2], v, S[k], F[k], (v >= 0.8 ? "met" : "MISSED"), SC[k], FC[k], SV[k]
    }
  }' "$RAW" >"$LOGS/targets.tsv"
if [ -n "${BENCH_TARGETS:-}" ]; then cat "$LOGS/targets.tsv" >>"$BENCH_TARGETS"; fi
if awk -F'\t' '$7 != 0 || $10 ~ /DIFFERS|workers, not/ { bad = 1 } END { exit !bad }' "$RAW"; then
  die "some S3 or file runs failed or restored a different tree: see the table"
fi
