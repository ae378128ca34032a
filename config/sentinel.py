"""Redis through Sentinel (Kubernetes) or directly (make demo, make test, compose).

With REDIS_SENTINELS empty nothing changes: REDIS_URL is the Redis server. With
REDIS_SENTINELS set ("host:port,host:port,..."), the Sentinels name the current master
of the group REDIS_SENTINEL_MASTER, and REDIS_URL only gives the password and database
number (its host part is ignored; the manifests write the master name there):

    REDIS_URL=redis://:PASSWORD@zargar/0
    REDIS_SENTINELS=zargar-redis-0.zargar-redis:26379,zargar-redis-1.zargar-redis:26379
    REDIS_SENTINEL_MASTER=zargar

The Sentinels require the same password as Redis (k8s/base/redis.yaml). Each library
then uses its own Sentinel support, so every connection follows a failover:
- Celery broker and results: kombu's `sentinel://` transport and celery's
  SentinelBackend (`;`-separated URLs plus `master_name` in the transport options);
- the Django cache: django-redis's SentinelConnectionFactory (master only: a replica may
  lag behind and hand out a stale value);
- our own clients (health checks, recent errors): redis-py's Sentinel.master_for.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class RedisTarget:
    url: str
    sentinels: tuple[tuple[str, int], ...]
    master: str

    @property
    def password(self) -> str | None:
        password = urlsplit(self.url).password
        return unquote(password) if password is not None else None

    @property
    def db(self) -> int:
        path = urlsplit(self.url).path.strip("/")
        return int(path) if path else 0

    def userinfo(self) -> str:
        """The `user:password@` part of REDIS_URL, as written (still URL-encoded)."""
        netloc = urlsplit(self.url).netloc
        return netloc.rsplit("@", 1)[0] + "@" if "@" in netloc else ""

    def sentinel_kwargs(self, timeout: float | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.password:
            kwargs["password"] = self.password
        if timeout is not None:
            kwargs.update(socket_connect_timeout=timeout, socket_timeout=timeout)
        return kwargs


def parse_sentinels(value: str | list[str]) -> tuple[tuple[str, int], ...]:
    """"a:26379,b:26379" (or a list of "host:port") -> ((a, 26379), (b, 26379))."""
    items = value.split(",") if isinstance(value, str) else value
    result = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS: {item!r} is not host:port")
        result.append((host, int(port)))
    return tuple(result)


def celery_settings(target: RedisTarget) -> dict[str, Any]:
    """Broker and result backend through the Sentinels (CELERY_* settings)."""
    urls = ";".join(
        f"sentinel://{target.userinfo()}{host}:{port}/{target.db}"
        for host, port in target.sentinels
    )
    options = {"master_name": target.master, "sentinel_kwargs": target.sentinel_kwargs()}
    return {
        "CELERY_BROKER_URL": urls,
        "CELERY_BROKER_TRANSPORT_OPTIONS": dict(options),
        "CELERY_RESULT_BACKEND": urls,
        "CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS": dict(options),
    }


def cache_settings(target: RedisTarget, options: dict[str, Any]) -> dict[str, Any]:
    """django-redis's `default` cache on the master the Sentinels name."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        # django-redis takes the service (master) name from the host part.
        "LOCATION": [f"redis://{target.userinfo()}{target.master}/{target.db}"],
        "OPTIONS": {
            **options,
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": [list(s) for s in target.sentinels],
            "SENTINEL_KWARGS": target.sentinel_kwargs(),
        },
    }


def current_target() -> RedisTarget:
    from django.conf import settings

    return RedisTarget(
        url=settings.REDIS_URL,
        sentinels=tuple(tuple(s) for s in settings.REDIS_SENTINELS),
        master=settings.REDIS_SENTINEL_MASTER,
    )


@contextmanager
def redis_client(timeout: float) -> Iterator[Any]:
    """A redis-py client on the current master (REDIS_URL when there are no Sentinels),
    closed (with its Sentinel connections) on leaving the block."""
    import redis
    from redis.sentinel import Sentinel

    target = current_target()
    if not target.sentinels:
        client = redis.Redis.from_url(
            target.url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        try:
            yield client
        finally:
            client.close()
        return
    sentinel = Sentinel(
        list(target.sentinels), sentinel_kwargs=target.sentinel_kwargs(timeout)
    )
    client = sentinel.master_for(
        target.master,
        password=target.password,
        db=target.db,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
    try:
        yield client
    finally:
        client.close()
        sentinel.close()
