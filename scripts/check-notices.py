#!/usr/bin/env python3
"""Checks that a shaded jar keeps every NOTICE and LICENSE text of the dependencies its CycloneDX
SBOM lists (Apache-2.0 section 4(d); the shade plugin's notice transformer merges them):
for each such file in each dependency jar of ~/.m2, its first non-empty line must be in the
shaded jar, under the same name or in the merged META-INF/NOTICE or LICENSE files.

usage: check-notices.py TARGET/ARTIFACT.cdx.json TARGET/SHADED.jar   (exit 1 when one is missing)
"""
import json, os, re, sys, zipfile


def main():
    bom, jar = sys.argv[1], sys.argv[2]
    d = json.load(open(bom))
    merged = zipfile.ZipFile(jar)
    names = set(merged.namelist())
    notice = merged.read("META-INF/NOTICE").decode("utf-8", "replace") if "META-INF/NOTICE" in names else ""
    lic = "".join(
        merged.read(n).decode("utf-8", "replace")
        for n in names
        if re.match(r"(META-INF/)?LICENSE(\.txt|\.md)?$", n)
    )
    missing, checked, nojar = [], 0, []
    for c in d.get("components", []):
        g, a, v = c.get("group", ""), c["name"], c["version"]
        # A classified jar (ACCP's linux-x86_64) is named by the classifier in its package URL.
        m = re.search(r"[?&]classifier=([^&]+)", c.get("purl", ""))
        suffix = f"-{m.group(1)}" if m else ""
        p = os.path.expanduser(f"~/.m2/repository/{g.replace('.', '/')}/{a}/{v}/{a}-{v}{suffix}.jar")
        if not os.path.exists(p):
            nojar.append(p)
            continue
        z = zipfile.ZipFile(p)
        for n in z.namelist():
            base = n.rsplit("/", 1)[-1].upper()
            if not (base.startswith("NOTICE") or base.startswith("LICENSE")) or n.endswith("/"):
                continue
            txt = z.read(n).decode("utf-8", "replace").strip()
            if not txt:
                continue
            checked += 1
            line = next(l for l in txt.splitlines() if l.strip()).strip()
            ok = n in names and line in merged.read(n).decode("utf-8", "replace")
            ok = ok or (base.startswith("NOTICE") and line in notice)
            ok = ok or (base.startswith("LICENSE") and line in lic)
            if not ok:
                missing.append(f"{g}:{a}:{v} {n}: {line[:70]!r}")
    for p in nojar:
        print(f"check-notices: {jar}: dependency jar not in ~/.m2 (not checked): {p}", file=sys.stderr)
    for m in missing:
        print(f"check-notices: {jar}: missing {m}", file=sys.stderr)
    print(f"check-notices: {jar}: {checked} NOTICE/LICENSE files of {len(d.get('components', []))} dependencies checked, {len(missing)} missing")
    sys.exit(1 if missing or nojar else 0)


if __name__ == "__main__":
    main()
