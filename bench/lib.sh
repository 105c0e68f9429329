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
    # The image loads AWS-LC and zstd-jni from libraries unpacked once (native.options, made by
    # scripts/engine-native-libs.sh); so does the benchmark, from its own copy for this jar
    # (BENCH_NATIVE=0: unpacked from the jar at every start, as a bare `java -jar` does).
    if [ "${BENCH_NATIVE:-$([ "$(uname -m)" = x86_64 ] && echo 1 || echo 0)}" != 0 ]; then
      engine_native_libs
      ENGINE_JVM+=("@$ENGINE_NATIVE/native.options")
    fi
    # The image's entrypoint also maps a class data sharing archive of the engine's classes
    # (e2e/images/build.sh, engine_cds); so does the benchmark, made the same way for this jar
    # and runtime (BENCH_CDS=0: without, as a bare `java -jar` runs it).
    if [ "${BENCH_CDS:-1}" != 0 ]; then
      engine_cds_archive
      ENGINE_JVM=("-XX:SharedArchiveFile=$ENGINE_CDS" "${ENGINE_JVM[@]}")
    fi
  fi
}

CDS_VGW_PID=

# async_profiler: prints the path of async-profiler's agent for this machine (Apache-2.0; the
# tools.profiler:async-profiler jar from Maven Central, unpacked once under $STOWAGE_CACHE); fails
# when it cannot be had (no Maven, no network, another platform).
async_profiler() {
  local v=4.1 dir arch
  dir=${STOWAGE_CACHE:-$HOME/.cache/stowage}/async-profiler-$v
  case $(uname -m) in x86_64) arch=linux-x64 ;; aarch64) arch=linux-arm64 ;; *) return 1 ;; esac
  if [ ! -s "$dir/libasyncProfiler.so" ]; then
    mkdir -p "$dir"
    mvn -q -B -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact=tools.profiler:async-profiler:$v -DoutputDirectory="$dir" >&2 || return 1
    python3 - "$dir/async-profiler-$v.jar" "$arch/libasyncProfiler.so" "$dir/libasyncProfiler.so" <<'PY' || return 1
import os, sys, zipfile
jar, entry, dest = sys.argv[1:4]
with open(dest + ".tmp", "wb") as f:
    f.write(zipfile.ZipFile(jar).read(entry))
os.replace(dest + ".tmp", dest)
PY
  fi
  echo "$dir/libasyncProfiler.so"
}

# cpu_buckets FILE: where the CPU of one run went, from async-profiler's collapsed stacks (event
# cpu, interval 1 ms, with thread names): "bucket<TAB>CPU seconds" lines. A stack goes to the first
# bucket it matches, in this order.
cpu_buckets() {
  awk '{
    n = $NF; s = $0
    if (s ~ /^\[C1 CompilerThre|^\[C2 CompilerThre/) b = "JIT compiler"
    else if (s ~ /^\[GC |^\[G1 /) b = "garbage collector"
    else if (s ~ /^\[stowage-crypto-load|^\[ForkJoinPool\.commonPool/) b = "AWS-LC load and self-tests"
    else if (s ~ /sun\/security\/ssl/) b = "TLS (the JDK'"'"'s TLS and AES-GCM)"
    else if (s ~ /ZSTD_|HUF_|FSE_/) b = "zstd"
    else if (s ~ /BodyChannel\.read;java\/nio\/ByteBuffer\.put/) b = "copying S3 bodies into the decoder"
    else if (s ~ /software\/amazon\/awssdk|org\/apache\/hc/) b = "S3 SDK and HTTP client"
    else if (s ~ /CRC32|crc32/) b = "checksums"
    else if (s ~ /FileChannelImpl|FileDispatcherImpl|DirectWriter|DirectReader|ext4_|iomap_/) b = "file I/O"
    else if (s ~ /NioSocketImpl|BufferedReadSocket|tcp_|sock_/) b = "sockets"
    else b = "other (start-up, JVM, kernel)"
    t[b] += n
  } END { for (b in t) printf "%s\t%.2f\n", b, t[b] / 1000 }' "$1" | sort -t$'\t' -k2 -rn
}

# engine_native_libs: the jar's native libraries unpacked once under $BASE/native/<jar's hash>;
# sets ENGINE_NATIVE to that directory (its native.options is the image's, with this path).
engine_native_libs() {
  ENGINE_NATIVE=$BASE/native/$(sha256sum "$JAR" "$ROOT/scripts/engine-native-libs.sh" | sha256sum | cut -c1-16)
  [ -s "$ENGINE_NATIVE/native.options" ] && return 0
  local t
  mkdir -p "$BASE/native"
  t=$(mktemp -d "$ENGINE_NATIVE.XXXXXX")
  bash "$ROOT/scripts/engine-native-libs.sh" "$JAR" "$t" "$ENGINE_NATIVE" ||
    die "cannot unpack the engine's native libraries (BENCH_NATIVE=0 runs without)"
  # A second benchmark may have made the same directory meanwhile: then its copy stays.
  mv -T "$t" "$ENGINE_NATIVE" 2>/dev/null || rm -rf "$t"
  [ -s "$ENGINE_NATIVE/native.options" ] || die "no $ENGINE_NATIVE/native.options after unpacking"
}
_urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$1"; }
_cds_vgw_stop() {
  if [ -n "$CDS_VGW_PID" ]; then
    kill "$CDS_VGW_PID" 2>/dev/null || true
    wait "$CDS_VGW_PID" 2>/dev/null || true
    CDS_VGW_PID=
  fi
}

# engine_cds_archive: sets ENGINE_CDS to an AppCDS archive of the classes the engine loads for
# check, backup, ls, inspect, verify, restore and rm, plain and encrypted, on file storage and on
# S3 over TLS (a VersityGW on 127.0.0.1 with a certificate made for the training), as the image's
# training does (e2e/images/build.sh, engine_cds); made once per jar, runtime and JVM flags and
# kept under $BASE/cds. Fails loudly if the training or the dump fails, or the archive does not
# map.
engine_cds_archive() {
  local key dir t n=0 st k i failed="" vgw port pid ready=no
  # The JVM maps an archive only for the jar it was dumped with, by path, size and mtime: a
  # rebuild with the same bytes (the build is reproducible) still needs a new one.
  key=$({
    echo "training: file and s3; flags: ${ENGINE_JVM[*]}"
    sha256sum "$JAR" "$ROOT/engine/jvm.options"
    stat -c '%s %Y' "$JAR"
    realpath "$JAR"
    "$JAVA" -version 2>&1
  } | sha256sum | cut -c1-16)
  dir=$BASE/cds/$key
  ENGINE_CDS=$dir/engine.jsa
  # -Xshare:on fails instead of ignoring an archive the runtime cannot map.
  if [ -s "$ENGINE_CDS" ] &&
    "$JAVA" -Xshare:on -XX:SharedArchiveFile="$ENGINE_CDS" -jar "$JAR" --version >/dev/null 2>&1; then
    return 0
  fi
  command -v openssl >/dev/null && command -v python3 >/dev/null ||
    die "the CDS training needs openssl and python3 (apt-get install openssl python3), or BENCH_CDS=0"
  t=$(mktemp -d)
  mkdir -p "$dir" "$t/data/db" "$t/store" "$t/lists"
  head -c 6291456 /dev/urandom >"$t/data/ibdata1"
  head -c 65536 /dev/urandom >"$t/data/db/t.ibd"
  head -c 32 /dev/urandom >"$t/key"
  cds_train() { # ARGS...: one engine run, its loaded classes listed
    n=$((n + 1))
    "$JAVA" "${ENGINE_JVM[@]}" -XX:DumpLoadedClassList="$t/lists/$n.lst" -jar "$JAR" "$@" \
      >>"$t/train.log" 2>&1 || failed="$failed $1($?)"
  }
  cds_train_all() { # STORAGE NAME plain|encrypted [KEY ARGS...]: every command once
    local st=$1 i=$2 k=$3
    shift 3
    cds_train check --storage "$st" --directory d --name "$i"
    cds_train backup --datadir "$t/data" --storage "$st" --directory d --name "$i" \
      --chunk-size 4Mi --chunk-threshold 4Mi --quiet "$@"
    cds_train ls --storage "$st" --directory d
    cds_train inspect --storage "$st" --directory d --name "$i"
    cds_train verify --storage "$st" --directory d --name "$i" --quiet "$@"
    cds_train restore --storage "$st" --directory d --name "$i" --datadir "$t/r-$i" --quiet "$@"
    cds_train rm --storage "$st" --directory d --name "$i"
  }
  # S3 over TLS: a VersityGW of the training's own on 127.0.0.1 (stopped below on every path).
  vgw=$(bash "$ROOT/scripts/ensure-versitygw.sh") || die "no versitygw for the CDS training (BENCH_CDS=0 runs without)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=stowage cds CA" \
    -keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1 || die "openssl: CA for the CDS training"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" \
    -out "$t/server.csr" >/dev/null 2>&1 || die "openssl: server key for the CDS training"
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$t/server.ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
    -days 1 -extfile "$t/server.ext" -out "$t/server.crt" >/dev/null 2>&1 || die "openssl: server certificate for the CDS training"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$t/s3/cds"
  ROOT_ACCESS_KEY=cdstrain ROOT_SECRET_KEY=cdstrainsecret "$vgw" --port "127.0.0.1:$port" \
    --region us-east-1 --quiet --cert "$t/server.crt" --key "$t/server.key" posix "$t/s3" \
    </dev/null >"$t/versitygw.log" 2>&1 &
  pid=$!
  # Stopped on every way out (the scripts set their own traps only after require_tools).
  CDS_VGW_PID=$pid
  trap _cds_vgw_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { ready=yes; break; }
    sleep 0.05
  done
  [ "$ready" = yes ] || die "versitygw for the CDS training did not start; see $t/versitygw.log"
  for st in "file://$t/store" \
    "s3://cds/p?endpoint=https%3A%2F%2F127.0.0.1%3A$port&region=us-east-1&pathStyle=true&caBundle=$(_urlencode "$t/ca.crt")"; do
    for k in plain encrypted; do
      local keyargs=(); [ "$k" = encrypted ] && keyargs=(--encryption-key-file "$t/key")
      i=cds-${st%%:*}-$k
      AWS_ACCESS_KEY_ID=cdstrain AWS_SECRET_ACCESS_KEY=cdstrainsecret AWS_REGION=us-east-1 \
        cds_train_all "$st" "$i" "$k" "${keyargs[@]}"
    done
  done
  _cds_vgw_stop
  trap - EXIT INT TERM
  [ -z "$failed" ] || die "CDS training runs failed:$failed; see $t/train.log (BENCH_CDS=0 runs without)"
  # As the image's build does: runs that encrypt or reach S3 must have loaded AWS-LC (a silent
  # fallback to the JDK's providers would measure another engine).
  if grep -q 'AWS-LC could not be loaded' "$t/train.log" || ! grep -q 'cryptography: AWS-LC' "$t/train.log"; then
    die "the engine did not load AWS-LC in the CDS training; see $t/train.log"
  fi
  cat "$t"/lists/*.lst | grep -v '^#' | awk '!seen[$0]++' >"$t/classes.lst"
  "$JAVA" -Xshare:dump -XX:SharedClassListFile="$t/classes.lst" -XX:SharedArchiveFile="$ENGINE_CDS.tmp" \
    -cp "$JAR" >"$t/dump.log" 2>&1 || die "CDS dump failed; see $t/dump.log"
  # -Xshare:on fails instead of ignoring an archive the runtime cannot map.
  "$JAVA" -Xshare:on -XX:SharedArchiveFile="$ENGINE_CDS.tmp" -jar "$JAR" --version >/dev/null 2>"$t/check.log" ||
    die "the CDS archive does not load: $(cat "$t/check.log")"
  mv "$ENGINE_CDS.tmp" "$ENGINE_CDS"
  log "engine CDS archive: $(wc -l <"$t/classes.lst") classes in $ENGINE_CDS"
  rm -rf "$t"
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

# measure ID COMMAND...: caches dropped, GNU time, sync inside the timing; sets M_RC M_SECS
# M_RSS_KB M_CPU
measure() {
  local id=$1 t0 t1
  shift
  drop_caches
  t0=$(date +%s.%N)
  set +e
  /usr/bin/time -v -o "$LOGS/$id.time" "$@" >"$LOGS/$id.out" 2>"$LOGS/$id.err"
  M_RC=$?
  sync
  set -e
  t1=$(date +%s.%N)
  M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  M_RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$LOGS/$id.time" 2>/dev/null || echo 0)
  M_CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$LOGS/$id.time" 2>/dev/null || echo 0)
  [ "$M_RC" = 0 ] || { log "$id failed with exit $M_RC; see $LOGS/$id.err"; tail -5 "$LOGS/$id.err" >&2 || true; }
}

# cpu_run ID COMMAND...: measure, and a failed command stops the script; prints "seconds cpu" (wall
# seconds, sync included, then the command's user + system CPU seconds).
cpu_run() {
  measure "$@"
  [ "$M_RC" = 0 ] || die "$1 failed with exit $M_RC: $(tail -3 "$LOGS/$1.err")"
  echo "$M_SECS $M_CPU"
}

# median: the median of the numbers on stdin, one a line (the mean of the middle two for an even count)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

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
