"""Suite-wide fixtures: real PostgreSQL (pytest-django), real Redis, real Celery worker,
and Playwright driving Debian's Chromium."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbtemplate import database_clone

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls in the same thread (live_server tests) are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / ".data" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium: `playwright install` cannot download browsers here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    """Nothing carries over from one test to the next: rate limits and cached values
    in Redis, or the language a previous request activated in this thread."""
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def celery_worker_running(transactional_db: None) -> Iterator[object]:
    """A real Celery worker (not eager mode) consuming from this test's Redis database.

    Runs in a thread of the test process with Django's settings, so it sees the
    test database; tests that use it must commit (transactional_db).
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.loader.import_default_modules()
    # The worker answers broadcast pings only if its remote-control pidbox runs.
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="WARNING"
    ) as worker:
        yield worker


def _database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_ADMIN_URL"], autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             [name]).fetchone() is not None


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """Create and migrate the test database as the schema owner, then run every
    test as the application role (NOSUPERUSER NOBYPASSRLS), as production does."""
    import environ
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    from tenants.roles import database_grants_sql

    default = connections["default"].settings_dict
    owner = environ.Env.db_url_config(os.environ["DATABASE_OWNER_URL"])
    app_credentials = (default["USER"], default["PASSWORD"])

    def use(user: str, password: str) -> None:
        connections.close_all()
        default["USER"], default["PASSWORD"] = user, password

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        use(owner["USER"], owner["PASSWORD"])
        if keepdb:
            # A missing test database is a copy of the migrated template
            # (tests/dbtemplate.py); setup_databases then finds it and migrates nothing.
            test_db = connections["default"].creation._get_test_db_name()
            if not _database_exists(test_db):
                database_clone(test_db)
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            keepdb=keepdb,
            aliases={"default", "platform"},
            serialized_aliases={"default"},
        )
        with connections["default"].cursor() as cursor:
            for statement in database_grants_sql(truncate_for_app=True):
                cursor.execute(statement)
        use(*app_credentials)

    yield

    if not keepdb:
        with django_db_blocker.unblock():
            use(owner["USER"], owner["PASSWORD"])
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)
            use(*app_credentials)


@pytest.fixture
def shop_a(db: None):
    from tests.factories import shop

    return shop("Shop A")


@pytest.fixture
def shop_b(db: None):
    from tests.factories import shop

    return shop("Shop B")


@pytest.fixture
def tenant_table_names(db: None) -> list[str]:
    """Every table of the public schema that has a tenant_id column, from the catalog."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                 AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') ORDER BY 1
            """
        )
        return [row[0] for row in cursor.fetchall()]
