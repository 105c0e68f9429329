# Shared by bench/run.sh and bench/s3.sh: settings, logging, page cache and sizes.
# Source it after setting BENCH_TAG (the log prefix) and HERE/ROOT.

QUICK=${BENCH_QUICK:-0}
JAR=${STOWAGE_JAR:-$ROOT/engine/target/stowage.jar}
BASE=${STOWAGE_BENCH_DIR:-/var/tmp/stowage-bench}
WORK=$BASE/$([ "$QUICK" = 1 ] && echo quick || echo full)
DATASETS=$WORK/datasets
OUT=$WORK/scratch
LEVEL=${BENCH_LEVEL:-1}
REPEAT=${BENCH_REPEAT:-$([ "$QUICK" = 1 ] && echo 1 || echo 2)}
SETS=${BENCH_DATASETS:-big small datadir}
CORES=$(nproc)
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS=$HERE/results

die() { echo "$BENCH_TAG: $*" >&2; exit 1; }
log() { echo "$BENCH_TAG: $*" >&2; }

# Fails loudly unless the jar, GNU time and the named tools are there; sets JAVA.
require_tools() {
  [ -f "$JAR" ] || die "engine jar $JAR not found: run 'make build' first"
  for t in "$@"; do command -v "$t" >/dev/null || die "$t not found"; done
  /usr/bin/time -v true 2>/dev/null || die "GNU time (/usr/bin/time -v) not found: apt-get install time"
  # BENCH_JAVA names another java (to compare runtimes on the same jar).
  JAVA=${BENCH_JAVA:-$(command -v java)}
  [ -x "$JAVA" ] || die "java ${JAVA:-(none on PATH)} not found"
  # The engine's JVM flags as its image runs it (engine/jvm.options, the entrypoint's argument
  # file), so the numbers are those of the engine as it ships; BENCH_JVM_OPTIONS replaces them
  # ("" for the JVM's own defaults, to compare).
  if [ -n "${BENCH_JVM_OPTIONS+set}" ]; then
    read -r -a ENGINE_JVM <<<"$BENCH_JVM_OPTIONS"
  else
    ENGINE_JVM=("@$ROOT/engine/jvm.options")
  fi
}

# Finds out whether the page cache can be dropped (root); sets CAN_DROP=yes|no.
init_page_cache() {
  CAN_DROP=no
  if [ -w /proc/sys/vm/drop_caches ] && { sync; echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
    CAN_DROP=yes
  else
    log "cannot drop the page cache (not root?): reads may come from memory"
  fi
}

drop_caches() {
  sync
  if [ "$CAN_DROP" = yes ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}

bytes_of() { du -sb --apparent-size "$1" | cut -f1; }

# target AREA WHAT MEASURED GOAL VERDICT EVIDENCE: one row of issue 12's table of targets, appended
# to $BENCH_TARGETS when make bench collects every script's rows (bench/targets.sh prints them).
# VERDICT is met or MISSED; EVIDENCE is what this run measured about what binds it.
target() {
  [ -n "${BENCH_TARGETS:-}" ] || return 0
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_TARGETS"
}

# verdict VALUE GOAL ge|le: met or MISSED
verdict() {
  awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { ok = (op == "le") ? (v <= g) : (v >= g); print (ok ? "met" : "MISSED") }'
}
