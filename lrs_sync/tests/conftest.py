"""Fixtures for LRS tests: a real Celery worker reaching the sandpit over HTTP; the results
season of the results tests, verified learners and the sandpit as the LRS for achievements."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from awards_portal.celery import app as celery_app
from learners.models import Learner
from learners.tests.factories import LearnerFactory
from lrs_sync.achievement_models import Achievement, SubmissionType
from lrs_sync.achievements import achievement_create
from qualifications.tests.factories import QualificationFactory, UnitFactory
from results.tests.conftest import Season, season  # noqa: F401

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


AWARDED = datetime.date(2026, 3, 2)


def verify(*learners: Learner) -> None:
    """Mark learners' ULNs as verified with the LRS (issue 11 keeps this status)."""
    Learner.objects.filter(pk__in=[learner.pk for learner in learners]).update(
        verification_status="verified"
    )
    for learner in learners:
        learner.refresh_from_db()


@pytest.fixture
def make_achievement(db):
    """A pending achievement of a fresh unit for a verified learner, entered by hand."""

    def make(learner: Learner | None = None, *, verified: bool = True, **overrides) -> Achievement:
        learner = learner or LearnerFactory()
        if verified:
            verify(learner)
        aim = overrides.pop("aim", None) or UnitFactory()
        values = {
            "learner": learner,
            "aim_reference": getattr(aim, "reference", None) or aim.number,
            "award_date": AWARDED,
            "grade": "P",
            "ukprn": learner.provider.ukprn,
            "language_for_assessment": "ENG",
            "submission_type": SubmissionType.FINAL,
            "acting_user": None,
        }
        values.update(overrides)
        return achievement_create(**values)

    return make


@pytest.fixture
def general_qualification(db):
    return QualificationFactory(lrs_type="general")


@pytest.fixture
def sandpit(db, settings):
    """The sandpit as the LRS: the organisation's account, no waiting, and helpers to put
    learners and aims on its registers."""
    from lrs_sandpit.achievement_models import RegisteredAim
    from lrs_sandpit.models import RegisteredLearner
    from lrs_sandpit.services import sandpit_account_ensure

    settings.LRS_SANDPIT_WAITING_SECONDS = 0
    settings.LRS_SANDPIT_PROCESSING_SECONDS = 0
    settings.LRS_POLL_FIRST_SECONDS = 0
    sandpit_account_ensure(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )

    class Sandpit:
        @staticmethod
        def register(*learners: Learner) -> None:
            for learner in learners:
                RegisteredLearner.objects.update_or_create(
                    uln=learner.uln,
                    defaults={
                        "given_name": learner.given_name,
                        "family_name": learner.family_name,
                        "date_of_birth": learner.date_of_birth,
                        "gender": learner.gender,
                    },
                )

        @staticmethod
        def aims(*aims, ownership: str = "owned") -> None:
            for aim in aims:
                RegisteredAim.objects.update_or_create(
                    reference=getattr(aim, "reference", None) or aim.number,
                    defaults={
                        "ownership": ownership,
                        "operational_start_date": aim.operational_start_date,
                        "operational_end_date": aim.operational_end_date,
                    },
                )

        @staticmethod
        def jobs():
            from lrs_sandpit.achievement_models import AchievementBatchJob

            return AchievementBatchJob.objects.all()

    return Sandpit()


from .challenge_fixtures import challenged, resolver  # noqa: E402, F401  event data challenges
