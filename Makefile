# Stowage: the two commands a newcomer runs are `make demo` and `make test`.
# Every target installs what it needs (scripts/ensure-deps.sh) and is safe to re-run.
SHELL := /bin/bash
MVN ?= mvn -B -ntp
ENGINE_JAR := engine/target/stowage.jar

.PHONY: all deps build test test-unit test-alerts test-argocd test-helm bench bench-many-files crds clean demo fmt check

all: build

deps:
	bash scripts/ensure-deps.sh

build: deps
	$(MVN) -DskipTests package

# Every tier: the alerts (promtool, seconds), unit (*Test) and integration against real MariaDB
# (*IT) in the engine, then the end-to-end tier when the local cluster targets exist.
test: deps
	$(MAKE) test-alerts
	$(MAKE) test-argocd
	$(MAKE) test-helm
	$(MAKE) test-btrfs-csi
	$(MVN) verify
	$(MAKE) test-e2e

test-unit: deps
	$(MAKE) test-alerts
	$(MVN) -DskipITs=true verify

# The alerts of deploy/components/prometheus-rules: promtool check and unit tests, the
# PrometheusRule generated from rules.yaml, runbook anchors (see its test.sh); the Grafana
# dashboard of deploy/components/grafana-dashboard: every panel has a query, every query parses
# with promtool (its test.sh). MonitoringE2E runs both against a real Prometheus.
test-alerts: deps
	bash deploy/components/prometheus-rules/test.sh
	bash deploy/components/grafana-dashboard/test.sh

# The Argo CD health checks and actions of deploy/argocd, run by gopher-lua (the interpreter
# Argo CD embeds) as Argo CD runs them, over their fixtures (e2e/argocd-lua/test.sh).
test-argocd:
	bash e2e/argocd-lua/test.sh

# The Helm chart charts/stowage-operator against deploy/ (helm lint, helm template compared with
# kubectl kustomize object by object, the values schema, promtool on its rules); helm is built
# by scripts/ensure-helm.sh. HelmChartApiServerIT (mvn verify) dry-runs its objects on an API server.
test-helm: deps
	bash charts/stowage-operator/tests/test.sh

# Supply chain: the shaded jars keep every dependency's NOTICE and LICENSE text
# (scripts/check-notices.py against the CycloneDX SBOMs `package` writes to target/), then a
# vulnerability scan of those SBOMs that fails on a known critical (scripts/vuln-scan.sh;
# it exits 3, "NOT SCANNED", when OSV's database is neither cached nor reachable).
check: deps
	$(MVN) -q -DskipTests -pl engine,operator -am package
	python3 scripts/check-notices.py engine/target/stowage-engine.cdx.json $(ENGINE_JAR)
	python3 scripts/check-notices.py operator/target/stowage-operator.cdx.json operator/target/stowage-operator.jar
	bash scripts/vuln-scan.sh

bench: build
	bash bench/run.sh

# Opt-in: a million empty files backed up and restored under ulimit -n 4096 (bench/many-files.sh).
bench-many-files: build
	bash bench/many-files.sh

# Regenerates deploy/crds/ from the API classes (the build fails while they differ).
crds: deps
	$(MVN) -pl crds -Pupdate-crds process-classes
	bash charts/stowage-operator/sync.sh

# Applies google-java-format to every module and to e2e; `mvn verify` fails while a file differs.
fmt: deps
	$(MVN) spotless:apply
	$(MVN) -f e2e/pom.xml spotless:apply

clean:
	$(MVN) -q clean

-include e2e/cluster.mk

# The operator backs up a MariaDB StatefulSet to S3 and restores it, on the local cluster
# (KUBECONFIG set: on that cluster). Safe to re-run; leaves the cluster running
# (make cluster-down). See e2e/scripts/demo.sh. After the include: it needs the jar paths.
demo: deps $(STOWAGE_JAR) $(OPERATOR_JAR)
	bash e2e/scripts/demo.sh
