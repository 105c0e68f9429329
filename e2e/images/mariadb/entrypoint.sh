#!/bin/sh
# stowage/mariadb entrypoint: initialise an empty data directory on first start
# (root password from MARIADB_ROOT_PASSWORD, root may log in from any host),
# then run mariadbd in the foreground. Extra arguments go to mariadbd.
set -eu
DATADIR="${MARIADB_DATADIR:-/var/lib/mysql}"
init=""
if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "${MARIADB_ROOT_PASSWORD:-}" ]; then
    echo "stowage-mariadb: $DATADIR is empty and MARIADB_ROOT_PASSWORD is not set" >&2
    exit 1
  fi
  echo "stowage-mariadb: initialising $DATADIR" >&2
  mariadb-install-db --datadir="$DATADIR" --skip-test-db --auth-root-authentication-method=normal \
    --skip-name-resolve > /tmp/install-db.log 2>&1 || { cat /tmp/install-db.log >&2; exit 1; }
  pw=$(printf '%s' "$MARIADB_ROOT_PASSWORD" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")
  umask 077
  cat > /tmp/stowage-init.sql <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  init="--init-file=/tmp/stowage-init.sql"
fi
echo "stowage-mariadb: starting mariadbd on $DATADIR" >&2
# shellcheck disable=SC2086
exec mariadbd --datadir="$DATADIR" $init "$@"
