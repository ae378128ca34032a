#!/usr/bin/env bash
# The private PostgreSQL and Redis of this checkout, under .data/.
#   scripts/services.sh start   start both (idempotent), create roles and database
#   scripts/services.sh stop    stop both, by pid
#   scripts/services.sh status
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PGDATA_DIR="$DATA/pg"
PG_SOCKET_DIR="$RUN/pg"
REDIS_DIR="$DATA/redis"
REDIS_PID="$RUN/redis.pid"

# When we are root, the cluster belongs to the `postgres` system user, who must
# be able to reach .data/. If a parent folder is closed to it, keep the cluster
# in /var/lib/zargar/<checkout hash> and link it from .data/.
place_cluster() {
  is_root || return 0
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
  if ! runuser -u postgres -- test -x "$DATA" 2>/dev/null; then
    local home
    home="/var/lib/zargar/$(echo "$ROOT" | sha256sum | cut -c1-12)"
    mkdir -p "$home"
    chown postgres: "$home"
    chmod 700 "$home"
    if [ ! -L "$PGDATA_DIR" ]; then rm -rf "$PGDATA_DIR"; ln -s "$home/pg" "$PGDATA_DIR"; fi
    if [ ! -L "$PG_SOCKET_DIR" ]; then rm -rf "$PG_SOCKET_DIR"; ln -s "$home/run" "$PG_SOCKET_DIR"; fi
    mkdir -p "$home/run"; chown postgres: "$home/run"; chmod 700 "$home/run"
  fi
}

pg_ctl_() { as_pg "$(pg_bindir)/pg_ctl" -D "$PGDATA_DIR" "$@"; }

psql_admin() {  # superuser psql over the private socket
  "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"
}

pg_start() {
  place_cluster
  mkdir -p "$PG_SOCKET_DIR"
  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    say "initdb $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR"
    if is_root; then chown -R postgres: "$PGDATA_DIR" "$PG_SOCKET_DIR"; fi
    chmod 700 "$PGDATA_DIR"
    # Socket: trusted, but its folder is closed to everybody but the cluster's owner
    # (and root). TCP on 127.0.0.1 needs a password.
    as_pg "$(pg_bindir)/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOG/initdb.log"
    cat >> "$PGDATA_DIR/postgresql.conf" <<CONF
# zargar: private development cluster
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
fsync = ${ZARGAR_PG_FSYNC:-on}
CONF
  fi
  if is_root; then chown postgres: "$PG_SOCKET_DIR"; fi
  chmod 700 "$PG_SOCKET_DIR"
  if backups_on; then pgbackrest_configure; fi
  if pg_ctl_ status >/dev/null 2>&1; then
    :
  else
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_ctl_ start -w -t 60 -l "$PGDATA_DIR/server.log" >/dev/null \
      || { tail -n 20 "$PGDATA_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  if backups_on; then pgbackrest_stanza; fi
}

# Cluster backups (pgBackRest): WAL archived by archive_command (async push), a local
# repository beside the cluster (owned by the cluster's user). ZARGAR_BACKUPS=off
# leaves archiving off. backups/pgbackrest.py finds the same config file.
backups_on() { [ "${ZARGAR_BACKUPS:-on}" != "off" ] && command -v pgbackrest >/dev/null; }

pgbackrest_configure() {
  local pgreal sockreal br conf
  pgreal="$(readlink -f "$PGDATA_DIR")"
  sockreal="$(readlink -f "$PG_SOCKET_DIR")"
  br="$(dirname "$pgreal")/pgbackrest"
  conf="$br/pgbackrest.conf"
  mkdir -p "$br/repo" "$br/spool" "$br/lock" "$br/log" "$br/drills"
  cat > "$conf" <<CONF
[global]
repo1-path=$br/repo
repo1-retention-full=${ZARGAR_BACKUP_RETENTION_FULL:-2}
repo1-retention-diff=${ZARGAR_BACKUP_RETENTION_DIFF:-7}
compress-type=zst
compress-level=3
process-max=2
start-fast=y
archive-async=y
archive-push-queue-max=1GiB
spool-path=$br/spool
lock-path=$br/lock
log-path=$br/log
log-level-console=warn
log-level-file=info

$(pgbackrest_repo_options)

[zargar]
pg1-path=$pgreal
pg1-port=$PG_PORT
pg1-socket-path=$sockreal
pg1-user=postgres
CONF
  chmod 600 "$conf"  # it may hold S3 keys and cipher passphrases
  if is_root; then chown -R postgres: "$br"; fi
  chmod 700 "$br"
  cat > "$pgreal/zargar_archive.conf" <<CONF
# written by scripts/services.sh: WAL archiving to pgBackRest
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$conf --stanza=zargar archive-push %p'
archive_timeout = ${ZARGAR_ARCHIVE_TIMEOUT:-60}
CONF
  if is_root; then chown postgres: "$pgreal/zargar_archive.conf"; fi
  grep -q "zargar_archive.conf" "$pgreal/postgresql.conf" \
    || echo "include_if_exists = 'zargar_archive.conf'" >> "$pgreal/postgresql.conf"
}

# Further repositories (repo2, repo3: S3-compatible storage such as R2 and B2) come from
# the environment in pgBackRest's own naming: PGBACKREST_REPO2_S3_BUCKET=zargar becomes
# repo2-s3-bucket=zargar (see .env.example); PGBACKREST_IO_TIMEOUT too (how long a
# repository that is down holds up every WAL push). Printed sorted, one option a line.
# An S3 repository (PGBACKREST_REPO<N>_TYPE=s3) bundles small files into few objects
# (repo<N>-bundle=y): a full backup of an empty cluster is ~1000 PUTs without it (31 s
# on moto), a handful with it (3.7 s). PGBACKREST_REPO<N>_BUNDLE=n turns it off.
pgbackrest_repo_options() {
  local name value opt n bundle
  {
    while IFS= read -r name; do
      value="${!name}"
      opt="${name#PGBACKREST_}"; opt="${opt,,}"; opt="${opt//_/-}"
      printf '%s=%s\n' "$opt" "$value"
    done < <(compgen -e | grep -E '^PGBACKREST_(REPO[0-9]+_[A-Z0-9_]+|IO_TIMEOUT)$' || true)
    while IFS= read -r name; do
      n="${name#PGBACKREST_REPO}"; n="${n%_TYPE}"
      value="${!name}"; bundle="PGBACKREST_REPO${n}_BUNDLE"
      if [ "${value,,}" = "s3" ] && [ -z "${!bundle+set}" ]; then
        printf 'repo%s-bundle=y\n' "$n"
      fi
    done < <(compgen -e | grep -E '^PGBACKREST_REPO[0-9]+_TYPE$' || true)
  } | LC_ALL=C sort
}

pgbackrest_stanza() {
  local pgreal conf mode
  pgreal="$(readlink -f "$PGDATA_DIR")"
  conf="$(dirname "$pgreal")/pgbackrest/pgbackrest.conf"
  mode="$(psql_admin -Atc "SHOW archive_mode")"
  if [ "$mode" != "on" ]; then
    say "restarting PostgreSQL to turn WAL archiving on"
    pg_ctl_ restart -m fast -w -t 60 -l "$PGDATA_DIR/server.log" >/dev/null
  fi
  # stanza-create works on every repository; an S3 repository that cannot be reached
  # now must not keep the local stack from starting (its backups then fail, the runs are
  # degraded and alerted). Without further repositories a failure stops here.
  if ! as_pg pgbackrest --config="$conf" --stanza=zargar stanza-create >/dev/null; then
    [ -n "$(pgbackrest_repo_options)" ] \
      || die "pgbackrest stanza-create failed (see $(dirname "$pgreal")/pgbackrest/log)"
    say "WARNING: pgbackrest stanza-create failed on some repository (see $(dirname "$pgreal")/pgbackrest/log)"
  fi
}

pg_stop() {
  if [ -s "$PGDATA_DIR/PG_VERSION" ] && pg_ctl_ status >/dev/null 2>&1; then
    say "stopping PostgreSQL"
    pg_ctl_ stop -m fast -w >/dev/null
  fi
}

redis_start() {
  mkdir -p "$REDIS_DIR"
  if pid_alive "$REDIS_PID"; then return 0; fi
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$LOG/redis.log" \
    --save "" --appendonly no
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "Redis did not start (see $LOG/redis.log)"
}

redis_stop() {
  if pid_alive "$REDIS_PID"; then
    say "stopping Redis"
    kill "$(cat "$REDIS_PID")"
    for _ in $(seq 1 50); do pid_alive "$REDIS_PID" || break; sleep 0.1; done
  fi
  rm -f "$REDIS_PID"
}

# Sourced (tests/backups/cloud_repos.py writes its scratch cluster's repositories with
# pgbackrest_repo_options): the functions only.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then return 0; fi

case "${1:-}" in
  start) pg_start; redis_start ;;
  stop) redis_stop; pg_stop ;;
  status)
    pg_ctl_ status || true
    if pid_alive "$REDIS_PID"; then echo "redis: running (pid $(cat "$REDIS_PID"))"; else echo "redis: stopped"; fi ;;
  *) die "usage: $0 start|stop|status" ;;
esac
