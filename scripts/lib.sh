# Shared by the bootstrap scripts: paths, ports and small helpers. Sourced, not run.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
RUN="$DATA/run"
LOG="$DATA/log"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
# The ports: from the environment, else from .env (a worktree's own ports, written
# there before the first bootstrap), else the defaults. Read before anything else, so
# that every script, run with or without `set -a; . ./.env`, uses the same ports (the
# URLs bootstrap writes into .env included).
for _port_var in ZARGAR_PG_PORT ZARGAR_REDIS_PORT ZARGAR_WEB_PORT; do
  if [ -z "${!_port_var:-}" ] && [ -f "$ROOT/.env" ]; then
    _port="$(sed -n "s/^${_port_var}=[\"']\{0,1\}\([0-9][0-9]*\).*/\1/p" "$ROOT/.env" | tail -n 1)"
    if [ -n "$_port" ]; then export "$_port_var=$_port"; fi
  fi
done
unset _port_var _port
PG_PORT="${ZARGAR_PG_PORT:-54329}"
REDIS_PORT="${ZARGAR_REDIS_PORT:-63790}"
WEB_PORT="${ZARGAR_WEB_PORT:-8000}"

say() { printf '\033[1;33m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

pid_alive() {  # pid_alive FILE: the pid in FILE names a running process
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# apt_install PKG...: install Debian packages when we are root; otherwise say what to run.
APT_UPDATED=0
apt_install() {
  if ! is_root; then
    die "missing system packages: $*. Install them with: sudo apt-get update && sudo apt-get install -y $*"
  fi
  command -v apt-get >/dev/null || die "missing system packages ($*) and no apt-get to install them"
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Run a command as the unprivileged owner of the PostgreSQL cluster (PostgreSQL refuses root).
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Load .env into the environment (scripts use the same values as Django).
load_env() {
  [ -f "$ROOT/.env" ] || return 0
  set -a
  # shellcheck disable=SC1091
  . "$ROOT/.env"
  set +a
}
