#!/usr/bin/env bash
# engine-native-libs.sh JAR DIR [RUN_DIR]: unpacks the engine's AWS-LC (through ACCP, 9.6 MB) and
# zstd-jni libraries for Linux on x86-64 from JAR into DIR, and writes
# DIR/native.options, a java argument file that makes the engine load them from RUN_DIR (where DIR
# is seen when the engine runs; default DIR) instead of unpacking them from the jar into /tmp at
# every start. That unpacking cost every engine run about 45 ms of CPU and 10 MB written to /tmp
# (async-profiler: ACCP's Loader.writeJarResourceToTemporaryFile); an engine Job is one short
# process, so it paid it every time. JNA's and lz4-java's libraries (small, loaded only by some
# runs) are still unpacked when used. Used by e2e/images/build.sh (the engine image) and
# bench/lib.sh (the engine as the image runs it).
#
# A library that fails to load from RUN_DIR is not silent: zstd-jni stops the engine
# (UnsatisfiedLinkError), and ACCP's failure makes the engine log "cryptography: the JDK's
# providers (AWS-LC could not be loaded ...)", which the image build checks for.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 JAR DIR [RUN_DIR]" >&2; exit 2; }
jar=$1 dir=$2 run_dir=${3:-$2}
[ "$(uname -m)" = x86_64 ] || { echo "$0: the jar's libraries are unpacked for x86-64 only, not $(uname -m)" >&2; exit 3; }
[ -f "$jar" ] || { echo "$0: $jar not found: build the engine first (make build)" >&2; exit 2; }
mkdir -p "$dir"
python3 - "$jar" "$dir" "$run_dir" <<'PY'
import os, sys, zipfile

jar, out, run_dir = sys.argv[1:4]
# System.load takes absolute paths only, and an argument file splits on blanks: both made safe.
run_dir = os.path.abspath(run_dir)
z = zipfile.ZipFile(jar)
names = z.namelist()
accp = "com/amazon/corretto/crypto/provider/libamazonCorrettoCryptoProvider.so"
zstd = [n for n in names if n.startswith("linux/amd64/libzstd-jni-") and n.endswith(".so")]
if accp not in names:
    sys.exit(f"{jar}: no {accp} (is ACCP's linux-x86_64 jar in the build?)")
if len(zstd) != 1:
    sys.exit(f"{jar}: expected one linux/amd64/libzstd-jni-*.so, found {zstd}")


def write(name, data, mode):
    dest = os.path.join(out, name)
    with open(dest + ".tmp", "wb") as f:
        f.write(data)
    os.chmod(dest + ".tmp", mode)
    os.replace(dest + ".tmp", dest)


os.chmod(out, 0o755)  # the image runs the engine as a non-root user: whatever the umask
for n in (accp, zstd[0]):
    write(os.path.basename(n), z.read(n), 0o644)
options = [
    "# AWS-LC (ACCP) and zstd-jni, unpacked once (scripts/engine-native-libs.sh).",
    '"-Dcom.amazon.corretto.crypto.provider.useExternalLib=true"',
    f'"-Djava.library.path={run_dir}"',
    f'"-DZstdNativePath={os.path.join(run_dir, os.path.basename(zstd[0]))}"',
]
write("native.options", ("\n".join(options) + "\n").encode(), 0o644)
PY
