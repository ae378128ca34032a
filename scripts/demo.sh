#!/usr/bin/env bash
# make demo: bootstrap, migrate, seed, then serve the app with a Celery worker and beat
# in the background (pids under .data/run, logs under .data/log). `make stop` stops them.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/bootstrap.sh"
load_env
cd "$ROOT"
export DJANGO_SETTINGS_MODULE=config.settings.dev

# One generated password per checkout for every demo login (never committed).
PASSWORD_FILE="$DATA/demo-password"
if [ ! -s "$PASSWORD_FILE" ]; then
  (umask 077; "$PY" -c 'import secrets; print("demo-" + secrets.token_urlsafe(9))' > "$PASSWORD_FILE")
fi
# And one generated register PIN for the demo managers (approvals at the register).
PIN_FILE="$DATA/demo-pin"
if [ ! -s "$PIN_FILE" ]; then
  (umask 077; "$PY" -c 'import secrets; print(f"{secrets.randbelow(10**6):06d}")' > "$PIN_FILE")
fi
say "seeding the demo"
"$PY" manage.py seed_demo --password "$(cat "$PASSWORD_FILE")" --pin "$(cat "$PIN_FILE")" \
  > "$DATA/demo-logins.txt"
"$PY" manage.py seed_demo_shop

start() {  # start NAME CMD...: run in its own session so `make stop` can end its whole group
  local name="$1"; shift
  if pid_alive "$RUN/$name.pid"; then
    say "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0
  fi
  setsid "$@" >"$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  say "$name started (pid $!, log .data/log/$name.log)"
}

start web "$PY" manage.py runserver "127.0.0.1:$WEB_PORT"
start worker "$VENV/bin/celery" -A config worker --loglevel INFO --concurrency 2 -n "worker@%h"
start beat "$VENV/bin/celery" -A config beat --loglevel INFO \
  --scheduler django_celery_beat.schedulers:DatabaseScheduler --pidfile=

say "waiting for http://127.0.0.1:$WEB_PORT/health/ready/"
status=000
for _ in $(seq 1 120); do
  status="$(curl -s -o "$DATA/ready.json" -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/health/ready/" || true)"
  [ "$status" = "200" ] && break
  sleep 0.5
done
if [ "$status" != "200" ]; then
  cat "$DATA/ready.json" 2>/dev/null || true
  die "the app is not ready (HTTP $status); see .data/log/"
fi

cat <<MSG

  Zargar is running:   http://127.0.0.1:$WEB_PORT/
  Health:              http://127.0.0.1:$WEB_PORT/health/ready/   (database, redis, celery: ok)
  Metrics:             http://127.0.0.1:$WEB_PORT/metrics

  Demo logins (also in .data/demo-logins.txt), sign in at /accounts/login/
    $(grep '^password' "$DATA/demo-logins.txt")
$(grep -v '^password' "$DATA/demo-logins.txt" | column -t -s $'\t' | sed 's/^/    /')

  Stop everything with:  make stop
MSG
