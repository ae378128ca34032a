"""scripts/lib.sh: every script finds the ports of this checkout's .env, also when
nobody exported them (a worktree's bootstrap once wrote the default ports into the
URLs it added to .env, and services.sh started on the defaults)."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ports(tmp_path: Path, env_file: str | None, **environ: str) -> list[str]:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "lib.sh", tmp_path / "scripts" / "lib.sh")
    if env_file is not None:
        (tmp_path / ".env").write_text(env_file)
    result = subprocess.run(
        ["bash", "-c", '. scripts/lib.sh; echo "$PG_PORT $REDIS_PORT $WEB_PORT"'],
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", **environ},
        capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_ports_come_from_dot_env_when_not_exported(tmp_path: Path) -> None:
    env_file = "ZARGAR_PG_PORT=54342\nZARGAR_REDIS_PORT='63742'\nDJANGO_SECRET_KEY='x'\n"
    assert _ports(tmp_path, env_file) == ["54342", "63742", "8000"]


def test_the_environment_wins_over_dot_env(tmp_path: Path) -> None:
    env_file = "ZARGAR_PG_PORT=54342\n"
    assert _ports(tmp_path, env_file, ZARGAR_PG_PORT="54399") == ["54399", "63790", "8000"]


def test_defaults_without_dot_env(tmp_path: Path) -> None:
    assert _ports(tmp_path, None) == ["54329", "63790", "8000"]
