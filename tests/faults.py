"""Faults for tests to inject: the web side's broker unreachable, and beat beside a real worker
(`real_celery_worker_factory`, tests/celery_worker.py) for the fault tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from awards_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT_BROKER = "redis://127.0.0.1:6390/0"


def _use_broker(url: str) -> None:
    # The app caches its connection pools; drop them so the next publish connects to `url`.
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def tasks_queued() -> Iterator[None]:
    """Tasks go through the broker rather than running eagerly in the test process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@contextlib.contextmanager
def broker_unreachable() -> Iterator[None]:
    """This process's broker URL points at a closed port (a worker keeps the real one)."""
    real = celery_app.conf.broker_url
    with tasks_queued():
        _use_broker(CLOSED_PORT_BROKER)
        try:
            yield
        finally:
            _use_broker(real)


@contextlib.contextmanager
def celery_beat(tmp_path: Path, env: Mapping[str, str]) -> Iterator[Path]:
    """Celery beat as its own process (as deployed), on the test broker; yields its log."""
    log_path = tmp_path / "beat.log"
    with log_path.open("ab") as log:
        beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "awards_portal",
                "beat",
                "--loglevel=INFO",
                f"--schedule={tmp_path / 'beat-schedule'}",
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log_path
    finally:
        beat.terminate()
        try:
            beat.wait(timeout=20)
        except subprocess.TimeoutExpired:
            beat.kill()
            beat.wait(timeout=10)
