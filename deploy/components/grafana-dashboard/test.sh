#!/usr/bin/env bash
# Offline checks of the Grafana dashboard (`make test-alerts` runs it after the alerts' test.sh):
#  1. stowage-dashboard.json parses, every panel has a query, every variable a query uses exists
#     (check.py);
#  2. every query and variable selector, template variables substituted, parses with Prometheus's
#     own PromQL parser: check.py writes them as recording rules, `promtool check rules` reads them;
#  3. the component, as kubectl kustomize renders it on top of deploy/, is a ConfigMap labelled
#     grafana_dashboard: "1" holding the JSON byte for byte;
#  4. the checks can fail: a broken query, a panel without a query, an unknown variable.
# Whether each query returns series from a real operator is MonitoringE2E's job (e2e/README.md).
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$dir/../../.." && pwd)"
promtool="${PROMTOOL:-promtool}"
command -v "$promtool" >/dev/null 2>&1 ||
  { echo "test-dashboard: promtool not found; run scripts/ensure-deps.sh (Debian package prometheus)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "test-dashboard: FAILED: $*" >&2; exit 1; }

# checks DASHBOARD: steps 1 and 2 on one dashboard file.
checks() {
  python3 "$dir/check.py" "$1" "$work/queries.yaml" && "$promtool" check rules "$work/queries.yaml" >/dev/null
}

# 1, 2.
summary="$(python3 "$dir/check.py" "$dir/stowage-dashboard.json" "$work/queries.yaml")" || fail "check.py"
"$promtool" check rules "$work/queries.yaml" >"$work/promtool.out" 2>&1 ||
  { cat "$work/promtool.out" >&2; fail "a dashboard query does not parse (the record name says which panel: dashboard:panel_<id>_<refId>)"; }

# 3.
kubectl=()
if [ -n "${KUBECTL:-}" ]; then read -ra kubectl <<<"$KUBECTL"
elif command -v kubectl >/dev/null 2>&1; then kubectl=(kubectl)
elif [ -x "${STOWAGE_CACHE:-$HOME/.cache/stowage}/bin/localkube" ]; then
  kubectl=("${STOWAGE_CACHE:-$HOME/.cache/stowage}/bin/localkube" kubectl)
fi
rendered=no
if [ ${#kubectl[@]} -gt 0 ]; then
  mkdir -p "$work/overlay"
  cat >"$work/overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$(realpath --relative-to="$work/overlay" "$repo/deploy")]
components: [$(realpath --relative-to="$work/overlay" "$dir")]
YAML
  "${kubectl[@]}" kustomize "$work/overlay" >"$work/all.yaml" || fail "kubectl kustomize of deploy/ with the component"
  python3 - "$work/all.yaml" "$dir/stowage-dashboard.json" <<'PY' || fail "the rendered ConfigMap"
import sys, yaml
cms = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap"
       and d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
if len(cms) != 1:
    sys.exit(f"{len(cms)} ConfigMaps labelled grafana_dashboard: \"1\", want 1")
data = cms[0].get("data", {})
if data != {"stowage-dashboard.json": open(sys.argv[2]).read()}:
    sys.exit("the ConfigMap's data is not stowage-dashboard.json byte for byte")
PY
  rendered=yes
else
  echo "test-dashboard: SKIPPED the kustomize render check: no kubectl (set KUBECTL)" >&2
fi

# 4. Broken copies must fail: name|python expression on the parsed dashboard `d`.
mutants=(
  "an unbalanced parenthesis|d['panels'][1]['targets'][0]['expr'] += ')'"
  "a panel without a query|d['panels'][2]['targets'] = []"
  "an unknown variable|d['panels'][1]['targets'][0]['expr'] = d['panels'][1]['targets'][0]['expr'].replace('\$schedule', '\$schedules')"
  "a misspelt function|d['panels'][3]['targets'][0]['expr'] = d['panels'][3]['targets'][0]['expr'].replace('increase(', 'increse(')"
)
for m in "${mutants[@]}"; do
  IFS='|' read -r why expr <<<"$m"
  python3 -c "import json, sys; d = json.load(open(sys.argv[1])); $expr; json.dump(d, open(sys.argv[2], 'w'))" \
    "$dir/stowage-dashboard.json" "$work/mutant.json"
  if checks "$work/mutant.json" >/dev/null 2>&1; then fail "a dashboard with $why passes the checks"; fi
done

echo "test-dashboard: OK: $summary; promtool check rules on every query; kustomize render: $rendered; ${#mutants[@]} broken dashboards caught"
