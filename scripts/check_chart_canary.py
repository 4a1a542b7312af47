"""The order canary's part of scripts/check_chart.py (README "The order canary").

- a store without `canary.enabled` (or a suspended one) renders no canary object;
- with it: the suspended CronJob <fullname>-canary whose Job template is the contract Urumi
  relies on (one attempt, the deadline, the TTL, the containers in order, the last one's
  termination message, the env the scripts read, the images the store already runs, the pod
  affinity, no secrets in the shopping container), its ConfigMap, and NetworkPolicies that let
  the canary reach WordPress on 80 and MySQL on 3306 and nothing else;
- the WordPress pod: with the canary, files/canary/quiet-mail.php mounted read-only from the
  canary's ConfigMap as a must-use plugin, with the same CANARY_EMAIL marker as the canary's
  containers (and a checksum that restarts the pod when the plugin changes); without, neither;
- the scripts: php -l, sh -n, shellcheck, and every environment variable they read is set by
  the container that runs them (or is one of the few documented test-only ones).

check_chart.py calls these with its own helpers (render, merged, require, ...).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import check_chart as chart

SCRIPTS = chart.CHART / "files" / "canary"
# Read by the scripts but not set by the chart, on purpose: Urumi sets URUMI_CANARY_ID (the
# scripts fall back to the Job's name); the tests set the other two; WP_PATH has a default.
NOT_FROM_THE_CHART = {"URUMI_CANARY_ID", "CANARY_SKIP_CLEANUP", "CANARY_TERMINATION_LOG", "WP_PATH"}
# The scripts each container runs.
RUNS = {"shop": ["shop.php"], "canary": ["canary.sh", "cleanup.php", "report.php"]}
# The must-use plugin WordPress loads while the canary is on: mails nothing for its orders.
QUIET_MAIL = "quiet-mail.php"
MU_PLUGIN_PATH = "/var/www/html/wp-content/mu-plugins/urumi-canary-quiet-mail.php"
MARGIN_SECONDS = 300  # activeDeadlineSeconds = timeoutSeconds + this (README)


def enabled(values: dict[str, Any]) -> bool:
    return bool(values.get("canary", {}).get("enabled")) and not values.get("suspended")


def cases(base: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Renders check_chart.py adds to its cases."""
    on = {"canary": {"enabled": True}}
    return {
        "small+canary": chart.merged(base, {"plan": "small"}, on),
        "large+canary+ingress+tls-without-networkpolicy": chart.merged(base, {
            "plan": "large", "networkPolicy": {"enabled": False},
            "store": {"country": "DE", "city": "Berlin", "postcode": "10115", "address": "Unter den Linden 1"},
            "ingress": {"enabled": True, "tls": {"enabled": True, "clusterIssuer": "letsencrypt-prod"}},
            "canary": {"enabled": True, "timeoutSeconds": 300, "ttlSecondsAfterFinished": 600}}),
        "small+suspended+canary": chart.merged(base, {"plan": "small", "suspended": True}, on),
    }


def bad_values(good: dict[str, Any]):
    """(description, values, a word the schema's error must contain), like check_chart's."""
    yield "canary.enabled as a string", chart.merged(good, {"canary": {"enabled": "yes"}}), "enabled"
    yield "canary.timeoutSeconds of 5", chart.merged(good, {"canary": {"timeoutSeconds": 5}}), "timeoutSeconds"
    yield "canary.timeoutSeconds of 3600", chart.merged(good, {"canary": {"timeoutSeconds": 3600}}), "timeoutSeconds"
    yield "canary TTL of 10 s", chart.merged(good, {"canary": {"ttlSecondsAfterFinished": 10}}), "ttlSecondsAfterFinished"
    yield "unknown key under canary", chart.merged(good, {"canary": {"schedule": "*/5 * * * *"}}), "schedule"
    yield "canary resources without limits", chart.merged(
        good, {"canary": {"resources": {"limits": None}}}), "limits"


def canary_objects(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if (d["metadata"].get("labels") or {}).get("app.kubernetes.io/component") == "canary"
            or d["metadata"]["name"].startswith(f"{chart.FULLNAME}-canary")]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def check_objects(docs: list[dict[str, Any]], values: dict[str, Any]) -> str:
    """Present exactly when enabled (and not suspended), and then as the contract says."""
    found = canary_objects(docs)
    named = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    wordpress = named[("Deployment", f"{chart.FULLNAME}-wordpress")]["spec"]["template"]
    if not enabled(values):
        chart.require(not found, f"canary objects rendered without canary.enabled (or while suspended): "
                                 f"{[chart.ident(d) for d in found]}")
        chart.require(not wordpress_quiet_mail(wordpress), "the WordPress pod has the canary's plugin or marker "
                                                          "without canary.enabled (or while suspended)")
        return "none rendered"
    name = f"{chart.FULLNAME}-canary"
    policies = values.get("networkPolicy", {}).get("enabled", True)
    wanted = {("CronJob", name), ("ConfigMap", name)}
    if policies:
        wanted |= {("NetworkPolicy", n) for n in (name, f"{name}-to-wordpress", f"{name}-to-mysql")}
    chart.require({(d["kind"], d["metadata"]["name"]) for d in found} == wanted,
                  f"canary objects {sorted(chart.ident(d) for d in found)}, want {sorted(wanted)}")
    problems = job_template_problems(named[("CronJob", name)], named, values)
    problems += config_problems(named[("ConfigMap", name)])
    problems += quiet_mail_problems(wordpress, named[("CronJob", name)])
    if policies:
        problems += policy_problems(named)
    chart.require(not problems, "\n".join(problems))
    return f"{len(found)} objects"


def job_template_problems(cron: dict[str, Any], named: dict[tuple[str, str], dict[str, Any]],
                          values: dict[str, Any]) -> list[str]:
    problems = []
    canary = chart.merged(chart.yaml.safe_load((chart.CHART / "values.yaml").read_text())["canary"],
                          values.get("canary", {}))
    spec = cron["spec"]
    if spec.get("suspend") is not True:
        problems.append("the canary CronJob is not suspended (Urumi is the scheduler)")
    if spec.get("concurrencyPolicy") != "Forbid":
        problems.append("the canary CronJob's concurrencyPolicy is not Forbid")
    job = spec["jobTemplate"]["spec"]
    if job.get("backoffLimit") != 0:
        problems.append(f"canary backoffLimit is {job.get('backoffLimit')}, want 0 (one attempt)")
    deadline = canary["timeoutSeconds"] + MARGIN_SECONDS
    if job.get("activeDeadlineSeconds") != deadline:
        problems.append(f"canary activeDeadlineSeconds {job.get('activeDeadlineSeconds')}, want {deadline}")
    if job.get("ttlSecondsAfterFinished") != canary["ttlSecondsAfterFinished"]:
        problems.append("canary ttlSecondsAfterFinished is not canary.ttlSecondsAfterFinished")
    labels = job["template"]["metadata"]["labels"]
    if (labels.get("app.kubernetes.io/instance"), labels.get("app.kubernetes.io/component")) != (chart.RELEASE, "canary"):
        problems.append("canary pods lack the instance/component labels its NetworkPolicies select")
    pod = job["template"]["spec"]
    if pod.get("restartPolicy") != "Never":
        problems.append("canary pods restart (restartPolicy is not Never)")
    inits = [c["name"] for c in pod.get("initContainers", [])]
    mains = [c["name"] for c in pod["containers"]]
    if inits != ["shop", "wordpress-core"] or mains != ["canary"]:
        problems.append(f"canary containers are {inits} then {mains}, want [shop, wordpress-core] then [canary]")
        return problems
    containers = {c["name"]: c for c in pod["initContainers"] + pod["containers"]}
    last = containers["canary"]
    if last.get("terminationMessagePolicy") != "File" or last.get("terminationMessagePath") != "/dev/termination-log":
        problems.append("the canary container's result is not its termination message (File, /dev/termination-log)")
    # Images the store already runs: the setup Job's WP-CLI and the WordPress Deployment's.
    setup = next((d for d in named.values() if d["kind"] == "Job"), None)
    wordpress = named[("Deployment", f"{chart.FULLNAME}-wordpress")]["spec"]["template"]["spec"]["containers"][0]
    if setup is not None:
        cli = setup["spec"]["template"]["spec"]["containers"][0]["image"]
        for which in ("shop", "canary"):
            if containers[which]["image"] != cli:
                problems.append(f"canary {which} image {containers[which]['image']!r} is not the setup's {cli!r}")
    if containers["wordpress-core"]["image"] != wordpress["image"]:
        problems.append("canary copies WordPress core from another image than the site runs")
    shop = env_of(containers["shop"])
    store = chart.merged(chart.yaml.safe_load((chart.CHART / "values.yaml").read_text())["store"],
                         values.get("store", {}))
    country, _, state = store["country"].partition(":")
    want = {"CANARY_BASE_URL": f"http://{chart.FULLNAME}-wordpress", "CANARY_HOST": values["domain"],
            "CANARY_COUNTRY": country, "CANARY_STATE": state, "CANARY_POSTCODE": store["postcode"],
            "CANARY_CITY": store["city"], "CANARY_ADDRESS": store["address"],
            "CANARY_TIMEOUT_SECONDS": str(canary["timeoutSeconds"]),
            "CANARY_SCHEME": values.get("wordpress", {}).get("urlScheme", "https")}
    for key, value in want.items():
        if shop.get(key) != value:
            problems.append(f"canary shop env {key} is {shop.get(key)!r}, want {value!r}")
    main = env_of(last)
    if not str(main.get("CANARY_EMAIL", "")).endswith(".invalid") or main.get("CANARY_EMAIL") != shop.get("CANARY_EMAIL"):
        problems.append("the shop and the cleanup do not share a CANARY_EMAIL marker on a .invalid domain")
    for which in ("shop", "canary"):
        job_name = env_of(containers[which]).get("CANARY_JOB_NAME") or {}
        if "batch.kubernetes.io/job-name" not in str(job_name):
            problems.append(f"canary {which}: CANARY_JOB_NAME does not come from the job-name label")
    # The shopping container is a customer: no secret, no database.
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in containers["shop"].get("volumeMounts", []):
        if "secret" in volumes[mount["name"]] or "persistentVolumeClaim" in volumes[mount["name"]]:
            problems.append(f"the canary's shopping container mounts {mount['name']}")
    if any("valueFrom" in e and "secretKeyRef" in e["valueFrom"] for c in containers.values() for e in c.get("env", [])):
        problems.append("a canary container reads a Secret into its environment")
    secret_items = {i["key"] for v in volumes.values() if "secret" in v for i in v["secret"].get("items", [])}
    if {"wordpress-admin-password", "mysql-root-password"} & secret_items:
        problems.append(f"the canary mounts administrator or root credentials: {sorted(secret_items)}")
    for mount in last.get("volumeMounts", []):
        source = volumes[mount["name"]]
        if not (mount.get("readOnly") or "emptyDir" in source or mount["mountPath"] == "/var/www/html/wp-content"):
            problems.append(f"the canary container writes to {mount['mountPath']} outside emptyDir scratch")
    terms = (((pod.get("affinity") or {}).get("podAffinity") or {})
             .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    if not any(t.get("topologyKey") == "kubernetes.io/hostname" and (t.get("labelSelector") or {}).get(
            "matchLabels", {}).get("app.kubernetes.io/component") == "wordpress" for t in terms):
        problems.append("canary pods lack the required pod affinity to the WordPress pod (wp-content is RWO)")
    if pod.get("securityContext", {}).get("runAsUser") != 33:
        problems.append("canary pods do not run as www-data (33)")
    for which, container in containers.items():
        test_only = {"CANARY_SKIP_CLEANUP", "CANARY_TERMINATION_LOG"} & set(env_of(container))
        if test_only:
            problems.append(f"canary {which} sets the test-only {sorted(test_only)}")
    problems += env_problems(containers)
    return problems


def script_env_reads(path: Path) -> set[str]:
    text = path.read_text()
    if path.suffix == ".php":
        return set(re.findall(r"\b(?:getenv|env)\('([A-Z][A-Z0-9_]*)'", text))
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))


def env_problems(containers: dict[str, dict[str, Any]]) -> list[str]:
    """Every variable a script reads is set by the container that runs it."""
    problems = []
    for container, scripts in RUNS.items():
        have = set(env_of(containers[container]))
        for script in scripts:
            missing = script_env_reads(SCRIPTS / script) - have - NOT_FROM_THE_CHART
            if missing:
                problems.append(f"{script} reads {sorted(missing)}, which container {container} does not set")
    return problems


def wordpress_quiet_mail(template: dict[str, Any]) -> dict[str, Any]:
    """The WordPress pod's canary parts: the plugin's mount, its volume, the marker, the checksum."""
    container = next(c for c in template["spec"]["containers"] if c["name"] == "wordpress")
    mount = next((m for m in container.get("volumeMounts", []) if m["mountPath"].startswith(
        "/var/www/html/wp-content/mu-plugins/")), None)
    volume = next((v for v in template["spec"].get("volumes", []) if mount and v["name"] == mount["name"]), None)
    parts = {"mount": mount, "volume": volume, "marker": env_of(container).get("CANARY_EMAIL"),
             "checksum": (template["metadata"].get("annotations") or {}).get("checksum/canary-quiet-mail")}
    return {key: value for key, value in parts.items() if value is not None}


def quiet_mail_problems(template: dict[str, Any], cron: dict[str, Any]) -> list[str]:
    found = wordpress_quiet_mail(template)
    mount, volume = found.get("mount") or {}, found.get("volume") or {}
    problems = []
    if (mount.get("mountPath"), mount.get("subPath"), mount.get("readOnly")) != (MU_PLUGIN_PATH, QUIET_MAIL, True):
        problems.append(f"the WordPress pod does not mount {QUIET_MAIL} read-only at {MU_PLUGIN_PATH}: {mount}")
    if (volume.get("configMap") or {}).get("name") != f"{chart.FULLNAME}-canary":
        problems.append(f"the WordPress pod's {QUIET_MAIL} does not come from the canary's ConfigMap: {volume}")
    canary = next(c for c in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] if c["name"] == "canary")
    if found.get("marker") != env_of(canary).get("CANARY_EMAIL"):
        problems.append(f"the WordPress pod's CANARY_EMAIL {found.get('marker')!r} is not the canary's marker")
    if found.get("checksum") is None:
        problems.append("the WordPress pod has no checksum of the plugin (a subPath mount does not follow updates)")
    missing = script_env_reads(SCRIPTS / QUIET_MAIL) - {"CANARY_EMAIL"}
    if missing:
        problems.append(f"{QUIET_MAIL} reads {sorted(missing)}, which the WordPress container does not set")
    return problems


def config_problems(config: dict[str, Any]) -> list[str]:
    files = {p.name for p in SCRIPTS.iterdir() if p.is_file()}
    if set(config.get("data", {})) != files:
        return [f"canary ConfigMap holds {sorted(config.get('data', {}))}, files/canary has {sorted(files)}"]
    return [f"canary ConfigMap {name} differs from files/canary/{name}"
            for name in files if config["data"][name].rstrip("\n") != (SCRIPTS / name).read_text().rstrip("\n")]


def policy_problems(named: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    problems = []
    name = f"{chart.FULLNAME}-canary"
    component = lambda d: d.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
    own = named[("NetworkPolicy", name)]["spec"]
    if component(own) != "canary" or sorted(own.get("policyTypes", [])) != ["Egress", "Ingress"] or own.get("ingress"):
        problems.append("the canary's own policy does not isolate it (no ingress at all)")
    egress = sorted((component(peer), port["port"]) for rule in own.get("egress", [])
                    for peer in rule.get("to", []) for port in rule.get("ports", []))
    if egress != [("mysql", 3306), ("wordpress", 80)]:
        problems.append(f"the canary may reach {egress}, want WordPress:80 and MySQL:3306 only")
    for target, port in (("wordpress", 80), ("mysql", 3306)):
        spec = named[("NetworkPolicy", f"{name}-to-{target}")]["spec"]
        rules = [(component(peer), p["port"]) for rule in spec.get("ingress", [])
                 for peer in rule.get("from", []) for p in rule.get("ports", [])]
        if component(spec) != target or spec.get("policyTypes") != ["Ingress"] or rules != [("canary", port)]:
            problems.append(f"{name}-to-{target} does not admit exactly the canary on {port}")
    return problems


def check_scripts(workdir: Path) -> str:
    """php -l, sh -n and shellcheck of files/canary (the ConfigMap holds the same files)."""
    done = []
    shell = SCRIPTS / "canary.sh"
    chart.require(shell.read_text().startswith("#!/bin/sh"), "canary.sh must start with #!/bin/sh")
    for sh in ("sh", "bash"):
        result = subprocess.run([sh, "-n", str(shell)], capture_output=True, text=True)
        chart.require(result.returncode == 0, f"{sh} -n canary.sh:\n{result.stderr}")
    done.append("sh -n")
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", "-s", "sh", str(shell)], capture_output=True, text=True)
        chart.require(result.returncode == 0, f"shellcheck canary.sh:\n{result.stdout}{result.stderr}")
        done.append("shellcheck")
    if shutil.which("php"):
        for php in sorted(SCRIPTS.glob("*.php")):
            result = subprocess.run(["php", "-l", str(php)], capture_output=True, text=True)
            chart.require(result.returncode == 0, f"php -l {php.name}:\n{result.stdout}{result.stderr}")
        done.append("php -l")
    else:
        done.append("php not installed: no php -l")
    return ", ".join(done)


def check_setup_job_unchanged(base: dict[str, Any]) -> str:
    """The canary values are not inputs of the setup Job: enabling it must not rerun the setup."""
    def job(values: dict[str, Any]) -> str:
        return next(d for d in chart.documents(chart.render(values)) if d["kind"] == "Job")["metadata"]["name"]
    first = job(base)
    for change in ({"canary": {"enabled": True}}, {"canary": {"enabled": True, "timeoutSeconds": 60}}):
        chart.require(job(chart.merged(base, change)) == first,
                      f"{change} renames the setup Job (the setup would rerun for nothing)")
    return first
