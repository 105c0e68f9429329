#!/usr/bin/env bash
# Builds the benchmark datasets once and caches them under $DATASETS (outside the repository):
#   big/big.ibd   one InnoDB tablespace file of real pages (2 GiB; 256 MiB with BENCH_QUICK=1),
#                 cut at a page boundary from a table loaded into a throwaway mariadbd
#   small/        5,000 files of 16-256 KiB (500 with BENCH_QUICK=1): page-aligned slices of big.ibd
#   datadir/      a real MariaDB 10.11 data directory of about 1 GiB (about 200 MiB quick),
#                 sysbench-shaped tables filled by our own loader, cleanly shut down
# A dataset is rebuilt only when its stamp (<name>.complete beside it) is missing or names another
# recipe.
# Usage: bench/datasets.sh DATASETS_DIR   (reads BENCH_QUICK)
set -euo pipefail

DATASETS=${1:?usage: datasets.sh DATASETS_DIR}
QUICK=${BENCH_QUICK:-0}
RECIPE=v2

if [ "$QUICK" = 1 ]; then
  BIG_BYTES=$((256 << 20)); BIG_ROWS=1600000
  SMALL_FILES=500
  DD_TABLES=2; DD_ROWS=300000
else
  BIG_BYTES=$((2048 << 20)); BIG_ROWS=13000000
  SMALL_FILES=5000
  DD_TABLES=4; DD_ROWS=700000
fi

MARIADBD=/usr/sbin/mariadbd
for b in "$MARIADBD" mariadb-install-db mariadb; do
  command -v "$b" >/dev/null 2>&1 || {
    echo "datasets: $b not found; run 'make deps' (scripts/ensure-deps.sh)" >&2
    exit 1
  }
done

log() { echo "datasets: $*" >&2; }

# Stamps live beside the datasets, not in them, so they are not part of what is backed up.
stamp_ok() { [ -f "$1.complete" ] && [ "$(cat "$1.complete")" = "$2" ]; }

# --- a throwaway mariadbd: socket only, no TCP, fast (unsafe) flushing: only the data matters ---
SERVER_PID=
start_server() { # datadir rundir redo-log-size
  local data=$1 run=$2 redo=$3
  mkdir -p "$run"
  "$MARIADBD" --no-defaults --user=root --datadir="$data" --socket="$run/s.sock" \
    --skip-networking --pid-file="$run/m.pid" --log-error="$run/error.log" \
    --innodb-buffer-pool-size=2G --innodb-log-file-size="$redo" \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --skip-log-bin \
    >"$run/out.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults -uroot --socket="$run/s.sock" ping >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$run/error.log" >&2; return 1; }
    sleep 0.2
  done
  echo "datasets: mariadbd did not start" >&2
  tail -20 "$run/error.log" >&2
  return 1
}

sql() { mariadb --no-defaults -uroot --socket="$RUN/s.sock" --batch --skip-column-names "$@"; }

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  sql -e "SET GLOBAL innodb_fast_shutdown = 0; SHUTDOWN;" || kill "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=
}
trap 'if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi' EXIT

install_db() { # datadir
  rm -rf "$1"
  mkdir -p "$1"
  mariadb-install-db --no-defaults --user=root --datadir="$1" \
    --auth-root-authentication-method=normal --skip-test-db >/dev/null
}

# sysbench's oltp schema; c and pad are filled in sysbench's '###########-...' shape from hashes.
load_sbtest() { # db table rows
  local db=$1 t=$2 rows=$3 batch=250000 from=1
  sql -e "CREATE TABLE IF NOT EXISTS \`$db\`.\`$t\` (
      id INTEGER NOT NULL PRIMARY KEY, k INTEGER NOT NULL DEFAULT 0,
      c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k)
    ) ENGINE=InnoDB"
  while [ "$from" -le "$rows" ]; do
    local to=$((from + batch - 1))
    [ "$to" -le "$rows" ] || to=$rows
    sql "$db" -e "INSERT INTO \`$t\`
      SELECT seq, (seq * 2654435761) % $rows + 1,
        CONCAT_WS('-', SUBSTR(h, 1, 11), SUBSTR(h, 12, 11), SUBSTR(h, 23, 11), SUBSTR(h, 34, 11),
          SUBSTR(h, 45, 11), SUBSTR(h, 56, 11), SUBSTR(h, 67, 11), SUBSTR(h, 78, 11),
          SUBSTR(h, 89, 11), SUBSTR(h, 100, 11)),
        CONCAT_WS('-', SUBSTR(g, 1, 11), SUBSTR(g, 12, 11), SUBSTR(g, 23, 11), SUBSTR(g, 34, 11),
          SUBSTR(g, 45, 11))
      FROM (SELECT seq, SHA2(CONCAT('$t', seq), 512) AS h, MD5(seq) AS g
            FROM seq_${from}_to_${to}) AS s"
    from=$((to + 1))
  done
}

# An orders-like table with mixed column types and two secondary indexes: varied page content.
load_orders() { # db rows
  local db=$1 rows=$2 batch=500000 from=1
  sql -e "CREATE TABLE IF NOT EXISTS \`$db\`.orders (
      id BIGINT NOT NULL PRIMARY KEY, customer_id INT NOT NULL, placed DATETIME NOT NULL,
      status ENUM('new','paid','shipped','returned') NOT NULL, amount DECIMAL(12,2) NOT NULL,
      sku CHAR(16) NOT NULL, note VARCHAR(200), KEY by_customer (customer_id, placed), KEY by_sku (sku)
    ) ENGINE=InnoDB"
  while [ "$from" -le "$rows" ]; do
    local to=$((from + batch - 1))
    [ "$to" -le "$rows" ] || to=$rows
    sql "$db" -e "INSERT INTO orders
      SELECT seq, (seq * 7919) % 200003, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (seq * 17) SECOND,
        ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), (seq * 104729 % 10000019) / 100,
        UPPER(SUBSTR(MD5(seq % 50000), 1, 16)),
        IF(seq % 3 = 0, NULL, CONCAT(ELT(1 + seq % 6, 'gift wrap', 'leave at door', 'call first',
          'fragile', 'express', 'pickup'), ' ', SUBSTR(SHA1(seq), 1, seq % 40)))
      FROM seq_${from}_to_${to}"
    from=$((to + 1))
  done
}

mkdir -p "$DATASETS"
GEN="$DATASETS/.gen"
RUN="$GEN/run"

# --- datadir ---
want="$RECIPE quick=$QUICK tables=$DD_TABLES rows=$DD_ROWS"
if ! stamp_ok "$DATASETS/datadir" "$want"; then
  log "building datadir ($DD_TABLES tables x $DD_ROWS rows)..."
  t0=$(date +%s)
  rm -f "$DATASETS/datadir.complete"
  install_db "$DATASETS/datadir"
  # MariaDB's default redo log size, as a real data directory would most likely have.
  start_server "$DATASETS/datadir" "$RUN" 96M
  sql -e "CREATE DATABASE sbtest"
  for i in $(seq 1 "$DD_TABLES"); do load_sbtest sbtest "sbtest$i" "$DD_ROWS"; done
  sql -e "CREATE DATABASE shop"
  load_orders shop $((DD_ROWS / 2))
  stop_server
  echo "$want" >"$DATASETS/datadir.complete"
  log "datadir: $(du -sh "$DATASETS/datadir" | cut -f1) in $(($(date +%s) - t0)) s"
fi

# --- big file ---
want="$RECIPE quick=$QUICK bytes=$BIG_BYTES rows=$BIG_ROWS"
if ! stamp_ok "$DATASETS/big" "$want"; then
  log "building big file ($BIG_BYTES bytes of InnoDB pages from $BIG_ROWS rows)..."
  t0=$(date +%s)
  rm -rf "$DATASETS/big" "$DATASETS/big.complete" "$GEN/bigsrc"
  install_db "$GEN/bigsrc"
  start_server "$GEN/bigsrc" "$RUN" 512M
  sql -e "CREATE DATABASE big"
  load_orders big "$BIG_ROWS"
  stop_server
  src="$GEN/bigsrc/big/orders.ibd"
  have=$(stat -c %s "$src")
  if [ "$have" -lt "$BIG_BYTES" ]; then
    echo "datasets: $src is $have bytes, fewer than $BIG_BYTES: raise BIG_ROWS" >&2
    exit 1
  fi
  mkdir -p "$DATASETS/big"
  # BIG_BYTES is a multiple of the 16 KiB page size, so the cut falls on a page boundary.
  head -c "$BIG_BYTES" "$src" >"$DATASETS/big/big.ibd"
  rm -rf "$GEN/bigsrc"
  echo "$want" >"$DATASETS/big.complete"
  log "big: $(du -sh "$DATASETS/big" | cut -f1) in $(($(date +%s) - t0)) s"
fi

# --- small files: page-aligned slices of the big file, in 50 directories ---
want="$RECIPE quick=$QUICK files=$SMALL_FILES from=$BIG_BYTES"
if ! stamp_ok "$DATASETS/small" "$want"; then
  log "building $SMALL_FILES small files..."
  t0=$(date +%s)
  rm -rf "$DATASETS/small" "$DATASETS/small.complete"
  mkdir -p "$DATASETS/small"
  pages=$((BIG_BYTES / 16384))
  # Deterministic sizes 16..256 KiB and page offsets (an LCG, so every run builds the same files).
  awk -v n="$SMALL_FILES" -v pages="$pages" 'BEGIN {
      x = 12345
      for (i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) % 2147483648; kib = 16 + x % 241
        x = (x * 1103515245 + 12345) % 2147483648; page = x % (pages - 17)
        printf "%02d %05d %d %d\n", i % 50, i, page * 16384, kib * 1024
      }
    }' | while read -r d i off size; do
    mkdir -p "$DATASETS/small/d$d"
    dd if="$DATASETS/big/big.ibd" of="$DATASETS/small/d$d/f$i.ibd" bs=64K \
      iflag=skip_bytes,count_bytes skip="$off" count="$size" status=none
  done
  echo "$want" >"$DATASETS/small.complete"
  log "small: $(du -sh "$DATASETS/small" | cut -f1) in $(($(date +%s) - t0)) s"
fi
rm -rf "$GEN"
