"""Celery workers' heartbeat in Redis, so `/healthz` knows a worker is alive without a 2 s ping.

Each worker's main process writes the time into a sorted set every `WORKER_HEARTBEAT_SECONDS`
from a thread of its own (so a long task does not hold it up), and removes itself on a clean
shutdown. A worker killed outright stops writing and drops out once its last beat is older than
`WORKER_HEARTBEAT_STALE_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "awards-portal:celery-worker-heartbeats"


def _client(timeout: float = 1.0) -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )


def worker_heartbeat_write(*, worker: str, client: redis.Redis | None = None) -> None:
    client = client or _client()
    now = time.time()
    pipe = client.pipeline()
    pipe.zadd(HEARTBEAT_KEY, {worker: now})
    # Forget workers gone for an hour, so the set does not grow with every restart.
    pipe.zremrangebyscore(HEARTBEAT_KEY, "-inf", now - 3600)
    pipe.expire(HEARTBEAT_KEY, 3600)
    pipe.execute()


def worker_heartbeat_remove(*, worker: str) -> None:
    _client().zrem(HEARTBEAT_KEY, worker)


def workers_alive(*, client: redis.Redis | None = None) -> int:
    """How many workers wrote a heartbeat recently (raises RedisError if Redis cannot say)."""
    client = client or _client()
    cutoff = time.time() - settings.WORKER_HEARTBEAT_STALE_SECONDS
    return int(client.zcount(HEARTBEAT_KEY, cutoff, "+inf"))


class _Heart(threading.Thread):
    def __init__(self, worker: str) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker = worker
        self.stopped = threading.Event()

    def run(self) -> None:
        client = _client()
        while not self.stopped.is_set():
            try:
                worker_heartbeat_write(worker=self.worker, client=client)
            except redis.RedisError:
                logger.warning("could not write the worker heartbeat", exc_info=True)
            self.stopped.wait(settings.WORKER_HEARTBEAT_SECONDS)


_heart: _Heart | None = None


def heartbeat_start(sender: Any = None, **kwargs: Any) -> None:
    """`worker_ready` signal: start beating for this worker."""
    global _heart
    worker = getattr(sender, "hostname", None) or "worker"
    _heart = _Heart(worker)
    _heart.start()


def heartbeat_stop(sender: Any = None, **kwargs: Any) -> None:
    """`worker_shutdown` signal: stop beating and leave the set at once."""
    if _heart is None:
        return
    _heart.stopped.set()
    try:
        worker_heartbeat_remove(worker=_heart.worker)
    except redis.RedisError:
        logger.warning("could not remove the worker heartbeat", exc_info=True)
