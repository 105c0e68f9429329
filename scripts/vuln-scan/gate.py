#!/usr/bin/env python3
"""Reads osv-scanner's JSON report and fails (exit 1) on any known critical vulnerability:
a CVSS base score of 9.0 or more (osv-scanner's max_severity of a group), or an advisory that
its database marks CRITICAL. Prints every finding; lower ones are reported, not fatal.

usage: gate.py REPORT.json PACKAGES_IN_THE_SBOMS   (exit 2: the report does not cover them)
"""
import json, sys

CRITICAL = 9.0


def main():
    report = json.load(open(sys.argv[1]))
    expected = int(sys.argv[2])
    packages, findings, fatal = 0, [], []
    for result in report.get("results") or []:
        src = result.get("source", {}).get("path", "?")
        for p in result.get("packages") or []:
            packages += 1
            pkg = p.get("package", {})
            vulns = {v.get("id"): v for v in p.get("vulnerabilities") or []}
            for g in p.get("groups") or []:
                ids = g.get("ids") or []
                try:
                    score = float(g.get("max_severity") or "nan")
                except ValueError:
                    score = float("nan")
                marked = any(
                    (vulns.get(i, {}).get("database_specific") or {}).get("severity", "").upper() == "CRITICAL"
                    for i in ids
                )
                line = f"{pkg.get('name')}@{pkg.get('version')} ({src}): {', '.join(ids)} severity {g.get('max_severity') or 'unknown'}"
                findings.append(line)
                if score >= CRITICAL or marked:
                    fatal.append(line)
    # (osv-scanner runs with --all-packages.) A report that covers fewer packages than the
    # SBOMs list did not scan them all: never call that clean.
    if packages < expected:
        print(f"vuln-scan: the report covers {packages} packages, the SBOMs list {expected}: "
              "NOT SCANNED completely (see the scanner's output above)", file=sys.stderr)
        sys.exit(2)
    for f in findings:
        print(("CRITICAL " if f in fatal else "known    ") + f)
    print(f"vuln-scan: {len(findings)} known vulnerabilities, {len(fatal)} critical (CVSS >= {CRITICAL})")
    sys.exit(1 if fatal else 0)


if __name__ == "__main__":
    main()
