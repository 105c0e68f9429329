#!/usr/bin/env bash
# Many small files (issue 10, case 5): a data directory of BENCH_FILES empty files (default
# 1,000,000, in 1,000 directories) is backed up and restored by the engine under
# `ulimit -n BENCH_NOFILE` (default 4096), timed, against `tar -c` and `tar -x` of the same tree
# under the same limit in the same run. Not part of `make bench` (it takes minutes and millions of
# inodes): run it with `make bench-many-files` or `bash bench/many-files.sh`. See bench/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BENCH_TAG=many-files
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
FILES=${BENCH_FILES:-1000000}
NOFILE=${BENCH_NOFILE:-4096}
PER_DIR=1000
DIRS=$(((FILES + PER_DIR - 1) / PER_DIR))

LOGS=$RESULTS/many-files-$STAMP
REPORT=$RESULTS/many-files-$STAMP.md
MANY=$BASE/many-files
SRC=$MANY/src-$FILES
SCRATCH=$MANY/scratch

require_tools java tar find sort cmp
mkdir -p "$LOGS" "$MANY"
[ "$(df --output=iavail "$MANY" | tail -1)" -gt $((FILES * 3 + 10000)) ] \
  || die "$MANY has fewer than $((FILES * 3)) free inodes (source, tar copy, restore)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- dataset (built once)
if [ ! -f "$SRC.complete" ]; then
  log "creating $FILES empty files in $DIRS directories under $SRC ..."
  rm -rf "$SRC"
  mkdir -p "$SRC"
  made=0
  for ((d = 0; d < DIRS; d++)); do
    n=$((FILES - made < PER_DIR ? FILES - made : PER_DIR))
    mkdir "$SRC/db$d"
    (cd "$SRC/db$d" && seq -f 't%g.ibd' 0 $((n - 1)) | xargs touch)
    made=$((made + n))
  done
  touch "$SRC.complete"
fi
[ "$(find "$SRC" -type f | wc -l)" = "$FILES" ] || die "$SRC does not hold $FILES files; delete $SRC.complete"

init_page_cache

# measure ID COMMAND...: as in run.sh: caches dropped, GNU time, `sync` inside the timing, and
# every command under `ulimit -n $NOFILE`.
measure() {
  local id=$1
  shift
  drop_caches
  local t0 t1
  t0=$(date +%s.%N)
  set +e
  /usr/bin/time -v -o "$LOGS/$id.time" bash -c "ulimit -n $NOFILE && exec \"\$@\"" bash "$@" \
    >"$LOGS/$id.out" 2>"$LOGS/$id.err"
  M_RC=$?
  sync
  set -e
  t1=$(date +%s.%N)
  M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  M_RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$LOGS/$id.time")
  M_CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.1f", s }' "$LOGS/$id.time")
  if [ "$M_RC" != 0 ]; then
    log "$id failed with exit $M_RC; see $LOGS/$id.err"
    tail -5 "$LOGS/$id.err" >&2 || true
  fi
  ROWS+=("| $id | $M_SECS | $(awk -v s="$M_SECS" -v n="$FILES" 'BEGIN { printf "%.0f", n / s }') | $M_CPU | $M_RSS_MB | $M_RC |")
}
ROWS=()

# The restored tree must be the source (names and types; every file is empty), or the time means
# nothing. Not timed.
same_tree() {
  cmp -s <(tree_listing "$1") <(tree_listing "$2")
}
tree_listing() { # type and path of every entry, and the size of every file (not of directories)
  (cd "$1" && find . \( -type f -printf 'f %s %p\n' \) -o -printf '%y %p\n' | LC_ALL=C sort)
}

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/store"
STOWAGE=("$JAVA" "${ENGINE_JVM[@]}" -jar "$JAR")

log "backup: tar -c"
measure tar-backup tar -C "$SRC" -cf "$SCRATCH/base.tar" .
log "restore: tar -x"
mkdir -p "$SCRATCH/tar-target"
measure tar-restore tar -C "$SCRATCH/tar-target" -xf "$SCRATCH/base.tar"
TAR_CHECK=$(same_tree "$SRC" "$SCRATCH/tar-target" && echo yes || echo NO)
rm -rf "$SCRATCH/tar-target" "$SCRATCH/base.tar"

log "backup: stowage"
measure stowage-backup "${STOWAGE[@]}" backup --datadir "$SRC" --storage "file://$SCRATCH/store" \
  --directory bench --name 2026-01-01.000000.many --quiet \
  --result-file "$LOGS/stowage-backup.json"
BACKUP_RC=$M_RC
CHECK=skipped
if [ "$BACKUP_RC" = 0 ]; then
  log "restore: stowage"
  measure stowage-restore "${STOWAGE[@]}" restore --storage "file://$SCRATCH/store" \
    --directory bench --name 2026-01-01.000000.many --datadir "$SCRATCH/target" --quiet \
    --result-file "$LOGS/stowage-restore.json"
  if [ "$M_RC" = 0 ]; then
    CHECK=$(same_tree "$SRC" "$SCRATCH/target" && echo yes || echo NO)
  fi
fi
MANIFEST_MB=$(awk '{ printf "%.0f", $1 / 1e6 }' <<<"$(stat -c %s "$SCRATCH/store/bench/2026-01-01.000000.many/MANIFEST" 2>/dev/null || echo 0)")

{
  echo "# Many files, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`bash bench/many-files.sh\` (BENCH_FILES=$FILES, BENCH_NOFILE=$NOFILE). $FILES empty"
  echo "files in $DIRS directories; every command runs under \`ulimit -n $NOFILE\`, with the page cache"
  echo "dropped before it ($CAN_DROP) and a \`sync\` inside its time. $(java -version 2>&1 | head -1);"
  echo "$CORES cores; load average at the start $LOAD_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "The engine's MANIFEST for this tree: $MANIFEST_MB MB."
  echo
  echo "| run | seconds | files/s | CPU s | peak RSS MiB | exit |"
  echo "|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Restored tree = source (names, types, file sizes): stowage $CHECK, tar $TAR_CHECK."
} | tee "$REPORT"
log "report written to $REPORT; removing $SCRATCH (a few minutes for a million files)"
rm -rf "$SCRATCH"
[ "$BACKUP_RC" = 0 ] && [ "$CHECK" = yes ]
