"""Create the database roles, the database and its grants (idempotent).

Runs with an administrator's connection (superuser or CREATEROLE), given by
DATABASE_ADMIN_URL or --admin-url; passwords come from the environment
(ZARGAR_DB_*_PASSWORD). make demo/test call it before migrating; in production
the operator's bootstrap job does.
"""

import os

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from psycopg import sql

from tenants import roles

PASSWORD_VARS = {
    roles.OWNER: "ZARGAR_DB_OWNER_PASSWORD",
    roles.APP: "ZARGAR_DB_APP_PASSWORD",
    roles.PLATFORM_READER: "ZARGAR_DB_PLATFORM_PASSWORD",
    roles.BACKUP: "ZARGAR_DB_BACKUP_PASSWORD",
}


class Command(BaseCommand):
    help = "Create/update Zargar's database roles, its database and grants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--admin-url", default=os.environ.get("DATABASE_ADMIN_URL", ""))
        parser.add_argument("--database", default=settings.DATABASES["default"]["NAME"])

    def handle(self, *args: object, admin_url: str, database: str, **options: object) -> None:
        if not admin_url:
            raise CommandError("Give an administrator connection: DATABASE_ADMIN_URL or --admin-url.")
        passwords = {role: os.environ.get(var, "") for role, var in PASSWORD_VARS.items()}
        missing = [PASSWORD_VARS[r] for r, pw in passwords.items() if not pw]
        if missing:
            raise CommandError(f"Missing passwords in the environment: {', '.join(missing)}")

        with psycopg.connect(admin_url, autocommit=True) as conn:
            for statement in roles.roles_sql(passwords):
                conn.execute(statement)
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(roles.OWNER)
                    )
                )
        db_url = psycopg.conninfo.make_conninfo(admin_url, dbname=database)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(database), sql.Identifier(roles.OWNER)
                )
            )
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(roles.OWNER)))
            for statement in roles.database_grants_sql():
                conn.execute(statement)
        self.stdout.write(f"roles and grants in place for database {database}")
