# The local single-node Kubernetes and the end-to-end tier (see e2e/README.md).
# Included by the root Makefile. Everything runs as root (containerd, kubelet,
# iptables, mounts); caches live in ~/.cache/stowage, cluster state in
# /var/lib/stowage-cluster, the kubeconfig at ~/.kube/stowage-local.conf.

E2E_SCRIPTS := e2e/scripts
STOWAGE_JAR := engine/target/stowage.jar
OPERATOR_JAR := operator/target/stowage-operator.jar
# A jar is rebuilt when a source or POM it is built from is newer than it.
ENGINE_INPUTS := pom.xml engine/pom.xml $(shell find engine/src/main -type f 2>/dev/null)
OPERATOR_INPUTS := pom.xml crds/pom.xml operator/pom.xml $(shell find crds/src/main operator/src/main -type f 2>/dev/null)

.PHONY: cluster-up cluster-down cluster-status images deploy-operator test-e2e test-btrfs-csi csi-smoke

cluster-up:
	bash $(E2E_SCRIPTS)/cluster-up.sh

cluster-down:
	bash $(E2E_SCRIPTS)/cluster-down.sh

cluster-status:
	bash $(E2E_SCRIPTS)/cluster-status.sh

$(STOWAGE_JAR): $(ENGINE_INPUTS)
	mvn -B -ntp -q -DskipTests -pl engine -am package
	test -s $@ && touch $@

$(OPERATOR_JAR): $(OPERATOR_INPUTS)
	mvn -B -ntp -q -DskipTests -pl operator -am package
	test -s $@ && touch $@

# pause, stowage/engine:dev, stowage/operator:dev, stowage/mariadb:10.11, stowage/s3:dev
# -> containerd (k8s.io).
images: $(STOWAGE_JAR) $(OPERATOR_JAR)
	bash e2e/images/build.sh

# The operator from deploy/ (kubectl apply -k) on the local cluster, or on KUBECONFIG's.
deploy-operator: images
	bash $(E2E_SCRIPTS)/deploy-operator.sh

# Brings the cluster up (unless it already is), builds/imports the images, deploys the
# operator, runs the *E2E classes, and stops the cluster again if this target started it.
# KUBECONFIG set: runs against that cluster instead (images must be there).
test-e2e: $(STOWAGE_JAR) $(OPERATOR_JAR)
	bash $(E2E_SCRIPTS)/test-e2e.sh

# The test CSI driver (e2e/btrfs-csi) without a cluster: csi-test sanity + the atomic-snapshot test
# on a loop-device btrfs (root). Seconds.
test-btrfs-csi:
	bash e2e/btrfs-csi/test.sh

# On the running local cluster: PVC on stowage-btrfs, a pod writes, VolumeSnapshot readyToUse, a
# PVC from it read by a second pod, everything deleted and the subvolumes gone (needs `make images`).
csi-smoke:
	bash $(E2E_SCRIPTS)/csi-smoke.sh
