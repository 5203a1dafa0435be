"""`/healthz`: whether the database, Redis and a Celery worker answer."""

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CELERY_PING_TIMEOUT_SECONDS = 2.0


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
    from awards_portal.celery import app

    try:
        replies = app.control.ping(timeout=CELERY_PING_TIMEOUT_SECONDS)
    except Exception:
        return False
    return bool(replies)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    redis_up = _redis_ok()
    # A worker is reached through the broker, so with Redis down the worker cannot answer either.
    celery = redis_up and _celery_ok()
    report = {
        "database": "ok" if database else "unavailable",
        "redis": "ok" if redis_up else "unavailable",
        "celery": "ok" if celery else "unavailable",
    }
    status = 200 if all(v == "ok" for v in report.values()) else 503
    return JsonResponse(report, status=status)
