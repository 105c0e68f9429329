#!/usr/bin/env bash
# Tests of the chart with the real tools (`make test-helm`): helm (built by scripts/ensure-helm.sh),
# kubectl kustomize, promtool. HelmChartApiServerIT (operator module) then applies the rendered
# objects to a real API server. Each check prints one "ok"/"FAILED" line; the last line counts.
#   1. the chart's copies of deploy/crds, rules.yaml, rbac.yaml and the Grafana dashboard are current
#      (sync.sh --check);
#   2. helm lint --strict with the default, the multi-tenant and the non-default values;
#   3. helm template with default values equals kustomize's deploy/ object by object (compare.py
#      --exact), in stowage-system; with tests/values-nondefault.yaml it equals the namespaced
#      overlay of deploy/README.md plus the changed values; the multi-tenant profile likewise;
#   4. a typo or a wrong type in the values fails the render because of values.schema.json;
#   5. crds.install=false renders no CRD; another release namespace moves every subject;
#   6. the PrometheusRule's rules pass promtool check and the unit tests of deploy/'s rules, and an
#      unknown excludeRules name fails the render naming it;
#   6b. grafanaDashboard.enabled renders deploy/'s dashboard JSON, byte for byte, in a ConfigMap
#      labelled grafana_dashboard: "1";
#   7. the checks can fail: a chart with a changed rule, env name or security context fails them.
set -euo pipefail
chart="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$chart/../.." && pwd)"
helm="${HELM:-$(bash "$repo/scripts/ensure-helm.sh")}"
promtool="${PROMTOOL:-promtool}"
kubectl=()
if [ -n "${KUBECTL:-}" ]; then read -ra kubectl <<<"$KUBECTL"
elif command -v kubectl >/dev/null 2>&1; then kubectl=(kubectl)
elif [ -x "${STOWAGE_CACHE:-$HOME/.cache/stowage}/bin/localkube" ]; then
  kubectl=("${STOWAGE_CACHE:-$HOME/.cache/stowage}/bin/localkube" kubectl)
else echo "test-helm: no kubectl for kustomize (set KUBECTL)" >&2; exit 1; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAILED $*"; }
# check NAME CMD...: the command must succeed; its output is shown only when it does not.
check() {
  local name="$1"; shift
  if "$@" >"$work/out" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/    /' "$work/out"; fi
}
# refuse NAME PATTERN CMD...: the command must fail, with PATTERN (grep -E) in its output.
refuse() {
  local name="$1" pattern="$2"; shift 2
  if "$@" >"$work/out" 2>&1; then bad "$name (it succeeded)"
  elif grep -Eq "$pattern" "$work/out"; then ok "$name"
  else bad "$name (failed without /$pattern/)"; sed 's/^/    /' "$work/out"; fi
}
render() { "$helm" template stowage-operator "$chart" --namespace "${NS:-stowage-system}" "$@"; }

# The namespaced overlay of deploy/README.md for the given namespaces, with the monitoring
# component (compare.py leaves its objects out when the values do not enable them).
overlay() {
  local dir="$work/overlay-$1" nss="$1" ns
  mkdir -p "$dir"
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources: [$(realpath --relative-to="$dir" "$repo/deploy"), watched-namespaces.yaml]"
    echo "components: [$(realpath --relative-to="$dir" "$repo/deploy/namespaced"), $(realpath --relative-to="$dir" "$repo/deploy/components/prometheus-rules")]"
  } >"$dir/kustomization.yaml"
  : >"$dir/watched-namespaces.yaml"
  for ns in ${nss//,/ }; do
    cat >>"$dir/watched-namespaces.yaml" <<YAML
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: stowage-operator, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: stowage-operator}
subjects: [{kind: ServiceAccount, name: stowage-operator, namespace: stowage-system}]
YAML
  done
  "${kubectl[@]}" kustomize "$dir"
}

# 1.
check "the chart's copies of deploy/ are current (sync.sh --check)" bash "$chart/sync.sh" --check

# 2.
check "helm lint --strict (default values)" "$helm" lint --strict "$chart"
check "helm lint --strict (values-multitenant.yaml)" "$helm" lint --strict "$chart" -f "$chart/values-multitenant.yaml"
check "helm lint --strict (tests/values-nondefault.yaml)" "$helm" lint --strict "$chart" -f "$chart/tests/values-nondefault.yaml"

# 3.
"${kubectl[@]}" kustomize "$repo/deploy" >"$work/deploy.yaml"
: >"$work/empty.yaml"
render >"$work/default.yaml"
check "default values: the same objects as kustomize build deploy/ (exact Deployment spec)" \
  python3 "$chart/tests/compare.py" "$work/deploy.yaml" "$work/default.yaml" "$work/empty.yaml" --exact
overlay team-a,team-b >"$work/namespaced.yaml"
render -f "$chart/tests/values-nondefault.yaml" >"$work/nondefault.yaml"
check "non-default values: the namespaced overlay of deploy/ plus the values' changes" \
  python3 "$chart/tests/compare.py" "$work/namespaced.yaml" "$work/nondefault.yaml" \
  "$chart/tests/values-nondefault.yaml" --rules "$repo/deploy/components/prometheus-rules/rules.yaml"
multi_ns="$(python3 -c 'import sys, yaml; print(",".join(yaml.safe_load(open(sys.argv[1]))["watchNamespaces"]))' "$chart/values-multitenant.yaml")"
overlay "$multi_ns" >"$work/multitenant-deploy.yaml"
render -f "$chart/values-multitenant.yaml" >"$work/multitenant.yaml"
check "values-multitenant.yaml: the namespaced overlay of deploy/ for $multi_ns, inline S3 off" \
  python3 "$chart/tests/compare.py" "$work/multitenant-deploy.yaml" "$work/multitenant.yaml" "$chart/values-multitenant.yaml"
check "values-multitenant.yaml sets STOWAGE_ALLOW_INLINE_S3 to false" \
  bash -c "grep -A1 -- '- name: STOWAGE_ALLOW_INLINE_S3' '$work/multitenant.yaml' | grep -q 'value: \"false\"'"

# 4. values.schema.json: additionalProperties false at every level, types and enums.
refuse "a typo at the top level fails (--set foo=bar)" "additional propert.*foo|foo.*not allowed" render --set foo=bar
refuse "a typo in a nested key fails (metrics.serviceMonitor.enabeld)" "enabeld" render --set metrics.serviceMonitor.enabeld=true
refuse "a typo in image fails (image.tga)" "tga" render --set image.tga=1.0
refuse "a wrong pullPolicy fails (image.pullPolicy=Sometimes)" "pullPolicy" render --set image.pullPolicy=Sometimes
refuse "a string allowInlineS3 fails (--set-string allowInlineS3=no)" "allowInlineS3" render --set-string allowInlineS3=no
refuse "watchNamespaces as a string fails" "watchNamespaces" render --set-string watchNamespaces=team-a
refuse "an invalid namespace name fails (watchNamespaces={Team_A})" "watchNamespaces" render --set 'watchNamespaces={Team_A}'
refuse "a bad duration fails (engineStartDeadline=soon)" "engineStartDeadline" render --set engineStartDeadline=soon

# 5.
render --set crds.install=false >"$work/nocrds.yaml"
check "crds.install=false renders no CustomResourceDefinition" bash -c "! grep -q '^kind: CustomResourceDefinition' '$work/nocrds.yaml'"
check "crds.install=true (default) renders deploy/'s five CRDs, each with helm.sh/resource-policy: keep" \
  bash -c "[ \$(grep -c '^kind: CustomResourceDefinition' '$work/default.yaml') = $(ls "$repo"/deploy/crds/*.yml | wc -l) ] &&
    [ \$(grep -c 'helm.sh/resource-policy: keep' '$work/default.yaml') = $(ls "$repo"/deploy/crds/*.yml | wc -l) ]"
NS=backup-operator render -f "$chart/tests/values-nondefault.yaml" >"$work/otherns.yaml"
check "another release namespace: every namespaced object but the RoleBindings of watched namespaces, and every subject, there" \
  python3 - "$work/otherns.yaml" <<'PY'
import sys, yaml
bad = []
for o in (d for d in yaml.safe_load_all(open(sys.argv[1])) if d):
    m = o["metadata"]
    if "namespace" in m and m["namespace"] not in ("backup-operator", "team-a", "team-b"):
        bad.append(f"{o['kind']}/{m['name']} in {m['namespace']}")
    if o["kind"] == "Namespace" and m["name"] != "backup-operator":
        bad.append(f"Namespace {m['name']}")
    for s in o.get("subjects", []):
        if s.get("namespace") != "backup-operator":
            bad.append(f"{o['kind']}/{m['name']} subject in {s.get('namespace')}")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

# 6. The PrometheusRule with all rules, as a rule file for promtool, with deploy/'s unit tests.
render --set metrics.prometheusRule.enabled=true >"$work/rules-all.yaml"
mkdir -p "$work/promtool/tests"
python3 - "$work/rules-all.yaml" >"$work/promtool/rules.yaml" <<'PY'
import sys, yaml
rule = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "PrometheusRule")
print(yaml.safe_dump(rule["spec"], sort_keys=False))
PY
cp "$repo"/deploy/components/prometheus-rules/tests/*.yaml "$work/promtool/tests/"
check "promtool check rules on the chart's PrometheusRule" "$promtool" check rules --lint=all --lint-fatal "$work/promtool/rules.yaml"
check "promtool test rules: deploy/'s alert unit tests pass on the chart's PrometheusRule" "$promtool" test rules "$work"/promtool/tests/*.yaml
mkdir -p "$work/monitoring"
cat >"$work/monitoring/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$(realpath --relative-to="$work/monitoring" "$repo/deploy")]
components: [$(realpath --relative-to="$work/monitoring" "$repo/deploy/components/prometheus-rules")]
YAML
"${kubectl[@]}" kustomize "$work/monitoring" >"$work/deploy-monitoring.yaml"
echo '{metrics: {podMonitor: {enabled: true}, prometheusRule: {enabled: true}}}' >"$work/monitoring.values.yaml"
render -f "$work/monitoring.values.yaml" >"$work/monitoring.yaml"
check "podMonitor and prometheusRule enabled: the PodMonitor and PrometheusRule of deploy/components/prometheus-rules" \
  python3 "$chart/tests/compare.py" "$work/deploy-monitoring.yaml" "$work/monitoring.yaml" "$work/monitoring.values.yaml" \
  --exact --rules "$repo/deploy/components/prometheus-rules/rules.yaml"
refuse "an unknown excludeRules name fails, naming it" "excludeRules: \"StowageNoSuchAlert\" is not a rule" \
  render --set metrics.prometheusRule.enabled=true --set 'metrics.prometheusRule.excludeRules={StowageNoSuchAlert}'
refuse "an additional rule without expr fails (schema)" "expr" \
  render --set metrics.prometheusRule.enabled=true --set 'metrics.prometheusRule.additionalRules[0].alert=X'

# 6b. grafanaDashboard: a ConfigMap labelled grafana_dashboard "1" holding deploy/'s dashboard JSON
# byte for byte (sync.sh --check above compares the copy in files/ too); none by default.
check "grafanaDashboard.enabled=false (default) renders no dashboard ConfigMap" \
  bash -c "! grep -q 'grafana_dashboard' '$work/default.yaml'"
render --set grafanaDashboard.enabled=true --set grafanaDashboard.annotations.grafana_folder=Backups >"$work/dashboard.yaml"
check "grafanaDashboard.enabled=true: one ConfigMap labelled grafana_dashboard \"1\" with deploy/'s stowage-dashboard.json byte for byte" \
  python3 - "$work/dashboard.yaml" "$repo/deploy/components/grafana-dashboard/stowage-dashboard.json" <<'PY'
import sys, yaml
cms = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap"
       and d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
if len(cms) != 1:
    sys.exit(f"{len(cms)} ConfigMaps labelled grafana_dashboard: \"1\", want 1")
m = cms[0]["metadata"]
if m.get("namespace") != "stowage-system" or m.get("annotations") != {"grafana_folder": "Backups"}:
    sys.exit(f"namespace or annotations: {m}")
if cms[0].get("data") != {"stowage-dashboard.json": open(sys.argv[2]).read()}:
    sys.exit("the ConfigMap's data is not deploy/components/grafana-dashboard/stowage-dashboard.json")
PY
refuse "a typo in grafanaDashboard fails (grafanaDashboard.enable)" "enable" render --set grafanaDashboard.enable=true

# 7. The checks can fail: broken copies of the chart.
mutant() {
  local name="$1" file="$2" sedexpr="$3"
  rm -rf "$work/mutant" && cp -r "$chart" "$work/mutant"
  sed -i "$sedexpr" "$work/mutant/$file"
  cmp -s "$chart/$file" "$work/mutant/$file" && { bad "mutant '$name': the sed expression changed nothing"; return; }
  if "$helm" template stowage-operator "$work/mutant" --namespace stowage-system >"$work/mutant.yaml" 2>/dev/null &&
    python3 "$chart/tests/compare.py" "$work/deploy.yaml" "$work/mutant.yaml" "$work/empty.yaml" --exact >/dev/null 2>&1 &&
    bash "$chart/sync.sh" --check "$work/mutant" >/dev/null 2>&1; then
    bad "mutant '$name' passed the checks"
  else ok "mutant '$name' is caught"; fi
}
mutant "a verb added to an RBAC copy" files/rbac.yaml 's/verbs: \["create", "delete"\]$/verbs: ["create", "delete", "get"]/'
mutant "a CRD copy edited" files/crds/mysqlbackups.stowage.dev-v1.yml '0,/maxLength: /s/maxLength: [0-9]*/maxLength: 7/'
mutant "an env name changed" templates/operator.yaml 's/name: STOWAGE_HTTP_PORT/name: STOWAGE_PORT/'
mutant "readOnlyRootFilesystem off" templates/operator.yaml 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/'
mutant "the keep policy dropped" templates/crds.yaml 's/"helm.sh\/resource-policy" "keep"/"example.com\/policy" "keep"/'
mutant "the dashboard copy edited" files/stowage-dashboard.json 's/stowage_schedule_runs_total/stowage_schedule_run_total/'
mutant "the ClusterRoleBinding left out" templates/rbac.yaml 's/{{- if not .Values.watchNamespaces }}/{{- if false }}/'

echo "test-helm: $passed passed, $failed failed"
[ "$failed" = 0 ]
