#!/bin/sh
# Writes this pod's redis.conf and sentinel.conf into /conf (an in-memory emptyDir;
# the Sentinel rewrites its file as it learns the group). Run by the init container.
#
# The master is whoever the other pods' Sentinels name; when none answers (first
# start, or the whole group restarts) pod 0 is the master and the others replicate it.
# Every node is announced by its stable DNS name (pod.headless-service), never by its
# pod IP, which changes when the pod is rescheduled.
set -eu
: "${POD_NAME:?}" "${POD_NAMESPACE:?}" "${REDIS_PASSWORD:?}" "${REDIS_SENTINEL_MASTER:?}"
: "${REDIS_NODES:?}" "${REDIS_SENTINEL_QUORUM:?}"
SERVICE=zargar-redis
CONF_DIR="${CONF_DIR:-/conf}"
DOMAIN="$SERVICE.$POD_NAMESPACE.svc"
ME="$POD_NAME.$DOMAIN"
export REDISCLI_AUTH="$REDIS_PASSWORD"

master=""
i=0
while [ "$i" -lt "$REDIS_NODES" ]; do
  peer="$SERVICE-$i.$DOMAIN"
  if [ "$peer" != "$ME" ]; then
    answer=`timeout 5 redis-cli -h "$peer" -p 26379 --raw SENTINEL GET-MASTER-ADDR-BY-NAME "$REDIS_SENTINEL_MASTER" 2>/dev/null | head -n 1 || true`
    # Only one of our own nodes counts as an answer (not an error, nor an empty reply).
    case "$answer" in
      "$SERVICE"-[0-9]*".$DOMAIN") master="$answer"; break ;;
    esac
  fi
  i=`expr "$i" + 1`
done
[ -n "$master" ] || master="$SERVICE-0.$DOMAIN"
echo "this pod: $ME; master: $master"

umask 077
cat > "$CONF_DIR/redis.conf" <<CONF
port 6379
bind * -::*
protected-mode no
dir /data
appendonly yes
maxmemory-policy noeviction
requirepass "$REDIS_PASSWORD"
masterauth "$REDIS_PASSWORD"
replica-announce-ip $ME
CONF
if [ "$master" != "$ME" ]; then
  echo "replicaof $master 6379" >> "$CONF_DIR/redis.conf"
fi

cat > "$CONF_DIR/sentinel.conf" <<CONF
port 26379
bind * -::*
protected-mode no
dir $CONF_DIR
requirepass "$REDIS_PASSWORD"
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $ME
sentinel monitor $REDIS_SENTINEL_MASTER $master 6379 $REDIS_SENTINEL_QUORUM
sentinel auth-pass $REDIS_SENTINEL_MASTER "$REDIS_PASSWORD"
sentinel down-after-milliseconds $REDIS_SENTINEL_MASTER 5000
sentinel failover-timeout $REDIS_SENTINEL_MASTER 60000
sentinel parallel-syncs $REDIS_SENTINEL_MASTER 1
CONF
