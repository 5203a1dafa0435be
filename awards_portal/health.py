"""`/healthz`: whether the database and Redis answer and a Celery worker is alive (its heartbeat).

Every check is a single quick round trip, so the page answers in well under 200 ms when all is
well; a worker's liveness is read from the heartbeat each worker writes (worker_heartbeat.py),
not from a broadcast ping that waits for replies."""

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .worker_heartbeat import workers_alive


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        return bool(client.ping())
    except redis.RedisError:
        return False


def _celery_ok() -> bool:
    try:
        return workers_alive() > 0
    except redis.RedisError:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    redis_up = _redis_ok()
    # The heartbeats are in Redis, so with Redis down no worker can be seen either.
    celery = redis_up and _celery_ok()
    report = {
        "database": "ok" if database else "unavailable",
        "redis": "ok" if redis_up else "unavailable",
        "celery": "ok" if celery else "unavailable",
    }
    status = 200 if all(v == "ok" for v in report.values()) else 503
    return JsonResponse(report, status=status)
