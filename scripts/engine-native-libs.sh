#!/usr/bin/env bash
# engine-native-libs.sh JAR DIR [RUN_DIR]: unpacks the engine's two native libraries for Linux on
# x86-64 from JAR into DIR (AWS-LC through ACCP, 9.6 MB, and zstd-jni), and writes
# DIR/native.options, a java argument file that makes the engine load them from RUN_DIR (where DIR
# is seen when the engine runs; default DIR) instead of unpacking them from the jar into /tmp at
# every start. That unpacking cost every engine run about 45 ms of CPU and 10 MB written to /tmp
# (async-profiler: ACCP's Loader.writeJarResourceToTemporaryFile); an engine Job is one short
# process, so it paid it every time. Used by e2e/images/build.sh (the engine image) and
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
z = zipfile.ZipFile(jar)
names = z.namelist()
accp = "com/amazon/corretto/crypto/provider/libamazonCorrettoCryptoProvider.so"
zstd = [n for n in names if n.startswith("linux/amd64/libzstd-jni-") and n.endswith(".so")]
if accp not in names or len(zstd) != 1:
    sys.exit(f"{jar}: expected {accp} and one linux/amd64/libzstd-jni-*.so, found {zstd}")
for n in (accp, zstd[0]):
    dest = os.path.join(out, os.path.basename(n))
    with open(dest + ".tmp", "wb") as f:
        f.write(z.read(n))
    os.chmod(dest + ".tmp", 0o644)
    os.replace(dest + ".tmp", dest)
with open(os.path.join(out, "native.options"), "w") as f:
    f.write("# The engine's native libraries, unpacked once (scripts/engine-native-libs.sh).\n")
    f.write("-Dcom.amazon.corretto.crypto.provider.useExternalLib=true\n")
    f.write(f"-Djava.library.path={run_dir}\n")
    f.write(f"-DZstdNativePath={run_dir}/{os.path.basename(zstd[0])}\n")
PY
