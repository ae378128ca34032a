#!/usr/bin/env bash
# make stop: stop what `make demo` started (web, worker, beat, Redis, PostgreSQL), by pid.
source "$(dirname "$0")/lib.sh"

for name in web worker beat; do
  pidfile="$RUN/$name.pid"
  if pid_alive "$pidfile"; then
    pid="$(cat "$pidfile")"
    say "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
"$ROOT/scripts/services.sh" stop
