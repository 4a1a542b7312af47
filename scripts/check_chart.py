#!/usr/bin/env python3
"""Checks the store chart (helm/store), and k8s/ when it exists, without a cluster.

- lints the chart with the real Helm engine (helm-python-sdk), strictly;
- renders it for every plan, with ingress + TLS, and as an upgrade;
- asserts that values.schema.json rejects bad values;
- validates every rendered object against the Kubernetes JSON schemas of each version in
  KUBE_VERSIONS (strict: unknown fields fail) and refuses kinds/apiVersions without a schema;
- checks what the schemas cannot: resources and security contexts on every container, pinned
  images, that a plan's pods fit in the plan's quota, the secret policy, and the setup Job's
  promises: not a Helm hook (so `helm upgrade --install` does not wait for it), named
  <fullname>-setup-<8 hex> with the labels Urumi selects on, the same name for the same
  inputs and a new one for new inputs;
- day two: suspended (replicas 0, no Job, the maintenance page answering 503 through the
  Ingress, a real nginx when installed), wordpress.version, plugins, extraDomains, and that an
  upgrade between plans (or into and out of suspension) changes only fields the Kubernetes API
  lets an update change (StatefulSet claim templates, selectors; claims grow, never shrink);
- syntax-checks the setup Job's script (sh -n, bash -n, shellcheck and php -l when present)
  and runs it against a fake `wp` (install, re-run, upgrade, the plugin list);
- the backup machinery (README "Backups"): with backup.enabled, for a bucket and for the PVC
  target, the suspended CronJob whose jobTemplate Urumi copies (steps, images, mounts, the
  environment the scripts read, the result container), the PVC, quota and NetworkPolicy;
  without it, no backup object at all; the scripts' syntax and shellcheck;
- runs checkov over the rendered output, failing on any finding not listed with a reason in
  helm/store/README.md (the one place where skips live).

Run by scripts/check-manifests, which prepares the virtualenvs. Prints one line per check and
ends with "check-manifests: N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import helm_python as helm
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "helm" / "store"
CHART_README = CHART / "README.md"
K8S_DIR = ROOT / "k8s"

# Oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest whose schemas
# the pinned kubernetes-validate bundles.
KUBE_VERSIONS = ["1.31", "1.37"]
# What Urumi uses (README "Names and the namespace"): namespace store-<id>, release
# store-<first 8 hex digits of id>; store.fullname is the release name cut to 40 characters.
STORE_ID = "7f3c9a1e-5b2d-4c1a-9e8f-0123456789ab"
RELEASE = f"store-{STORE_ID[:8]}"
NAMESPACE = f"store-{STORE_ID}"
FULLNAME = RELEASE[:40].rstrip("-")
PLANS = ["small", "medium", "large"]

# Everything the chart may render. kubernetes-validate only knows core kinds anyway; this
# list also stops a new kind from slipping in unreviewed.
CHART_KINDS = {
    ("v1", "ConfigMap"),
    ("v1", "LimitRange"),
    ("v1", "PersistentVolumeClaim"),
    ("v1", "ResourceQuota"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job", "DaemonSet", "ReplicaSet", "CronJob", "Pod"}

BASE_VALUES: dict[str, Any] = {
    "storeName": "Café Urumi",
    "domain": "cafe-urumi.shops.example.com",
    "adminEmail": "owner+shop@example.com",
    "storeId": STORE_ID,
}


# --------------------------------------------------------------------------- reporting


class Report:
    """Collects pass/fail per named check and prints one line each."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def check(self, name: str, fn: Callable[[], str | None]) -> Any:
        started = time.monotonic()
        try:
            note = fn()
        except Exception as error:  # a failed check must not stop the others
            self.failed.append(name)
            detail = str(error).strip() or type(error).__name__
            if not isinstance(error, CheckFailed):
                detail = f"{type(error).__name__}: {detail}"
                if os.environ.get("CHECK_DEBUG"):
                    traceback.print_exc()
            print(f"FAIL {name}\n     " + detail.replace("\n", "\n     "), flush=True)
            return None
        self.passed += 1
        took = time.monotonic() - started
        suffix = f" ({note})" if note else ""
        print(f"ok   {name}{suffix} [{took:.1f}s]", flush=True)
        return note


class CheckFailed(Exception):
    """A check's own finding (printed without a traceback)."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


# --------------------------------------------------------------------------- helpers


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of value dicts; later ones win."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merged(out[key], value)
            else:
                out[key] = value
    return out


def without(values: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != key}


def render(values: dict[str, Any], upgrade: bool = False,
           chart_dir: Path | None = None) -> dict[str, str]:
    with helm.Chart.load(str(chart_dir or CHART)) as chart:
        return chart.render(
            values,
            name=RELEASE,
            namespace=NAMESPACE,
            revision=2 if upgrade else 1,
            is_install=not upgrade,
            is_upgrade=upgrade,
        )


def documents(manifests: dict[str, str]) -> list[dict[str, Any]]:
    """The Kubernetes objects of a render (NOTES.txt and empty files skipped)."""
    docs = []
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt") or not text.strip():
            continue
        docs += [doc for doc in yaml.safe_load_all(text) if doc]
    return docs


def annotations(doc: dict[str, Any]) -> dict[str, str]:
    return doc.get("metadata", {}).get("annotations") or {}


def ident(doc: dict[str, Any]) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    kind = doc.get("kind")
    if kind == "Pod":
        return doc["spec"]
    if kind == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if kind in WORKLOAD_KINDS:
        return doc["spec"]["template"]["spec"]
    return None


_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6,
          "G": 10**9, "T": 10**12, "m": 10**-3, "": 1}


def quantity(value: Any) -> float:
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    if not match or match.group(2) not in _UNITS:
        raise CheckFailed(f"cannot read quantity {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def validate_strict(doc: dict[str, Any], where: str) -> list[str]:
    """Schema problems of one object for every version in KUBE_VERSIONS."""
    problems = []
    for version in KUBE_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{where} {ident(doc)}: unknown kind/apiVersion "
                            f"{doc.get('apiVersion')} {doc.get('kind')} in Kubernetes {version}: "
                            f"{error.message}")
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path) or "(top)"
            problems.append(f"{where} {ident(doc)} (Kubernetes {version}) at {path}: {error.message}")
    return problems


# --------------------------------------------------------------------------- chart checks


def lint(values: dict[str, Any], kube_version: str) -> str | None:
    # Helm's severities: 1 info ("icon is recommended"), 2 warning, 3 error. As with
    # `helm lint --strict`, warnings fail too; infos are only advice and are printed.
    report = helm.lint(str(CHART), values, strict=True, namespace=NAMESPACE,
                       kube_version=f"v{kube_version}.0")
    bad = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2]
    bad_text = [f"[{m.get('severity')}] {m.get('path')}: {m.get('error')}" for m in bad]
    bad_text += [str(e) for e in report.get("errors") or []]
    require(not bad_text, "\n".join(bad_text))
    infos = [m.get("error") for m in report.get("messages", []) if m.get("severity", 0) < 2]
    return f"{len(infos)} info: {'; '.join(infos)}" if infos else None


def check_objects(docs: list[dict[str, Any]], values: dict[str, Any]) -> str:
    problems: list[str] = []
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in CHART_KINDS:
            problems.append(f"{ident(doc)}: {key[0]} {key[1]} is not a kind the chart may render")
        problems += validate_strict(doc, "chart")
        labels = doc.get("metadata", {}).get("labels") or {}
        for label in ("app.kubernetes.io/name", "app.kubernetes.io/instance",
                      "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"):
            if label not in labels:
                problems.append(f"{ident(doc)}: label {label} missing")
        if values.get("storeId") and labels.get("urumi.io/store-id") != values["storeId"]:
            problems.append(f"{ident(doc)}: label urumi.io/store-id is not {values['storeId']!r}")
    require(not problems, "\n".join(problems))
    return f"{len(docs)} objects x {len(KUBE_VERSIONS)} versions"


def check_pods(docs: list[dict[str, Any]]) -> str:
    problems: list[str] = []
    containers_seen = 0
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        where = ident(doc)
        pod_sc = spec.get("securityContext") or {}
        if pod_sc.get("runAsNonRoot") is not True:
            problems.append(f"{where}: pod securityContext.runAsNonRoot is not true")
        if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: pod seccompProfile is not RuntimeDefault")
        if spec.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: automountServiceAccountToken is not false")
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            problems.append(f"{where}: uses host namespaces")
        for group in ("initContainers", "containers"):
            for container in spec.get(group) or []:
                containers_seen += 1
                name = f"{where} {group[:-1]} {container.get('name')}"
                resources = container.get("resources") or {}
                for kind in ("requests", "limits"):
                    for res in ("cpu", "memory"):
                        if res not in (resources.get(kind) or {}):
                            problems.append(f"{name}: resources.{kind}.{res} missing")
                sc = container.get("securityContext")
                if not sc:
                    problems.append(f"{name}: securityContext missing")
                    continue
                if sc.get("allowPrivilegeEscalation") is not False:
                    problems.append(f"{name}: allowPrivilegeEscalation is not false")
                if sc.get("privileged"):
                    problems.append(f"{name}: privileged")
                caps = sc.get("capabilities") or {}
                if "ALL" not in (caps.get("drop") or []):
                    problems.append(f"{name}: capabilities.drop does not contain ALL")
                if caps.get("add"):
                    problems.append(f"{name}: adds capabilities {caps['add']}")
                image = container.get("image", "")
                tag = image.rsplit("@", 1)[0].rsplit("/", 1)[-1]
                if "@sha256:" not in image and (":" not in tag or tag.endswith(":latest")):
                    problems.append(f"{name}: image {image!r} is not pinned")
                if doc["kind"] in ("Deployment", "StatefulSet") and group == "containers":
                    for probe in ("readinessProbe", "livenessProbe"):
                        if probe not in container:
                            problems.append(f"{name}: {probe} missing")
    require(not problems, "\n".join(problems))
    return f"{containers_seen} containers"


def pod_footprint(spec: dict[str, Any], kind: str, res: str) -> float:
    """What one pod counts against a quota: max(largest init container, sum of containers)."""
    def total(containers: list[dict[str, Any]]) -> float:
        return sum(quantity(((c.get("resources") or {}).get(kind) or {}).get(res, 0))
                   for c in containers)
    inits = [total([c]) for c in spec.get("initContainers") or []]
    return max([total(spec.get("containers") or [])] + inits)


def check_plan_fits(docs: list[dict[str, Any]], plan: str) -> str:
    """Every pod of the store at once (the setup Job runs beside MySQL and WordPress) must fit
    in the plan's ResourceQuota, and each container under the LimitRange's max."""
    quota = next(d for d in docs if d["kind"] == "ResourceQuota")["spec"]["hard"]
    limit_max = next(d for d in docs if d["kind"] == "LimitRange")["spec"]["limits"][0]["max"]
    problems = []
    pods = 0
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            used = 0.0
            for doc in docs:
                spec = pod_spec(doc)
                if spec is None:
                    continue
                replicas = doc["spec"].get("replicas", 1) if doc["kind"] != "Job" else 1
                used += replicas * pod_footprint(spec, kind, res)
                for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                    value = c["resources"].get("limits", {}).get(res)
                    if kind == "limits" and value and quantity(value) > quantity(limit_max[res]):
                        problems.append(f"{ident(doc)} {c['name']}: limits.{res} {value} above "
                                        f"the LimitRange max {limit_max[res]}")
            hard = quantity(quota[f"{kind}.{res}"])
            if used > hard:
                problems.append(f"{kind}.{res}: pods need {used:g}, quota is {quota[f'{kind}.{res}']}")
    for doc in docs:
        if pod_spec(doc) is not None:
            pods += doc["spec"].get("replicas", 1) if doc["kind"] != "Job" else 1
    require(pods <= int(quota["pods"]), f"{pods} pods, quota allows {quota['pods']}")
    storage, claims = 0.0, 0
    objects = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    for doc in docs:
        if doc["kind"] == "PersistentVolumeClaim":
            storage += quantity(doc["spec"]["resources"]["requests"]["storage"])
            claims += 1
        if doc["kind"] == "StatefulSet":
            # A claim the release creates itself (MySQL's data) is counted once, above.
            for vct in doc["spec"].get("volumeClaimTemplates") or []:
                for ordinal in range(doc["spec"].get("replicas", 1)):
                    if f"{vct['metadata']['name']}-{doc['metadata']['name']}-{ordinal}" in objects:
                        continue
                    storage += quantity(vct["spec"]["resources"]["requests"]["storage"])
                    claims += 1
    if storage > quantity(quota["requests.storage"]):
        problems.append(f"volumes need {storage / 2**30:g}Gi, quota is {quota['requests.storage']}")
    if claims > int(quota["persistentvolumeclaims"]):
        problems.append(f"{claims} claims, quota allows {quota['persistentvolumeclaims']}")
    for key in ("services.loadbalancers", "services.nodeports"):
        if quota.get(key) != "0":
            problems.append(f"quota {key} is {quota.get(key)!r}, want \"0\"")
    require(not problems, "\n".join(problems))
    return f"{plan}: {pods} pods, {claims} volumes ({storage / 2**30:g}Gi)"


def check_store_semantics(docs: list[dict[str, Any]], values: dict[str, Any]) -> None:
    """The promises README.md makes that no schema checks."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    problems = []

    secret = by_kind["Secret"][0]
    if annotations(secret).get("helm.sh/resource-policy") != "keep":
        problems.append("the credentials Secret is not kept on uninstall")
    for key in ("mysql-root-password", "mysql-password", "wordpress-admin-password",
                "wordpress-admin-user"):
        if key not in secret.get("data", {}):
            problems.append(f"Secret lacks {key}")

    # No hooks at all: Helm waits for hooks even without --wait, and Urumi's saga needs
    # `helm upgrade --install` to return as soon as the objects are applied.
    for doc in docs:
        hook_keys = sorted(k for k in annotations(doc) if k.startswith("helm.sh/hook"))
        if hook_keys:
            problems.append(f"{ident(doc)} is a Helm hook ({', '.join(hook_keys)}): "
                            "`helm upgrade --install` would wait for it")

    problems += day_two_problems(by_kind, values)
    jobs = by_kind.get("Job", [])
    if values.get("suspended"):
        require(not jobs, f"a suspended store renders Jobs: {[ident(j) for j in jobs]}")
        require(not problems, "\n".join(problems))
        return None
    require(len(jobs) == 1, f"expected one Job (the setup), got {[ident(j) for j in jobs]}")
    job = jobs[0]
    problems += setup_job_name_problems(job)
    labels = job["metadata"].get("labels") or {}
    if labels.get("app.kubernetes.io/instance") != RELEASE:
        problems.append(f"setup Job label app.kubernetes.io/instance is not {RELEASE!r}")
    if labels.get("app.kubernetes.io/component") != "setup":
        problems.append("setup Job label app.kubernetes.io/component is not 'setup'")
    pod_labels = job["spec"]["template"]["metadata"].get("labels") or {}
    if (pod_labels.get("app.kubernetes.io/instance"), pod_labels.get("app.kubernetes.io/component")) \
            != (RELEASE, "setup"):
        problems.append("setup pods lack the instance/component labels the NetworkPolicies select")
    ttl = job["spec"].get("ttlSecondsAfterFinished")
    if ttl is not None and ttl < 7 * 86400:
        problems.append(f"setup Job's ttlSecondsAfterFinished {ttl} is under 7 days")
    if not job["spec"].get("activeDeadlineSeconds") or job["spec"].get("backoffLimit") is None:
        problems.append("setup Job lacks activeDeadlineSeconds or backoffLimit")
    pod = job["spec"]["template"]["spec"]
    if pod["securityContext"].get("runAsUser") != 33:
        problems.append("setup Job does not run as www-data (33)")
    setup = next((c for c in pod["containers"] if c["name"] == "setup"), None)
    require(setup is not None, "setup Job has no container named setup")
    env = {e["name"]: e.get("value") for e in setup.get("env", [])}
    # The deadline counts from the Job's creation: scheduling next to WordPress and the first
    # image pulls come before the script's own wait, the setup steps after it.
    deadline = job["spec"].get("activeDeadlineSeconds") or 0
    if deadline < int(env.get("WAIT_SECONDS") or 0) + 900:
        problems.append(f"activeDeadlineSeconds {deadline} leaves under 15 minutes beyond "
                        f"WAIT_SECONDS {env.get('WAIT_SECONDS')}")
    if setup.get("terminationMessagePolicy") != "FallbackToLogsOnError":
        problems.append("setup container: terminationMessagePolicy is not FallbackToLogsOnError "
                        "(Urumi shows the termination message as the failure reason)")
    terms = (((pod.get("affinity") or {}).get("podAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    if not any(t.get("topologyKey") == "kubernetes.io/hostname"
               and (t.get("labelSelector") or {}).get("matchLabels", {}).get(
                   "app.kubernetes.io/component") == "wordpress" for t in terms):
        problems.append("setup Job lacks the required pod affinity to the WordPress pod "
                        "(wp-content is ReadWriteOnce)")

    mysql = by_kind["StatefulSet"][0]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        command = mysql.get(probe, {}).get("exec", {}).get("command", [])
        if "127.0.0.1" not in command:
            problems.append(f"MySQL {probe} does not ping over TCP (-h 127.0.0.1)")

    policies = by_kind.get("NetworkPolicy", [])
    deny = [p for p in policies if p["spec"].get("podSelector") == {}
            and sorted(p["spec"].get("policyTypes", [])) == ["Egress", "Ingress"]
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    if values.get("networkPolicy", {}).get("enabled", True) and not deny:
        problems.append("no default-deny NetworkPolicy for ingress and egress")

    ingress = by_kind.get("Ingress", [])
    if values.get("ingress", {}).get("enabled"):
        if not ingress:
            problems.append("ingress.enabled but no Ingress rendered")
        else:
            spec = ingress[0]["spec"]
            hosts = list(dict.fromkeys([values["domain"]] + values.get("extraDomains", [])))
            if [rule.get("host") for rule in spec["rules"]] != hosts:
                problems.append(f"Ingress hosts {[r.get('host') for r in spec['rules']]} are not "
                                f"the domain and extraDomains {hosts}")
            backend = f"{FULLNAME}-{'maintenance' if values.get('suspended') else 'wordpress'}"
            for rule in spec["rules"]:
                for path in rule["http"]["paths"]:
                    if path["backend"]["service"] != {"name": backend, "port": {"name": "http"}}:
                        problems.append(f"Ingress rule {rule.get('host')} goes to "
                                        f"{path['backend']['service']}, not {backend}:http")
            if values["ingress"].get("tls", {}).get("enabled"):
                if not spec.get("tls") or spec["tls"][0]["hosts"] != hosts or len(spec["tls"]) != 1:
                    problems.append(f"Ingress TLS does not cover exactly {hosts} with one Secret")
                issuer = values["ingress"]["tls"].get("clusterIssuer")
                if issuer and annotations(ingress[0]).get(
                        "cert-manager.io/cluster-issuer") != issuer:
                    problems.append("cert-manager cluster-issuer annotation missing")
    elif ingress:
        problems.append("Ingress rendered although ingress.enabled is false")
    require(not problems, "\n".join(problems))
    return None


def wordpress_tag(values: dict[str, Any]) -> str:
    """The WordPress image tag the values ask for (README "Values")."""
    images = merged(yaml.safe_load((CHART / "values.yaml").read_text())["images"],
                    values.get("images", {}))
    version = values.get("wordpress", {}).get("version")
    if version:
        return f"{version}-php{images['wordpress']['phpVersion']}-apache"
    return images["wordpress"]["tag"]


def day_two_problems(by_kind: dict[str, list[dict[str, Any]]], values: dict[str, Any]) -> list[str]:
    """suspended, wordpress.version and plugins as README "Day two" promises."""
    problems = []
    suspended = bool(values.get("suspended"))
    named = {(d["kind"], d["metadata"]["name"]): d for docs in by_kind.values() for d in docs}
    wordpress = named[("Deployment", f"{FULLNAME}-wordpress")]
    mysql = named[("StatefulSet", f"{FULLNAME}-mysql")]
    want = 0 if suspended else 1
    for doc in (wordpress, mysql):
        if doc["spec"].get("replicas") != want:
            problems.append(f"{ident(doc)} has {doc['spec'].get('replicas')} replicas, want {want}")
    maintenance = {key: doc for key, doc in named.items() if key[1] == f"{FULLNAME}-maintenance"}
    if not suspended:
        if maintenance:
            problems.append(f"maintenance objects rendered for a running store: {sorted(maintenance)}")
    else:
        wanted_kinds = {"Deployment", "Service", "ConfigMap"}
        if values.get("networkPolicy", {}).get("enabled", True):
            wanted_kinds.add("NetworkPolicy")
        missing = wanted_kinds - {kind for kind, _ in maintenance}
        if missing:
            problems.append(f"suspended, but no maintenance {sorted(missing)}")
        else:
            problems += maintenance_problems(maintenance, values)
    # The WordPress image (Deployment and the setup Job's core copy) and WP-CLI's PHP.
    tag = wordpress_tag(values)
    image = wordpress["spec"]["template"]["spec"]["containers"][0]["image"]
    if image.split("@")[0].rsplit(":", 1)[1] != tag:
        problems.append(f"WordPress image {image!r} does not have the tag {tag!r}")
    for job in by_kind.get("Job", []):
        pod = job["spec"]["template"]["spec"]
        core = pod["initContainers"][0]["image"]
        if core != image:
            problems.append(f"setup Job copies core from {core!r}, WordPress runs {image!r}")
        cli = pod["containers"][0]["image"].split("@")[0]
        php = re.search(r"-php([0-9]+\.[0-9]+)", tag)
        if php and not cli.endswith(f"-php{php.group(1)}"):
            problems.append(f"WP-CLI image {cli!r} is not on WordPress's PHP {php.group(1)}")
        env = {e["name"]: e.get("value") for e in pod["containers"][0].get("env", [])}
        plugins = " ".join(p["slug"] + (f"@{p['version']}" if p.get("version") else "")
                           for p in values.get("plugins", []))
        if env.get("PLUGINS") != plugins:
            problems.append(f"setup Job PLUGINS is {env.get('PLUGINS')!r}, want {plugins!r}")
    return problems


def maintenance_problems(objects: dict[tuple[str, str], dict[str, Any]],
                         values: dict[str, Any]) -> list[str]:
    problems = []
    name = f"{FULLNAME}-maintenance"
    deployment, service, config = (objects[(k, name)] for k in ("Deployment", "Service", "ConfigMap"))
    for doc in (deployment, service, config):
        component = (doc["metadata"].get("labels") or {}).get("app.kubernetes.io/component")
        if component != "maintenance":
            problems.append(f"{ident(doc)}: component label is {component!r}, not 'maintenance'")
    if deployment["spec"].get("replicas") != 1:
        problems.append("maintenance Deployment does not have 1 replica")
    pod = deployment["spec"]["template"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    if service["spec"]["selector"] != selector or any(
            pod["metadata"]["labels"].get(k) != v for k, v in selector.items()):
        problems.append("maintenance Service/Deployment selectors do not select its pods")
    container = pod["spec"]["containers"][0]
    if "nginx-unprivileged" not in container["image"]:
        problems.append(f"maintenance image {container['image']!r} is not nginx-unprivileged")
    if container["securityContext"].get("readOnlyRootFilesystem") is not True:
        problems.append("maintenance container's root filesystem is writable")
    mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
    if "/tmp" not in mounts:
        problems.append("maintenance container has no writable /tmp")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    target = service["spec"]["ports"][0]["targetPort"]
    if ports.get(target) != 8080:
        problems.append(f"maintenance Service targets {target!r}, not the 503 port 8080")
    for probe in ("readinessProbe", "livenessProbe"):
        if container.get(probe, {}).get("httpGet", {}).get("port") == target:
            problems.append(f"maintenance {probe} is on the 503 port: the pod would never be ready")
    conf = config["data"].get("nginx.conf", "")
    for needle in ("listen 8080", "return 503;", "error_page 503 /maintenance.html;",
                   "add_header Retry-After", "pid /tmp/"):
        if needle not in conf:
            problems.append(f"maintenance nginx.conf lacks {needle!r}")
    page = config["data"].get("maintenance.html", "")
    if "temporarily unavailable" not in page:
        problems.append("maintenance page does not say 'temporarily unavailable'")
    policy = objects.get(("NetworkPolicy", name))
    if policy is not None:
        rules = policy["spec"].get("ingress") or []
        if not any(p.get("port") == 8080 for r in rules for p in r.get("ports", [])) or \
                policy["spec"]["podSelector"]["matchLabels"] != selector:
            problems.append("maintenance NetworkPolicy does not let the ingress controller reach 8080")
    return problems


def check_maintenance_nginx(docs: list[dict[str, Any]], workdir: Path) -> str:
    """Runs the rendered nginx.conf with a real nginx (when installed): every path and method
    gets 503, the page and Retry-After; the probe port answers 200."""
    nginx = shutil.which("nginx") or (Path("/usr/sbin/nginx") if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        return "nginx not installed: only the static checks ran"
    config = next(d for d in docs if d["kind"] == "ConfigMap"
                  and d["metadata"]["name"] == f"{FULLNAME}-maintenance")
    # nginx's workers may run as another user (as root it switches to nobody): a directory
    # of its own that they can read, outside the private work directory.
    base = Path(tempfile.mkdtemp(prefix="urumi-maintenance-"))
    base.chmod(0o755)
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    for name, text in config["data"].items():
        text = text.replace("/tmp/", f"{base}/").replace("/etc/urumi/maintenance", str(base))
        text = text.replace("listen 8080", f"listen 127.0.0.1:{ports[0]}")
        text = text.replace("listen 8081", f"listen 127.0.0.1:{ports[1]}")
        (base / name).write_text(text)
        (base / name).chmod(0o644)
    server = subprocess.Popen([str(nginx), "-e", "stderr", "-c", str(base / "nginx.conf"),
                               "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        def ask(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
            data = b"log=a&pwd=b" if method == "POST" else None
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
            try:
                response = urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as error:
                response = error
            return response.status, dict(response.headers), response.read().decode()
        deadline = time.monotonic() + 10
        while True:
            try:
                ask(ports[1], "/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                require(server.poll() is None and time.monotonic() < deadline,
                        f"nginx did not start: {server.stderr.read() if server.poll() is not None else ''}")
                time.sleep(0.1)
        problems = []
        for method, path in (("GET", "/"), ("GET", "/product/urumi-sample-tee/"),
                             ("POST", "/wp-login.php"), ("GET", "/maintenance.html"),
                             ("GET", "/nginx.conf"), ("HEAD", "/")):
            status, headers, body = ask(ports[0], path, method)
            if status != 503 or not headers.get("Retry-After"):
                problems.append(f"{method} {path}: {status}, Retry-After {headers.get('Retry-After')!r}")
            if method != "HEAD" and "temporarily unavailable" not in body:
                problems.append(f"{method} {path}: not the maintenance page")
        status, _, _ = ask(ports[1], "/healthz")
        if status != 200:
            problems.append(f"probe port /healthz answered {status}")
        require(not problems, "\n".join(problems))
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
    return "7 requests against a real nginx"


SETUP_HASH_LABEL = "urumi.io/setup-hash"


def setup_job_name_problems(job: dict[str, Any]) -> list[str]:
    """<fullname>-setup-<8 hex>, the hash also in the urumi.io/setup-hash label."""
    name = job["metadata"]["name"]
    match = re.fullmatch(rf"{re.escape(FULLNAME)}-setup-([0-9a-f]{{8}})", name)
    if not match:
        return [f"setup Job name {name!r} is not {FULLNAME}-setup-<8 hex digits>"]
    problems = []
    if len(name) > 63:
        problems.append(f"setup Job name {name!r} is longer than 63 characters")
    label = (job["metadata"].get("labels") or {}).get(SETUP_HASH_LABEL)
    if label != match.group(1):
        problems.append(f"setup Job label {SETUP_HASH_LABEL} is {label!r}, not {match.group(1)!r}")
    return problems


def check_setup_job_hash(base: dict[str, Any], workdir: Path) -> str:
    """The Job's name changes exactly when what the Job is made of changes: identical values
    (install or upgrade) keep the finished Job, changed inputs make a new one, and one name
    never stands for two different specs (that would be an immutable-field error)."""
    seen: dict[str, str] = {}
    problems: list[str] = []

    def job_name(values: dict[str, Any], upgrade: bool = False,
                 chart_dir: Path | None = None) -> str:
        job = next(d for d in documents(render(values, upgrade, chart_dir)) if d["kind"] == "Job")
        problems.extend(setup_job_name_problems(job))
        name, spec = job["metadata"]["name"], json.dumps(job["spec"], sort_keys=True)
        if seen.setdefault(name, spec) != spec:
            problems.append(f"{name} names two different Job specs")
        return name

    first = job_name(base)
    if job_name(base) != first:
        problems.append("two renders with identical values give different Job names")
    if job_name(base, upgrade=True) != first:
        problems.append("an upgrade with identical values renames the Job (the setup would rerun)")

    changed = {
        "woocommerce.version": {"woocommerce": {"version": "11.1.3"}},
        "plan": {"plan": "medium"},
        "images.wpCli.tag": {"images": {"wpCli": {"tag": "cli-2.12.1-php8.3"}}},
        "images.wordpress.tag": {"images": {"wordpress": {"tag": "7.1.1-php8.3-apache"}}},
        "images.wordpress.digest": {"images": {"wordpress": {"digest": "sha256:" + "1" * 64}}},
        "images.pullSecrets": {"images": {"pullSecrets": ["registry-mirror"]}},
        "setupJob.waitSeconds": {"setupJob": {"waitSeconds": 600}},
        "setupJob.backoffLimit": {"setupJob": {"backoffLimit": 4}},
        "setupJob.activeDeadlineSeconds": {"setupJob": {"activeDeadlineSeconds": 3000}},
        "setupJob.ttlSecondsAfterFinished": {"setupJob": {"ttlSecondsAfterFinished": 604800}},
        "storeName": {"storeName": "Another Shop"},
        "adminEmail": {"adminEmail": "someone@example.com"},
        "domain": {"domain": "other-shop.example.com"},
        "wordpress.urlScheme": {"wordpress": {"urlScheme": "http"}},
        "store.currency": {"store": {"currency": "EUR"}},
        "store.address": {"store": {"address": "2 Market Street"}},
        "sampleProduct.regularPrice": {"sampleProduct": {"regularPrice": "19.99"}},
        "sampleProduct.sku": {"sampleProduct": {"sku": "URUMI-SAMPLE-002"}},
        "wordpress.version": {"wordpress": {"version": "7.1.1"}},
        "plugins (one added)": {"plugins": [{"slug": "akismet"}]},
        "plugins (one pinned)": {"plugins": [{"slug": "akismet", "version": "5.3.3"}]},
    }
    for what, change in changed.items():
        if job_name(merged(base, change)) == first:
            problems.append(f"changing {what} keeps the Job name: the setup would not rerun")
    pinned = [job_name(merged(base, {"plugins": [{"slug": "akismet", "version": v}]}))
              for v in ("5.3.3", "5.3.2")]
    if pinned[0] == pinned[1]:
        problems.append("changing a plugin's version keeps the Job name")
    # The tag wordpress.version builds for the default image is the default tag itself.
    if job_name(merged(base, {"wordpress": {"version": "7.1.0"}})) != first:
        problems.append("wordpress.version naming the default image's tag renames the Job")

    # The setup scripts are files of the chart, not values: change one in a copy.
    copy = workdir / "chart-copy"
    shutil.copytree(CHART, copy)
    script = copy / "files" / "setup" / "setup.sh"
    script.write_text(script.read_text() + "# changed\n")
    if job_name(base, chart_dir=copy) == first:
        problems.append("changing files/setup/setup.sh keeps the Job name")

    unchanged = {
        "ingress + TLS": {"ingress": {"enabled": True, "tls": {
            "enabled": True, "clusterIssuer": "letsencrypt-prod"}}},
        "networkPolicy.enabled": {"networkPolicy": {"enabled": False}},
        "storage classes": {"mysql": {"storageClassName": "fast-ssd"},
                            "wordpress": {"storageClassName": "fast-ssd"}},
        "the plan's quota": {"plans": {base["plan"]: {"quota": {"pods": 9}}}},
        "the plan's Apache workers": {"plans": {base["plan"]: {"wordpress": {"maxRequestWorkers": 4}}}},
        "images.mysql.tag": {"images": {"mysql": {"tag": "8.4.12"}}},
        "extraDomains": {"extraDomains": ["www.cafe-urumi.shops.example.com"]},
        "volumeExpansion": {"volumeExpansion": True},
        "maintenance": {"maintenance": {"retryAfterSeconds": 60}},
        "backup (enabled, bucket)": {"backup": {"enabled": True, "s3": {
            "bucket": "urumi-backups", "credentialsSecret": "urumi-backup-s3"}}},
    }
    for what, change in unchanged.items():
        if job_name(merged(base, change)) != first:
            problems.append(f"changing {what}, which the Job does not use, renames the Job "
                            "(the setup would rerun for nothing)")
    require(not problems, "\n".join(problems))
    return f"{first}; {len(changed) + 1} changes rename it, {len(unchanged)} leave it"


# What an update may change (the API rejects the rest): a StatefulSet's spec only in these
# fields; a claim's spec only in its storage request, and only upward.
STATEFULSET_MUTABLE = {"replicas", "template", "updateStrategy", "minReadySeconds",
                       "persistentVolumeClaimRetentionPolicy", "ordinals"}


def check_upgrade_safety(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Renders two values sets of the same release (e.g. plan small, then large) and checks
    that every object in both differs only where Kubernetes allows an update to change it."""
    old = {(d["kind"], d["metadata"]["name"]): d for d in documents(render(before))}
    new = {(d["kind"], d["metadata"]["name"]): d for d in documents(render(after, upgrade=True))}
    problems, compared = [], 0
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key]["spec"] if "spec" in old[key] else {}, new[key].get("spec", {})
        kind, where = key[0], f"{key[0]}/{key[1]}"
        compared += 1
        if kind == "StatefulSet":
            for field in sorted((set(a) | set(b)) - STATEFULSET_MUTABLE):
                if a.get(field) != b.get(field):
                    problems.append(f"{where}: spec.{field} changes (immutable): "
                                    f"{json.dumps(a.get(field))[:200]} -> {json.dumps(b.get(field))[:200]}")
        elif kind == "PersistentVolumeClaim":
            a, b = json.loads(json.dumps(a)), json.loads(json.dumps(b))
            size_a = a["resources"]["requests"].pop("storage")
            size_b = b["resources"]["requests"].pop("storage")
            if a != b:
                problems.append(f"{where}: spec changes beyond the storage request: {a} -> {b}")
            if quantity(size_b) < quantity(size_a):
                problems.append(f"{where}: storage shrinks {size_a} -> {size_b} (rejected)")
        elif kind == "Deployment":
            if a.get("selector") != b.get("selector"):
                problems.append(f"{where}: spec.selector changes (immutable)")
        elif kind == "Job":
            if a != b:
                problems.append(f"{where}: the same Job name with another spec (immutable template)")
        elif kind == "Service":
            for field in ("type", "clusterIP"):
                if a.get(field) != b.get(field):
                    problems.append(f"{where}: spec.{field} changes")
    require(not problems, "\n".join(problems))
    return f"{compared} objects compared"


def check_claim_size(workdir: Path) -> str:
    """store.claimSize with live claims (lookup is empty without a cluster, so the helper is
    called from a test template in a copy of the chart): new claims get the plan's size, an
    existing one grows only with volumeExpansion and never shrinks."""
    copy = workdir / "claim-size-chart"
    shutil.copytree(CHART, copy)
    cases = [  # (live size or None, plan size, expected without expansion, with expansion)
        (None, "5Gi", "5Gi", "5Gi"),
        ("5Gi", "20Gi", "5Gi", "20Gi"),
        ("20Gi", "5Gi", "20Gi", "20Gi"),
        ("10737418240", "10Gi", "10737418240", "10737418240"),
        ("5Gi", "6000M", "5Gi", "6000M"),
        ("1Ti", "500Gi", "1Ti", "1Ti"),
    ]
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: claim-size-test", "data:"]
    for i, (live, plan, _, _) in enumerate(cases):
        claim = ('(dict "spec" (dict "resources" (dict "requests" (dict "storage" "%s"))))' % live
                 if live else "dict")
        lines.append(f'  c{i}: {{{{ include "store.claimSize" (dict "ctx" $ "live" {claim} '
                     f'"plan" "{plan}") | quote }}}}')
    (copy / "templates" / "zz-claim-size-test.yaml").write_text("\n".join(lines) + "\n")
    problems = []
    for expand in (False, True):
        values = merged(BASE_VALUES, {"plan": "small", "volumeExpansion": expand})
        docs = documents(render(values, chart_dir=copy))
        data = next(d for d in docs if d["metadata"]["name"] == "claim-size-test")["data"]
        for i, (live, plan, keep, grow) in enumerate(cases):
            want = grow if expand else keep
            if data[f"c{i}"] != want:
                problems.append(f"volumeExpansion={expand}, live {live}, plan {plan}: "
                                f"{data[f'c{i}']}, want {want}")
    require(not problems, "\n".join(problems))
    return f"{len(cases)} cases x 2"


def render_fails(values: dict[str, Any], mentions: str) -> None:
    """The templates (not the schema) refuse these values with a message naming `mentions`."""
    try:
        render(values)
    except helm.HelmRenderError as error:
        require(mentions.lower() in str(error).lower(),
                f"refused, but the message does not name {mentions!r}: {error}")
        return None
    raise CheckFailed("the chart rendered these values")


def check_notes(manifests: dict[str, str], values: dict[str, Any]) -> None:
    notes = next(text for path, text in manifests.items() if path.endswith("NOTES.txt"))
    job = next(d for d in documents(manifests) if d["kind"] == "Job")["metadata"]["name"]
    for needle in (f"https://{values['domain']}/", f"https://{values['domain']}/wp-admin",
                   "kubectl", "base64 -d", "wordpress-admin-password", f"job/{job}"):
        require(needle in notes, f"NOTES.txt does not mention {needle!r}")
    return None


def check_setup_script(docs: list[dict[str, Any]], workdir: Path) -> str:
    config = next(d for d in docs if d["kind"] == "ConfigMap" and "setup.sh" in d.get("data", {}))
    done = []
    for name, text in config["data"].items():
        path = workdir / name
        path.write_text(text)
    script = workdir / "setup.sh"
    require(script.read_text().startswith("#!/bin/sh"), "setup.sh must start with #!/bin/sh")
    require("\nset -eu\n" in script.read_text(), "setup.sh must `set -eu`")
    for shell in ("sh", "bash"):
        result = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        require(result.returncode == 0, f"{shell} -n setup.sh:\n{result.stderr}")
        done.append(f"{shell} -n")
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", "-s", "sh", str(script)], capture_output=True,
                                text=True)
        require(result.returncode == 0, f"shellcheck:\n{result.stdout}{result.stderr}")
        done.append("shellcheck")
    else:
        done.append("shellcheck not installed")
    if shutil.which("php"):
        for php in sorted(workdir.glob("*.php")):
            result = subprocess.run(["php", "-l", str(php)], capture_output=True, text=True)
            require(result.returncode == 0, f"php -l {php.name}:\n{result.stdout}")
        done.append("php -l")
    return ", ".join(done)


# Stand-ins for WP-CLI and PHP: they record every call and keep just enough state (installed,
# WooCommerce version, shipping method, product) for the script to take its branches.
FAKE_WP = r"""#!/bin/bash
state=$FAKE_STATE
echo "wp $*" >>"$state/calls"
case " $* " in *" --path=$WP_PATH "*) ;; *) echo "fake wp: no --path" >&2; exit 2 ;; esac
case " $* " in *" --url=$SITE_URL "*) ;; *) echo "fake wp: no --url" >&2; exit 2 ;; esac
case " $* " in *" wc update "*) ;; *" wc "*) case " $* " in *" --user="*) ;; *) echo "no --user" >&2; exit 2 ;; esac ;; esac
# Plugins: one file per installed plugin holding its version, one per active plugin.
args=() version=""
for arg in "$@"; do
  case $arg in --version=*) version=${arg#--version=} ;; --*) ;; *) args+=("$arg") ;; esac
done
mkdir -p "$state/plugins" "$state/active"
case "${args[0]} ${args[1]}" in
  "plugin is-installed") [ -e "$state/plugins/${args[2]}" ]; exit ;;
  "plugin install") echo "${version:-9.9.9}" >"$state/plugins/${args[2]}"; exit ;;
  "plugin get") cat "$state/plugins/${args[2]}"; exit ;;
  "plugin is-active") [ -e "$state/active/${args[2]}" ]; exit ;;
  "plugin activate") [ -e "$state/plugins/${args[2]}" ] && touch "$state/active/${args[2]}"; exit ;;
  "plugin deactivate") rm "$state/active/${args[2]}"; exit ;;
  "plugin delete") rm "$state/plugins/${args[2]}"; rm -f "$state/active/${args[2]}"; exit ;;
  "option get") [ "${args[2]}" = urumi_managed_plugins ] && cat "$state/managed"; exit ;;
  "option update") [ "${args[2]}" != urumi_managed_plugins ] || printf '%s' "${args[3]}" >"$state/managed"; exit ;;
esac
case " $* " in
  *" core is-installed "*) [ -e "$state/installed" ]; exit ;;
  *" core install "*) cat >"$state/admin-password"; touch "$state/installed" ;;
  *" wc shipping_zone_method list "*) cat "$state/shipping" 2>/dev/null ;;
  *" wc shipping_zone_method create "*) echo free_shipping >"$state/shipping" ;;
  *" wc product list "*) cat "$state/product" 2>/dev/null ;;
  *" wc product create "*) echo 42 >"$state/product"; echo 42 ;;
esac
exit 0
"""
FAKE_PHP = r"""#!/bin/bash
echo "php $*" >>"$FAKE_STATE/calls"
if [ "$1" = -r ]; then  # version_lt A B
  [ "$3" != "$4" ] && [ "$(printf '%s\n%s\n' "$3" "$4" | sort -V | head -n 1)" = "$3" ]
  exit
fi
exit 0
"""


def setup_script_runner(docs: list[dict[str, Any]], base: Path) -> tuple[
        Callable[[str], list[str]], Callable[[list[str], str], bool], Path, dict[str, str]]:
    """setup.sh with the Job's own environment, fake `wp` and `php`, in BASE: returns
    run(plugins) -> the wp/php calls of one run, called(calls, fragment), the state dir and
    the environment."""
    job = next(d for d in docs if d["kind"] == "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    config = next(d for d in docs if d["kind"] == "ConfigMap" and "setup.sh" in d.get("data", {}))
    workdir = base
    bin_dir, scripts, docroot, state = (base / n for n in ("bin", "scripts", "html", "state"))
    for directory in (bin_dir, scripts, docroot / "wp-includes", docroot / "wp-content/themes/t", state):
        directory.mkdir(parents=True, exist_ok=True)
    (docroot / "wp-includes/version.php").write_text("<?php\n")
    (docroot / "wp-content/themes/t/style.css").write_text("/* theme */\n")
    for name, text in config["data"].items():
        (scripts / name).write_text(text)
    for name, text in (("wp", FAKE_WP), ("php", FAKE_PHP)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    password = workdir / "admin-password"
    password.write_text("s3cret-from-the-secret")
    admin_user = workdir / "admin-user"
    admin_user.write_text("shopadmin")

    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    env.update(PATH=f"{bin_dir}:{os.environ['PATH']}", FAKE_STATE=str(state), WP_PATH=str(docroot),
               SCRIPTS_DIR=str(scripts), ADMIN_PASSWORD_FILE=str(password),
               ADMIN_USER_FILE=str(admin_user))

    def run(plugins: str) -> list[str]:
        (state / "calls").write_text("")
        result = subprocess.run(["sh", str(scripts / "setup.sh")], env=dict(env, PLUGINS=plugins),
                                capture_output=True, text=True, timeout=60)
        require(result.returncode == 0,
                f"setup.sh exited {result.returncode}:\n{result.stdout[-1500:]}{result.stderr[-1500:]}")
        return (state / "calls").read_text().splitlines()

    def called(calls: list[str], fragment: str) -> bool:
        return any(fragment in call for call in calls)

    return run, called, state, env


def check_setup_script_flow(docs: list[dict[str, Any]], workdir: Path) -> str:
    """Runs setup.sh with the Job's own environment against fake `wp` and `php`: the first
    run installs and creates everything, a second run changes nothing it should not, and an
    older WooCommerce is upgraded. Catches a variable the template does not set (set -u)."""
    run_plugins, called, state, env = setup_script_runner(docs, workdir / "flow")
    password = Path(env["ADMIN_PASSWORD_FILE"])

    def run() -> list[str]:
        return run_plugins(env["PLUGINS"])

    first = run()
    for fragment in ("core install", f"plugin install woocommerce --version={env['WOO_VERSION']}",
                     "plugin activate woocommerce", "wc tool run install_pages",
                     "option update woocommerce_coming_soon no",
                     "option update woocommerce_onboarding_profile",
                     "payment_gateway update cod --enabled=true",
                     "shipping_zone_method create 0 --method_id=free_shipping",
                     f"--regular_price={env['PRODUCT_PRICE']}",
                     f"--stock_quantity={env['PRODUCT_STOCK']}",
                     "rewrite structure /%postname%/", "store-check.php"):
        require(called(first, fragment), f"first run never ran `{fragment}`")
    require((state / "admin-password").read_text() == password.read_text(),
            "the admin password did not reach `wp core install` on stdin")
    require(not called(first, password.read_text()), "the admin password appears in a command line")
    require(called(first, "--admin_user=shopadmin") and called(first, "--user=shopadmin"),
            "the admin user name from the Secret was not used")
    require(called(first, f"store-check.php {env['WORDPRESS_SERVICE_URL']} {env['PRODUCT_SKU']} 42"),
            "the Store API check did not get the product id")

    second = run()
    for fragment in ("core install", "plugin install", "plugin activate", "product create",
                     "shipping_zone_method create"):
        require(not called(second, fragment), f"second run ran `{fragment}` again")

    woo = state / "plugins" / "woocommerce"
    woo.write_text("1.0.0\n")
    third = run()
    require(called(third, "plugin install woocommerce") and called(third, "--force"),
            "an older WooCommerce was not upgraded")
    migrated = [i for i, c in enumerate(third) if c.endswith(" wc update")]
    upgraded = [i for i, c in enumerate(third) if "plugin install woocommerce" in c]
    require(migrated and upgraded and migrated[0] > upgraded[0] and called(third, "core update-db"),
            "`wp core update-db` and, after the WooCommerce upgrade, `wp wc update` did not run")
    woo.write_text("999.0.0\n")
    require(not called(run(), "plugin install"), "a newer WooCommerce was downgraded")
    return f"4 runs, {len(first)} calls on the first"


def check_setup_script_plugins(docs: list[dict[str, Any]], workdir: Path) -> str:
    """The plugin step against the fake `wp`: listed plugins installed at their version and
    activated, nothing done twice, a version change forced, an unlisted plugin that Urumi
    installed deactivated and deleted, plugins installed by hand and WooCommerce kept."""
    run, called, state, _ = setup_script_runner(docs, workdir / "plugins")
    plugins, active = state / "plugins", state / "active"
    plugins.mkdir(parents=True)
    active.mkdir()
    for slug in ("owner-seo", "classic-editor"):  # installed by the shop owner
        (plugins / slug).write_text("1.0\n")
        (active / slug).touch()

    first = run("akismet@5.3.3 hello-dolly classic-editor")
    require(called(first, "plugin install akismet --version=5.3.3"), "akismet 5.3.3 not installed")
    require(any(c.endswith("plugin install hello-dolly") for c in first),
            "hello-dolly (no version) not installed at the latest version")
    require(not called(first, "plugin install classic-editor"), "an installed plugin was reinstalled")
    for slug in ("akismet", "hello-dolly", "classic-editor"):
        require((active / slug).exists(), f"{slug} was not activated")
    require((state / "managed").read_text() == "akismet hello-dolly",
            f"urumi_managed_plugins is {(state / 'managed').read_text()!r}, want "
            "'akismet hello-dolly' (classic-editor was the owner's)")

    second = run("akismet@5.3.3 hello-dolly classic-editor")
    for fragment in ("plugin install", "plugin activate", "plugin deactivate", "plugin delete"):
        require(not called(second, fragment), f"an unchanged list ran `{fragment}` again")

    third = run("akismet@5.3.2")
    require(called(third, "plugin install akismet --version=5.3.2 --force"),
            "a changed plugin version was not installed with --force")
    require(called(third, "plugin deactivate hello-dolly") and called(third, "plugin delete hello-dolly"),
            "hello-dolly, installed by Urumi and no longer listed, was not deactivated and deleted")
    for slug in ("classic-editor", "owner-seo", "woocommerce"):
        require((plugins / slug).exists() and not called(third, f"plugin delete {slug}"),
                f"{slug} was removed")
    require((state / "managed").read_text() == "akismet", "akismet is no longer managed")

    (state / "managed").write_text("akismet woocommerce")
    fourth = run("")
    require(called(fourth, "plugin delete akismet") and (plugins / "woocommerce").exists(),
            "an empty list did not remove akismet, or removed WooCommerce")
    return "4 runs"


# --------------------------------------------------------------------------- backups

BACKUP_STEPS = ["fetch", "dump", "archive", "import", "unpack", "store", "core"]
BACKUP_CONTRACT_ENV = ["URUMI_BACKUP_MODE", "URUMI_BACKUP_ID", "URUMI_BACKUP_STORE",
                       "URUMI_CHART_REVISION", "URUMI_WORDPRESS_VERSION",
                       "URUMI_WOOCOMMERCE_VERSION", "URUMI_SCRUB", "URUMI_URL_FROM", "URUMI_URL_TO"]
# Read by the scripts but set by nobody in the cluster: the tests' switch, and defaults.
BACKUP_ENV_NOT_SET = {"URUMI_BACKUP_TEST_SKIP_WP", "BACKUP_TERMINATION_LOG", "DB_WAIT_SECONDS",
                      "BACKUP_WORDPRESS_SOURCE"}


def backup_script_variables() -> set[str]:
    """Every environment variable the backup scripts read (${NAME...} of our prefixes)."""
    names = set()
    for path in (CHART / "files" / "backup").glob("*.sh"):
        names |= set(re.findall(r"\$\{((?:URUMI|BACKUP|DB|S3|WP)_[A-Z0-9_]+)", path.read_text()))
    return names


def check_backup(docs: list[dict[str, Any]], values: dict[str, Any]) -> str:
    """README "Backups": what Urumi relies on when it copies the CronJob's jobTemplate."""
    named = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    backup_objects = sorted(ident(d) for d in docs if (d["metadata"].get("labels") or {}).get(
        "app.kubernetes.io/component") == "backup")
    backup = values.get("backup") or {}
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    mysql_policy = next((p for p in policies if p["metadata"]["name"] == f"{FULLNAME}-mysql"), None)
    if not backup.get("enabled"):
        require(not backup_objects, f"backup.enabled is false, yet: {backup_objects}")
        require(not any(d["kind"] == "CronJob" and d["metadata"]["name"] == f"{FULLNAME}-backup" for d in docs),
                "a backup CronJob without backups")
        if mysql_policy:
            require("backup" not in json.dumps(mysql_policy["spec"]),
                    "the MySQL policy admits backup pods although backups are off")
        return "no backup objects"
    problems: list[str] = []
    s3 = bool((backup.get("s3") or {}).get("bucket"))
    cron = named.get(("CronJob", f"{FULLNAME}-backup"))
    require(cron is not None, f"no CronJob {FULLNAME}-backup")
    if cron["spec"].get("suspend") is not True:
        problems.append("the backup CronJob is not suspended (Urumi is the scheduler)")
    job = cron["spec"]["jobTemplate"]["spec"]
    for key in ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        if job.get(key) is None:
            problems.append(f"the backup Job template lacks {key}")
    rules = (job.get("podFailurePolicy") or {}).get("rules") or []
    if not any(r.get("action") == "FailJob" and (r.get("onExitCodes") or {}).get("values") == [3]
               and not (r.get("onExitCodes") or {}).get("containerName") for r in rules):
        problems.append("the backup Job does not fail at once on exit code 3 (podFailurePolicy)")
    pod = job["template"]
    labels = pod["metadata"].get("labels") or {}
    if (labels.get("app.kubernetes.io/instance"), labels.get("app.kubernetes.io/component")) != (
            RELEASE, "backup"):
        problems.append("backup pods lack the instance/component labels the NetworkPolicies select")
    spec = pod["spec"]
    if spec.get("restartPolicy") != "Never":
        problems.append("backup pods must not restart containers (restartPolicy Never)")
    inits = [c["name"] for c in spec.get("initContainers") or []]
    mains = [c["name"] for c in spec.get("containers") or []]
    if inits != BACKUP_STEPS or mains != ["finish"]:
        problems.append(f"backup steps are {inits} + {mains}, want {BACKUP_STEPS} + ['finish']")
    terms = (((spec.get("affinity") or {}).get("podAffinity") or {})
             .get("preferredDuringSchedulingIgnoredDuringExecution") or [])
    if not any(t["podAffinityTerm"].get("topologyKey") == "kubernetes.io/hostname"
               and t["podAffinityTerm"]["labelSelector"]["matchLabels"].get(
                   "app.kubernetes.io/component") == "wordpress" for t in terms):
        problems.append("backup pods lack the preferred affinity to the WordPress pod's node")
    if spec["securityContext"].get("runAsUser") != 33:
        problems.append("backup pods do not run as www-data (33)")

    wordpress = named[("Deployment", f"{FULLNAME}-wordpress")]["spec"]["template"]["spec"]["containers"][0]["image"]
    mysql = named[("StatefulSet", f"{FULLNAME}-mysql")]["spec"]["template"]["spec"]["containers"][0]["image"]
    wanted_images = {"dump": mysql, "import": mysql, "archive": wordpress, "unpack": wordpress,
                     "core": wordpress}
    read = backup_script_variables() - BACKUP_ENV_NOT_SET
    volumes = {v["name"]: v for v in spec["volumes"]}
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        name = container["name"]
        if container.get("command") != ["/bin/bash", "/opt/urumi/backup/run.sh", name]:
            problems.append(f"backup step {name} does not run `run.sh {name}`: {container.get('command')}")
        env = {e["name"]: e.get("value") for e in container.get("env") or []}
        missing = sorted((read | set(BACKUP_CONTRACT_ENV)) - set(env)
                         - ({"BACKUP_PVC_DIR", "BACKUP_PVC_CLAIM"} if s3 else
                            {n for n in read if n.startswith("S3_")}))
        if missing:
            problems.append(f"backup step {name} does not set {missing} (the scripts read them)")
        if env.get("URUMI_BACKUP_MODE") != "backup" or env.get("URUMI_SCRUB") != "false":
            problems.append(f"backup step {name}: defaults of URUMI_BACKUP_MODE/URUMI_SCRUB")
        if env.get("URUMI_BACKUP_STORE") != (values.get("storeId") or RELEASE):
            problems.append(f"backup step {name}: URUMI_BACKUP_STORE defaults to "
                            f"{env.get('URUMI_BACKUP_STORE')!r}")
        image = container["image"]
        want = wanted_images.get(name)
        if want and image != want:
            problems.append(f"backup step {name} runs {image}, want {want}")
        if name in ("fetch", "store") and ("aws-cli" in image) != s3:
            problems.append(f"backup step {name} runs {image} for a {'bucket' if s3 else 'PVC'}")
        if name == "finish" and "cli-" not in image:
            problems.append(f"backup step finish runs {image}, not WP-CLI")
        if container.get("terminationMessagePolicy") != "FallbackToLogsOnError":
            problems.append(f"backup step {name}: terminationMessagePolicy is not FallbackToLogsOnError")
        if container.get("terminationMessagePath", "/dev/termination-log") != "/dev/termination-log":
            problems.append(f"backup step {name} moved the termination message")
        if container["securityContext"].get("readOnlyRootFilesystem") is not True:
            problems.append(f"backup step {name} has a writable root filesystem")
        mounts = {m["mountPath"]: m for m in container.get("volumeMounts") or []}
        for path in ("/opt/urumi/backup", "/scratch", "/tmp"):
            if path not in mounts:
                problems.append(f"backup step {name} does not mount {path}")
        content = mounts.get("/var/www/html/wp-content")
        if name == "archive" and (not content or content.get("readOnly") is not True):
            problems.append("the archive step must mount wp-content read-only")
        if name in ("unpack", "finish") and (not content or content.get("readOnly")):
            problems.append(f"the {name} step must mount wp-content writable")
        if name in ("dump", "import", "fetch", "store", "core") and content:
            problems.append(f"backup step {name} mounts wp-content without needing it")
        if name in ("fetch", "store"):
            target = "/etc/urumi/s3" if s3 else "/backups"
            if target not in mounts:
                problems.append(f"backup step {name} does not mount {target}")
    if volumes["wp-content"]["persistentVolumeClaim"]["claimName"] != f"{FULLNAME}-wordpress":
        problems.append("backup pods do not mount the WordPress claim")
    if s3:
        secret = volumes.get("s3-credentials", {}).get("secret", {})
        if secret.get("secretName") != backup["s3"].get("credentialsSecret"):
            problems.append("the S3 credentials volume is not backup.s3.credentialsSecret")
        if named.get(("PersistentVolumeClaim", f"{FULLNAME}-backups")):
            problems.append("a backups PVC although the target is a bucket")
    else:
        claim = named.get(("PersistentVolumeClaim", f"{FULLNAME}-backups"))
        if claim is None:
            problems.append(f"no PVC {FULLNAME}-backups for the PVC target")
        else:
            if annotations(claim).get("helm.sh/resource-policy") != "keep":
                problems.append("the backups PVC is not kept on uninstall")
            want = (backup.get("pvc") or {}).get("size", "10Gi")
            if claim["spec"]["resources"]["requests"]["storage"] != want:
                problems.append(f"the backups PVC is not {want}")
            if volumes.get("backups", {}).get("persistentVolumeClaim", {}).get(
                    "claimName") != f"{FULLNAME}-backups":
                problems.append("the PVC target is not mounted")
        quota = next(d for d in docs if d["kind"] == "ResourceQuota")["spec"]["hard"]
        plan = yaml.safe_load((CHART / "values.yaml").read_text())["plans"][values["plan"]]["quota"]
        size = quantity((backup.get("pvc") or {}).get("size", "10Gi"))
        if quantity(quota["requests.storage"]) != quantity(plan["requestsStorage"]) + size:
            problems.append(f"quota requests.storage {quota['requests.storage']} is not the plan's "
                            f"{plan['requestsStorage']} plus the backups claim")
        if int(quota["persistentvolumeclaims"]) != plan["persistentVolumeClaims"] + 1:
            problems.append("quota persistentvolumeclaims does not count the backups claim")
    config = named.get(("ConfigMap", f"{FULLNAME}-backup"))
    files = sorted(p.name for p in (CHART / "files" / "backup").iterdir())
    if config is None or sorted(config["data"]) != files:
        problems.append(f"ConfigMap {FULLNAME}-backup does not ship files/backup ({files})")
    elif any(config["data"][n] != (CHART / "files" / "backup" / n).read_text() for n in files):
        problems.append(f"ConfigMap {FULLNAME}-backup's files differ from files/backup")

    if values.get("networkPolicy", {}).get("enabled", True):
        policy = next((p for p in policies if p["metadata"]["name"] == f"{FULLNAME}-backup"), None)
        if policy is None:
            problems.append("no NetworkPolicy for backup pods")
        else:
            egress = policy["spec"].get("egress") or []
            to_mysql = any(p.get("port") == 3306 for rule in egress for p in rule.get("ports", [])
                           if any((peer.get("podSelector") or {}).get("matchLabels", {}).get(
                               "app.kubernetes.io/component") == "mysql" for peer in rule["to"]))
            if not to_mysql:
                problems.append("backup pods may not reach MySQL")
            ports = {p.get("port") for rule in egress for p in rule.get("ports", [])} - {3306}
            if s3:
                endpoint = backup["s3"].get("endpoint", "")
                match = re.match(r"^(https?)://[^/:]+(?::(\d+))?", endpoint)
                want = int(match.group(2) or (80 if match.group(1) == "http" else 443)) if match else 443
                if ports != {want}:
                    problems.append(f"backup pods may reach ports {ports}, want only the S3 port {want}")
            elif ports:
                problems.append(f"backup pods to a PVC may reach ports {ports}")
            if policy["spec"].get("ingress") != []:
                problems.append("something may reach backup pods")
        if mysql_policy and not any(
                (peer.get("podSelector") or {}).get("matchLabels", {}).get(
                    "app.kubernetes.io/component") == "backup"
                for rule in mysql_policy["spec"]["ingress"] for peer in rule["from"]):
            problems.append("the MySQL policy does not admit backup pods")
    require(not problems, "\n".join(problems))
    return f"{'bucket' if s3 else 'PVC'} target, {len(inits) + len(mains)} steps"


def check_backup_scripts(workdir: Path) -> str:
    """bash -n of every script, shellcheck of run.sh with what it sources."""
    scripts = CHART / "files" / "backup"
    done = []
    for path in sorted(scripts.glob("*.sh")):
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        require(result.returncode == 0, f"bash -n {path.name}:\n{result.stderr}")
    done.append("bash -n")
    require((scripts / "run.sh").read_text().startswith("#!/bin/bash\n"),
            "run.sh must start with #!/bin/bash (the Job runs it with bash)")
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", "-x", "-P", ".", "run.sh"], cwd=scripts,
                                capture_output=True, text=True)
        require(result.returncode == 0, f"shellcheck:\n{result.stdout}{result.stderr}")
        done.append("shellcheck")
    else:
        done.append("shellcheck not installed")
    return ", ".join(done)


def rejected(values: dict[str, Any], mentions: str) -> None:
    try:
        render(values)
    except helm.HelmValuesError as error:
        message = str(error)
        require(mentions.lower() in message.lower(),
                f"rejected, but the message does not name {mentions!r}: {message}")
        return None
    raise CheckFailed("values.schema.json accepted these values")


# --------------------------------------------------------------------------- checkov


def checkov_skips() -> dict[str, str]:
    """The skip list: rows `| CKV_... | reason |` between the markers in the chart README."""
    text = CHART_README.read_text()
    match = re.search(r"<!-- checkov-skips:start -->(.*?)<!-- checkov-skips:end -->", text, re.S)
    require(match is not None, f"{CHART_README} has no checkov-skips markers")
    skips = {}
    for line in match.group(1).splitlines():
        row = re.match(r"^\|\s*`?(CKV2?_K8S_\d+)`?\s*\|(.*)\|\s*$", line.strip())
        if row:
            reason = row.group(2).strip()
            require(len(reason) >= 20, f"{row.group(1)} is skipped without a real reason")
            skips[row.group(1)] = reason
    require("CKV_K8S_21" in skips, "CKV_K8S_21 (default namespace) must be in the skip list")
    return skips


def run_checkov(checkov: str, files: list[Path], skips: dict[str, str]) -> str:
    command = [checkov, "--framework", "kubernetes", "--compact", "--quiet", "-o", "json",
               "--skip-check", ",".join(sorted(skips))]
    for path in files:
        command += ["-f", str(path)]
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    require(result.returncode in (0, 1),
            f"checkov exited {result.returncode}:\n{result.stderr[-3000:]}")
    try:
        parsed = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise CheckFailed(f"checkov printed no JSON:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    reports = parsed if isinstance(parsed, list) else [parsed]
    failed, passed = [], 0
    for report in reports:
        results = report.get("results") or {}
        failed += results.get("failed_checks") or []
        passed += (report.get("summary") or {}).get("passed", 0)
    require(passed > 0 or failed, "checkov scanned nothing")
    lines = sorted({f"{f['check_id']} {f.get('check_name', '')} -> {f.get('resource', '')}"
                    for f in failed})
    require(not lines, "findings not in the README skip list:\n" + "\n".join(lines))
    return f"{passed} passed, {len(skips)} skipped by README"


# --------------------------------------------------------------------------- k8s/


def k8s_files() -> list[Path]:
    if not K8S_DIR.is_dir():
        return []
    # kustomization.yaml configures kustomize; it is not an object for the API server.
    return sorted(p for p in K8S_DIR.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                  and p.stem != "kustomization")


def k8s_store_values() -> dict[str, Any] | None:
    """values.yaml of the urumi-store-values ConfigMap in k8s/store-values.yaml, if any."""
    path = K8S_DIR / "store-values.yaml"
    if not path.is_file():
        return None
    config = yaml.safe_load(path.read_text())
    return yaml.safe_load(config["data"]["values.yaml"])


PLURALS = {"NetworkPolicy": "networkpolicies", "Ingress": "ingresses"}


def check_store_rbac(renders: dict[str, tuple[dict[str, Any], dict[str, str]]]) -> str:
    """ClusterRole urumi-store (k8s/rbac.yaml) lets helm get/create/patch/delete every kind the
    chart renders in any case, and list the Secrets helm keeps its releases in."""
    docs = [d for d in yaml.safe_load_all((K8S_DIR / "rbac.yaml").read_text()) if d]
    role = next((d for d in docs if d.get("kind") == "ClusterRole"
                 and d["metadata"]["name"] == "urumi-store"), None)
    require(role is not None, "k8s/rbac.yaml has no ClusterRole urumi-store")
    granted: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for group in rule.get("apiGroups", []):
            for resource in rule.get("resources", []):
                granted.setdefault((group, resource), set()).update(rule.get("verbs", []))
    needed: dict[tuple[str, str], set[str]] = {("", "secrets"): {"list"}}
    for _, manifests in renders.values():
        for doc in documents(manifests):
            group = doc["apiVersion"].rpartition("/")[0]
            plural = PLURALS.get(doc["kind"], doc["kind"].lower() + "s")
            needed.setdefault((group, plural), set()).update({"get", "create", "patch", "delete"})
    missing = [f"{group or 'core'}/{resource}: {sorted(verbs - granted.get((group, resource), set()))}"
               for (group, resource), verbs in sorted(needed.items())
               if not verbs <= granted.get((group, resource), set())]
    require(not missing, "urumi-store lacks " + "; ".join(missing))
    return f"{len(needed)} kinds covered"


def check_k8s_file(path: Path) -> str:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    problems = []
    for doc in docs:
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            problems.append("a document without apiVersion/kind")
            continue
        problems += validate_strict(doc, str(path.relative_to(ROOT)))
    require(not problems, "\n".join(problems))
    return f"{len(docs)} objects x {len(KUBE_VERSIONS)} versions"


# --------------------------------------------------------------------------- main


def bad_values_cases(good: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(description, values, a word the error message must contain)."""
    yield "plan 'xl'", merged(good, {"plan": "xl"}), "plan"
    yield "missing plan", without(good, "plan"), "plan"
    yield "missing adminEmail", without(good, "adminEmail"), "adminEmail"
    yield "adminEmail without @", merged(good, {"adminEmail": "owner.example.com"}), "adminEmail"
    yield "missing domain", without(good, "domain"), "domain"
    yield "domain with upper case", merged(good, {"domain": "Shop.Example.com"}), "domain"
    yield "domain with underscore", merged(good, {"domain": "my_shop.example.com"}), "domain"
    yield "domain starting with '-'", merged(good, {"domain": "-shop.example.com"}), "domain"
    yield "domain with a single label", merged(good, {"domain": "localhost"}), "domain"
    yield "domain with a 64-char label", merged(good, {"domain": "a" * 64 + ".example.com"}), "domain"
    yield "domain with a URL scheme", merged(good, {"domain": "https://shop.example.com"}), "domain"
    yield "missing storeName", without(good, "storeName"), "storeName"
    yield "empty storeName", merged(good, {"storeName": ""}), "storeName"
    yield "storeName of 81 chars", merged(good, {"storeName": "x" * 81}), "storeName"
    yield "storeName with a newline", merged(good, {"storeName": "My\nStore"}), "storeName"
    yield "storeId with a space", merged(good, {"storeId": "abc 123"}), "storeId"
    yield "unknown top-level key", merged(good, {"replicas": 2}), "replicas"
    yield "unknown nested key", merged(good, {"ingress": {"host": "x.example.com"}}), "host"
    yield "image tag 'latest'", merged(good, {"images": {"wordpress": {"tag": "latest"}}}), "tag"
    yield "woocommerce version 'latest'", merged(good, {"woocommerce": {"version": "latest"}}), "version"
    yield "string stock quantity", merged(good, {"sampleProduct": {"stockQuantity": "100"}}), "stockQuantity"
    yield "suspended as a string", merged(good, {"suspended": "yes"}), "suspended"
    yield "unknown key next to suspended", merged(good, {"suspend": True}), "suspend"
    yield "plugin slug with upper case", merged(good, {"plugins": [{"slug": "Akismet"}]}), "slug"
    yield "plugin slug with a slash", merged(good, {"plugins": [{"slug": "../akismet"}]}), "slug"
    yield "plugin slug woocommerce", merged(good, {"plugins": [{"slug": "woocommerce"}]}), "slug"
    yield "plugin without slug", merged(good, {"plugins": [{"version": "1.0.0"}]}), "slug"
    yield "plugin version 'latest'", merged(
        good, {"plugins": [{"slug": "akismet", "version": "latest"}]}), "version"
    yield "plugin version with a shell word", merged(
        good, {"plugins": [{"slug": "akismet", "version": "5.3.3 --force"}]}), "version"
    yield "unknown plugin key", merged(
        good, {"plugins": [{"slug": "akismet", "activate": False}]}), "activate"
    yield "wordpress.version 'latest'", merged(good, {"wordpress": {"version": "latest"}}), "version"
    yield "wordpress.version '7'", merged(good, {"wordpress": {"version": "7"}}), "version"
    yield "phpVersion '8'", merged(good, {"images": {"wordpress": {"phpVersion": "8"}}}), "phpVersion"
    yield "extra domain with upper case", merged(
        good, {"extraDomains": ["Shop.Example.org"]}), "extraDomains"
    yield "extra domain with a wildcard", merged(
        good, {"extraDomains": ["*.example.org"]}), "extraDomains"
    yield "extra domain with a single label", merged(good, {"extraDomains": ["shop"]}), "extraDomains"
    yield "21 extra domains", merged(
        good, {"extraDomains": [f"a{i}.example.org" for i in range(21)]}), "extraDomains"
    yield "extra domains twice", merged(
        good, {"extraDomains": ["a.example.org", "a.example.org"]}), "extraDomains"
    yield "backup bucket with upper case", merged(
        good, {"backup": {"enabled": True, "s3": {"bucket": "Urumi-Backups"}}}), "bucket"
    yield "backup endpoint without a scheme", merged(
        good, {"backup": {"s3": {"endpoint": "minio.minio:9000"}}}), "endpoint"
    yield "backup prefix with a leading slash", merged(
        good, {"backup": {"s3": {"prefix": "/urumi"}}}), "prefix"
    yield "backup prefix with ..", merged(
        good, {"backup": {"s3": {"prefix": "urumi/../x"}}}), "prefix"
    yield "unknown key under backup", merged(good, {"backup": {"schedule": "@daily"}}), "schedule"
    yield "backup enabled as a string", merged(good, {"backup": {"enabled": "yes"}}), "enabled"
    yield "backup pvc size without a unit pattern", merged(
        good, {"backup": {"pvc": {"size": "ten"}}}), "size"
    yield "setup Job TTL under 7 days", merged(
        good, {"setupJob": {"ttlSecondsAfterFinished": 3600}}), "ttlSecondsAfterFinished"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", help="checkov executable (omit to skip checkov)")
    args = parser.parse_args()

    started = time.monotonic()
    report = Report()
    # The order canary's checks live in their own module, which uses this one's helpers.
    sys.modules.setdefault("check_chart", sys.modules[__name__])
    import check_chart_canary as canary
    workdir = Path(tempfile.mkdtemp(prefix="urumi-check-"))
    try:
        renders: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
        cases = {plan: merged(BASE_VALUES, {"plan": plan}) for plan in PLANS}
        cases["large+ingress+tls"] = merged(BASE_VALUES, {
            "plan": "large",
            "ingress": {"enabled": True, "annotations": {
                "nginx.ingress.kubernetes.io/proxy-body-size": "64m"},
                "tls": {"enabled": True, "clusterIssuer": "letsencrypt-prod"}},
        })
        cases["small-without-storeId"] = without(merged(BASE_VALUES, {"plan": "small"}), "storeId")
        # Every optional branch of the templates at once.
        cases["medium+all-options"] = merged(BASE_VALUES, {
            "plan": "medium",
            "images": {"pullSecrets": ["registry-mirror"],
                       "mysql": {"digest": "sha256:" + "0" * 64, "pullPolicy": "Always"}},
            "mysql": {"storageClassName": "fast-ssd"},
            "wordpress": {"urlScheme": "http", "storageClassName": "fast-ssd",
                          "accessMode": "ReadWriteMany", "debug": True},
            "setupJob": {"ttlSecondsAfterFinished": 604800},
            "ingress": {"enabled": True, "className": "",
                        "tls": {"enabled": True, "secretName": "shop-cert", "issuer": "ca"}},
            "networkPolicy": {
                "ingressController": {"podSelector": {"matchLabels": {
                    "app.kubernetes.io/name": "ingress-nginx"}}, "allowWordPressLoopback": False},
                "dns": {"podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}},
                "internet": {"allowWordPress": True}},
        })
        cases["small-without-networkpolicy"] = merged(BASE_VALUES, {
            "plan": "small", "networkPolicy": {"enabled": False}})
        # Day two: what Urumi changes with `helm upgrade`.
        tls = {"enabled": True, "tls": {"enabled": True, "clusterIssuer": "letsencrypt-prod"}}
        extra = ["www.cafe-urumi.shops.example.com", "cafe-urumi.example.org"]
        cases["small+suspended+ingress+tls"] = merged(BASE_VALUES, {
            "plan": "small", "suspended": True, "ingress": tls, "extraDomains": extra})
        cases["large+suspended-without-ingress-and-networkpolicy"] = merged(BASE_VALUES, {
            "plan": "large", "suspended": True, "networkPolicy": {"enabled": False}})
        cases["medium+wordpress.version"] = merged(BASE_VALUES, {
            "plan": "medium", "wordpress": {"version": "7.2.1"},
            "images": {"wordpress": {"phpVersion": "8.4"}}})
        cases["small+plugins"] = merged(BASE_VALUES, {"plan": "small", "plugins": [
            {"slug": "akismet", "version": "5.3.3"}, {"slug": "contact-form-7"},
            {"slug": "wordpress-seo", "version": "25.3"}]})
        cases["large+extraDomains+tls"] = merged(BASE_VALUES, {
            "plan": "large", "ingress": tls, "extraDomains": extra + [BASE_VALUES["domain"]]})
        # Backups, to a bucket (MinIO in the cluster; AWS) and to the PVC target.
        cases["small+backup-s3"] = merged(BASE_VALUES, {"plan": "small", "backup": {
            "enabled": True, "s3": {"endpoint": "http://minio.minio:9000", "bucket": "urumi-backups",
                                    "credentialsSecret": "urumi-backup-s3"}}})
        cases["large+backup-s3-aws+ingress"] = merged(BASE_VALUES, {
            "plan": "large", "ingress": tls, "images": {"pullSecrets": ["registry-mirror"]},
            "backup": {"enabled": True, "s3": {
                "endpoint": "https://s3.eu-west-1.amazonaws.com", "region": "eu-west-1",
                "bucket": "acme.urumi-backups", "prefix": "urumi/prod",
                "credentialsSecret": "urumi-backup-s3", "pathStyle": False},
                "images": {"awsCli": {"digest": "sha256:" + "2" * 64}}}})
        cases["medium+backup-pvc"] = merged(BASE_VALUES, {"plan": "medium", "backup": {
            "enabled": True, "pvc": {"size": "20Gi", "storageClass": "fast-ssd"}}})
        cases["small+backup-pvc-without-networkpolicy"] = merged(BASE_VALUES, {
            "plan": "small", "backup": {"enabled": True}, "networkPolicy": {"enabled": False}})
        cases["small+suspended+backup-s3"] = merged(cases["small+backup-s3"], {"suspended": True})
        # The platform values k8s/ deploys Urumi with (--chart-values), under a store's own.
        platform = k8s_store_values()
        if platform is not None:
            cases["small+k8s/store-values.yaml"] = merged(platform, BASE_VALUES, {"plan": "small"})

        cases.update(canary.cases(BASE_VALUES))

        for kube in KUBE_VERSIONS:
            for name in ("small", "large+ingress+tls", "small+suspended+ingress+tls", "small+canary",
                         "small+backup-s3", "medium+backup-pvc"):
                report.check(f"helm lint --strict [{name}, Kubernetes {kube}]",
                             lambda v=cases[name], k=kube: lint(v, k))

        for name, values in cases.items():
            def do_render(v=values, n=name) -> str:
                manifests = render(v)
                renders[n] = (v, manifests)
                return f"{len(documents(manifests))} objects"
            report.check(f"render [{name}]", do_render)
        report.check("render as an upgrade (revision 2) [medium]",
                     lambda: f"{len(documents(render(cases['medium'], upgrade=True)))} objects")

        for name, (values, manifests) in renders.items():
            docs = documents(manifests)
            report.check(f"Kubernetes schemas, kinds and labels [{name}]",
                         lambda d=docs, v=values: check_objects(d, v))
            report.check(f"containers: resources, security contexts, pinned images [{name}]",
                         lambda d=docs: check_pods(d))
            report.check(f"store promises (secret, setup Job, probes, policies, ingress) [{name}]",
                         lambda d=docs, v=values: check_store_semantics(d, v))
            report.check(f"order canary: rendered only when enabled, as the contract says [{name}]",
                         lambda d=docs, v=values: canary.check_objects(d, v))
            report.check(f"backup machinery (README \"Backups\") [{name}]",
                         lambda d=docs, v=values: check_backup(d, v))
            if name in PLANS:
                report.check(f"plan fits its quota and limit range [{name}]",
                             lambda d=docs, p=name: check_plan_fits(d, p))
        # Suspending or resuming: the maintenance pod may still run beside every store pod.
        if "small+suspended+ingress+tls" in renders:
            maintenance = [d for d in documents(renders["small+suspended+ingress+tls"][1])
                           if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-maintenance")]
            report.check("maintenance nginx: every path 503 with the page and Retry-After",
                         lambda: check_maintenance_nginx(
                             documents(renders["small+suspended+ingress+tls"][1]), workdir))
            for plan in PLANS:
                if plan in renders:
                    report.check(f"plan fits its quota while suspending or resuming [{plan}]",
                                 lambda p=plan: check_plan_fits(
                                     documents(renders[p][1]) + maintenance, p))

        # Day two: an upgrade from one set of values to the next must be accepted by the API.
        # (Downgrades: without a cluster `lookup` finds no live claim, so the render shows the
        # smaller plan's size; check_claim_size shows that a live claim never shrinks.)
        upgrades = {
            "small -> medium": ("small", "medium", {}),
            "medium -> large": ("medium", "large", {}),
            "small -> large, volumeExpansion": ("small", "large", {"volumeExpansion": True}),
            "small -> small suspended": ("small", "small", {"after": {"suspended": True}}),
            "medium suspended -> large": ("medium", "large", {"before": {"suspended": True}}),
            "small -> small with backups to a PVC": ("small", "small", {"after": {
                "backup": {"enabled": True}}}),
            "small with backups to a PVC -> large, volumeExpansion": ("small", "large", {
                "volumeExpansion": True, "backup": {"enabled": True}}),
            "small -> small, wordpress.version + plugins + extraDomains": ("small", "small", {"after": {
                "wordpress": {"version": "7.2.1"}, "plugins": [{"slug": "akismet"}],
                "extraDomains": ["www.cafe-urumi.shops.example.com"]}}),
        }
        for what, (a, b, extra_values) in upgrades.items():
            common = {k: v for k, v in extra_values.items() if k not in ("before", "after")}
            before = merged(BASE_VALUES, {"plan": a}, common, extra_values.get("before", {}))
            after = merged(BASE_VALUES, {"plan": b}, common, extra_values.get("after", {}))
            report.check(f"upgrade changes only what the API lets change [{what}]",
                         lambda x=before, y=after: check_upgrade_safety(x, y))
        # The canary's pod beside every store pod (and the maintenance pod of a suspend).
        for plan in PLANS:
            report.check(f"plan fits its quota with the order canary running [{plan}]",
                         lambda p=plan: check_plan_fits(documents(render(merged(
                             BASE_VALUES, {"plan": p, "canary": {"enabled": True}}))) + (
                             maintenance if "small+suspended+ingress+tls" in renders else []), p))
        report.check("order canary scripts (sh -n, shellcheck, php -l)",
                     lambda: canary.check_scripts(workdir))
        report.check("order canary values do not rename the setup Job [small]",
                     lambda: canary.check_setup_job_unchanged(cases["small"]))
        report.check("volume sizes: plan size for a new claim, grow only with volumeExpansion, "
                     "never shrink", lambda: check_claim_size(workdir))
        if "large+ingress+tls" in renders:
            report.check("NOTES.txt (shop URL, admin URL, credentials)",
                         lambda: check_notes(renders["large+ingress+tls"][1], cases["large+ingress+tls"]))
        report.check("setup Job name: same inputs keep it, changed inputs make a new one [small]",
                     lambda: check_setup_job_hash(cases["small"], workdir))
        if "small" in renders:
            report.check("setup Job script syntax", lambda: check_setup_script(
                documents(renders["small"][1]), workdir))
            report.check("setup Job script flow (fake wp: install, re-run, upgrade)",
                         lambda: check_setup_script_flow(documents(renders["small"][1]), workdir))
            report.check("setup Job script plugins (fake wp: install, pin, re-run, remove)",
                         lambda: check_setup_script_plugins(documents(renders["small"][1]), workdir))
        report.check("backup Job scripts syntax", lambda: check_backup_scripts(workdir))
        report.check("templates refuse a backup bucket without credentialsSecret",
                     lambda: render_fails(merged(cases["small"], {"backup": {
                         "enabled": True, "s3": {"bucket": "urumi-backups"}}}), "credentialsSecret"))

        for description, values, mentions in [*bad_values_cases(cases["small"]),
                                              *canary.bad_values(cases["small"])]:
            report.check(f"schema rejects {description}",
                         lambda v=values, m=mentions: rejected(v, m))
        report.check("templates refuse activeDeadlineSeconds under waitSeconds + 900",
                     lambda: render_fails(merged(cases["small"], {"setupJob": {
                         "activeDeadlineSeconds": 1500, "waitSeconds": 900}}),
                         "activeDeadlineSeconds"))

        if args.checkov:
            files = []
            for name, (_, manifests) in renders.items():
                path = workdir / f"rendered-{re.sub(r'[^a-z0-9]+', '-', name)}.yaml"
                path.write_text("\n---\n".join(
                    text for p, text in sorted(manifests.items())
                    if not p.endswith("NOTES.txt") and text.strip()))
                files.append(path)
            listed = report.check("checkov skip list in helm/store/README.md",
                                  lambda: f"{len(checkov_skips())} checks skipped with a reason")
            if listed is not None:
                report.check("checkov (rendered chart)", lambda: run_checkov(
                    args.checkov, files, checkov_skips()))
        else:
            print("note checkov not run (no --checkov given)")

        if (K8S_DIR / "rbac.yaml").is_file() and renders:
            report.check("k8s/rbac.yaml: urumi-store covers every kind the chart renders",
                         lambda: check_store_rbac(renders))
        for path in k8s_files():
            report.check(f"k8s/ {path.relative_to(K8S_DIR)}", lambda p=path: check_k8s_file(p))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"checks took {time.monotonic() - started:.1f}s")
    if report.failed:
        print("failed: " + "; ".join(report.failed))
    print(f"check-manifests: {report.passed} passed, {len(report.failed)} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
