# The local single-node Kubernetes and the end-to-end tier (see e2e/README.md).
# Included by the root Makefile. Everything runs as root (containerd, kubelet,
# iptables, mounts); caches live in ~/.cache/stowage, cluster state in
# /var/lib/stowage-cluster, the kubeconfig at ~/.kube/stowage-local.conf.

E2E_SCRIPTS := e2e/scripts
STOWAGE_JAR := engine/target/stowage.jar

.PHONY: cluster-up cluster-down cluster-status images test-e2e

cluster-up:
	bash $(E2E_SCRIPTS)/cluster-up.sh

cluster-down:
	bash $(E2E_SCRIPTS)/cluster-down.sh

cluster-status:
	bash $(E2E_SCRIPTS)/cluster-status.sh

$(STOWAGE_JAR):
	mvn -B -ntp -q -DskipTests -pl engine -am package

# pause, stowage/engine:dev, stowage/mariadb:10.11, stowage/s3:dev -> containerd (k8s.io).
images: $(STOWAGE_JAR)
	bash e2e/images/build.sh

# Brings the cluster up (unless it already is), builds/imports the images, runs
# the *E2E classes, and stops the cluster again if this target started it.
# KUBECONFIG set: runs against that cluster instead (images must be there).
test-e2e: $(STOWAGE_JAR)
	bash $(E2E_SCRIPTS)/test-e2e.sh
