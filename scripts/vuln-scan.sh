#!/usr/bin/env bash
# Scans the dependencies the engine and the operator ship (their CycloneDX SBOMs, written by
# `mvn package` to engine/target/stowage-engine.cdx.json and operator/target/
# stowage-operator.cdx.json) for known vulnerabilities with osv-scanner, offline, and fails on
# a known critical one (CVSS >= 9.0 or marked CRITICAL): `make check`.
#
# The vulnerability data is OSV's Maven database (all.zip, from OSV's download bucket). osv-scanner
# itself comes from the Go module proxy; the database does not come from any package registry.
# When it is not in $STOWAGE_OSV_DB (default ~/.cache/stowage/osv-db) and cannot be downloaded,
# the script says "NOT SCANNED" and exits 3: a scan that did not happen is never reported clean.
# Place the file by hand on a machine that can reach it:
#   mkdir -p ~/.cache/stowage/osv-db/osv-scalibr/Maven
#   curl -o ~/.cache/stowage/osv-db/osv-scalibr/Maven/all.zip \
#     https://osv-vulnerabilities.storage.googleapis.com/Maven/all.zip
#
# Before the real scan, a self-test proves the scanner, its offline mode and the gate work
# here: a fixture database with one real advisory (Log4Shell) must fail an SBOM holding
# log4j-core 2.14.1, and must pass the project's SBOMs.
#
# Exit codes: 0 scanned, no known critical; 1 a known critical; 2 the scan did not cover every
# package; 3 database not available (not scanned); 4 the self-test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OSV_VERSION=v2.5.1   # v2.6.0 needs Go 1.27
CACHE="${STOWAGE_CACHE:-$HOME/.cache/stowage}"
OSV="$CACHE/bin/osv-scanner-$OSV_VERSION/osv-scanner"
DB="${STOWAGE_OSV_DB:-$CACHE/osv-db}"
DB_ZIP="$DB/osv-scalibr/Maven/all.zip"     # where osv-scanner v2.5 looks for it
DB_URL="https://osv-vulnerabilities.storage.googleapis.com/Maven/all.zip"
SBOMS=(engine/target/stowage-engine.cdx.json operator/target/stowage-operator.cdx.json)
log() { printf 'vuln-scan: %s\n' "$*" >&2; }

for s in "${SBOMS[@]}"; do
  [ -s "$s" ] || { log "$s is missing: run mvn package first (make check does)"; exit 4; }
done

# osv-scanner, built once from the Go module proxy (2-6 min cold on 2 cores).
if [ ! -x "$OSV" ]; then
  log "building osv-scanner $OSV_VERSION (go install, once)"
  mkdir -p "$(dirname "$OSV")"
  GOBIN="$(dirname "$OSV")" GOFLAGS= CGO_ENABLED=0 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" \
    nice -n 10 go install "github.com/google/osv-scanner/v2/cmd/osv-scanner@$OSV_VERSION"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# scan DB_DIR OUT.json SBOM...: osv-scanner offline on SBOMs; prints its stderr on failure.
scan() {
  local dbdir=$1 out=$2; shift 2
  local args=() s rc=0
  for s in "$@"; do args+=(-L "$s"); done
  OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$dbdir" "$OSV" scan source --offline --all-packages \
    --format json "${args[@]}" > "$out" 2> "$out.err" || rc=$?
  # 0: nothing found, 1: vulnerabilities found; anything else is an error.
  if [ $rc -gt 1 ] || grep -qi "could not load db\|unable to fetch OSV database" "$out.err"; then
    cat "$out.err" >&2
    return 9
  fi
}
components() { python3 -c 'import json,sys; print(sum(len(json.load(open(f)).get("components",[])) for f in sys.argv[1:]))' "$@"; }

# --- self-test -------------------------------------------------------------------------------
mkdir -p "$tmp/fixture/osv-scalibr/Maven"
(cd scripts/vuln-scan && python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1],"w"); z.write("GHSA-jfh8-c2jp-5v3q.json"); z.close()' \
  "$tmp/fixture/osv-scalibr/Maven/all.zip")
scan "$tmp/fixture" "$tmp/self-bad.json" scripts/vuln-scan/vulnerable.cdx.json ||
  { log "self-test: osv-scanner failed on the fixture"; exit 4; }
if python3 scripts/vuln-scan/gate.py "$tmp/self-bad.json" 1 > "$tmp/self-bad.out"; then
  cat "$tmp/self-bad.out" >&2; log "self-test FAILED: log4j-core 2.14.1 passed the gate"; exit 4
fi
grep -q "CRITICAL .*GHSA-jfh8-c2jp-5v3q" "$tmp/self-bad.out" ||
  { cat "$tmp/self-bad.out" >&2; log "self-test FAILED: Log4Shell not reported as critical"; exit 4; }
scan "$tmp/fixture" "$tmp/self-good.json" "${SBOMS[@]}" ||
  { log "self-test: osv-scanner failed on the project's SBOMs"; exit 4; }
python3 scripts/vuln-scan/gate.py "$tmp/self-good.json" "$(components "${SBOMS[@]}")" > "$tmp/self-good.out" ||
  { cat "$tmp/self-good.out" >&2; log "self-test FAILED: the project's SBOMs did not pass a database without their advisories"; exit 4; }
log "self-test passed (the fixture advisory fails log4j-core 2.14.1; the SBOMs' $(components "${SBOMS[@]}") packages are read)"

# --- the real scan -----------------------------------------------------------------------------
if [ ! -s "$DB_ZIP" ]; then
  log "no OSV Maven database at $DB_ZIP; trying to download it"
  mkdir -p "$(dirname "$DB_ZIP")"
  if ! curl -fsS -m 120 -o "$DB_ZIP.tmp" "$DB_URL" 2> "$tmp/curl.err"; then
    rm -f "$DB_ZIP.tmp"
    log "$(cat "$tmp/curl.err")"
    log "vulnerability database not reachable ($DB_URL): the dependencies were NOT SCANNED."
    log "Put OSV's Maven all.zip at $DB_ZIP (see this script's header) and run make check again."
    exit 3
  fi
  mv "$DB_ZIP.tmp" "$DB_ZIP"
fi
age_days=$(( ( $(date +%s) - $(stat -c %Y "$DB_ZIP") ) / 86400 ))
log "scanning ${SBOMS[*]} against $DB_ZIP (${age_days} days old)"
[ "$age_days" -le 7 ] || log "WARNING: the database is $age_days days old; newer advisories are not in it"
scan "$DB" "$tmp/report.json" "${SBOMS[@]}" || { log "osv-scanner failed: NOT SCANNED"; exit 3; }
python3 scripts/vuln-scan/gate.py "$tmp/report.json" "$(components "${SBOMS[@]}")"
