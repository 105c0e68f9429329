#!/usr/bin/env bash
# Stowage benchmark: what chunking buys on a link shaped like S3 (issue 12). In one run, over TLS,
# with a per-connection rate cap on both directions:
#   - backup chunked (the defaults) vs unchunked (--chunk-threshold 0);
#   - restore of the chunked backup vs the unchunked one read one stream per file
#     (--s3-ranged-get=false), as Vitess restores an unchunked backup; and the unchunked one with
#     ranged GETs (the default), for reference;
#   - the link's aggregate ceiling: a plain parallel download of the same stored bytes with curl
#     (N ranged GETs of the unchunked object, signed with --aws-sigv4, over the same TLS).
#
#   bash bench/s3-link.sh                 # writes bench/results/bench-s3-link-<UTC time>.md
#   BENCH_QUICK=1 bash bench/s3-link.sh   # the small datasets
#
# Environment: as bench/s3.sh (STOWAGE_BENCH_DIR, STOWAGE_JAR, BENCH_QUICK, BENCH_LEVEL,
# BENCH_REPEAT), plus BENCH_FLOW_MBIT (default 400: 50 MB/s per connection), BENCH_LINK_SETS
# (default "big datadir") and BENCH_CEILING_STREAMS (default 8, the engine's S3 restore workers
# on 2 cores). Needs root (ip netns, tc), openssl and curl.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-s3-link
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
# shellcheck source=bench/s3-link.lib.sh
. "$HERE/s3-link.lib.sh"
LINK_SETS=${BENCH_LINK_SETS:-big datadir}
STREAMS=${BENCH_CEILING_STREAMS:-8}
REPORT=$RESULTS/bench-s3-link-$STAMP.md
LOGS=$RESULTS/bench-s3-link-$STAMP
RAW=$LOGS/raw.tsv

require_tools java awk ip tc openssl curl cmp
[ "$(id -u)" = 0 ] || die "needs root: it creates a network namespace and tc qdiscs"
VGW=$(bash "$ROOT/scripts/ensure-versitygw.sh") || die "cannot build or find versitygw"
mkdir -p "$LOGS" "$OUT"
: >"$RAW"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

bash "$HERE/datasets.sh" "$DATASETS"
init_page_cache

S3DIR=$OUT/s3-link
TARGET=$OUT/s3-link-target
cleanup() {
  s3link_cleanup
  rm -rf "${S3DIR:?}" "${TARGET:?}" "${LOGS:?}/tls"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

s3link_start_tls "$VGW" on
STOWAGE=("$JAVA" "${ENGINE_JVM[@]}" -jar "$JAR")

# row SET OPERATION VARIANT SECONDS CPU RSS_KB BYTES: one line of the raw table
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

# best ID-PREFIX COMMAND...: the fastest of REPEAT runs; {r} in the arguments becomes the run
# number; sets BEST_SECS BEST_CPU BEST_RSS and the id of the best run in BEST_ID
best() {
  local prefix=$1 r id
  shift
  BEST_SECS=
  for r in $(seq 1 "$REPEAT"); do
    id=$prefix-r$r
    local -a args=()
    for a in "$@"; do args+=("${a//\{r\}/$r}"); done
    [ -n "${BEFORE_EACH:-}" ] && eval "$BEFORE_EACH"
    measure "$id" "${args[@]}"
    [ "$M_RC" = 0 ] || die "$id failed"
    if [ -z "$BEST_SECS" ] || awk -v a="$M_SECS" -v b="$BEST_SECS" 'BEGIN { exit !(a < b) }'; then
      BEST_SECS=$M_SECS BEST_CPU=$M_CPU BEST_RSS=$M_RSS_KB BEST_ID=$id
    fi
  done
}

# ceiling KEY SIZE: STREAMS parallel ranged GETs of one object to /dev/null; sets M_SECS
ceiling() {
  local key=$1 size=$2 part i from to t0 t1 pid
  local -a pids=()
  part=$(((size + STREAMS - 1) / STREAMS))
  drop_caches
  t0=$(date +%s.%N)
  for i in $(seq 0 $((STREAMS - 1))); do
    from=$((i * part))
    to=$((from + part - 1))
    [ "$from" -lt "$size" ] || break
    [ "$to" -lt "$size" ] || to=$((size - 1))
    curl -sS --fail --cacert "$S3_CA" --aws-sigv4 "aws:amz:$REGION:s3" \
      --user "$S3_ACCESS:$S3_SECRET" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
      -r "$from-$to" -o /dev/null "https://$NS_IP:$PORT/$BUCKET/$key" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || die "a ranged GET of $key failed"
  done
  t1=$(date +%s.%N)
  M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

for set in $LINK_SETS; do
  SRC=$DATASETS/$set
  [ -d "$SRC" ] || die "dataset $set not found in $DATASETS"
  RAW_BYTES=$(bytes_of "$SRC")
  for variant in chunked unchunked; do
    chunking=()
    [ "$variant" = unchunked ] && chunking=(--chunk-threshold 0)
    BEFORE_EACH=
    best "backup-$set-$variant" "${STOWAGE[@]}" backup --datadir "$SRC" --storage "$S3URL" \
      --directory "bench/$set" --name "$variant-{r}" "${chunking[@]}" --compression zstd \
      --level "$LEVEL" --quiet --result-file "$LOGS/backup-$set-$variant-r{r}.json"
    stored=$(sed -nE 's/.*"bytesStored" *: *([0-9]+).*/\1/p' "$LOGS/$BEST_ID.json")
    row "$set" backup "$variant" "$BEST_SECS" "$BEST_CPU" "$BEST_RSS" "$stored"
    eval "STORED_${set}_$variant=$stored"
  done
  log "$set: $RAW_BYTES raw bytes; stored chunked $(eval echo "\$STORED_${set}_chunked"), unchunked $(eval echo "\$STORED_${set}_unchunked")"

  BEFORE_EACH='rm -rf "$TARGET" && mkdir -p "$TARGET"'
  for variant in chunked unchunked-one-stream unchunked-ranged; do
    case $variant in
      chunked) name=chunked-1 extra=() ;;
      unchunked-one-stream) name=unchunked-1 extra=(--s3-ranged-get=false) ;;
      unchunked-ranged) name=unchunked-1 extra=(--s3-ranged-get=true) ;;
    esac
    best "restore-$set-$variant" "${STOWAGE[@]}" restore --storage "$S3URL" --directory "bench/$set" \
      --name "$name" --datadir "$TARGET" "${extra[@]}" --quiet --result-file "$LOGS/restore-$set-$variant-r{r}.json"
    row "$set" restore "$variant" "$BEST_SECS" "$BEST_CPU" "$BEST_RSS" \
      "$(eval echo "\$STORED_${set}_${variant%%-*}")"
    if [ "$variant" = chunked ]; then # not timed again: the bytes must be the source's
      diff -r "$SRC" "$TARGET" >/dev/null || die "restore-$set-chunked restored different bytes"
    fi
  done

  # the ceiling: the biggest object of the unchunked backup, STREAMS ranged GETs at once
  # (the posix backend keeps each object as a file of the same name under the bucket)
  biggest=$(cd "$S3DIR/$BUCKET" && find "stowage/bench/$set/unchunked-1" -type f -printf '%s %p\n' |
    sort -n | tail -1)
  read -r bsize bkey <<<"$biggest"
  [ -n "${bkey:-}" ] && [ "$bsize" -gt 0 ] || die "no object found for the ceiling of $set"
  cbest=
  for r in $(seq 1 "$REPEAT"); do
    ceiling "$bkey" "$bsize"
    if [ -z "$cbest" ] || awk -v a="$M_SECS" -v b="$cbest" 'BEGIN { exit !(a < b) }'; then cbest=$M_SECS; fi
  done
  row "$set" ceiling "curl x$STREAMS" "$cbest" "" "" "$bsize"
done

ELAPSED=$(($(date +%s) - T_START))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
cleanup
{
  echo "# Stowage benchmark: chunked vs unchunked on an S3-shaped link, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`$([ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 ")bash bench/s3-link.sh\`." \
    "$(java -version 2>&1 | head -1); $CORES cores; kernel $(uname -r). Load average at the start: $LOAD_START; at the end: $LOAD_END; ${ELAPSED} s."
  echo
  echo "VersityGW v1.7.0 (posix) over TLS (a CA and certificate made for the run, passed with" \
    "\`caBundle\`) in a network namespace over a veth pair; htb + u32 caps every TCP connection at" \
    "${FLOW_MBIT} Mbit/s ($((FLOW_MBIT / 8)) MB/s) in both directions; no added latency (this kernel" \
    "has no netem). The engine's S3 defaults (backup 4 workers, restore max(8, 2 x cores); chunks of" \
    "64 MiB above 64 MiB). Page cache dropped before every run, \`sync\` inside the time, best of" \
    "$REPEAT. MB = 10^6 bytes; raw MB/s = the dataset's bytes ÷ seconds; stored MB/s = the bytes" \
    "that crossed the link ÷ seconds. The ceiling is $STREAMS parallel ranged GETs of the biggest object" \
    "of the unchunked backup with curl (to /dev/null, no decompression, no disk). The chunked restore is" \
    "compared with \`diff -r\` against the source."
  echo
  echo "| dataset | operation | variant | seconds | raw MB/s | stored MB/s | engine CPU s | peak RSS MiB |"
  echo "|---|---|---|---:|---:|---:|---:|---:|"
  for set in $LINK_SETS; do
    raw=$(bytes_of "$DATASETS/$set")
    awk -F'\t' -v set="$set" -v raw="$raw" '$1 == set {
      rawr = ($3 ~ /^curl/) ? "" : sprintf("%.0f", raw / $4 / 1e6)
      printf "| %s | %s | %s | %.2f | %s | %.0f | %s | %s |\n", $1, $2, $3, $4, rawr, $7 / $4 / 1e6,
        $5, ($6 == "" ? "" : sprintf("%.0f", $6 / 1024))
    }' "$RAW"
  done
  echo
  echo "Against issue 12's targets (each a ratio in this run):"
  echo
  awk -F'\t' '
    { S[$1 "/" $2 "/" $3] = $4; B[$1 "/" $2 "/" $3] = $7; sets[$1] = 1 }
    function verdict(v, t) { return (v >= t ? "met" : "missed") }
    END {
      for (s in sets) {
        cb = S[s "/backup/chunked"]; ub = S[s "/backup/unchunked"]
        cr = S[s "/restore/chunked"]; ur = S[s "/restore/unchunked-one-stream"]
        c = S[s "/ceiling/curl x'"$STREAMS"'"]; cbytes = B[s "/ceiling/curl x'"$STREAMS"'"]
        crate = B[s "/restore/chunked"] / cr; ceil = cbytes / c
        printf "- %s: chunked restore %.2fx the unchunked one-stream restore (target 2x: %s);", s, ur / cr, verdict(ur / cr, 2)
        printf " chunked restore at %.2f of the ceiling in stored MB/s (target 0.8: %s);", crate / ceil, verdict(crate / ceil, 0.8)
        printf " chunked backup %.2fx unchunked (target 1.5x: %s)\n", ub / cb, verdict(ub / cb, 1.5)
      }
    }' "$RAW"
  echo
  echo "Logs: \`${LOGS#"$ROOT"/}/\`."
} | tee "$REPORT"
# Issue 12's targets this link measures, as rows of the table make bench ends with.
awk -F'\t' -v streams="$STREAMS" -v mbit="$FLOW_MBIT" -v cores="$CORES" '
  { S[$1 "/" $2 "/" $3] = $4; B[$1 "/" $2 "/" $3] = $7; CPU[$1 "/" $2 "/" $3] = $5; R[$1 "/" $2 "/" $3] = $6; sets[$1] = 1
    if ($6 > maxrss) { maxrss = $6; maxat = $1 " " $2 " " $3 } }
  function row(what, measured, goal, ok, evidence) {
    printf "S3-shaped link, TLS, %.0f MB/s per connection\t%s\t%s\t%s\t%s\t%s\n", mbit / 8, what, measured, goal, (ok ? "met" : "MISSED"), evidence
  }
  function cpu(k) { return sprintf("%s %.2f s, %.1f engine CPU-s", k, S[k], CPU[k]) }
  END {
    for (s in sets) {
      cb = "/backup/chunked"; ub = "/backup/unchunked"; cr = "/restore/chunked"
      ur = "/restore/unchunked-one-stream"; rr = "/restore/unchunked-ranged"; ce = "/ceiling/curl x" streams
      v = S[s ur] / S[s cr]
      row(s ": chunked restore vs unchunked restored one stream per file", sprintf("%.2fx", v), ">= 2x", v >= 2,
        sprintf("chunked %.2f s, one stream %.2f s; chunked used %.1f CPU-s on %d cores", S[s cr], S[s ur], CPU[s cr], cores))
      crate = B[s cr] / S[s cr] / 1e6; ceil = B[s ce] / S[s ce] / 1e6; v = crate / ceil
      row(s ": chunked restore vs the link ceiling (stored MB/s)", sprintf("%.2f (%.0f of %.0f MB/s)", v, crate, ceil), ">= 0.8", v >= 0.8,
        sprintf("ceiling: curl x%d ranged GETs to /dev/null; the chunked restore used %.1f CPU-s in %.2f s on %d cores (%.0f%% of them)", streams, CPU[s cr], S[s cr], cores, 100 * CPU[s cr] / S[s cr] / cores))
      v = S[s ub] / S[s cb]
      row(s ": chunked backup vs unchunked", sprintf("%.2fx", v), ">= 1.5x", v >= 1.5,
        sprintf("chunked %.2f s (%.1f CPU-s), unchunked %.2f s (%.1f CPU-s)", S[s cb], CPU[s cb], S[s ub], CPU[s ub]))
      if (s == "big") {
        v = S[s ur] / S[s rr]
        row(s ": one unchunked object, ranged GETs vs one stream", sprintf("%.2fx", v), ">= 2x", v >= 2,
          sprintf("ranged %.2f s (%.1f CPU-s), one stream %.2f s (%.1f CPU-s)", S[s rr], CPU[s rr], S[s ur], CPU[s ur]))
      }
    }
    row("peak RSS, every run of this link", sprintf("%.0f MiB", maxrss / 1024), "<= 512 MiB", maxrss <= 512 * 1024, "largest in " maxat)
  }' "$RAW" >"$LOGS/targets.tsv"
if [ -n "${BENCH_TARGETS:-}" ]; then cat "$LOGS/targets.tsv" >>"$BENCH_TARGETS"; fi
log "written to $REPORT"
