"""A migrated template database, built once per set of migrations and cloned.

`manage.py migrate` of an empty database costs about 40 s of CPU here. The test
database of each xdist worker and each bench's scratch database used to pay it; now
the first of them builds `zargar_tmpl_<hash>` (under an advisory lock, so parallel
workers wait for it rather than build it twice) and every one after that is a
`CREATE DATABASE … TEMPLATE` copy, about a second.

The hash covers every migration file of the project and the version of every
installed distribution (third-party migrations come with the packages), so a new
migration or an upgrade builds a new template and drops the old one.
"""

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "zargar_tmpl_"
_LOCK = 7_311_402  # pg_advisory_lock key of the template build


def migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    # The installed packages only: a checkout on sys.path (its *.egg-info) would make
    # the hash depend on how the process was started.
    site = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    for dist in sorted(f"{d.metadata['Name']}=={d.version}"
                       for d in importlib.metadata.distributions(path=site)):
        digest.update(dist.encode())
    return digest.hexdigest()[:16]


def _with_db(url: str, db: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def _migrate(owner_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": owner_url, "PLATFORM_DATABASE_URL": owner_url,
           "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")


def database_clone(db: str, *, admin_url: str | None = None,
                   owner_url: str | None = None) -> None:
    """(Re)create `db`, owned by zargar_owner, as a copy of the migrated template."""
    import psycopg
    from psycopg import sql

    admin_url = admin_url or os.environ["DATABASE_ADMIN_URL"]
    owner_url = owner_url or os.environ["DATABASE_OWNER_URL"]
    template = PREFIX + migrations_hash()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
        try:
            ready = admin.execute("SELECT datistemplate FROM pg_database WHERE datname = %s",
                                  [template]).fetchone()
            if not (ready and ready[0]):
                _template_build(admin, template, owner_url)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(db)))
            admin.execute(sql.SQL("CREATE DATABASE {} OWNER zargar_owner TEMPLATE {}")
                          .format(sql.Identifier(db), sql.Identifier(template)))
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])


def _template_build(admin, template: str, owner_url: str) -> None:  # noqa: ANN001
    from psycopg import sql

    stale = [r[0] for r in admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX + "%"])]
    for name in stale:  # older migrations, or a build that died half-way
        admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(name)))
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {} OWNER zargar_owner TEMPLATE template0")
                  .format(sql.Identifier(template)))
    _migrate(_with_db(owner_url, template))
    # Marked a template only once migrated: a half-built one is rebuilt next time.
    admin.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(template)))
    # Nobody may connect to it (a connection would block every clone).
    admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false")
                  .format(sql.Identifier(template)))
