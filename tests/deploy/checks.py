"""Rendering and checking the deployment files (k8s/, Dockerfile, docker-compose.yml).

The checks return lists of problems (empty = fine) so that tests can run them both on
the real manifests and on deliberately broken copies.
"""

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OVERLAYS = ("dev", "prod")
APP_IMAGE = "zargar"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}
# Kinds that come from CRDs (no schema in kubernetes-validate): checked structurally.
CRD_KINDS = {
    ("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}
SECRETISH = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|(^|_)KEY($|_)|CREDENTIAL", re.I)
URL_WITH_PASSWORD = re.compile(r"://[^/@\s:]*:([^@\s]+)@")
REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@cache
def render(overlay: str) -> str:
    """`kustomize build k8s/overlays/<overlay>` (kubectl's built-in kustomize)."""
    result = subprocess.run(
        [str(BIN / "kubectl"), "kustomize", str(ROOT / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize build {overlay} failed:\n{result.stderr}")
    return result.stdout


def documents(overlay: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(render(overlay)) if doc]


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_spec(doc: dict) -> dict:
    return doc["spec"]["template"]["spec"]


def containers(doc: dict, *, init: bool = True) -> list[dict]:
    spec = pod_spec(doc)
    return list(spec.get("initContainers", []) if init else []) + list(spec["containers"])


def workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] in WORKLOAD_KINDS]


def app_containers(docs: list[dict]) -> list[tuple[dict, dict]]:
    """(workload, container) for every container running Zargar's image."""
    return [
        (w, c)
        for w in workloads(docs)
        for c in containers(w)
        if c["image"].rsplit("/", 1)[-1].split(":")[0] == APP_IMAGE
    ]


def parse_procfile() -> dict[str, list[str]]:
    procs = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            procs[name.strip()] = command.split()
    return procs


# --- the checks -----------------------------------------------------------------------


def problems_probes(docs: list[dict]) -> list[str]:
    """Every long-running container has startup and liveness probes; web also readiness,
    on the health endpoints."""
    out = []
    for w in workloads(docs):
        if w["kind"] == "Job":
            continue
        for c in containers(w, init=False):
            where = f"{w['kind']}/{w['metadata']['name']}/{c['name']}"
            for probe in ("startupProbe", "livenessProbe"):
                if probe not in c:
                    out.append(f"{where}: no {probe}")
            if c["name"] == "web":
                if "readinessProbe" not in c:
                    out.append(f"{where}: no readinessProbe")
                paths = {
                    p: c.get(p, {}).get("httpGet", {}).get("path")
                    for p in ("startupProbe", "livenessProbe", "readinessProbe")
                }
                expected = {
                    "startupProbe": "/health/live/",
                    "livenessProbe": "/health/live/",
                    "readinessProbe": "/health/ready/",
                }
                if paths != expected:
                    out.append(f"{where}: probe paths {paths}, expected {expected}")
    return out


def problems_resources(docs: list[dict]) -> list[str]:
    out = []
    for w in workloads(docs):
        for c in containers(w):
            res = c.get("resources", {})
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in res.get(part, {}):
                        out.append(
                            f"{w['kind']}/{w['metadata']['name']}/{c['name']}: "
                            f"no {part}.{resource}"
                        )
    return out


def problems_security(docs: list[dict]) -> list[str]:
    out = []
    for w in workloads(docs):
        name = f"{w['kind']}/{w['metadata']['name']}"
        spec = pod_spec(w)
        pod = spec.get("securityContext", {})
        if pod.get("runAsNonRoot") is not True or not pod.get("runAsUser"):
            out.append(f"{name}: pod not runAsNonRoot with a non-zero runAsUser")
        if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            out.append(f"{name}: no RuntimeDefault seccomp profile")
        if spec.get("automountServiceAccountToken") is not False:
            out.append(f"{name}: mounts a service account token")
        for c in containers(w):
            sc = c.get("securityContext", {})
            where = f"{name}/{c['name']}"
            if sc.get("allowPrivilegeEscalation") is not False:
                out.append(f"{where}: allowPrivilegeEscalation is not false")
            if sc.get("readOnlyRootFilesystem") is not True:
                out.append(f"{where}: root filesystem is writable")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                out.append(f"{where}: capabilities not dropped")
            if sc.get("privileged"):
                out.append(f"{where}: privileged")
    return out


def image_tag(image: str) -> str:
    """The tag of `registry/name:tag` ("" when there is none; digests count as tags)."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def problems_images(docs: list[dict]) -> list[str]:
    out = []
    for w in workloads(docs):
        for c in containers(w):
            tag = image_tag(c["image"])
            if not tag or tag == "latest":
                out.append(f"{w['metadata']['name']}/{c['name']}: image {c['image']!r} has no fixed tag")
    return out


def problems_secrets(docs: list[dict]) -> list[str]:
    """No secret value anywhere: no Secret objects, secret-looking env only by reference,
    no password in a URL unless it is a $(REFERENCE), nothing secret in ConfigMaps."""
    out = []
    for d in docs:
        if d["kind"] == "Secret":
            out.append(f"Secret/{d['metadata']['name']} is in the manifests (reference it instead)")
        if d["kind"] == "ConfigMap":
            for key, value in (d.get("data") or {}).items():
                if SECRETISH.search(key):
                    out.append(f"ConfigMap/{d['metadata']['name']}: secret-like key {key}")
                if _plain_password_in_url(str(value)):
                    out.append(f"ConfigMap/{d['metadata']['name']}: {key} holds a password")
    for w in workloads(docs):
        for c in containers(w):
            for env in c.get("env", []):
                where = f"{w['metadata']['name']}/{c['name']}: env {env['name']}"
                if "value" in env:
                    value = str(env["value"])
                    if SECRETISH.search(env["name"]) and REFERENCE.sub("", value).strip():
                        out.append(f"{where} has a plain value")
                    if _plain_password_in_url(value):
                        out.append(f"{where} has a password in its URL")
            for arg in c.get("args", []) + c.get("command", []):
                if _plain_password_in_url(str(arg)):
                    out.append(f"{w['metadata']['name']}/{c['name']}: password in a command")
    return out


def _plain_password_in_url(value: str) -> bool:
    match = URL_WITH_PASSWORD.search(value)
    return bool(match) and not REFERENCE.fullmatch(match.group(1))


def problems_env_references(docs: list[dict]) -> list[str]:
    """Every $(NAME) in an env value names a variable defined before it (ConfigMap via
    envFrom, or an earlier env entry): otherwise the kubelet leaves it unexpanded."""
    configmaps = by_kind(docs, "ConfigMap")
    out = []
    for w in workloads(docs):
        for c in containers(w):
            known = set()
            for source in c.get("envFrom", []):
                ref = source.get("configMapRef", {}).get("name")
                if ref:
                    known |= set((configmaps.get(ref, {}).get("data") or {}).keys())
            for env in c.get("env", []):
                for ref in REFERENCE.findall(str(env.get("value", ""))):
                    if ref not in known:
                        out.append(f"{w['metadata']['name']}/{c['name']}: {env['name']} uses undefined $({ref})")
                known.add(env["name"])
            for arg in c.get("args", []) + c.get("command", []):
                for ref in REFERENCE.findall(str(arg)):
                    if ref not in known:
                        out.append(f"{w['metadata']['name']}/{c['name']}: argument uses undefined $({ref})")
    return out


def container_env(container: dict, configmaps: dict[str, dict]) -> dict[str, str]:
    """The variables a container gets (values of secret references shown as <secret>)."""
    result: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef", {}).get("name")
        if ref:
            result.update(configmaps[ref].get("data") or {})
    for env in container.get("env", []):
        if "value" in env:
            value = REFERENCE.sub(lambda m: result.get(m.group(1), m.group(0)), str(env["value"]))
            result[env["name"]] = value
        else:
            result[env["name"]] = "<reference>"
    return result


REDIS = "zargar-redis"
SENTINEL_PORT = 26379


def problems_redis_sentinel(docs: list[dict]) -> list[str]:
    """Redis runs as a group the app reaches through Sentinel: a StatefulSet of at least
    three pods, each with a `redis` and a `sentinel` container, a majority quorum, a
    headless Service naming every pod, and REDIS_SENTINELS listing exactly those pods."""
    out = []
    redis_set = by_kind(docs, "StatefulSet").get(REDIS)
    if redis_set is None:
        return [f"StatefulSet/{REDIS} is missing"]
    replicas = redis_set["spec"].get("replicas", 1)
    if replicas < 3:
        out.append(f"StatefulSet/{REDIS}: {replicas} replicas (a Sentinel quorum needs 3)")
    names = {c["name"]: c for c in containers(redis_set, init=False)}
    if set(names) != {"redis", "sentinel"}:
        out.append(f"StatefulSet/{REDIS}: containers {sorted(names)}, expected redis and sentinel")
    sentinel = names.get("sentinel")
    if sentinel is not None and "--sentinel" not in sentinel.get("command", []) + sentinel.get("args", []):
        out.append(f"StatefulSet/{REDIS}/sentinel: does not run redis-server --sentinel")
    env = {
        e["name"]: e.get("value")
        for c in containers(redis_set)
        for e in c.get("env", [])
    }
    nodes, quorum = int(env.get("REDIS_NODES") or 0), int(env.get("REDIS_SENTINEL_QUORUM") or 0)
    if nodes != replicas:
        out.append(f"StatefulSet/{REDIS}: REDIS_NODES={nodes} but {replicas} replicas")
    if not replicas // 2 < quorum <= replicas:
        out.append(f"StatefulSet/{REDIS}: quorum {quorum} is not a majority of {replicas}")
    service = by_kind(docs, "Service").get(redis_set["spec"].get("serviceName", ""))
    if service is None or service["spec"].get("clusterIP") != "None":
        out.append(f"StatefulSet/{REDIS}: no headless Service")
    elif SENTINEL_PORT not in {p["port"] for p in service["spec"]["ports"]}:
        out.append(f"Service/{service['metadata']['name']}: no Sentinel port {SENTINEL_PORT}")
    config = by_kind(docs, "ConfigMap").get("zargar-config", {}).get("data") or {}
    expected = ",".join(
        f"{REDIS}-{i}.{redis_set['spec'].get('serviceName')}:{SENTINEL_PORT}" for i in range(replicas)
    )
    if config.get("REDIS_SENTINELS") != expected:
        out.append(f"ConfigMap/zargar-config: REDIS_SENTINELS={config.get('REDIS_SENTINELS')!r}, expected {expected!r}")
    master = config.get("REDIS_SENTINEL_MASTER")
    if not master:
        out.append("ConfigMap/zargar-config: no REDIS_SENTINEL_MASTER")
    configmaps = by_kind(docs, "ConfigMap")
    for w, c in app_containers(docs):
        app_env = container_env(c, configmaps)
        url = app_env.get("REDIS_URL", "")
        host = url.split("@", 1)[-1].split("/", 1)[0]
        if not app_env.get("REDIS_SENTINELS") or host != master:
            out.append(f"{w['metadata']['name']}/{c['name']}: Redis not reached through Sentinel ({host})")
    return out
