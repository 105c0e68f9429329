# Stowage: the two commands a newcomer runs are `make demo` and `make test`.
# Every target installs what it needs (scripts/ensure-deps.sh) and is safe to re-run.
SHELL := /bin/bash
MVN ?= mvn -B -ntp
ENGINE_JAR := engine/target/stowage.jar

.PHONY: all deps build test test-unit test-it bench bench-many-files crds clean demo fmt

all: build

deps:
	bash scripts/ensure-deps.sh

build: deps
	$(MVN) -DskipTests package

# Every tier: unit (*Test) and integration against real MariaDB (*IT) in the engine,
# then the end-to-end tier when the local cluster targets exist.
test: deps
	$(MVN) verify
	$(MAKE) test-e2e

test-unit: deps
	$(MVN) -DskipITs=true verify

bench: build
	bash bench/run.sh

# Opt-in: a million empty files backed up and restored under ulimit -n 4096 (bench/many-files.sh).
bench-many-files: build
	bash bench/many-files.sh

# Regenerates deploy/crds/ from the API classes (the build fails while they differ).
crds: deps
	$(MVN) -pl crds -Pupdate-crds process-classes

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
