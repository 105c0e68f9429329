#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only when something is missing.
# Idempotent: a second run with everything present does nothing and prints nothing.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have mariadbd || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server mariadb-client)
have zstd || need+=(zstd)
have pigz || need+=(pigz)
have python3 || need+=(python3)     # unit tests probe POSIX locks from a second process
[ -x /usr/bin/time ] || need+=(time)
have mvn || need+=(maven)
have java || need+=(openjdk-17-jdk-headless)
# promtool checks and unit-tests the alerts and the dashboard (make test-alerts); the server itself
# (/usr/bin/prometheus, same package) is what MonitoringE2E runs on loopback.
{ have promtool && [ -x /usr/bin/prometheus ]; } || need+=(prometheus)

if [ ${#need[@]} -gt 0 ]; then
  echo "ensure-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The prometheus package (wanted for promtool) starts a Prometheus server on install; the tests
  # need none. A policy-rc.d that denies every start, for this install only, unless one exists.
  if [[ " ${need[*]} " == *" prometheus "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The package starts a system mariadbd on install on some images; tests start their own.
  if pgrep -x mariadbd >/dev/null 2>&1 && [ -f /run/mysqld/mysqld.pid ]; then
    kill "$(cat /run/mysqld/mysqld.pid)" 2>/dev/null || true
  fi
  # Prometheus (installed for promtool) is not to run at boot either.
  if [[ " ${need[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
