"""k8s/: both overlays build, validate against Kubernetes schemas (offline), and keep
the rules: probes, resources, non-root and read-only, fixed image tags, no secret values."""

import copy

import kubernetes_validate
import pytest

from . import checks
from .checks import by_kind, documents

# k3s releases we deploy on: the oldest we support and the newest the validator knows.
KUBERNETES_VERSIONS = ("1.32", "1.37")


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_overlay_builds_and_validates_against_kubernetes_schemas(overlay: str) -> None:
    docs = documents(overlay)
    assert len(docs) >= 20
    for doc in docs:
        key = (doc["apiVersion"], doc["kind"])
        if key in checks.CRD_KINDS:
            continue
        for version in KUBERNETES_VERSIONS:
            # strict: unknown fields (typos) are errors too.
            kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_every_kind_is_known(overlay: str) -> None:
    """A kind without a schema would escape validation: only the CRDs listed are allowed."""
    for doc in documents(overlay):
        key = (doc["apiVersion"], doc["kind"])
        if key in checks.CRD_KINDS:
            continue
        with_schema = True
        try:
            kubernetes_validate.validate(doc, checks_version(), strict=False)
        except kubernetes_validate.SchemaNotFoundError:
            with_schema = False
        assert with_schema, key


def checks_version() -> str:
    return KUBERNETES_VERSIONS[-1]


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
@pytest.mark.parametrize(
    "check",
    [
        checks.problems_probes,
        checks.problems_resources,
        checks.problems_security,
        checks.problems_images,
        checks.problems_secrets,
        checks.problems_env_references,
        checks.problems_redis_sentinel,
    ],
)
def test_manifests_keep_the_rules(overlay: str, check) -> None:
    assert check(documents(overlay)) == []


def _web(docs: list[dict]) -> dict:
    return by_kind(docs, "Deployment")["zargar-web"]


def _redis_pod(docs: list[dict]) -> dict:
    return by_kind(docs, "StatefulSet")["zargar-redis"]["spec"]["template"]["spec"]


def test_checks_catch_a_missing_sentinel_or_a_redis_without_probe_or_limit() -> None:
    docs = copy.deepcopy(documents("prod"))
    pod = _redis_pod(docs)
    pod["containers"] = [c for c in pod["containers"] if c["name"] != "sentinel"]
    assert checks.problems_redis_sentinel(docs) == [
        "StatefulSet/zargar-redis: containers ['redis'], expected redis and sentinel"
    ]

    docs = copy.deepcopy(documents("prod"))
    by_kind(docs, "StatefulSet")["zargar-redis"]["spec"]["replicas"] = 1
    problems = checks.problems_redis_sentinel(docs)
    assert "StatefulSet/zargar-redis: 1 replicas (a Sentinel quorum needs 3)" in problems
    assert "StatefulSet/zargar-redis: REDIS_NODES=3 but 1 replicas" in problems

    docs = copy.deepcopy(documents("prod"))
    env = _web(docs)["spec"]["template"]["spec"]["containers"][0]["env"]
    url = next(e for e in env if e["name"] == "REDIS_URL")
    url["value"] = "redis://:$(REDIS_PASSWORD)@zargar-redis:6379/0"
    assert checks.problems_redis_sentinel(docs) == [
        "zargar-web/web: Redis not reached through Sentinel (zargar-redis:6379)"
    ]

    docs = copy.deepcopy(documents("prod"))
    sentinel = next(c for c in _redis_pod(docs)["containers"] if c["name"] == "sentinel")
    del sentinel["livenessProbe"]
    assert checks.problems_probes(docs) == ["StatefulSet/zargar-redis/sentinel: no livenessProbe"]

    docs = copy.deepcopy(documents("prod"))
    redis = next(c for c in _redis_pod(docs)["containers"] if c["name"] == "redis")
    del redis["resources"]["limits"]["cpu"]
    redis["securityContext"] = {**redis["securityContext"], "readOnlyRootFilesystem": False}
    assert checks.problems_resources(docs) == ["StatefulSet/zargar-redis/redis: no limits.cpu"]
    assert checks.problems_security(docs) == [
        "StatefulSet/zargar-redis/redis: root filesystem is writable"
    ]


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_redis_group_is_reachable_by_the_app_and_by_itself_only(overlay: str) -> None:
    docs = documents(overlay)
    policies = by_kind(docs, "NetworkPolicy")
    ingress = policies["zargar-redis-ingress"]["spec"]["ingress"][0]
    allowed = ingress["from"][0]["podSelector"]["matchExpressions"][0]["values"]
    assert set(allowed) == {"web", "worker", "beat", "migrate", "redis"}
    assert {p["port"] for p in ingress["ports"]} == {6379, 26379}
    egress = policies["zargar-redis-egress"]["spec"]["egress"]
    assert {p["port"] for p in egress[1]["ports"]} == {6379, 26379}
    app_to_redis = [
        rule for rule in policies["zargar-app-egress"]["spec"]["egress"]
        if rule["to"][0].get("podSelector", {}).get("matchLabels", {}).get(
            "app.kubernetes.io/component") == "redis"
    ]
    assert [{p["port"] for p in r["ports"]} for r in app_to_redis] == [{6379, 26379}]
    redis_set = by_kind(docs, "StatefulSet")["zargar-redis"]
    assert redis_set["spec"]["replicas"] == 3
    # The per-pod configuration comes from the generated scripts ConfigMap (hash-named).
    scripts = next(
        v["configMap"]["name"] for v in redis_set["spec"]["template"]["spec"]["volumes"]
        if v["name"] == "scripts"
    )
    data = by_kind(docs, "ConfigMap")[scripts]["data"]
    assert set(data) == {"init.sh", "check.sh"}
    assert "sentinel announce-hostnames yes" in data["init.sh"]


def test_checks_catch_a_missing_probe_limit_secret_and_latest_tag() -> None:
    """The rules above are not vacuous: each catches a broken copy of prod."""
    docs = copy.deepcopy(documents("prod"))
    web = _web(docs)["spec"]["template"]["spec"]["containers"][0]
    del web["readinessProbe"]
    assert checks.problems_probes(docs) == ["Deployment/zargar-web/web: no readinessProbe"] + [
        p for p in checks.problems_probes(docs) if "probe paths" in p
    ]

    docs = copy.deepcopy(documents("prod"))
    del by_kind(docs, "Deployment")["zargar-worker"]["spec"]["template"]["spec"]["containers"][0][
        "resources"
    ]["limits"]["memory"]
    assert checks.problems_resources(docs) == [
        "Deployment/zargar-worker/worker: no limits.memory"
    ]

    docs = copy.deepcopy(documents("prod"))
    env = _web(docs)["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "DJANGO_SECRET_KEY", "value": "plain-text-value"})
    env.append({"name": "BROKER", "value": "redis://:hunter2hunter2@redis:6379/0"})
    assert checks.problems_secrets(docs) == [
        "zargar-web/web: env DJANGO_SECRET_KEY has a plain value",
        "zargar-web/web: env BROKER has a password in its URL",
    ]
    docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {}})
    assert "Secret/x is in the manifests (reference it instead)" in checks.problems_secrets(docs)

    docs = copy.deepcopy(documents("prod"))
    _web(docs)["spec"]["template"]["spec"]["containers"][0]["image"] = "zargar:latest"
    assert checks.problems_images(docs) == ["zargar-web/web: image 'zargar:latest' has no fixed tag"]

    docs = copy.deepcopy(documents("prod"))
    sc = _web(docs)["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    sc["readOnlyRootFilesystem"] = False
    assert checks.problems_security(docs) == ["Deployment/zargar-web/web: root filesystem is writable"]

    docs = copy.deepcopy(documents("prod"))
    env = _web(docs)["spec"]["template"]["spec"]["containers"][0]["env"]
    env.insert(0, {"name": "X_URL", "value": "redis://:$(NOT_DEFINED)@redis:6379/0"})
    assert checks.problems_env_references(docs) == [
        "zargar-web/web: X_URL uses undefined $(NOT_DEFINED)"
    ]


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_web_serves_through_traefik_with_tls_and_its_host(overlay: str) -> None:
    docs = documents(overlay)
    ingress = by_kind(docs, "Ingress")["zargar"]
    host = by_kind(docs, "ConfigMap")["zargar-config"]["data"]["ZARGAR_PUBLIC_HOST"]
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert [r["host"] for r in ingress["spec"]["rules"]] == [host]
    assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "zargar-tls"}]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = by_kind(docs, "Service")["zargar-web"]
    assert backend == {"name": "zargar-web", "port": {"name": "http"}}
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    web = _web(docs)["spec"]["template"]["spec"]["containers"][0]
    assert web["ports"] == [{"name": "http", "containerPort": 8000}]


def test_prod_sizes_autoscaling_and_disruption_budgets() -> None:
    docs = documents("prod")
    deployments = by_kind(docs, "Deployment")
    assert deployments["zargar-web"]["spec"]["replicas"] == 3
    assert deployments["zargar-beat"]["spec"]["replicas"] == 1
    assert deployments["zargar-beat"]["spec"]["strategy"] == {"type": "Recreate"}
    hpa = by_kind(docs, "HorizontalPodAutoscaler")["zargar-web"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    assert hpa["scaleTargetRef"]["name"] == "zargar-web"
    budgets = by_kind(docs, "PodDisruptionBudget").values()
    covered = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] for b in budgets}
    assert covered == {"web", "worker", "beat", "redis"}
    assert {b["spec"]["maxUnavailable"] for b in budgets} == {1}


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_network_policies_deny_by_default_and_cover_every_pod(overlay: str) -> None:
    docs = documents(overlay)
    policies = by_kind(docs, "NetworkPolicy")
    deny = policies["zargar-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny and "egress" not in deny
    for w in checks.workloads(docs):
        labels = w["spec"]["template"]["metadata"]["labels"]
        assert labels.get("app.kubernetes.io/part-of") == "zargar", w["metadata"]["name"]
    web_in = policies["zargar-web-ingress"]["spec"]["ingress"]
    assert web_in[0]["ports"] == [{"port": 8000, "protocol": "TCP"}]


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_postgres_by_pgo_with_pgbouncer_in_transaction_mode(overlay: str) -> None:
    docs = documents(overlay)
    cluster = by_kind(docs, "PostgresCluster")["zargar-db"]["spec"]
    assert isinstance(cluster["postgresVersion"], int)
    assert cluster["users"] == [{"name": "postgres"}]  # the rest: manage.py db_roles
    assert cluster["proxy"]["pgBouncer"]["config"]["global"]["pool_mode"] == "transaction"
    config = by_kind(docs, "ConfigMap")["zargar-config"]["data"]
    assert config["DATABASE_TRANSACTION_POOLING"] == "true"
    configmaps = by_kind(docs, "ConfigMap")
    for w, c in checks.app_containers(docs):
        env = checks.container_env(c, configmaps)
        host = env["DATABASE_URL"].split("@", 1)[1].split(":")[0]
        if w["kind"] == "Job":
            # migrations and roles: the primary itself, as the owner
            assert env["DATABASE_URL"].startswith("postgres://zargar_owner:")
            assert host == "zargar-db-primary"
        else:
            assert env["DATABASE_URL"].startswith("postgres://zargar_app:")
            assert host == "zargar-db-pgbouncer"
        assert env["PLATFORM_DATABASE_URL"].startswith("postgres://zargar_platform_reader:")


def test_prod_backups_go_to_a_volume_r2_and_b2() -> None:
    pgbackrest = by_kind(documents("prod"), "PostgresCluster")["zargar-db"]["spec"]["backups"][
        "pgbackrest"
    ]
    repos = {r["name"]: r for r in pgbackrest["repos"]}
    assert set(repos) == {"repo1", "repo2", "repo3"}
    assert "volume" in repos["repo1"]
    assert repos["repo2"]["s3"]["endpoint"].endswith(".r2.cloudflarestorage.com")
    assert repos["repo3"]["s3"]["endpoint"].endswith(".backblazeb2.com")
    for repo in repos.values():
        assert set(repo["schedules"]) == {"full", "differential"}
    assert pgbackrest["configuration"] == [{"secret": {"name": "zargar-pgbackrest"}}]
    for n in (2, 3):
        assert pgbackrest["global"][f"repo{n}-cipher-type"] == "aes-256-cbc"
        assert pgbackrest["global"][f"repo{n}-bundle"] == "y"


def test_dev_is_small() -> None:
    docs = documents("dev")
    assert by_kind(docs, "Deployment")["zargar-web"]["spec"]["replicas"] == 1
    cluster = by_kind(docs, "PostgresCluster")["zargar-db"]["spec"]
    assert cluster["instances"][0]["replicas"] == 1
    assert [r["name"] for r in cluster["backups"]["pgbackrest"]["repos"]] == ["repo1"]
    assert by_kind(docs, "PersistentVolumeClaim")["zargar-data"]["spec"]["accessModes"] == [
        "ReadWriteOnce"
    ]


def test_prod_is_scraped_by_prometheus() -> None:
    docs = documents("prod")
    monitor = by_kind(docs, "ServiceMonitor")["zargar-web"]["spec"]
    assert monitor["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]
    assert "zargar-web-metrics" in by_kind(docs, "NetworkPolicy")
