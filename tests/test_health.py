"""`/healthz` against the real PostgreSQL, Redis and a real Celery worker."""

import time

import pytest
import redis
from django.conf import settings

from awards_portal.worker_heartbeat import HEARTBEAT_KEY, workers_alive

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:6390/0"


def test_healthz_reports_every_part_ok_with_a_worker_running(client, real_celery_worker):
    deadline = time.monotonic() + 10  # the worker's first heartbeat follows its start at once
    while workers_alive() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    client.get("/healthz")  # the first request of a process loads the URLconf

    started = time.perf_counter()
    response = client.get("/healthz")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "celery": "ok"}
    assert elapsed < 0.2, f"/healthz took {elapsed * 1000:.0f} ms"


def test_healthz_says_no_worker_once_the_last_heartbeat_is_stale(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 30
    redis.Redis.from_url(settings.REDIS_URL).zadd(HEARTBEAT_KEY, {"gone@host": time.time() - 31})

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["celery"] == "unavailable"


def test_healthz_names_celery_when_no_worker_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["celery"] == "unavailable"
    assert response.json()["redis"] == "ok"


def test_healthz_names_redis_when_redis_is_down(client, monkeypatch):
    monkeypatch.setattr(settings, "REDIS_URL", CLOSED_PORT_REDIS)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unavailable", "celery": "unavailable"}


def test_the_sign_in_page_loads_while_redis_is_down(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
        }
    }
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.content
