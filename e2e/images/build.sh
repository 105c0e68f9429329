#!/usr/bin/env bash
# Builds the cluster's container images without a daemon and imports them into
# containerd's k8s.io namespace. Each image is rebuilt only when its inputs
# (this directory's files, the Debian package set, the engine or operator jar,
# the addon version) change; an unchanged image already in containerd is left alone.
#
#   build.sh [pause] [engine] [operator] [mariadb] [s3]      (default: all five)
#
# Root file systems come from debootstrap (Debian bookworm, minbase) and are
# cached under $STOWAGE_CACHE/images; each image is a single layer.
source "$(dirname "$0")/../scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, containerd)"
IMG_SRC="$E2E_DIR/images"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
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

# rootfs NAME "PKGS" -> prints the dir of a cached Debian rootfs with PKGS installed.
rootfs() {
  local name=$1 pkgs=$2 key dir
  key=$(echo "$SUITE $MIRROR $pkgs v2" | sha256sum | cut -c1-12)
  dir="$IMAGES_DIR/rootfs-$name-$key"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir" "$dir.tmp"
    log "debootstrap $SUITE for $name (packages: ${pkgs:-none})"
    local inc=""; [ -n "$pkgs" ] && inc="--include=$(echo $pkgs | tr ' ' ',')"
    debootstrap --variant=minbase $inc "$SUITE" "$dir.tmp" "$MIRROR" > "$IMAGES_DIR/debootstrap-$name.log" 2>&1 ||
      die "debootstrap failed; see $IMAGES_DIR/debootstrap-$name.log"
    # Slim it: no package lists, caches, docs or man pages in the image.
    rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/cache/apt/* "$dir.tmp"/usr/share/doc/* \
           "$dir.tmp"/usr/share/man/* "$dir.tmp"/usr/share/info/* "$dir.tmp"/var/log/*.log "$dir.tmp"/var/log/apt
    touch "$dir.tmp/.complete"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

# pack NAME TAG STAGE_DIR STAMP mkimage-args...: layer tar + docker-archive + import.
pack() {
  local name=$1 tag=$2 stage=$3 stamp=$4; shift 4
  local out="$IMAGES_DIR/$name.tar"
  log "packing $tag"
  ( cd "$stage" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | grep -vx '.complete' |
      tar --numeric-owner --xattrs -cf "$IMAGES_DIR/$name.layer.tar" -T - )
  python3 "$IMG_SRC/mkimage.py" --layer "$IMAGES_DIR/$name.layer.tar" --tag "$tag" -o "$out.tmp" \
    --label "dev.stowage.inputs=$stamp" "$@"
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

# import NAME TAG STAMP: import the archive unless containerd already has this build.
import() {
  local name=$1 tag=$2 stamp=$3 ref="docker.io/$2"
  if [ "$(cat "$IMAGES_DIR/$name.imported" 2>/dev/null)" = "$stamp" ] && pid_alive containerd && has_image "$ref"; then
    log "$ref is current"
    return 0
  fi
  start_containerd 9>&-   # the daemon must not inherit (and so hold) the build lock
  log "importing $ref into containerd (k8s.io)"
  ctrk images import "$IMAGES_DIR/$name.tar" >/dev/null
  has_image "$ref" || die "$ref missing after import"
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
  import "$name" "$tag" "$stamp"
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

# --- engine and operator: Java 17 JRE + a jar, non-root ------------------------------
ENGINE_PKGS="openjdk-17-jre-headless"
# java_stage STAGE JAR: the Java root file system (one cache for both images) with the
# stowage user and JAR at /opt/stowage/, copied to STAGE.
java_stage() {
  local stage=$1 jar=$2 base
  base=$(rootfs engine "$ENGINE_PKGS")
  rm -rf "$stage"; cp -a "$base" "$stage"
  chroot "$stage" groupadd -g $ENGINE_UID stowage
  chroot "$stage" useradd -u $ENGINE_UID -g $ENGINE_UID -d /home/stowage -m -s /usr/sbin/nologin stowage
  mkdir -p "$stage/opt/stowage"
  install -m 0644 "$jar" "$stage/opt/stowage/$(basename "$jar")"
}

do_engine() {
  local stage="$IMAGES_DIR/stage-engine"
  java_stage "$stage" "$REPO_DIR/engine/target/stowage.jar"
  # A UTF-8 locale: the JVM decodes file names with it (sun.jnu.encoding), so without it a name
  # such as cafe-with-an-accent.ibd is stored mangled; the engine refuses such names (exit 5).
  pack "$1" "$2" "$stage" "$3" \
    --entrypoint '["java", "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", "/opt/stowage/stowage.jar"]' \
    --env LANG=C.UTF-8 --env LC_ALL=C.UTF-8 \
    --user "$ENGINE_UID:$ENGINE_UID" --workdir /home/stowage
  rm -rf "$stage"
}

do_operator() {
  local stage="$IMAGES_DIR/stage-operator"
  java_stage "$stage" "$REPO_DIR/operator/target/stowage-operator.jar"
  # The heap follows the container's memory limit (deploy/operator.yaml: 512Mi).
  pack "$1" "$2" "$stage" "$3" \
    --entrypoint '["java", "-XX:MaxRAMPercentage=70", "-jar", "/opt/stowage/stowage-operator.jar"]' \
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
      [ -s "$REPO_DIR/engine/target/stowage.jar" ] || die "engine/target/stowage.jar is missing (make images builds it)"
      build_image engine stowage/engine:dev \
        "$(echo "$ENGINE_PKGS" | cat - "$REPO_DIR/engine/target/stowage.jar" "$0" "$IMG_SRC/mkimage.py" | sha256sum | cut -c1-16)" do_engine ;;
    operator)
      [ -s "$REPO_DIR/operator/target/stowage-operator.jar" ] || die "operator/target/stowage-operator.jar is missing (make images builds it)"
      build_image operator stowage/operator:dev \
        "$(echo "$ENGINE_PKGS" | cat - "$REPO_DIR/operator/target/stowage-operator.jar" "$0" "$IMG_SRC/mkimage.py" | sha256sum | cut -c1-16)" do_operator ;;
    mariadb)
      build_image mariadb stowage/mariadb:10.11 \
        "$(echo "$MARIADB_PKGS" | cat - "$IMG_SRC"/mariadb/* "$0" "$IMG_SRC/mkimage.py" | sha256sum | cut -c1-16)" do_mariadb ;;
    s3)
      bash "$E2E_DIR/scripts/build-addons.sh" versitygw
      build_image s3 stowage/s3:dev \
        "$(src_hash "$BIN_DIR/versitygw-$VERSITYGW_VERSION/versitygw" "$0" "$IMG_SRC/mkimage.py")" do_s3 ;;
    *) die "unknown image $w" ;;
  esac
done
