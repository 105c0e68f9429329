#!/usr/bin/env python3
"""Offline checks of a Grafana dashboard JSON (test.sh runs it; no Prometheus, no Grafana needed).

  check.py DASHBOARD.json RULES_OUT.yaml

Fails, naming the panel, when the JSON does not parse, a panel (not a row) has no query, a query
uses a template variable the dashboard does not define, or the dashboard lacks the variables
namespace and schedule. Writes every query, template variables substituted as MonitoringE2E
substitutes them, as a recording rule named after its panel into RULES_OUT.yaml, so that
`promtool check rules` parses each with Prometheus's own PromQL parser.
"""
import json
import re
import sys

# As e2e's MonitoringE2E substitutes them (a Grafana multi-value variable is a regex).
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "15m"}
SAMPLE = {"namespace": "(prod|staging)", "schedule": "(nightly|hourly)"}


def main(path, out):
    errors = []
    try:
        with open(path) as f:
            dashboard = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: not a JSON document: {e}")
    variables = {v.get("name") for v in dashboard.get("templating", {}).get("list", [])}
    for need in ("namespace", "schedule"):
        if need not in variables:
            errors.append(f"{path}: no template variable {need!r}")
    panels = []
    for p in dashboard.get("panels", []):
        panels.append(p)
        panels.extend(p.get("panels", []))  # a collapsed row holds its panels
    rules = []
    titles = set()
    for p in panels:
        if p.get("type") == "row":
            continue
        title = p.get("title") or f"panel id {p.get('id')}"
        if title in titles:
            errors.append(f"panel {title!r}: a second panel has this title")
        titles.add(title)
        targets = [t for t in p.get("targets", []) if (t.get("expr") or "").strip()]
        if not targets:
            errors.append(f"panel {title!r}: no query (no target with an expr)")
        for t in targets:
            expr = t["expr"]
            for name in re.findall(r"\$\{?(\w+)", expr):
                if name not in variables and name not in BUILTINS:
                    errors.append(f"panel {title!r} query {t.get('refId')}: unknown variable ${name}")
            rules.append((f"dashboard:panel_{p.get('id')}_{t.get('refId')}", title, substitute(expr)))
    for v in dashboard.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", v.get("definition", ""), re.S)
            if not m:
                errors.append(f"template variable {v.get('name')}: not label_values(SELECTOR, LABEL)")
            else:
                rules.append((f"dashboard:variable_{v['name']}", "variable " + v["name"], substitute(m.group(1))))
    if errors:
        sys.exit("\n".join(errors))
    with open(out, "w") as f:
        f.write("# Every query of " + path + ", for promtool check rules.\ngroups:\n  - name: dashboard\n    rules:\n")
        for record, title, expr in rules:
            f.write(f"      # {title}\n      - record: {record}\n        expr: {json.dumps(expr)}\n")
    print(f"{len(rules)} queries in {len([p for p in panels if p.get('type') != 'row'])} panels")


def substitute(expr):
    for name, value in list(BUILTINS.items()) + list(SAMPLE.items()):
        expr = expr.replace("${" + name + "}", value).replace("$" + name, value)
    return expr


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
