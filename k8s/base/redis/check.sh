#!/bin/sh
# Probes: `check.sh redis` or `check.sh sentinel` exits 0 only on a PONG (redis-cli
# itself exits 0 on error replies such as NOAUTH or LOADING).
set -eu
export REDISCLI_AUTH="$REDIS_PASSWORD"
case "${1:-}" in
  redis) port=6379 ;;
  sentinel) port=26379 ;;
  *) echo "usage: check.sh redis|sentinel" >&2; exit 2 ;;
esac
reply=`redis-cli -h 127.0.0.1 -p "$port" ping 2>&1 || true`
[ "$reply" = "PONG" ] || { echo "$1: $reply" >&2; exit 1; }
