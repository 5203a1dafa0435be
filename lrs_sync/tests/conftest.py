"""Fixtures for verification tests: a real Celery worker reaching the sandpit over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from awards_portal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def sandpit_account_ready() -> None:
    """The account the sandpit accepts; transactional tests empty every table between tests."""
    from lrs_sandpit.services import sandpit_account_ensure

    sandpit_account_ensure(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )


@pytest.fixture(autouse=True)
def _sandpit_account(request: pytest.FixtureRequest) -> None:
    """Every database test starts with the sandpit accepting the portal's credentials."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    sandpit_account_ready()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Starts a worker process on the test database and broker whose LRS LearnerService is
    `endpoint`; tasks sent from the test are no longer run eagerly. Returns the log's path."""
    workers: list[subprocess.Popen] = []
    previous = celery_app.conf.task_always_eager

    def start(endpoint: str) -> Path:
        database = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "LRS_ENDPOINT_LEARNER": endpoint,
        }
        log_path = tmp_path / f"worker-{len(workers)}.log"
        log = log_path.open("w")
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "awards_portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                f"lrs-verify-{os.getpid()}-{len(workers)}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers.append(worker)
        celery_app.conf.task_always_eager = False
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            if celery_app.control.ping(timeout=0.5):
                return log_path
        pytest.fail(f"the worker did not start:\n{log_path.read_text()[-3000:]}")

    try:
        yield start
    finally:
        celery_app.conf.task_always_eager = previous
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
