import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _debug_under(module: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize("module", ["config.settings.prod", "config.settings.test"])
def test_debug_is_off_outside_dev_even_when_asked(module: str) -> None:
    assert _debug_under(module, DJANGO_DEBUG="true") == "False"


def test_dev_debug_follows_the_environment() -> None:
    assert _debug_under("config.settings.dev", DJANGO_DEBUG="false") == "False"


SECRET_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"(?i)(secret_key|password|api_key|token)\s*=\s*['\"][^'\"\s]{12,}['\"]"),
    re.compile(r"postgres(ql)?://[^:/\s]+:(?!PASSWORD@)[^@\s$]+@"),
]


def test_no_secret_is_committed() -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert ".env" not in files, ".env holds local secrets and must stay untracked"
    hits = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".mo", ".woff2", ".png", ".ico"}:
            continue
        text = path.read_text(errors="ignore")
        for pattern in SECRET_PATTERNS:
            hits += [f"{name}: {m.group(0)}" for m in pattern.finditer(text)
                     if "test" not in m.group(0).lower()]  # fixtures' throwaway values
    assert hits == []


def test_env_example_documents_every_variable_read() -> None:
    example = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.M))
    read = set()
    for path in list((ROOT / "config").rglob("*.py")) + list((ROOT / "scripts").glob("*.sh")):
        text = path.read_text()
        read |= set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", text))
    external = {"PYENV_ROOT"}  # standard variables of other tools
    assert read - documented - external == set()
