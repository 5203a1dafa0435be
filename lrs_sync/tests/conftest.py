"""Fixtures for achievements: the results season of the results tests, and verified learners."""

from __future__ import annotations

import datetime

import pytest

from learners.models import Learner
from learners.tests.factories import LearnerFactory
from lrs_sync.achievement_models import Achievement, SubmissionType
from lrs_sync.achievements import achievement_create
from qualifications.tests.factories import QualificationFactory, UnitFactory
from results.tests.conftest import Season, season  # noqa: F401

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
