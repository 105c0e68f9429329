#!/usr/bin/env bash
# Writes prometheusrule.yaml (the PrometheusRule of this component) from rules.yaml, the one source
# of truth: spec.groups is rules.yaml's `groups:`, byte for byte, indented under `spec:`.
#   generate.sh           rewrites prometheusrule.yaml
#   generate.sh --check   exits 1, with the difference, while the committed file differs
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"

render() {
  cat <<'HEAD'
# GENERATED from rules.yaml by generate.sh: edit rules.yaml, then run generate.sh.
# `make test-alerts` fails while this file differs from what generate.sh writes.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: stowage-operator
  namespace: stowage-system
  labels:
    app.kubernetes.io/name: stowage-operator
    app.kubernetes.io/component: alerts
    app.kubernetes.io/part-of: stowage
spec:
HEAD
  # rules.yaml from its `groups:` line on (its header comment is about rules.yaml itself).
  awk 'found || /^groups:/ { found = 1; if ($0 == "") print ""; else print "  " $0 }' \
    "$dir/rules.yaml"
}

case "${1:-}" in
  "")
    render >"$dir/prometheusrule.yaml"
    ;;
  --check)
    if ! diff -u "$dir/prometheusrule.yaml" <(render); then
      echo "prometheusrule.yaml differs from rules.yaml; run deploy/components/prometheus-rules/generate.sh" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: generate.sh [--check]" >&2
    exit 2
    ;;
esac
