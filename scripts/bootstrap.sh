#!/usr/bin/env bash
# Bring a machine from "Python 3.12 and apt" to a running private stack:
#   .venv with the project, system packages, PostgreSQL and Redis under .data/,
#   database roles and database, migrations, compiled translations.
# Idempotent: a second run reuses what is there.
# Usage: scripts/bootstrap.sh [--test]   (--test also installs Chromium for browser tests)
source "$(dirname "$0")/lib.sh"

WANT_BROWSER=0
[ "${1:-}" = "--test" ] && WANT_BROWSER=1

mkdir -p "$DATA" "$RUN" "$LOG" "$DATA/staticfiles"

# --- system packages -------------------------------------------------------
missing=()
pg_bindir >/dev/null || missing+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v msgfmt >/dev/null || missing+=(gettext)
# backups: cluster backups and WAL archiving (pgBackRest), zstd for the secondary dump
command -v pgbackrest >/dev/null || missing+=(pgbackrest)
command -v zstd >/dev/null || missing+=(zstd)
if [ "$WANT_BROWSER" -eq 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # tests of the S3 pgBackRest repositories: TLS in front of moto servers
  command -v stunnel4 >/dev/null || missing+=(stunnel4)
  command -v openssl >/dev/null || missing+=(openssl)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# --- Python ----------------------------------------------------------------
find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.12 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}
if [ ! -x "$PY" ]; then
  python="$(find_python)" || die "Python 3.12 not found: install python3.12 (or set PYTHON=/path/to/python3.12)"
  say "creating .venv with $python"
  "$python" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing the project into .venv"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -e "$ROOT[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# --- .env (local secrets, never committed) ---------------------------------
# Each missing variable is added with a fresh value; existing ones are kept.
touch "$ROOT/.env"; chmod 600 "$ROOT/.env"
env_has() { grep -q "^$1=" "$ROOT/.env"; }
# Values are single-quoted: URLs hold '&', which a shell sourcing .env would misread.
env_add() { env_has "$1" || { echo "$1='$2'" >> "$ROOT/.env"; say "added $1 to .env"; }; }
token() { "$PY" -c "import secrets; print(secrets.token_hex($1))"; }
env_add DJANGO_SECRET_KEY "$(token 32)"
env_add BACKUP_ENCRYPTION_KEY "$("$PY" -c "import base64, secrets, time; print(time.strftime('%Y-%m') + ':' + base64.b64encode(secrets.token_bytes(32)).decode())")"
for role in OWNER APP PLATFORM BACKUP; do env_add "ZARGAR_DB_${role}_PASSWORD" "$(token 16)"; done
load_env
env_add DATABASE_ADMIN_URL "postgres://postgres@/postgres?host=$RUN/pg&port=$PG_PORT"
env_add DATABASE_OWNER_URL "postgres://zargar_owner:$ZARGAR_DB_OWNER_PASSWORD@127.0.0.1:$PG_PORT/zargar"
env_add DATABASE_URL "postgres://zargar_app:$ZARGAR_DB_APP_PASSWORD@127.0.0.1:$PG_PORT/zargar"
env_add PLATFORM_DATABASE_URL "postgres://zargar_platform_reader:$ZARGAR_DB_PLATFORM_PASSWORD@127.0.0.1:$PG_PORT/zargar"
env_add REDIS_URL "redis://127.0.0.1:$REDIS_PORT/0"
load_env

# --- PostgreSQL ------------------------------------------------------------
"$ROOT/scripts/services.sh" start

# --- Django ----------------------------------------------------------------
cd "$ROOT"
"$PY" manage.py db_roles -v 0
# Migrations run as the schema owner; the app itself connects as zargar_app.
DATABASE_URL="$DATABASE_OWNER_URL" "$PY" manage.py migrate --noinput -v 0
"$PY" manage.py compilemessages --ignore ".venv" --ignore "node_modules" -v 0
