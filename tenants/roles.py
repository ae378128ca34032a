"""The database roles Zargar runs as (ARCHITECTURE.md section 2).

- zargar_owner: owns the schema and runs migrations; not a superuser. RLS is
  FORCEd on tenant tables, so it sees tenant rows only inside a tenant scope too.
- zargar_app: web and workers. NOSUPERUSER NOBYPASSRLS, DML grants only.
- zargar_platform_reader: the platform panel's cross-tenant reads (SELECT only,
  with its own FOR SELECT ... USING (true) policies).
- zargar_backup: BYPASSRLS, SELECT only; for backup/restore tooling alone.
"""

from dataclasses import dataclass

from psycopg import sql

OWNER = "zargar_owner"
APP = "zargar_app"
PLATFORM_READER = "zargar_platform_reader"
BACKUP = "zargar_backup"


@dataclass(frozen=True)
class RoleSpec:
    name: str
    attributes: str


ROLES = (
    RoleSpec(OWNER, "LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE"),
    RoleSpec(APP, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
    RoleSpec(PLATFORM_READER, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
    RoleSpec(BACKUP, "LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE"),
)


def roles_sql(passwords: dict[str, str]) -> list[sql.Composed]:
    """CREATE or ALTER every role with its attributes and password (cluster-wide, as admin)."""
    statements = []
    for role in ROLES:
        ident = sql.Identifier(role.name)
        attrs = sql.SQL(role.attributes)
        password = passwords.get(role.name)
        pw = sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("")
        statements.append(
            sql.SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) "
                "THEN CREATE ROLE {ident}; END IF; END $$"
            ).format(name=sql.Literal(role.name), ident=ident)
        )
        statements.append(sql.SQL("ALTER ROLE {} {}{}").format(ident, attrs, pw))
    return statements


def database_grants_sql(*, truncate_for_app: bool = False) -> list[str]:
    """Privileges inside one database; run by its owner (or an admin) after creating it.

    truncate_for_app is for test databases only: Django's test flush TRUNCATEs
    tables, and TRUNCATE ignores RLS, so production never grants it.
    """
    app_table_privs = "SELECT, INSERT, UPDATE, DELETE" + (", TRUNCATE" if truncate_for_app else "")
    statements = [
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {APP}, {PLATFORM_READER}, {BACKUP}",
        f"GRANT {app_table_privs} ON ALL TABLES IN SCHEMA public TO {APP}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PLATFORM_READER}, {BACKUP}",
        f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {BACKUP}",
    ]
    default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public"
    statements += [
        f"{default} GRANT {app_table_privs} ON TABLES TO {APP}",
        f"{default} GRANT USAGE, SELECT ON SEQUENCES TO {APP}",
        f"{default} GRANT SELECT ON TABLES TO {PLATFORM_READER}, {BACKUP}",
        f"{default} GRANT SELECT ON SEQUENCES TO {BACKUP}",
    ]
    return statements
