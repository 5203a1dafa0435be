"""`/healthz` against the real PostgreSQL, Redis and a real Celery worker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from awards_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT_REDIS = "redis://127.0.0.1:6390/0"
# A first start in a fresh virtualenv, on two cores under coverage, can be slow.
WORKER_START_SECONDS = 90


@pytest.fixture
def celery_worker_process(tmp_path):
    """A real worker on the test broker, started for this test and stopped after it."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test"}
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "awards_portal",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-n",
            f"healthz-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while time.monotonic() < deadline and worker.poll() is None:
            if celery_app.control.ping(timeout=0.5):
                break
        else:
            pytest.fail(f"the Celery worker did not answer a ping:\n{log_path.read_text()[-3000:]}")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=15)
        log.close()


def test_healthz_reports_every_part_ok_with_a_worker_running(client, celery_worker_process):
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
