#!/usr/bin/env bash
# Stowage benchmark: restore of one big UNCHUNKED object from S3 with parallel ranged GETs
# (--s3-ranged-get=true, the default) vs one GET per object (--s3-ranged-get=false), on the same
# object in the same run, on a link shaped like S3 (a per-connection rate cap) and on the unshaped
# link. See bench/README.md, "Ranged GETs of unchunked objects".
#
#   bash bench/s3-ranged.sh                 # writes bench/results/bench-s3-ranged-<UTC time>.md
#   BENCH_QUICK=1 bash bench/s3-ranged.sh   # the 256 MiB big file
#
# The S3 server (VersityGW) runs inside a network namespace this script creates, reached over a
# veth pair with addresses of the 198.18.0.0/15 benchmarking range (nothing leaves the machine).
# The namespace's egress (server -> engine, the download direction) gets an htb qdisc with one
# class per bucket of a u32 hash of the destination (client) port, each capped at
# BENCH_FLOW_MBIT: a per-connection cap built from what this kernel has (no fq maxrate, no netem).
# Needs root (ip netns, tc). Environment: as bench/s3.sh (STOWAGE_BENCH_DIR, STOWAGE_JAR,
# BENCH_QUICK, BENCH_LEVEL, BENCH_REPEAT), plus BENCH_FLOW_MBIT (default 400, i.e. 50 MB/s per
# connection) and BENCH_RANGED_LINKS (default "shaped unshaped").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=bench-s3-ranged
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
LINKS=${BENCH_RANGED_LINKS:-shaped unshaped}
# shellcheck source=bench/s3-link.lib.sh
. "$HERE/s3-link.lib.sh"
REPORT=$RESULTS/bench-s3-ranged-$STAMP.md
LOGS=$RESULTS/bench-s3-ranged-$STAMP
RAW=$LOGS/raw.tsv

require_tools java awk ip tc cmp
[ "$(id -u)" = 0 ] || die "needs root: it creates a network namespace and tc qdiscs"
VGW=$(bash "$ROOT/scripts/ensure-versitygw.sh") || die "cannot build or find versitygw"
mkdir -p "$LOGS" "$OUT"
: >"$RAW"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)

bash "$HERE/datasets.sh" "$DATASETS"
SRC=$DATASETS/big
[ -f "$SRC/big.ibd" ] || die "dataset big not found in $DATASETS"
init_page_cache

S3DIR=$OUT/s3-ranged
TARGET=$OUT/s3-ranged-target
cleanup() {
  s3link_cleanup
  rm -rf "${S3DIR:?}" "${TARGET:?}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the link and the server
s3link_up
s3link_server "$VGW"
S3URL=$(s3link_url stowage)
STOWAGE=("$JAVA" "${ENGINE_JVM[@]}" -jar "$JAR")

# ---------------------------------------------------------------- backup once (unchunked), unshaped
s3link_shape off
measure backup "${STOWAGE[@]}" backup --datadir "$SRC" --storage "$S3URL" --directory bench \
  --name big-unchunked --chunk-threshold 0 --compression zstd --level "$LEVEL" --quiet \
  --result-file "$LOGS/backup.json"
[ "$M_RC" = 0 ] || die "backup failed"
RAW_BYTES=$(bytes_of "$SRC")
STORED=$(sed -nE 's/.*"bytesStored" *: *([0-9]+).*/\1/p' "$LOGS/backup.json")
log "big: $RAW_BYTES raw bytes, stored unchunked as one object of $STORED bytes"

# ---------------------------------------------------------------- restores
for link in $LINKS; do
  s3link_shape "$([ "$link" = shaped ] && echo on || echo off)"
  for mode in false true; do
    best=
    checked=
    for r in $(seq 1 "$REPEAT"); do
      rm -rf "$TARGET" && mkdir -p "$TARGET"
      id=restore-$link-ranged-$mode-r$r
      measure "$id" "${STOWAGE[@]}" restore --storage "$S3URL" --directory bench --name big-unchunked \
        --datadir "$TARGET" --s3-ranged-get="$mode" --result-file "$LOGS/$id.json"
      [ "$M_RC" = 0 ] || die "$id failed"
      used=no
      grep -q "ranged GETs of" "$LOGS/$id.err" && used=yes
      [ "$used" = "$([ "$mode" = true ] && echo yes || echo no)" ] || die "$id: ranged GETs used: $used"
      if [ -z "$checked" ]; then # not timed: the bytes must be the source's
        cmp "$SRC/big.ibd" "$TARGET/big.ibd" || die "$id restored different bytes"
        checked=yes
      fi
      if [ -z "$best" ] || awk -v a="$M_SECS" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
        best="$M_SECS $M_CPU $M_RSS_KB"
      fi
    done
    read -r s c k <<<"$best"
    printf '%s\t%s\t%s\t%s\t%s\n' "$link" "$mode" "$s" "$c" "$k" >>"$RAW"
  done
done

ELAPSED=$(($(date +%s) - T_START))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
cleanup
{
  echo "# Stowage benchmark: ranged GETs of an unchunked object, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`$( [ "$QUICK" = 1 ] && echo "BENCH_QUICK=1 " )bash bench/s3-ranged.sh\`." \
    "$(java -version 2>&1 | head -1); $CORES cores; kernel $(uname -r). Load average at the start: $LOAD_START; at the end: $LOAD_END; ${ELAPSED} s."
  echo
  echo "Object: \`big/big.ibd\` ($RAW_BYTES bytes raw) backed up with \`--chunk-threshold 0\` (zstd level $LEVEL):" \
    "one object of $STORED bytes. Restored with the engine's defaults (8 workers; ranged GETs of 8 MiB," \
    "8 in flight, for objects over 128 MiB) with \`--s3-ranged-get=true\` and \`=false\`. VersityGW v1.7.0" \
    "in a network namespace over a veth pair; *shaped*: htb + u32 on the server's egress, ${FLOW_MBIT} Mbit/s" \
    "($((FLOW_MBIT / 8)) MB/s) per connection, no added latency (this kernel has no netem); *unshaped*: no qdisc (the" \
    "2 cores are the limit). Page cache dropped before every run, \`sync\` inside the time, best of $REPEAT." \
    "MB = 10^6 bytes; raw MB/s = raw bytes ÷ seconds; ratio = seconds off ÷ seconds on. Restored bytes compared with \`cmp\`."
  echo
  echo "| link | ranged GETs | seconds | raw MB/s | stored MB/s | engine CPU s | peak RSS MiB | ratio on/off |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v raw="$RAW_BYTES" -v st="$STORED" '
    { L[NR] = $1; M[NR] = $2; S[NR] = $3; C[NR] = $4; K[NR] = $5; if ($2 == "false") OFF[$1] = $3 }
    END {
      for (i = 1; i <= NR; i++) {
        ratio = (M[i] == "true" && S[i] > 0) ? sprintf("%.2fx", OFF[L[i]] / S[i]) : ""
        printf "| %s | %s | %.2f | %.0f | %.0f | %s | %.0f | %s |\n", L[i], (M[i] == "true" ? "on" : "off"),
          S[i], raw / S[i] / 1e6, st / S[i] / 1e6, C[i], K[i] / 1024, ratio
      }
    }' "$RAW"
  echo
  echo "Logs: \`${LOGS#"$ROOT"/}/\`."
} | tee "$REPORT"
log "written to $REPORT"
