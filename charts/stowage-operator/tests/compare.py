#!/usr/bin/env python3
"""Compares the chart as `helm template` renders it with deploy/ as `kubectl kustomize` renders it,
object by object, so the two never drift (test.sh runs it).

  compare.py DEPLOY.yaml CHART.yaml VALUES.yaml [--exact] [--rules RULES.yaml]

DEPLOY.yaml: kustomize's output for the same settings (deploy/, or the namespaced overlay of
deploy/README.md when watchNamespaces is set). VALUES.yaml: the values the chart was rendered with
(merged over the chart's values.yaml here; the expectations below are derived from them, not from
the templates). --exact: the Deployment's spec must equal deploy/'s as a whole (default values).
--rules: deploy/components/prometheus-rules/rules.yaml, the PrometheusRule's source.
Prints each difference and exits 1 when there is one.
"""
import copy
import os
import sys

import yaml

errors = []


def fail(msg):
    errors.append(msg)


def docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def key(o):
    return (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])


def merge(base, over):
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def image(img, app_version):
    repo = f"{img['registry']}/{img['repository']}" if img.get("registry") else img["repository"]
    return f"{repo}@{img['digest']}" if img.get("digest") else f"{repo}:{img.get('tag') or app_version}"


def same(what, want, got):
    if want != got:
        fail(f"{what}: deploy/ has {want!r}, the chart {got!r}")


def main(argv):
    deploy_path, chart_path, values_path = argv[1:4]
    exact = "--exact" in argv
    rules_path = argv[argv.index("--rules") + 1] if "--rules" in argv else None
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(here, "values.yaml")) as f:
        values = yaml.safe_load(f)
    with open(values_path) as f:
        values = merge(values, yaml.safe_load(f) or {})
    with open(os.path.join(here, "Chart.yaml")) as f:
        app_version = yaml.safe_load(f)["appVersion"]

    deploy = {key(o): o for o in docs(deploy_path)}
    chart = {key(o): o for o in docs(chart_path)}
    ns = next(o["metadata"]["namespace"] for o in deploy.values() if o["kind"] == "Deployment")

    # 1. The same objects: deploy/'s, less the Namespace unless the chart creates it, plus the
    # monitoring objects the values turn on.
    want = set(deploy)
    if not values["namespace"]["create"]:
        want.discard(("Namespace", "", ns))
    if not values["crds"]["install"]:
        want = {k for k in want if k[0] != "CustomResourceDefinition"}
    if values["metrics"]["serviceMonitor"]["enabled"]:
        want |= {("Service", ns, "stowage-operator-metrics"), ("ServiceMonitor", ns, "stowage-operator")}
    cbs = values["watchNamespaces"] and values["rbac"]["clusterBackupStores"]
    if cbs:
        want |= {("ClusterRole", "", "stowage-operator-clusterbackupstores"),
                 ("ClusterRoleBinding", "", "stowage-operator-clusterbackupstores")}
    # deploy/'s monitoring component, when DEPLOY.yaml was rendered with it.
    for kind, value in (("PodMonitor", "podMonitor"), ("PrometheusRule", "prometheusRule")):
        if values["metrics"][value]["enabled"]:
            want.add((kind, ns, "stowage-operator"))
        else:
            want.discard((kind, ns, "stowage-operator"))
    for k in sorted(want - set(chart)):
        fail(f"the chart lacks {k}")
    for k in sorted(set(chart) - want):
        fail(f"the chart has {k}, which deploy/ does not")

    for k in sorted(set(deploy) & set(chart)):
        d, c = deploy[k], chart[k]
        what = "/".join(p for p in k if p)
        same(f"{what} apiVersion", d["apiVersion"], c["apiVersion"])
        # 2. Labels: deploy/'s, each with its value (Helm may add its own).
        for lk, lv in (d["metadata"].get("labels") or {}).items():
            same(f"{what} label {lk}", lv, (c["metadata"].get("labels") or {}).get(lk))
        kind = k[0]
        if kind == "CustomResourceDefinition":
            same(f"{what} spec", d["spec"], c["spec"])
            ann = c["metadata"].get("annotations") or {}
            same(f"{what} annotation helm.sh/resource-policy", "keep", ann.get("helm.sh/resource-policy"))
        elif kind in ("ClusterRole", "Role"):
            same(f"{what} rules", d["rules"], c["rules"])
        elif kind in ("ClusterRoleBinding", "RoleBinding"):
            same(f"{what} roleRef", d["roleRef"], c["roleRef"])
            same(f"{what} subjects", d["subjects"], c["subjects"])
        elif kind == "Namespace":
            same(f"{what} labels", d["metadata"]["labels"],
                 {lk: lv for lk, lv in c["metadata"]["labels"].items() if lk in d["metadata"]["labels"]})
        elif kind == "Deployment":
            deployment(what, d, c, values, app_version, exact)
        elif kind == "PodMonitor":
            want_spec = copy.deepcopy(d["spec"])
            want_spec["podMetricsEndpoints"][0]["interval"] = values["metrics"]["podMonitor"]["interval"]
            same(f"{what} spec", want_spec, c["spec"])
            for lk, lv in values["metrics"]["podMonitor"]["labels"].items():
                same(f"{what} label {lk}", lv, c["metadata"]["labels"].get(lk))
        elif kind == "PrometheusRule":
            pr = values["metrics"]["prometheusRule"]
            if not pr["excludeRules"] and not pr["additionalRules"]:
                same(f"{what} spec", d["spec"], c["spec"])

    if cbs:
        same("ClusterRole stowage-operator-clusterbackupstores rules",
             [{"apiGroups": ["stowage.dev"], "resources": ["clusterbackupstores"], "verbs": ["get"]}],
             chart[("ClusterRole", "", "stowage-operator-clusterbackupstores")]["rules"])
        b = chart[("ClusterRoleBinding", "", "stowage-operator-clusterbackupstores")]
        same("ClusterRoleBinding stowage-operator-clusterbackupstores roleRef",
             {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
              "name": "stowage-operator-clusterbackupstores"}, b["roleRef"])
        same("ClusterRoleBinding stowage-operator-clusterbackupstores subjects",
             [{"kind": "ServiceAccount", "name": "stowage-operator", "namespace": ns}], b["subjects"])
    if values["metrics"]["serviceMonitor"]["enabled"]:
        monitoring(chart, ns, values, deploy[("Deployment", ns, "stowage-operator")])
    if values["metrics"]["prometheusRule"]["enabled"]:
        prometheus_rule(chart[("PrometheusRule", ns, "stowage-operator")], values, rules_path)

    for e in errors:
        print("compare: " + e, file=sys.stderr)
    print(f"compare: {len(chart)} chart objects against {len(deploy)} of deploy/: "
          f"{'OK' if not errors else str(len(errors)) + ' differences'}")
    return 1 if errors else 0


def deployment(what, d, c, values, app_version, exact):
    ds, cs = d["spec"], c["spec"]
    if exact:
        same(f"{what} spec", ds, cs)
    for f in ("replicas", "strategy", "selector"):
        same(f"{what} spec.{f}", ds.get(f), cs.get(f))
    dt, ct = ds["template"], cs["template"]
    same(f"{what} pod labels", dt["metadata"]["labels"], ct["metadata"]["labels"])
    want_ann = dict(dt["metadata"].get("annotations") or {}, **values["podAnnotations"])
    same(f"{what} pod annotations", want_ann, ct["metadata"].get("annotations") or {})
    dp, cp = dt["spec"], ct["spec"]
    for f in ("securityContext", "serviceAccountName", "automountServiceAccountToken",
              "enableServiceLinks", "terminationGracePeriodSeconds", "volumes"):
        same(f"{what} pod {f}", dp.get(f), cp.get(f))
    for f, v in (("nodeSelector", values["nodeSelector"]), ("tolerations", values["tolerations"]),
                 ("affinity", values["affinity"]), ("imagePullSecrets", values["imagePullSecrets"]),
                 ("priorityClassName", values["priorityClassName"])):
        same(f"{what} pod {f} (from values)", v or dp.get(f), cp.get(f))
    same(f"{what} container names", [x["name"] for x in dp["containers"]], [x["name"] for x in cp["containers"]])
    dc, cc = dp["containers"][0], cp["containers"][0]
    for f in ("securityContext", "ports", "startupProbe", "livenessProbe", "readinessProbe", "volumeMounts"):
        same(f"{what} container {f}", dc.get(f), cc.get(f))
    same(f"{what} image", image(values["image"], app_version), cc["image"])
    same(f"{what} imagePullPolicy", values["image"]["pullPolicy"], cc["imagePullPolicy"])
    same(f"{what} resources", values["resources"], cc.get("resources"))
    # Environment: deploy/'s names in deploy/'s order (plus the two optional lists when set),
    # each value deploy/'s unless a value sets it.
    denv = {e["name"]: e for e in dc["env"]}
    override = {
        "STOWAGE_ENGINE_IMAGE": image(values["engineImage"], app_version),
        "STOWAGE_ENGINE_PULL_POLICY": values["engineImage"]["pullPolicy"],
        "STOWAGE_ALLOW_INLINE_S3": "true" if values["allowInlineS3"] else "false",
        "STOWAGE_NAMESPACES": ",".join(values["watchNamespaces"]),
        "STOWAGE_ENGINE_START_DEADLINE": values["engineStartDeadline"],
        "STOWAGE_OVERWRITE_START_DEADLINE": values["overwriteStartDeadline"],
    }
    if values["allowedNodeSelectors"]:
        override["STOWAGE_ALLOWED_NODE_SELECTORS"] = ",".join(values["allowedNodeSelectors"])
    if values["allowedTolerations"]:
        override["STOWAGE_ALLOWED_TOLERATIONS"] = ",".join(values["allowedTolerations"])
    want_names = [e["name"] for e in dc["env"]]
    for n in ("STOWAGE_ALLOWED_NODE_SELECTORS", "STOWAGE_ALLOWED_TOLERATIONS"):
        if n in override and n not in want_names:
            want_names.insert(want_names.index("STOWAGE_ALLOW_INLINE_S3"), n)
    same(f"{what} env names", want_names, [e["name"] for e in cc["env"]])
    for e in cc["env"]:
        n = e["name"]
        want = dict(denv.get(n, {"name": n}))
        if n in override:
            want = {"name": n, "value": override[n]}
        same(f"{what} env {n}", want, e)


def monitoring(chart, ns, values, deployment):
    svc = chart[("Service", ns, "stowage-operator-metrics")]
    sm = chart[("ServiceMonitor", ns, "stowage-operator")]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    for lk, lv in svc["spec"]["selector"].items():
        same(f"Service selector {lk} (selects the operator pod)", pod_labels.get(lk), lv)
    for lk, lv in sm["spec"]["selector"]["matchLabels"].items():
        same(f"ServiceMonitor selector {lk} (selects the Service)", svc["metadata"]["labels"].get(lk), lv)
    same("ServiceMonitor jobLabel value (job the alerts select)", "stowage-operator",
         svc["metadata"]["labels"].get(sm["spec"]["jobLabel"]))
    ep = sm["spec"]["endpoints"][0]
    same("ServiceMonitor endpoint", {"port": "http", "path": "/metrics", "honorLabels": True,
                                     "interval": values["metrics"]["serviceMonitor"]["interval"]}, ep)
    same("Service port", [{"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}],
         svc["spec"]["ports"])
    for lk, lv in values["metrics"]["serviceMonitor"]["labels"].items():
        same(f"ServiceMonitor label {lk}", lv, sm["metadata"]["labels"].get(lk))


def prometheus_rule(rule, values, rules_path):
    with open(rules_path) as f:
        source = yaml.safe_load(f)
    pr = values["metrics"]["prometheusRule"]
    groups = []
    for g in source["groups"]:
        rules = [r for r in g["rules"] if (r.get("alert") or r.get("record")) not in pr["excludeRules"]]
        if rules:
            groups.append(dict(g, rules=rules))
    if pr["additionalRules"]:
        groups.append({"name": "stowage.additional", "rules": pr["additionalRules"]})
    same("PrometheusRule spec.groups", groups, rule["spec"]["groups"])
    for lk, lv in pr["labels"].items():
        same(f"PrometheusRule label {lk}", lv, rule["metadata"]["labels"].get(lk))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
