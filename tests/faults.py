"""Faults for tests to inject: the web side's broker unreachable, and a real Celery worker that
can be killed outright. Used by the fault tests and by the outbox's own tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from awards_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT_BROKER = "redis://127.0.0.1:6390/0"
# A first start in a fresh virtualenv, on two cores shared with others, can be slow.
WORKER_START_SECONDS = 90


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


class RealWorker:
    """A Celery worker process on the test database and the test broker (solo pool)."""

    def __init__(self, log_path: Path, *, name: str, extra_env: dict[str, str] | None = None):
        self.log_path = log_path
        self.name = name
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, beat: bool = False, schedule_path: Path | None = None) -> RealWorker:
        database = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **self.extra_env,
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "awards_portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-n",
            f"{self.name}-{os.getpid()}@%h",
        ]
        if beat:
            command += [
                "--beat",
                "--schedule",
                str(schedule_path or self.log_path.with_suffix(".db")),
            ]
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + WORKER_START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            if "ready." in self.log_path.read_text():
                return self
            time.sleep(0.2)
        raise AssertionError(f"the worker did not start:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, nothing put back."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text()[-4000:]
