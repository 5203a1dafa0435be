"""`/healthz` against the real PostgreSQL, Redis and a real Celery worker."""

import pytest
from django.conf import settings

from awards_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:6390/0"


def test_healthz_reports_every_part_ok_with_a_worker_running(client, real_celery_worker):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "celery": "ok"}


def test_healthz_names_celery_when_no_worker_answers(client):
    assert not celery_app.control.ping(timeout=0.5), "a stray worker is running on the test broker"
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
