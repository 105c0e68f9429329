#!/usr/bin/env bash
# make demo: the operator backs up a MariaDB StatefulSet to S3 and restores it into a new
# volume, on the local single-node cluster (or on KUBECONFIG's cluster when it is set).
#
#  1. local cluster up (idempotent), images built and imported (make demo builds the jars)
#  2. the operator installed from deploy/ (kubectl apply -k), Available
#  3. namespace stowage-demo recreated; a CA and a certificate for the S3 Service (openssl,
#     examples/s3-certificate.sh, kept per cluster under the cluster's state directory) as the
#     Secret s3-tls and the ConfigMap s3-ca; examples/: Secrets, S3 server (https only), its
#     non-root user owning the bucket "backups" (12-s3-user.yaml), MariaDB; that user is denied
#     the bucket "other" while "backups" answers; rows written
#  4. examples/30-mysqlbackup.yaml -> status.phase Succeeded
#  5. examples/40-mysqlrestore.yaml -> status.phase Succeeded
#  6. MariaDB on the restored volume (examples/verify/) answers the same rows and
#     CHECKSUM TABLE results as the source
#  7. examples/50-mysqlbackupschedule.yaml (nightly, Europe/Berlin, GFS retention) with a
#     fresh spec.trigger: its first MysqlBackup (<schedule>-manual-<time>) Succeeded;
#     kubectl get mbs, and the schedule's backups by their stowage.dev/schedule label
#
# Safe to re-run: the demo namespace is deleted and created again. The cluster is left
# running (make cluster-down stops it). On failure: the resources' status, Jobs, pods,
# events and the operator's and Job pods' logs, and a non-zero exit.
source "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"
NS="${STOWAGE_DEMO_NAMESPACE:-stowage-demo}"
WAIT="${STOWAGE_DEMO_TIMEOUT:-600}"   # seconds per wait
T0=$SECONDS

if [ -n "${KUBECONFIG:-}" ]; then
  KUBECTL=(kubectl)
  command -v kubectl >/dev/null || KUBECTL=("$BIN_DIR/localkube" kubectl)
else
  KUBECTL=("$BIN_DIR/localkube" kubectl --kubeconfig "$KUBECONFIG_OUT")
fi
k() { "${KUBECTL[@]}" "$@"; }
kn() { k -n "$NS" "$@"; }

declare -a TIMES=()
stage_start=$SECONDS
stage() {
  [ -z "${stage_name:-}" ] || TIMES+=("$(printf '%-44s %4ds' "$stage_name" $((SECONDS - stage_start)))")
  stage_name=$1; stage_start=$SECONDS
  [ "$1" = done ] || log "== $1"
}

failed() {
  rc=$?
  [ $rc != 0 ] || exit 0
  set +e
  log "DEMO FAILED (exit $rc) during: ${stage_name:-start}. What the cluster says:"
  {
    echo "----- MysqlBackups, MysqlRestores and MysqlBackupSchedules in $NS"
    kn get mysqlbackups,mysqlrestores,mysqlbackupschedules -o wide
    for r in $(kn get mysqlbackups,mysqlrestores,mysqlbackupschedules -o name 2>/dev/null); do
      echo "----- status of $r"; kn get "$r" -o jsonpath='{.status}'; echo
    done
    echo "----- Jobs, pods and claims in $NS"; kn get jobs,pods,pvc -o wide
    echo "----- events in $NS"; kn get events --sort-by=.lastTimestamp | tail -n 40
    for pod in $(kn get pods -l job-name -o name 2>/dev/null); do
      echo "----- logs of $pod"; kn logs "$pod" --tail=60
      echo "----- termination message of $pod"
      kn get "$pod" -o jsonpath='{.status.containerStatuses[0].state.terminated.message}'; echo
    done
    for pod in $(k -n stowage-system get pods -l app.kubernetes.io/name=stowage-operator -o name 2>/dev/null); do
      echo "----- operator log ($pod, last 150 lines)"; k -n stowage-system logs "$pod" --tail=150
    done
  } 2>&1 | cut -c1-600 >&2
  exit $rc
}
trap failed EXIT

# --- 1. cluster and images ---------------------------------------------------------
stage "cluster"
if [ -n "${KUBECONFIG:-}" ]; then
  log "KUBECONFIG is set: using that cluster (its nodes must be able to run stowage/operator:dev,"
  log "stowage/engine:dev, stowage/mariadb:10.11 and stowage/s3:dev; see examples/README.md)"
  k get --raw /readyz >/dev/null || die "the cluster of KUBECONFIG=$KUBECONFIG does not answer"
else
  bash "$E2E_DIR/scripts/cluster-up.sh"
  stage "images"
  [ -s engine/target/stowage.jar ] && [ -s operator/target/stowage-operator.jar ] ||
    die "the jars are missing: run make demo (it builds them)"
  bash "$E2E_DIR/images/build.sh"
fi

# --- 2. the operator ---------------------------------------------------------------
stage "operator (kubectl apply -k deploy/)"
bash "$E2E_DIR/scripts/deploy-operator.sh"

# --- 3. the demo namespace, S3 and MariaDB, rows ----------------------------------
stage "namespace $NS (re)created"
if k get namespace "$NS" >/dev/null 2>&1; then
  log "deleting the namespace $NS of an earlier run"
  k delete namespace "$NS" --wait=false >/dev/null
  k wait --for=delete "namespace/$NS" --timeout="${WAIT}s" || die "namespace $NS was not deleted in ${WAIT}s"
fi
k create namespace "$NS" >/dev/null
wait_for "the default service account in $NS" 60 kn get serviceaccount default

# The S3 server speaks TLS only. Its CA and certificate are made once per cluster (and
# namespace) and kept with the cluster's state, never in the repository: the local cluster's
# directory, or for a KUBECONFIG cluster a directory named after its API server's URL.
stage "S3 TLS certificate and CA (openssl)"
if [ -n "${KUBECONFIG:-}" ]; then
  server=$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  TLS_DIR="$STOWAGE_CACHE/demo-s3-tls/$(printf '%s' "$server" | sha256sum | cut -c1-16)/$NS"
else
  TLS_DIR="$CLUSTER_DIR/demo-s3-tls/$NS"
fi
bash examples/s3-certificate.sh "$NS" "$TLS_DIR"
log "S3 certificate: $TLS_DIR/tls.crt, $(openssl x509 -in "$TLS_DIR/tls.crt" -noout -ext subjectAltName | tail -n 1 | tr -d ' ')"
kn create secret tls s3-tls --cert="$TLS_DIR/tls.crt" --key="$TLS_DIR/tls.key"
kn create configmap s3-ca --from-file=ca.crt="$TLS_DIR/ca.crt"

stage "S3 server (https) and MariaDB Ready"
kn apply -f examples/00-secrets.yaml -f examples/10-s3.yaml -f examples/15-clusterbackupstore.yaml \
  -f examples/20-mariadb.yaml
kn rollout status deployment/s3 --timeout="${WAIT}s"

stage "S3 user stowage-example owns bucket backups"
kn apply -f examples/12-s3-user.yaml
kn wait job/s3-user --for=condition=Complete --timeout="${WAIT}s"
kn logs job/s3-user --all-containers

# The store's credential is that user's: it reaches "backups" and is denied "other" (root's).
# The engine's ls, with the Secret and CA mounted as the operator mounts them for a Job.
stage "S3 user scope check started"
kn delete pod demo-s3-user-scope --ignore-not-found --wait=true >/dev/null
kn apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: demo-s3-user-scope
  labels: {app.kubernetes.io/part-of: stowage-demo}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: backups
      image: stowage/engine:dev
      imagePullPolicy: IfNotPresent
      args: [ls, --storage, "s3://backups/mariadb?endpoint=https://s3:7070&caBundle=/etc/s3-ca/ca.crt", --directory, scope-check]
      env: [{name: STOWAGE_S3_CREDENTIALS_DIR, value: /etc/s3-credentials}]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: ["ALL"]}
      volumeMounts:
        - {name: credentials, mountPath: /etc/s3-credentials, readOnly: true}
        - {name: ca, mountPath: /etc/s3-ca, readOnly: true}
        - {name: tmp, mountPath: /tmp}
    - name: other
      image: stowage/engine:dev
      imagePullPolicy: IfNotPresent
      args: [ls, --storage, "s3://other?endpoint=https://s3:7070&caBundle=/etc/s3-ca/ca.crt", --directory, scope-check]
      env: [{name: STOWAGE_S3_CREDENTIALS_DIR, value: /etc/s3-credentials}]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: ["ALL"]}
      volumeMounts:
        - {name: credentials, mountPath: /etc/s3-credentials, readOnly: true}
        - {name: ca, mountPath: /etc/s3-ca, readOnly: true}
        - {name: tmp, mountPath: /tmp}
  volumes:
    - name: credentials
      secret:
        secretName: s3-credentials
        items:
          - {key: AWS_ACCESS_KEY_ID, path: aws_access_key_id}
          - {key: AWS_SECRET_ACCESS_KEY, path: aws_secret_access_key}
    - {name: ca, configMap: {name: s3-ca}}
    - {name: tmp, emptyDir: {}}
YAML

stage "MariaDB Ready"
kn rollout status statefulset/mariadb --timeout="${WAIT}s"

# sql NAME HOST STATEMENTS: runs STATEMENTS with the mariadb client in a pod, against the
# Service HOST; prints the output; fails when the client fails.
sql() {
  local name=$1 host=$2 statements=$3 phase=""
  kn delete pod "$name" --ignore-not-found --wait=true >/dev/null
  kn apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $name
  labels: {app.kubernetes.io/part-of: stowage-demo}
spec:
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    runAsUser: 999
    runAsGroup: 999
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: client
      image: stowage/mariadb:10.11
      imagePullPolicy: IfNotPresent
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: {drop: ["ALL"]}
      env:
        - name: MYSQL_PWD
          valueFrom: {secretKeyRef: {name: mariadb, key: root-password}}
        - name: SQL
          value: $(printf '%s' "$statements" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')
      command:
        - bash
        - -c
        - |
          # The Service may need a moment after the pod turns Ready (endpoints, kube-proxy).
          for i in \$(seq 1 60); do mariadb-admin --connect-timeout=2 -h $host -uroot ping >/dev/null 2>&1 && break; sleep 1; done
          printf '%s\n' "\$SQL" | mariadb --batch --skip-column-names -h $host -uroot
YAML
  local end=$((SECONDS + 180))
  until [ "$phase" = Succeeded ] || [ "$phase" = Failed ]; do
    [ $SECONDS -lt $end ] || { log "pod $name did not finish in 180s"; kn describe pod "$name" >&2; return 1; }
    sleep 1
    phase=$(kn get pod "$name" -o jsonpath='{.status.phase}')
  done
  kn logs "$name"
  [ "$phase" = Succeeded ] || { log "pod $name failed (output above)"; return 1; }
}

READ="USE shop;
SELECT id, name FROM customers ORDER BY id;
SELECT COUNT(*), SUM(id), SUM(price), MAX(label) FROM items;
SELECT id, body FROM notes ORDER BY id;
CHECKSUM TABLE customers, items, notes EXTENDED;"

stage "rows written through the mariadb Service"
sql demo-write mariadb "CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL) ENGINE=InnoDB;
INSERT INTO customers VALUES (1, 'ada'), (2, 'grace'), (3, 'linus');
CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(64) NOT NULL, price DECIMAL(10,2)) ENGINE=InnoDB;
INSERT INTO items SELECT seq, CONCAT('item-', seq), seq * 1.25 FROM seq_1_to_50000;
CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT) ENGINE=Aria;
INSERT INTO notes (body) VALUES ('backed up by stowage'), ('restored by stowage');" >/dev/null
expected=$(sql demo-read mariadb "$READ")
echo "$expected" | grep -q 'restored by stowage' || die "the rows just written do not read back: $expected"

# The scope check started above has run meanwhile (two JVMs; it overlaps MariaDB's start).
stage "S3 user: backups ok, other AccessDenied"
exit_code() {
  kn get pod demo-s3-user-scope -o jsonpath="{.status.containerStatuses[?(@.name==\"$1\")].state.terminated.exitCode}"
}
end=$((SECONDS + 180))
until [ -n "$(exit_code backups)" ] && [ -n "$(exit_code other)" ]; do
  [ $SECONDS -lt $end ] || { kn describe pod demo-s3-user-scope >&2; die "the S3 scope check did not finish in 180s"; }
  sleep 1
done
backups_out=$(kn logs demo-s3-user-scope -c backups 2>&1)
other_out=$(kn logs demo-s3-user-scope -c other 2>&1)
log "bucket backups as stowage-example: exit $(exit_code backups): $(echo "$backups_out" | tail -n 1)"
log "bucket other as stowage-example:   exit $(exit_code other): $(echo "$other_out" | tail -n 1)"
[ "$(exit_code backups)" = 0 ] || die "the S3 user cannot list its own bucket backups: $backups_out"
[ "$(exit_code other)" = 3 ] && echo "$other_out" | grep -q AccessDenied ||
  die "the S3 user was not denied the bucket other (expected exit 3 with AccessDenied): $other_out"
kn delete pod demo-s3-user-scope --wait=false >/dev/null

# wait_phase KIND NAME: until status.phase is Succeeded (ok) or Failed (error).
wait_phase() {
  local kind=$1 name=$2 phase="" last="" end=$((SECONDS + WAIT))
  while [ $SECONDS -lt $end ]; do
    phase=$(kn get "$kind" "$name" -o jsonpath='{.status.phase}' 2>/dev/null || true)
    if [ "$phase" != "$last" ]; then
      log "$kind/$name: ${phase:-(no phase yet)} $(kn get "$kind" "$name" -o jsonpath='{.status.message}' 2>/dev/null)"
      last=$phase
    fi
    case $phase in
      Succeeded) return 0 ;;
      Failed) log "$kind/$name Failed"; return 1 ;;
    esac
    sleep 2
  done
  log "$kind/$name not Succeeded after ${WAIT}s (phase: ${phase:-none})"
  return 1
}

# --- 4. backup ---------------------------------------------------------------------
stage "MysqlBackup mariadb-backup Succeeded"
kn apply -f examples/30-mysqlbackup.yaml
wait_phase mysqlbackup mariadb-backup

stage "StatefulSet mariadb back to 1 Ready replica"
ready_replicas() { kn get statefulset mariadb -o jsonpath='{.spec.replicas}/{.status.readyReplicas}'; }
end=$((SECONDS + WAIT))
until [ "$(ready_replicas)" = 1/1 ]; do
  [ $SECONDS -lt $end ] || die "the StatefulSet mariadb did not get its replica back (replicas/ready: $(ready_replicas))"
  sleep 2
done

# --- 5. restore --------------------------------------------------------------------
stage "MysqlRestore mariadb-restore Succeeded"
kn apply -f examples/40-mysqlrestore.yaml
wait_phase mysqlrestore mariadb-restore

# --- 6. the restored database ------------------------------------------------------
stage "MariaDB on the restored volume, same rows"
kn apply -f examples/verify/
kn wait pod/mariadb-restored --for=condition=Ready --timeout="${WAIT}s"
actual=$(sql demo-read-restored mariadb-restored "$READ")
if [ "$actual" != "$expected" ]; then
  log "the restored database differs from the source:"
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
kn delete pod demo-write demo-read demo-read-restored --ignore-not-found >/dev/null

# --- 7. a schedule ---------------------------------------------------------------
# The example as it is (nightly at 02:30 Europe/Berlin), plus a trigger: a new value backs up
# at once. The value is new on every run (and the namespace is fresh anyway).
SCHEDULE=mariadb-nightly
stage "MysqlBackupSchedule $SCHEDULE: a triggered backup Succeeded"
kn apply -f examples/50-mysqlbackupschedule.yaml
trigger="demo-$(date -u +%Y%m%dT%H%M%SZ)"
kn patch mysqlbackupschedule "$SCHEDULE" --type merge -p "{\"spec\":{\"trigger\":\"$trigger\"}}"
log "spec.trigger: $trigger"
first=""
end=$((SECONDS + WAIT))
until [ -n "$first" ]; do
  [ $SECONDS -lt $end ] || die "the schedule $SCHEDULE created no MysqlBackup in ${WAIT}s; its status: $(kn get mbs "$SCHEDULE" -o jsonpath='{.status}')"
  sleep 2
  first=$(kn get mysqlbackups -l "stowage.dev/schedule=$SCHEDULE,stowage.dev/trigger=manual" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)
done
log "the schedule created $first"
wait_phase mysqlbackup "$first"
end=$((SECONDS + 60))
until [ "$(kn get mbs "$SCHEDULE" -o jsonpath='{.status.lastSuccessfulBackup}')" = "$first" ]; do
  [ $SECONDS -lt $end ] || die "status.lastSuccessfulBackup of $SCHEDULE is not $first after 60s: $(kn get mbs "$SCHEDULE" -o jsonpath='{.status}')"
  sleep 2
done
stage done

echo
echo "The restored MariaDB answers exactly what the source did (rows, sums, CHECKSUM TABLE):"
echo "$actual" | sed 's/^/    /'
echo
k get mysqlbackups,mysqlrestores -n "$NS"
echo
echo "The schedule, and the backups it made (label stowage.dev/schedule=$SCHEDULE):"
kn get mbs
echo
kn get mbk -l "stowage.dev/schedule=$SCHEDULE" -L stowage.dev/trigger
echo
# The operator's Prometheus metrics for the demo, through the API server's pod proxy.
pod=$(k -n stowage-system get pods -l app.kubernetes.io/name=stowage-operator -o jsonpath='{.items[0].metadata.name}')
metrics=$(k get --raw "/api/v1/namespaces/stowage-system/pods/$pod:8080/proxy/metrics" 2>/dev/null |
  grep -E "^stowage_(backups|restores)_total|^stowage_backup_last_success|^stowage_schedule_(runs_total|last_success)" | grep "namespace=\"$NS\"" || true)
if [ -n "$metrics" ]; then
  echo "Operator metrics (GET /metrics of $pod):"
  echo "$metrics" | sed 's/^/    /'
  echo
fi
echo "Time per step:"
printf '    %s\n' "${TIMES[@]}"
printf '    %-44s %4ds\n' "total" $((SECONDS - T0))
echo
echo "Everything is still running in the namespace $NS; try:"
if [ -n "${KUBECONFIG:-}" ]; then
  echo "    kubectl -n $NS get mbs,mbk,mrs,jobs,pods,pvc"
else
  echo "    e2e/scripts/kubectl.sh -n $NS get mbs,mbk,mrs,jobs,pods,pvc"
  echo "    e2e/scripts/kubectl.sh -n stowage-system logs deploy/stowage-operator"
  echo "Stop the local cluster with: make cluster-down"
fi
