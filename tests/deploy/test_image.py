"""The image, docker-compose.yml, the manifests, the Procfile and make demo agree:
same commands, same port, every variable the code reads documented and provided."""

import re
import shlex
import subprocess
import tomllib

import pytest
import yaml

from . import checks
from .checks import BIN, ROOT, by_kind, documents, parse_procfile

# Read by code but never configured by an operator.
NOT_CONFIGURATION = {"PYTEST_XDIST_WORKER"}
# Set in manifests/compose but read by no code: composition helpers and the downward API.
DEPLOYMENT_ONLY = {"ZARGAR_PUBLIC_HOST", "REDIS_PASSWORD", "POD_IP"}

ENV_READ = re.compile(
    r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|os\.environ(?:\.get|\.setdefault)?[\(\[]\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|["'](ZARGAR_DB_[A-Z]+_PASSWORD)["']"""
)
REQUIRED_READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']\s*\)""")


def _code_files():
    skip = {".venv", ".data", "tests", "node_modules", "migrations", ".git"}
    for path in ROOT.rglob("*.py"):
        if not skip & set(path.relative_to(ROOT).parts):
            yield path


def variables_read() -> tuple[set[str], set[str]]:
    """(every variable the code reads, those read without a default)."""
    read, required = set(), set()
    for path in _code_files():
        text = path.read_text()
        for match in ENV_READ.finditer(text):
            read.add(next(g for g in match.groups() if g))
        required |= set(REQUIRED_READ.findall(text))
    return read - NOT_CONFIGURATION, required


def documented() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            names.add(line.split("=", 1)[0])
    return names


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_app_services() -> dict[str, dict]:
    return {n: s for n, s in compose()["services"].items() if s.get("image") == "zargar:local"}


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_every_variable_the_code_reads_is_documented() -> None:
    read, required = variables_read()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GUNICORN_BIND"} <= read
    assert required >= {"DJANGO_SECRET_KEY", "DATABASE_URL", "PLATFORM_DATABASE_URL", "REDIS_URL"}
    assert sorted(read - documented()) == []


@pytest.mark.parametrize("overlay", checks.OVERLAYS)
def test_manifests_provide_what_settings_require_and_nothing_unknown(overlay: str) -> None:
    read, required = variables_read()
    docs = documents(overlay)
    configmaps = by_kind(docs, "ConfigMap")
    known = read | DEPLOYMENT_ONLY
    assert sorted(set(configmaps["zargar-config"]["data"]) - known) == []
    for workload, container in checks.app_containers(docs):
        env = checks.container_env(container, configmaps)
        where = f"{workload['metadata']['name']}/{container['name']}"
        assert sorted(required - set(env)) == [], where
        assert sorted(set(env) - known) == [], where
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
        assert "$(" not in "".join(env.values()), where
    assert sorted(DEPLOYMENT_ONLY - {"POD_IP"} - documented()) == []


def test_compose_provides_what_settings_require_and_nothing_unknown() -> None:
    read, required = variables_read()
    for name, service in compose_app_services().items():
        env = service["environment"]
        assert sorted(required - set(env)) == [], name
        assert sorted(set(env) - read - DEPLOYMENT_ONLY) == [], name
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    assert sorted(interpolated - documented()) == []


def test_compose_file_matches_the_compose_specification() -> None:
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
         str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _dockerfile_cmd() -> list[str]:
    cmd = [line for line in dockerfile().splitlines() if line.startswith("CMD ")]
    assert len(cmd) == 1
    return yaml.safe_load(cmd[0].removeprefix("CMD "))


def test_one_set_of_commands_everywhere() -> None:
    """Procfile = Dockerfile CMD (web) = compose commands = Kubernetes commands."""
    procs = parse_procfile()
    assert set(procs) == {"web", "worker", "beat", "migrate"}
    assert _dockerfile_cmd() == procs["web"]
    services = compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["command"] == procs[name], name
    for overlay in checks.OVERLAYS:
        docs = documents(overlay)
        deployments = by_kind(docs, "Deployment")
        for name in ("web", "worker", "beat"):
            container = deployments[f"zargar-{name}"]["spec"]["template"]["spec"]["containers"][0]
            assert container["command"] == procs[name], (overlay, name)
        job = by_kind(docs, "Job")["zargar-migrate"]["spec"]["template"]["spec"]
        assert job["containers"][0]["command"] == procs["migrate"]
        assert job["initContainers"][0]["command"] == ["python", "manage.py", "db_roles"]


def test_worker_and_beat_are_the_ones_make_demo_runs() -> None:
    """scripts/demo.sh starts worker and beat with the Procfile's arguments."""
    procs = parse_procfile()
    demo = (ROOT / "scripts" / "demo.sh").read_text().replace("\\\n", " ")
    started = {}
    for line in demo.splitlines():
        if line.startswith("start "):
            words = shlex.split(line)
            started[words[1]] = words[2:]
    for name in ("worker", "beat"):
        args = started[name]
        assert args[0].endswith("/bin/celery")
        assert args[1:] == procs[name][1:], name
    assert started["web"][1:3] == ["manage.py", "runserver"]  # dev server; gunicorn in the image


def test_commands_exist_in_the_image() -> None:
    """What the Procfile runs is installed by the image's `pip install .` (runtime
    dependencies, not dev ones) and lives in the copied code."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {re.split(r"[\[=<>]", d)[0].lower() for d in project["dependencies"]}
    assert {"gunicorn", "celery", "django"} <= runtime
    for pin in project["dependencies"]:
        assert "==" in pin, pin
    assert (ROOT / "config" / "gunicorn.py").is_file()
    assert (ROOT / "config" / "probes.py").is_file()
    assert (ROOT / "manage.py").is_file()
    for tool in ("gunicorn", "celery"):
        assert (BIN / tool).exists(), tool


def test_dockerfile_builds_a_non_root_image_with_static_files_and_translations() -> None:
    text = dockerfile()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(froms) == 2  # multi-stage
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", text, re.M).group(1)
    assert re.fullmatch(r"python:3\.12\.\d+-slim-\w+", base)
    assert "compilemessages" in text and "collectstatic --noinput" in text
    assert re.search(r"^USER 10001:10001$", text, re.M)
    assert re.search(r"^EXPOSE 8000$", text, re.M)
    assert "/health/live/" in text  # HEALTHCHECK
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for secret_or_bulk in (".env", ".git", ".venv", ".data", "node_modules"):
        assert secret_or_bulk in ignored


def test_one_port_everywhere() -> None:
    from config import gunicorn

    assert gunicorn.bind == "0.0.0.0:8000"
    assert compose()["services"]["web"]["ports"] == ["127.0.0.1:${ZARGAR_WEB_PORT:-8000}:8000"]
    for overlay in checks.OVERLAYS:
        web = by_kind(documents(overlay), "Deployment")["zargar-web"]
        assert web["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == 8000


def test_images_of_the_compose_stack_have_fixed_tags() -> None:
    for name, service in compose()["services"].items():
        tag = checks.image_tag(service["image"])
        assert tag and tag != "latest", name


def test_dockerfile_build_steps_run_in_a_clean_copy(tmp_path) -> None:
    """The image's build RUN (compilemessages + collectstatic with placeholder settings,
    no database or Redis) works on the files the build context sends (.dockerignore)."""
    import fnmatch
    import os
    import shutil

    ignored = [
        line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    context = tmp_path / "context"
    for name in tracked:
        parts = name.split("/")
        if any(
            fnmatch.fnmatch(name, pattern.removeprefix("**/"))
            or any(fnmatch.fnmatch(part, pattern.removeprefix("**/")) for part in parts)
            for pattern in ignored
        ):
            continue
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, context / name)
    assert not (context / ".env").exists() and not (context / "tests").exists()

    text = dockerfile().replace("\\\n", " ")
    step = next(line for line in text.splitlines() if "collectstatic" in line)
    placeholders = dict(re.findall(r"\b([A-Z][A-Z0-9_]+)=(\S+)", step.split("&&")[0]))
    assert set(placeholders) >= {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), **placeholders}
    commands = [c.strip() for c in step.split("&&")[1:] if "manage.py" in c]
    assert len(commands) == 2
    for command in commands:
        result = subprocess.run(
            shlex.split(command), cwd=context, env=env, capture_output=True, text=True,
            timeout=180,
        )
        assert result.returncode == 0, command + result.stderr
    assert (context / "locale/fa/LC_MESSAGES/django.mo").stat().st_size > 0
    collected = context / ".data" / "staticfiles"
    assert (collected / "css" / "app.css").is_file()
    assert (collected / "css" / "app.css.gz").is_file()  # whitenoise compression
    assert os.listdir(collected / "django_ledger")
