"""Fixtures for the event data challenge tests: achievements the sandpit holds, challenges raised
against them there, and an EDC resolver."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory
from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import HeldAchievement
from lrs_sandpit.challenge_models import RaisedDataChallenge
from lrs_sandpit.challenges import data_challenge_raise
from lrs_sync.achievement_models import Achievement, AchievementState
from lrs_sync.challenge_envelopes import ChallengeToCreate


def held_at_lrs(*achievements: Achievement) -> list[HeldAchievement]:
    """The state after the LRS accepted a batch: the sandpit holds each record on the learner's
    PLR, and the portal knows it does."""
    held = []
    for achievement in achievements:
        held.append(
            HeldAchievement.objects.create(
                uln=achievement.uln,
                award_date=achievement.award_date,
                aim_reference=achievement.aim_reference,
                grade=achievement.grade,
                ukprn=achievement.ukprn,
            )
        )
    Achievement.objects.filter(pk__in=[a.pk for a in achievements]).update(
        state=AchievementState.ACCEPTED, pending_action=None, held_at_lrs=True
    )
    return held


def raise_challenge(event: HeldAchievement, challenge_type: str, **extra) -> RaisedDataChallenge:
    values = {
        "challenge_type": challenge_type,
        "user_type": "Provider",
        "uln": "",
        "given_name": "",
        "family_name": "",
        "date_of_birth": None,
        "gender": "",
        "contact_name": "Helen Carter",
        "telephone": "01632 960000",
        "email_address": "helen.carter@college.example",
        "additional_information": "Raised in a test.",
        "learning_event_1_id": event.pk,
        **extra,
    }
    return data_challenge_raise(challenge=ChallengeToCreate(**values))


@pytest.fixture
def resolver(db):
    return AOStaffFactory(roles=[Role.EDC_RESOLVER], email="edc.resolver@awards.example")


@pytest.fixture
def challenged(sandpit, make_achievement):
    """Three accepted achievements of one learner, held at the sandpit."""
    learner = LearnerFactory()
    achievements = [make_achievement(learner) for _ in range(3)]
    for a in achievements:
        a.refresh_from_db()
    return achievements, held_at_lrs(*achievements)
