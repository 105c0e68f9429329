#!/usr/bin/env bash
# Checks Stowage's alerts (`make test-alerts`; `make test` runs it first). Takes a few seconds.
#  1. prometheusrule.yaml is what generate.sh makes of rules.yaml (one source of truth);
#  2. every alert has a severity, a summary, a description and a runbook_url whose anchor is a
#     heading of RUNBOOK.md, and is named in a unit test;
#  3. promtool check rules (with its linter) and promtool test rules tests/*.yaml;
#  4. the component as kustomize renders it, on top of deploy/: its PrometheusRule's spec.groups
#     pass the same unit tests;
#  5. the tests can fail: each mutation of rules.yaml below (a broken rule) must fail them.
# promtool comes from Debian's prometheus package (scripts/ensure-deps.sh installs it).
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$dir/../../.." && pwd)"
promtool="${PROMTOOL:-promtool}"
command -v "$promtool" >/dev/null 2>&1 ||
  { echo "test-alerts: promtool not found; run scripts/ensure-deps.sh (Debian package prometheus)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "test-alerts: FAILED: $*" >&2; exit 1; }

# 1. One source of truth.
bash "$dir/generate.sh" --check || fail "prometheusrule.yaml is not generated from rules.yaml"

# 2. What every alert carries. One line per alert: name, then the keys it has.
alerts="$(awk '
  /^ *- alert: / { if (name) print name, keys; name = $3; keys = ""; next }
  /^ *- name: / { if (name) print name, keys; name = ""; next }
  name && /^ *severity: (critical|warning|info)$/ { keys = keys " severity" }
  name && /^ *summary: / { keys = keys " summary" }
  name && /^ *description: / { keys = keys " description" }
  name && /^ *runbook_url: / { keys = keys " runbook_url=" $2 }
  END { if (name) print name, keys }' "$dir/rules.yaml")"
[ -n "$alerts" ] || fail "no alert found in rules.yaml"
count=0
while read -r name keys; do
  count=$((count + 1))
  for k in severity summary description runbook_url; do
    [[ " $keys " == *" $k"* ]] || fail "alert $name in rules.yaml has no $k"
  done
  url="${keys##*runbook_url=}"; url="${url%% *}"; url="${url//\"/}"
  file="${url#*/blob/main/}"; file="${file%%#*}"; anchor="${url##*#}"
  [ -f "$repo/$file" ] || fail "alert $name: runbook_url $url names $file, which is not in the repository"
  # GitHub's anchor of a heading: lower case, punctuation other than - and _ dropped, spaces -> -.
  awk -v a="$anchor" '/^#+ / { h = tolower($0); sub(/^#+ /, "", h); gsub(/[^a-z0-9 _-]/, "", h);
    gsub(/ /, "-", h); if (h == a) found = 1 } END { exit !found }' "$repo/$file" ||
    fail "alert $name: runbook_url anchor #$anchor is no heading of $file"
  grep -q "alertname: $name\$" "$dir"/tests/*.yaml || fail "alert $name has no unit test in tests/"
done <<<"$alerts"

# 3. promtool on the rule file.
"$promtool" check rules --lint=all --lint-fatal "$dir/rules.yaml"
"$promtool" test rules "$dir"/tests/*.yaml

# 4. The component as kustomize renders it: an overlay of deploy/ with the component.
kubectl=()
if [ -n "${KUBECTL:-}" ]; then
  read -ra kubectl <<<"$KUBECTL"
elif command -v kubectl >/dev/null 2>&1; then
  kubectl=(kubectl)
elif [ -x "${STOWAGE_CACHE:-$HOME/.cache/stowage}/bin/localkube" ]; then
  kubectl=("${STOWAGE_CACHE:-$HOME/.cache/stowage}/bin/localkube" kubectl)
fi
rendered=no
if [ ${#kubectl[@]} -gt 0 ]; then
  mkdir -p "$work/overlay" "$work/rendered/tests"
  cat >"$work/overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$(realpath --relative-to="$work/overlay" "$repo/deploy")]
components: [$(realpath --relative-to="$work/overlay" "$dir")]
YAML
  "${kubectl[@]}" kustomize "$work/overlay" >"$work/all.yaml" || fail "kubectl kustomize of deploy/ with the component"
  grep -q '^kind: PodMonitor$' "$work/all.yaml" || fail "the rendered component has no PodMonitor"
  # spec of the PrometheusRule document, dedented: a plain rule file.
  awk '/^---$/ { doc = ""; inspec = 0; next } /^kind: / { doc = $2 }
    doc == "PrometheusRule" && /^spec:$/ { inspec = 1; next }
    inspec && /^[^ ]/ { inspec = 0 } inspec { print substr($0, 3) }' \
    "$work/all.yaml" >"$work/rendered/rules.yaml"
  grep -q '^groups:' "$work/rendered/rules.yaml" || fail "the rendered PrometheusRule has no spec.groups"
  cp "$dir"/tests/*.yaml "$work/rendered/tests/"
  "$promtool" check rules "$work/rendered/rules.yaml" >/dev/null
  "$promtool" test rules "$work/rendered"/tests/*.yaml >/dev/null ||
    fail "the unit tests fail on the PrometheusRule as kustomize renders it (run: $promtool test rules on it)"
  rendered=yes
else
  echo "test-alerts: SKIPPED the kustomize render check: no kubectl (set KUBECTL)" >&2
fi

# 5. The tests can fail: each broken rule (sed expression on rules.yaml) must fail its test file.
mutants=(
  "overdue.yaml|s/or on (namespace, schedule)\$/and on (namespace, schedule)/|never-succeeded schedules ignored"
  "overdue-cadence.yaml|s/(stowage_schedule_overdue_after_seconds)/(86400 + 0 * stowage_schedule_overdue_after_seconds)/|one fixed day for every cadence"
  "overdue.yaml|s/(stowage_schedule_suspended) == 1/(stowage_schedule_suspended) == 2/|suspended schedules not excluded"
  "overdue.yaml|0,/for: 10m/s//for: 0m/|no for: on StowageBackupOverdue"
  "failed.yaml|s/0 \\* max by/1e12 * max by/|failed and never succeeded ignored"
  "missed-runs.yaml|s/offset 1h/offset 0s/|counters first seen above 0 ignored"
  "missed-runs.yaml|s/\\[1h\\]) > 0/[1h]) > 5/|a plain increase ignored"
  "missed-runs.yaml|s/max_over_time(stowage_schedule_suspended\\[1h\\])/stowage_schedule_suspended/|misses counted while suspended fire after resume"
  "retention.yaml|s/\\[3h\\]/[1h]/|a 1h window flaps between hourly passes"
  "retention.yaml|s/offset 3h/offset 0s/|counters first seen above 0 ignored"
  "operator-absent.yaml|s/job=~\".\\*stowage-operator.\\*\"/job=\"stowage-operator\"/|the PodMonitor's default job name not matched"
)
mkdir -p "$work/mutant/tests"
for m in "${mutants[@]}"; do
  IFS='|' read -r test expr why <<<"$m"
  sed -e "$expr" "$dir/rules.yaml" >"$work/mutant/rules.yaml"
  ! cmp -s "$dir/rules.yaml" "$work/mutant/rules.yaml" || fail "mutation '$expr' ($why) changed nothing"
  cp "$dir/tests/$test" "$work/mutant/tests/"
  if "$promtool" test rules "$work/mutant/tests/$test" >/dev/null 2>&1; then
    fail "tests/$test still passes with a broken rule: $why ($expr)"
  fi
  rm -f "$work/mutant/tests/$test"
done

echo "test-alerts: OK: $count alerts; generate.sh --check; promtool check and test ($(ls "$dir"/tests/*.yaml | wc -l) files); kustomize render: $rendered; ${#mutants[@]} broken rules caught"
