#!/usr/bin/env bash
# Builds the cluster's container images without a daemon and imports them into
# containerd's k8s.io namespace. Each image is rebuilt only when its inputs
# (this directory's files, the Debian package set, the engine or operator jar,
# the addon version) change; an unchanged image already in containerd is left alone.
#
#   build.sh [pause] [engine] [operator] [mariadb] [s3]      (default: all five)
#   STOWAGE_IMAGES_IMPORT=0 build.sh ...   only builds the archives ($IMAGES_DIR/NAME.tar)
#
# Root file systems come from debootstrap (Debian bookworm, minbase) and are
# cached under $STOWAGE_CACHE/images; each image is a single layer.
source "$(dirname "$0")/../scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, containerd)"
IMG_SRC="$E2E_DIR/images"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# Cached roots are rebuilt (with the security updates of the day) weekly, or now with
# STOWAGE_IMAGES_REFRESH=1.
ROOTFS_EPOCH="$(date -u +%G-W%V)${STOWAGE_IMAGES_REFRESH:+-$(date -u +%s)}"
MYSQL_UID=999      # fixed uid/gid of mysql in stowage/mariadb (engine Jobs run as it too)
ENGINE_UID=10001   # default (non-root) user of stowage/engine and stowage/operator
mkdir -p "$IMAGES_DIR"
# One build at a time: two runs sharing the caches would clobber each other's stage dirs.
exec 9>"$IMAGES_DIR/.build.lock"
flock 9

ensure_tools() {
  local need=()
  command -v debootstrap >/dev/null || need+=(debootstrap)
  command -v python3 >/dev/null || need+=(python3)
  command -v ctr >/dev/null || need+=(containerd)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing with apt: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# rootfs NAME "PKGS" -> prints the dir of a cached Debian rootfs with PKGS installed and
# upgraded from bookworm-updates and bookworm-security (see ROOTFS_EPOCH).
rootfs() {
  local name=$1 pkgs=$2 key dir
  key=$(echo "$SUITE $MIRROR $SECURITY_MIRROR $pkgs v3 ${ROOTFS_EPOCH}" | sha256sum | cut -c1-12)
  dir="$IMAGES_DIR/rootfs-$name-$key"
  if [ ! -f "$dir/.complete" ]; then
    # A run killed inside in_chroot may have left /proc mounted there.
    umount -l "$dir/proc" "$dir.tmp/proc" 2>/dev/null || true
    rm -rf "$dir" "$dir.tmp"
    log "debootstrap $SUITE for $name (packages: ${pkgs:-none})"
    local inc=""; [ -n "$pkgs" ] && inc="--include=$(echo $pkgs | tr ' ' ',')"
    debootstrap --variant=minbase $inc "$SUITE" "$dir.tmp" "$MIRROR" > "$IMAGES_DIR/debootstrap-$name.log" 2>&1 ||
      die "debootstrap failed; see $IMAGES_DIR/debootstrap-$name.log"
    # debootstrap takes one suite: the point-release and security updates come from apt.
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
      "$MIRROR" "$SUITE" "$MIRROR" "$SUITE" "$SECURITY_MIRROR" "$SUITE" > "$dir.tmp/etc/apt/sources.list"
    log "upgrading $name from $SUITE-updates and $SUITE-security"
    in_chroot "$dir.tmp" sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get -y -q \
        -o Dpkg::Options::=--force-confold dist-upgrade && apt-get clean' \
      >> "$IMAGES_DIR/debootstrap-$name.log" 2>&1 ||
      die "apt-get dist-upgrade in the $name root failed; see $IMAGES_DIR/debootstrap-$name.log"
    # Slim it: no package lists, caches, docs or man pages in the image; but every package's
    # copyright file stays (the Debian licences ask for it).
    rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/cache/apt/* "$dir.tmp"/usr/share/man/* \
           "$dir.tmp"/usr/share/info/* "$dir.tmp"/var/log/*.log "$dir.tmp"/var/log/apt
    find "$dir.tmp/usr/share/doc" -mindepth 2 ! -type d ! -name copyright -delete
    find "$dir.tmp/usr/share/doc" -mindepth 1 -type d -empty -delete
    touch "$dir.tmp/.complete"
    mv "$dir.tmp" "$dir"
    # Older roots of this name (an earlier week's) are not used again.
    find "$IMAGES_DIR" -maxdepth 1 -name "rootfs-$name-*" ! -name "rootfs-$name-$key" -exec rm -rf {} +
  fi
  echo "$dir"
}

# in_chroot ROOT CMD...: CMD in ROOT with /proc mounted (the JVM and some maintainer scripts
# need it), unmounted again whatever happens.
in_chroot() {
  local root=$1; shift
  mount -t proc proc "$root/proc"
  local rc=0
  chroot "$root" "$@" || rc=$?
  umount "$root/proc" || umount -l "$root/proc"
  return $rc
}

# pack NAME TAG STAGE_DIR STAMP mkimage-args...: layer tar + docker-archive + import.
pack() {
  local name=$1 tag=$2 stage=$3 stamp=$4; shift 4
  local out="$IMAGES_DIR/$name.tar"
  log "packing $tag"
  ( cd "$stage" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | grep -vx '.complete' |
      tar --sort=name --numeric-owner --xattrs -cf "$IMAGES_DIR/$name.layer.tar" -T - )
  python3 "$IMG_SRC/mkimage.py" --layer "$IMAGES_DIR/$name.layer.tar" --tag "$tag" -o "$out.tmp" \
    --digest-file "$IMAGES_DIR/$name.digest" --label "dev.stowage.inputs=$stamp" "$@" >/dev/null
  log "$tag: $(du -sb "$stage" | cut -f1) bytes unpacked, $(stat -c %s "$out.tmp") bytes archived, $(cat "$IMAGES_DIR/$name.digest")"
  rm -f "$IMAGES_DIR/$name.layer.tar"
  mv "$out.tmp" "$out"
  echo "$stamp" > "$IMAGES_DIR/$name.stamp"
}

# has_image REF: whether containerd lists REF. The list is read whole first: with pipefail,
# `ctr images ls | grep -q` fails at random when grep exits on an early match and ctr, still
# printing, dies of SIGPIPE (seen as "missing after import" in CI).
has_image() {
  local list
  list=$(ctrk images ls -q 2>/dev/null) || return 1
  grep -qx -- "$1" <<<"$list"
}

# import NAME TAG STAMP: import the archive unless containerd already has this build. The image
# gets two names: docker.io/TAG and docker.io/REPO@sha256:DIGEST (what a registry pull would
# record), so a pod spec may name it either way; $IMAGES_DIR/NAME.ref holds the digest form
# (deploy-operator.sh pins the operator and engine images with it).
import() {
  local name=$1 tag=$2 stamp=$3 ref="docker.io/$2" digest byref
  digest=$(cat "$IMAGES_DIR/$name.digest" 2>/dev/null) || die "$IMAGES_DIR/$name.digest is missing: rebuild (rm $IMAGES_DIR/$name.stamp)"
  byref="docker.io/${2%:*}@$digest"
  if [ "$(cat "$IMAGES_DIR/$name.imported" 2>/dev/null)" = "$stamp" ] && pid_alive containerd &&
     has_image "$ref" && has_image "$byref"; then
    log "$ref is current"
    return 0
  fi
  start_containerd 9>&-   # the daemon must not inherit (and so hold) the build lock
  log "importing $ref ($digest) into containerd (k8s.io)"
  ctrk images import "$IMAGES_DIR/$name.tar" >/dev/null
  has_image "$ref" || die "$ref missing after import"
  ctrk images rm "$byref" >/dev/null 2>&1 || true
  ctrk images tag "$ref" "$byref" >/dev/null
  has_image "$byref" || die "$byref missing after import"
  echo "$byref" > "$IMAGES_DIR/$name.ref"
  echo "$stamp" > "$IMAGES_DIR/$name.imported"
}

# build_image NAME TAG STAMP FUNCTION: run FUNCTION (which calls pack) if the stamp changed.
build_image() {
  local name=$1 tag=$2 stamp=$3 fn=$4
  if [ -s "$IMAGES_DIR/$name.tar" ] && [ "$(cat "$IMAGES_DIR/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "$tag archive is current ($IMAGES_DIR/$name.tar)"
  else
    "$fn" "$name" "$tag" "$stamp"
  fi
  [ "${STOWAGE_IMAGES_IMPORT:-1}" = 0 ] || import "$name" "$tag" "$stamp"
}

src_hash() { cat "$@" | sha256sum | cut -c1-16; }

# --- pause: the pod sandbox, one static binary --------------------------------------
do_pause() {
  local stage="$IMAGES_DIR/stage-pause"
  rm -rf "$stage"; mkdir -p "$stage"
  install -m 0755 "$BIN_DIR/pause" "$stage/pause"
  pack "$1" "$2" "$stage" "$3" --entrypoint '["/pause"]' --user 65535:65535
  rm -rf "$stage"
}

# --- engine and operator: a jlinked Java 17 runtime + a jar, non-root, nothing else -------
# A builder root (Debian's JDK, upgraded from bookworm-security) runs jdeps and jlink; the
# image gets only the runtime, the jar, the shared libraries they load (their ldd closure),
# Debian's CA store for the JVM, and du (the engine only). No shell, apt, dpkg, perl, su,
# mount, passwd or any setuid binary. Each Debian package that a file comes from keeps its
# copyright file (/usr/share/doc/PKG/copyright) and its status entry
# (/var/lib/dpkg/status.d/PKG, which image scanners read), and the jar's SBOM goes along
# (/opt/stowage/sbom.cdx.json).
JAVA_BUILD_PKGS="openjdk-17-jdk-headless"
JDK=/usr/lib/jvm/java-17-openjdk-amd64
# Modules jdeps cannot see: the EC provider is loaded by name for TLS (ECDHE key exchange and
# ECDSA certificates, S3 and the API server); jdk.management backs the com.sun.management
# beans the operator's JVM metrics read by reflection.
ENGINE_EXTRA_MODULES="jdk.crypto.ec"
OPERATOR_EXTRA_MODULES="jdk.crypto.ec,jdk.management"

# java_stage STAGE JAR SBOM EXTRA_MODULES "EXTRA_BINARIES": the image root in STAGE.
java_stage() {
  local stage=$1 jar=$2 sbom=$3 extra=$4 bins=$5 base work mods
  base=$(rootfs java-build "$JAVA_BUILD_PKGS")
  work="$base/tmp/stowage-jlink"
  # A build killed during engine_cds may have left its mounts in a stage: never let rm -rf
  # follow a bind mount of the host's /dev.
  local m; for m in dev proc tmp/cds/r; do umount -l "$stage/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$work" "$stage"; mkdir -p "$work/native"
  install -m 0644 "$jar" "$work/app.jar"
  # Native libraries inside the jar (zstd-jni, lz4-java, ACCP's AWS-LC...) for linux/amd64,
  # told by their ELF header (64-bit, x86-64, System V or GNU/Linux ABI: not FreeBSD's), not by
  # a path that each library names its own way: the libraries they load must be in the image too.
  (cd "$work/native" && python3 - "$work/app.jar" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if not n.endswith(".so"):
        continue
    head = z.open(n).read(20)
    if head[:5] == b"\x7fELF\x02" and head[7] in (0, 3) and head[18:20] == b"\x3e\x00":
        with open(n.replace("/", "_"), "wb") as f:
            f.write(z.read(n))
PY
  )
  mods=$(in_chroot "$base" "$JDK/bin/jdeps" --ignore-missing-deps --multi-release 17 \
           --print-module-deps /tmp/stowage-jlink/app.jar) || die "jdeps failed on $jar"
  mods="$mods,$extra"
  log "jlink: $mods"
  echo "$mods" > "$work/modules"
  # The JDK's own classes lose their debug attributes (14 MB; JDK frames in a stack trace show
  # no line number, the jar's frames keep theirs). Not --strip-debug: it also runs objcopy on
  # Debian's native libraries, which are stripped already.
  in_chroot "$base" "$JDK/bin/jlink" --add-modules "$mods" --strip-java-debug-attributes \
    --no-man-pages --no-header-files --output /tmp/stowage-jlink/runtime >&2 || die "jlink failed"
  # keytool and jexec are not needed to run a jar. java.desktop is in the list only for
  # java.beans (Jackson reads its annotations); its native libraries for X11, fonts, sound,
  # JPEG and colour management would bring X11, freetype, harfbuzz, glib, ALSA, libjpeg, lcms2
  # and libpng along, and nothing here draws, plays or decodes images: they are left out.
  rm -f "$work/runtime/bin/keytool" "$work/runtime/lib/jexec" "$work/runtime/lib/psfont"*
  for f in libawt_xawt libfontmanager libjsound libsplashscreen liblcms libjavajpeg libjawt; do
    rm -f "$work/runtime/lib/$f.so"
  done

  mkdir -p "$stage"/{opt/stowage,etc,tmp,home/stowage,usr/bin,usr/lib/x86_64-linux-gnu,usr/lib64,usr/share/doc,var/lib/dpkg/status.d}
  ln -s usr/lib "$stage/lib"; ln -s usr/lib64 "$stage/lib64"
  cp -a "$work/runtime" "$stage/opt/java"
  # Debian's JDK keeps its trust store in ca-certificates-java's file; the image gets a copy.
  rm -f "$stage/opt/java/lib/security/cacerts"
  install -m 0644 "$base/etc/ssl/certs/java/cacerts" "$stage/opt/java/lib/security/cacerts"
  install -m 0644 "$jar" "$stage/opt/stowage/$(basename "$jar")"
  install -m 0644 "$sbom" "$stage/opt/stowage/sbom.cdx.json"
  for b in $bins; do install -m 0755 "$base/usr/bin/$b" "$stage/usr/bin/$b"; done
  # The C.UTF-8 locale (libc-bin; glibc has no built-in one): with LANG=C.UTF-8 the JVM decodes
  # file names as UTF-8 (sun.jnu.encoding), without it as ASCII.
  mkdir -p "$stage/usr/lib/locale"
  cp -a "$base/usr/lib/locale/C.utf8" "$stage/usr/lib/locale/"

  # The shared libraries all of these load, and the packages every file comes from.
  local elves=() f
  while IFS= read -r f; do elves+=("/tmp/stowage-jlink/${f#$work/}"); done < <(
    find "$work/runtime" "$work/native" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \))
  for b in $bins; do elves+=("/usr/bin/$b"); done
  in_chroot "$base" sh -c 'for f in "$@"; do ldd "$f" 2>&1; done' sh "${elves[@]}" > "$work/ldd" ||
    die "ldd failed in the builder root"
  # libjvm.so is found at run time by the launcher, which ldd does not know; anything else
  # not found would fail at run time.
  if grep "not found" "$work/ldd" | grep -v "libjvm.so" >&2; then die "unresolved libraries (above)"; fi
  { sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' "$work/ldd" | grep -v '^/tmp/'
    # glibc loads it for thread cancellation and unwinding, without a DT_NEEDED entry.
    echo /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
  } | sort -u > "$work/libs"
  local lib real pkgs=""
  while IFS= read -r lib; do
    # Copy the name (possibly a symlink) under its /usr path, and the file it points to.
    real=$(chroot "$base" readlink -f "$lib")
    local dir; dir=$(chroot "$base" readlink -f "$(dirname "$lib")")
    mkdir -p "$stage$dir" "$stage$(dirname "$real")"
    cp -a "$base$dir/$(basename "$lib")" "$stage$dir/" 2>/dev/null || true
    cp -a "$base$real" "$stage$real"
    pkgs="$pkgs $(pkg_of "$base" "$lib" "$real")"
  done < "$work/libs"
  # glibc finds ld.so here.
  [ -e "$stage/usr/lib64/ld-linux-x86-64.so.2" ] || die "no dynamic loader in the closure"
  for b in $bins; do pkgs="$pkgs $(pkg_of "$base" "/usr/bin/$b" "/usr/bin/$b")"; done
  # The runtime is built from Debian's OpenJDK (jmods of the JDK package, same source as the
  # JRE); the trust store from ca-certificates(-java); os-release from base-files; the locale
  # from libc-bin.
  pkgs="$pkgs openjdk-17-jdk-headless openjdk-17-jre-headless ca-certificates ca-certificates-java base-files libc-bin"
  local p
  for p in $(tr ' ' '\n' <<<"$pkgs" | sed '/^$/d' | sort -u); do
    mkdir -p "$stage/usr/share/doc/$p"
    install -m 0644 "$(readlink -f "$base/usr/share/doc/$p")/copyright" "$stage/usr/share/doc/$p/copyright" ||
      die "no copyright file for $p"
    chroot "$base" dpkg-query -s "$p" > "$stage/var/lib/dpkg/status.d/$p"
  done
  cp -L "$base/usr/lib/os-release" "$stage/usr/lib/os-release"
  ln -s ../usr/lib/os-release "$stage/etc/os-release"

  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nmysql:x:%s:%s:engine Jobs on MariaDB volumes:/nonexistent:/usr/sbin/nologin\nstowage:x:%s:%s::/home/stowage:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
    $MYSQL_UID $MYSQL_UID $ENGINE_UID $ENGINE_UID > "$stage/etc/passwd"
  printf 'root:x:0:\nmysql:x:%s:\nstowage:x:%s:\nnogroup:x:65534:\n' $MYSQL_UID $ENGINE_UID > "$stage/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$stage/etc/nsswitch.conf"
  chmod 1777 "$stage/tmp"
  chown $ENGINE_UID:$ENGINE_UID "$stage/home/stowage"
  tr ' ' '\n' <<<"$pkgs" | sed '/^$/d' | sort -u > "$work/packages"
  log "$(basename "$stage"): packages $(paste -sd' ' "$work/packages")"
  # Nothing setuid/setgid may have slipped in.
  [ -z "$(find "$stage" -perm /6000 -type f)" ] || die "setuid/setgid files in $stage"
  rm -rf "$work"
}

# pkg_of ROOT PATH... -> the Debian package owning the first PATH dpkg knows (bookworm's
# packages still list /lib paths, the merged root has them under /usr/lib).
pkg_of() {
  local root=$1 p q; shift
  for p in "$@"; do
    for q in "$p" "${p#/usr}"; do
      chroot "$root" dpkg-query -S "$q" 2>/dev/null | head -n1 | cut -d: -f1 && return 0
    done
  done
  die "no Debian package owns $*"
}

# engine_cds STAGE: class data sharing for the engine (AppCDS, JDK 17). Every engine Job is a
# fresh JVM that loads about 1,900 classes for file storage and 5,900 for S3 over TLS (the AWS
# SDK, Apache HttpClient, JSSE, Jackson); parsing and verifying them is most of a short run's
# start-up CPU. Here the engine runs once in the image's own root (same runtime, same jar path
# and mtime, which the JVM checks) through check, backup, ls, verify, restore and rm, plain and
# encrypted, on file storage and on a VersityGW over TLS on 127.0.0.1; the classes they loaded
# go into /opt/stowage/engine.jsa, which the entrypoint maps (-XX:SharedArchiveFile). If the
# archive does not match the runtime, the JVM ignores it and loads classes as before. Gain:
# bench/README.md, "Start-up".
CDS_STAGE=
CDS_PID=
# cds_undo: what engine_cds started and mounted, stopped and unmounted (on every path out).
cds_undo() {
  if [ -n "$CDS_PID" ]; then kill "$CDS_PID" 2>/dev/null || true; wait "$CDS_PID" 2>/dev/null || true; fi
  if [ -n "$CDS_STAGE" ]; then
    local m
    for m in tmp/cds/r proc dev; do
      mountpoint -q "$CDS_STAGE/$m" 2>/dev/null && { umount "$CDS_STAGE/$m" || umount -l "$CDS_STAGE/$m"; }
    done
    rmdir "$CDS_STAGE/dev" "$CDS_STAGE/proc" 2>/dev/null || true
  fi
  CDS_PID= CDS_STAGE=
}

engine_cds() {
  local stage=$1 t=$1/tmp/cds vgw port pid ready=no failed=""
  trap cds_undo EXIT
  trap 'cds_undo; exit 130' INT
  trap 'cds_undo; exit 143' TERM
  CDS_STAGE=$stage
  rm -rf "$t"; mkdir -p "$t/data/db" "$t/store" "$t/s3/cds" "$t/lists" "$stage/dev" "$stage/proc"
  head -c 9M /dev/urandom >"$t/data/ibdata1"   # chunked with 4Mi chunks
  head -c 64K /dev/urandom >"$t/data/db/t1.ibd"
  echo "default-character-set=utf8mb4" >"$t/data/db/db.opt"
  head -c 32 /dev/urandom >"$t/key"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=stowage cds CA" \
    -keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1 || die "openssl: CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" \
    -out "$t/server.csr" >/dev/null 2>&1 || die "openssl: server key"
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$t/server.ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial \
    -days 1 -extfile "$t/server.ext" -out "$t/server.crt" >/dev/null 2>&1 || die "openssl: server cert"
  vgw=$(bash "$REPO_DIR/scripts/ensure-versitygw.sh") || die "no versitygw for the CDS training"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  ROOT_ACCESS_KEY=cdstrain ROOT_SECRET_KEY=cdstrainsecret "$vgw" --port "127.0.0.1:$port" \
    --region us-east-1 --quiet --cert "$t/server.crt" --key "$t/server.key" posix "$t/s3" \
    </dev/null >"$t/versitygw.log" 2>&1 9>&- &   # not holding the build lock (fd 9)
  pid=$!
  CDS_PID=$pid
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { ready=yes; break; }
    sleep 0.05
  done
  [ "$ready" = yes ] || die "versitygw for the CDS training did not start; see $t/versitygw.log"
  mount --bind /dev "$stage/dev"
  mount -t proc proc "$stage/proc"
  # Restores go to a file system of their own: the JDK finds a path's file system (for the
  # restore's free-space check) in /proc/mounts, which shows none at / inside a chroot.
  mkdir -p "$t/r"
  mount -t tmpfs -o size=128m tmpfs "$t/r"
  local s3="s3://cds/p?endpoint=https%3A%2F%2F127.0.0.1%3A$port&region=us-east-1&pathStyle=true&caBundle=/tmp/cds/ca.crt"
  local n=0 st i k CHROOT; CHROOT=$(command -v chroot)
  train() { # ARGS...: one engine run in the stage, its loaded classes listed
    n=$((n + 1))
    env -i LANG=C.UTF-8 LC_ALL=C.UTF-8 PATH=/opt/java/bin:/usr/bin HOME=/home/stowage \
      AWS_ACCESS_KEY_ID=cdstrain AWS_SECRET_ACCESS_KEY=cdstrainsecret AWS_REGION=us-east-1 \
      "$CHROOT" "$stage" /opt/java/bin/java @/opt/stowage/jvm.options @/opt/stowage/native/native.options \
      -XX:DumpLoadedClassList="/tmp/cds/lists/$n.lst" \
      -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8 -jar /opt/stowage/stowage.jar "$@" \
      >>"$t/train.log" 2>&1 || failed="$failed $1($?)"
  }
  for st in file:///tmp/cds/store "$s3"; do
    for k in plain encrypted; do
      i=${st%%:*}-$k
      local key=(); [ "$k" = encrypted ] && key=(--encryption-key-file /tmp/cds/key)
      train check --storage "$st" --directory d --name "$i"
      train backup --datadir /tmp/cds/data --storage "$st" --directory d --name "$i" \
        --chunk-size 4Mi --chunk-threshold 4Mi --quiet "${key[@]}"
      train ls --storage "$st" --directory d
      train verify --storage "$st" --directory d --name "$i" --quiet "${key[@]}"
      train restore --storage "$st" --directory d --name "$i" --datadir "/tmp/cds/r/$i" \
        --quiet "${key[@]}"
      train rm --storage "$st" --directory d --name "$i"
    done
  done
  local ok=yes
  if [ -n "$failed" ]; then
    ok="CDS training runs failed:$failed; see $t/train.log"
  # The runs that encrypt or reach S3 must have loaded AWS-LC from /opt/stowage/native: a
  # fallback to the JDK's providers works but costs every encrypted restore (engine/README.md,
  # "Where the CPU of encryption goes"), so it fails the build instead of shipping unseen.
  elif ! grep -q 'cryptography: AWS-LC' "$t/train.log" || grep -q 'AWS-LC could not be loaded' "$t/train.log"; then
    ok="the engine did not load AWS-LC from /opt/stowage/native; see $t/train.log"
  else
    # One list, each class once, in first-seen order (a lambda's caller before the lambda).
    cat "$t"/lists/*.lst | grep -v '^#' | awk '!seen[$0]++' >"$t/classes.lst"
    if ! "$CHROOT" "$stage" /opt/java/bin/java -Xshare:dump -XX:SharedClassListFile=/tmp/cds/classes.lst \
      -XX:SharedArchiveFile=/opt/stowage/engine.jsa -cp /opt/stowage/stowage.jar >"$t/dump.log" 2>&1; then
      ok="CDS dump failed; see $t/dump.log"
    # -Xshare:on fails instead of ignoring an archive the runtime cannot map.
    elif ! "$CHROOT" "$stage" /opt/java/bin/java -Xshare:on -XX:SharedArchiveFile=/opt/stowage/engine.jsa \
      -jar /opt/stowage/stowage.jar --version >/dev/null 2>"$t/check.log"; then
      ok="the CDS archive does not load: $(cat "$t/check.log")"
    fi
  fi
  cds_undo
  trap - EXIT INT TERM
  [ "$ok" = yes ] || die "$ok"
  log "engine CDS archive: $(wc -l <"$t/classes.lst") classes, $(stat -c %s "$stage/opt/stowage/engine.jsa") bytes"
  rm -rf "$t"
}

do_engine() {
  local stage="$IMAGES_DIR/stage-engine"
  # du: RestoreRunner.allocatedBytes asks du for st_blocks (Java cannot read it) to count what
  # --overwrite frees in its free-space check; it is the only program the engine runs.
  java_stage "$stage" "$REPO_DIR/engine/target/stowage.jar" "$REPO_DIR/engine/target/stowage-engine.cdx.json" \
    "$ENGINE_EXTRA_MODULES" "du"
  # The JVM flags are engine/jvm.options (C1 only; why: that file).
  install -m 0644 "$REPO_DIR/engine/jvm.options" "$stage/opt/stowage/jvm.options"
  # AWS-LC (ACCP) and zstd-jni unpacked once, here, instead of into /tmp at every engine start
  # (why: that script); /opt/stowage/native/native.options points the JVM at them.
  bash "$REPO_DIR/scripts/engine-native-libs.sh" "$REPO_DIR/engine/target/stowage.jar" \
    "$stage/opt/stowage/native" /opt/stowage/native >&2 || die "cannot unpack the engine's native libraries"
  engine_cds "$stage"
  # The C.UTF-8 locale: the JVM decodes file names with it (sun.jnu.encoding), so without it a
  # name such as cafe-with-an-accent.ibd is stored mangled; the engine refuses such names (exit 5).
  pack "$1" "$2" "$stage" "$3" \
    --entrypoint '["/opt/java/bin/java", "-XX:SharedArchiveFile=/opt/stowage/engine.jsa", "@/opt/stowage/jvm.options", "@/opt/stowage/native/native.options", "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", "/opt/stowage/stowage.jar"]' \
    --env PATH=/opt/java/bin:/usr/bin --env JAVA_HOME=/opt/java --env LANG=C.UTF-8 --env LC_ALL=C.UTF-8 \
    --user "$ENGINE_UID:$ENGINE_UID" --workdir /home/stowage
  rm -rf "$stage"
}

do_operator() {
  local stage="$IMAGES_DIR/stage-operator"
  java_stage "$stage" "$REPO_DIR/operator/target/stowage-operator.jar" \
    "$REPO_DIR/operator/target/stowage-operator.cdx.json" "$OPERATOR_EXTRA_MODULES" ""
  # The JVM flags are operator/jvm.options (the heap follows the container's memory limit,
  # deploy/operator.yaml: 512Mi), which the scale benchmark uses too; MALLOC_ARENA_MAX likewise
  # (OperatorScaleBench sets the same): glibc's per-thread arenas held ~60 MiB at 10,000 backups.
  install -m 0644 "$REPO_DIR/operator/jvm.options" "$stage/opt/stowage/jvm.options"
  pack "$1" "$2" "$stage" "$3" \
    --entrypoint '["/opt/java/bin/java", "@/opt/stowage/jvm.options", "-jar", "/opt/stowage/stowage-operator.jar"]' \
    --env PATH=/opt/java/bin --env JAVA_HOME=/opt/java --env LANG=C.UTF-8 --env MALLOC_ARENA_MAX=2 \
    --user "$ENGINE_UID:$ENGINE_UID" --workdir /home/stowage
  rm -rf "$stage"
}

# --- mariadb: Debian's mariadb-server, mysql as uid/gid 999 ------------------------
MARIADB_PKGS="mariadb-server mariadb-client"
do_mariadb() {
  local base stage="$IMAGES_DIR/stage-mariadb"
  base=$(rootfs mariadb "$MARIADB_PKGS")
  rm -rf "$stage"; cp -a "$base" "$stage"
  # Give mysql the fixed uid/gid the manifests rely on, whatever debootstrap chose.
  local ouid ogid
  ouid=$(chroot "$stage" id -u mysql); ogid=$(chroot "$stage" id -g mysql)
  if [ "$ouid" != $MYSQL_UID ] || [ "$ogid" != $MYSQL_UID ]; then
    chroot "$stage" groupmod -g $MYSQL_UID mysql
    chroot "$stage" usermod -u $MYSQL_UID -g $MYSQL_UID mysql
    find "$stage" -xdev \( -uid "$ouid" -o -gid "$ogid" \) -exec chown -h $MYSQL_UID:$MYSQL_UID {} + 2>/dev/null || true
  fi
  rm -rf "$stage/var/lib/mysql"/*
  mkdir -p "$stage/run/mysqld" "$stage/var/lib/mysql"
  chown $MYSQL_UID:$MYSQL_UID "$stage/run/mysqld" "$stage/var/lib/mysql"
  install -m 0755 "$IMG_SRC/mariadb/entrypoint.sh" "$stage/usr/local/bin/stowage-mariadb-entrypoint"
  install -m 0644 "$IMG_SRC/mariadb/stowage.cnf" "$stage/etc/mysql/mariadb.conf.d/99-stowage.cnf"
  pack "$1" "$2" "$stage" "$3" --entrypoint '["/usr/local/bin/stowage-mariadb-entrypoint"]' \
    --user "$MYSQL_UID:$MYSQL_UID" --env MARIADB_DATADIR=/var/lib/mysql
  rm -rf "$stage"
}

# --- s3: VersityGW (Apache-2.0) with the posix backend ------------------------------
do_s3() {
  local stage="$IMAGES_DIR/stage-s3"
  rm -rf "$stage"; mkdir -p "$stage/usr/local/bin" "$stage/data" "$stage/tmp" "$stage/etc"
  install -m 0755 "$BIN_DIR/versitygw-$VERSITYGW_VERSION/versitygw" "$stage/usr/local/bin/versitygw"
  chmod 1777 "$stage/tmp"; chown 10001:10001 "$stage/data"
  printf 'root:x:0:0::/:/nonexistent\ns3:x:10001:10001::/data:/nonexistent\n' > "$stage/etc/passwd"
  printf 'root:x:0:\ns3:x:10001:\n' > "$stage/etc/group"
  # Credentials come from the environment: ROOT_ACCESS_KEY / ROOT_SECRET_KEY.
  pack "$1" "$2" "$stage" "$3" --entrypoint '["/usr/local/bin/versitygw"]' \
    --cmd '["--port", ":7070", "posix", "/data"]' --user 10001:10001
  rm -rf "$stage"
}

ensure_tools
what=("$@"); [ ${#what[@]} -gt 0 ] || what=(pause engine operator mariadb s3)
for w in "${what[@]}"; do
  case $w in
    pause)
      bash "$E2E_DIR/scripts/build-localkube.sh"
      build_image pause stowage/pause:dev "$(src_hash "$BIN_DIR/pause" "$0" "$IMG_SRC/mkimage.py")" do_pause ;;
    engine)
      for f in stowage.jar stowage-engine.cdx.json; do
        [ -s "$REPO_DIR/engine/target/$f" ] ||
          die "engine/target/$f is missing: mvn -B -ntp -DskipTests -pl engine -am package (make images does when a source changed)"
      done
      build_image engine stowage/engine:dev \
        "$(echo "$JAVA_BUILD_PKGS $ROOTFS_EPOCH $ENGINE_EXTRA_MODULES" | cat - "$REPO_DIR/engine/target/stowage.jar" "$REPO_DIR/engine/jvm.options" "$REPO_DIR/scripts/engine-native-libs.sh" "$0" "$IMG_SRC/mkimage.py" | sha256sum | cut -c1-16)" do_engine ;;
    operator)
      for f in stowage-operator.jar stowage-operator.cdx.json; do
        [ -s "$REPO_DIR/operator/target/$f" ] ||
          die "operator/target/$f is missing: mvn -B -ntp -DskipTests -pl operator -am package (make images does when a source changed)"
      done
      build_image operator stowage/operator:dev \
        "$(echo "$JAVA_BUILD_PKGS $ROOTFS_EPOCH $OPERATOR_EXTRA_MODULES" | cat - "$REPO_DIR/operator/target/stowage-operator.jar" "$REPO_DIR/operator/jvm.options" "$0" "$IMG_SRC/mkimage.py" | sha256sum | cut -c1-16)" do_operator ;;
    mariadb)
      build_image mariadb stowage/mariadb:10.11 \
        "$(echo "$MARIADB_PKGS $ROOTFS_EPOCH" | cat - "$IMG_SRC"/mariadb/* "$0" "$IMG_SRC/mkimage.py" | sha256sum | cut -c1-16)" do_mariadb ;;
    s3)
      bash "$E2E_DIR/scripts/build-addons.sh" versitygw
      build_image s3 stowage/s3:dev \
        "$(src_hash "$BIN_DIR/versitygw-$VERSITYGW_VERSION/versitygw" "$0" "$IMG_SRC/mkimage.py")" do_s3 ;;
    *) die "unknown image $w" ;;
  esac
done
