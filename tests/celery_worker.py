"""A real Celery worker process for tests, loaded by the root conftest for every app.

Every other test runs tasks eagerly in the test process. A test that must prove the deployed
path (the service commits, the task is sent after commit, a separate worker does the work, or
the worker dies and the work survives) asks for `real_celery_worker` (one worker,
started) or `real_celery_worker_factory` (start one with extra environment, such as a live
server's URL for the LRS, or several). The fixture gives a `CeleryWorker`: its `log_path`, and
`stop`, `kill` (SIGKILL) and `restart`.

The worker uses the test settings, the test broker (`TEST_REDIS_URL`) and the test database, so
it sees what a `transaction=True` test commits. While any worker runs, tasks sent from the test
process go to the broker instead of running eagerly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings

from awards_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
# A first start in a fresh virtualenv, on two cores under coverage, can be slow.
WORKER_START_SECONDS = 90
WORKER_STOP_SECONDS = 20
_numbers = count(1)


def _database_url() -> str:
    """The database this test run uses (the test database once pytest-django has set it up)."""
    database = settings.DATABASES["default"]
    user = database["USER"] or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}{host}:{database['PORT'] or 5432}/{database['NAME']}"


class CeleryWorker:
    """One worker process. `start`, `stop` (SIGTERM, a warm shutdown), `kill` (SIGKILL, as a lost
    machine) and `restart`; the log of every start is appended to `log_path`."""

    def __init__(
        self, *, log_path: Path, env: Mapping[str, str], name: str, loglevel: str = "INFO"
    ) -> None:
        self.log_path = log_path
        self.env = dict(env)
        self.name = name
        self.nodename = f"{name}@{socket.gethostname()}"
        self.loglevel = loglevel
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def start(self, *, env: Mapping[str, str] | None = None) -> CeleryWorker:
        """Start the worker (with `env` added to its environment) and wait until it answers."""
        if self.is_running:
            raise RuntimeError(f"worker {self.nodename} is already running")
        self.env.update(env or {})
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "awards_portal",
                    "worker",
                    "--pool=solo",
                    f"--loglevel={self.loglevel}",
                    "-n",
                    self.nodename,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + WORKER_START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            if celery_app.control.ping(destination=[self.nodename], timeout=0.5):
                return self
        self.kill()
        pytest.fail(f"the Celery worker did not answer a ping:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = WORKER_STOP_SECONDS) -> None:
        """A warm shutdown (SIGTERM); killed if it has not stopped within `timeout` seconds."""
        if not self.is_running:
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as when the machine is lost: the task in hand is not acknowledged."""
        if not self.is_running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WORKER_STOP_SECONDS)

    def restart(self, *, env: Mapping[str, str] | None = None, kill: bool = False) -> CeleryWorker:
        """Stop (or kill) the worker, then start it again under the same name and log."""
        if kill:
            self.kill()
        else:
            self.stop()
        return self.start(env=env)


@pytest.fixture
def real_celery_worker_factory(tmp_path: Path) -> Iterator[Callable[..., CeleryWorker]]:
    """`start(env={...}, name="...", loglevel="INFO")` starts a worker and returns it; every
    worker started is stopped after the test, and eager tasks are restored."""
    workers: list[CeleryWorker] = []
    previous_eager = celery_app.conf.task_always_eager

    def start(
        *,
        env: Mapping[str, str] | None = None,
        name: str = "test-worker",
        loglevel: str = "INFO",
    ) -> CeleryWorker:
        number = next(_numbers)
        worker = CeleryWorker(
            log_path=tmp_path / f"worker-{number}.log",
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test",
                "CELERY_TASK_ALWAYS_EAGER": "False",
                "DATABASE_URL": _database_url(),
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                **(env or {}),
            },
            name=f"{name}-{os.getpid()}-{number}",
            loglevel=loglevel,
        )
        workers.append(worker)
        celery_app.conf.task_always_eager = False
        return worker.start()

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
        celery_app.conf.task_always_eager = previous_eager


@pytest.fixture
def real_celery_worker(
    real_celery_worker_factory: Callable[..., CeleryWorker],
) -> CeleryWorker:
    """One real worker, started, on the test broker and the test database."""
    return real_celery_worker_factory()
