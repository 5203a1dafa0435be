"""A registration's language for assessment changed while its achievement is in a batch with the
LRS reaches the LRS without a person (R-LRS-6, decision 0162): accepted, an Update follows in the
next batch; rejected or failed with the batch (R-LRS-9, RS005), the record waits with the new
language and its resubmission carries it."""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest
from django.test import TestCase

from learners.models import Learner
from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import HeldAchievement
from lrs_sync.achievement_batches import (
    achievement_batch_resubmit_fixed,
    achievement_batches_build,
)
from lrs_sync.achievement_events import achievements_withdraw_all
from lrs_sync.achievement_models import (
    Achievement,
    AchievementBatch,
    AchievementState,
    BatchStatus,
    LrsAction,
)
from lrs_sync.achievement_submission import batch_poll
from lrs_sync.achievements import (
    achievement_reinstate,
    achievement_waiting_reasons,
    achievement_withdraw,
)
from qualifications.tests.factories import UnitFactory
from registrations.models import RegistrationStatus
from registrations.services import registration_update_status
from registrations.tests.factories import CourseRunFactory, RegistrationFactory
from registrations.validators import RegistrationRecord

from .conftest import verify

pytestmark = pytest.mark.django_db
S = AchievementState


def _record(make_achievement, sandpit, *, registered=True) -> Achievement:
    """An achievement made from a registration, for a learner and aim the sandpit knows."""
    learner = LearnerFactory()
    unit = UnitFactory()
    sandpit.aims(unit)
    if registered:
        sandpit.register(learner)
    record = make_achievement(learner, aim=unit)
    registration = RegistrationFactory(
        learner=learner,
        course_run=CourseRunFactory(provider=learner.provider),
        status=RegistrationStatus.NOT_REGISTERED,
    )
    Achievement.objects.filter(pk=record.pk).update(registration=registration)
    record.refresh_from_db()
    return record


def _build():
    with TestCase.captureOnCommitCallbacks(execute=True):
        return achievement_batches_build(submission_type="Final", acting_user=None)


@pytest.fixture
def slow_lrs(settings):
    """The sandpit holds each job for an hour: the records stay in their batch until
    `_answer` lets the LRS process it."""
    settings.LRS_SANDPIT_WAITING_SECONDS = 3600
    settings.LRS_POLL_FIRST_SECONDS = 60  # the eager poll comes early and does nothing

    def answer(batch: AchievementBatch) -> AchievementBatch:
        settings.LRS_SANDPIT_WAITING_SECONDS = 0
        AchievementBatch.objects.filter(pk=batch.pk).update(next_poll_at=None)
        with TestCase.captureOnCommitCallbacks(execute=True):
            batch_poll(batch_id=batch.pk)
        batch.refresh_from_db()
        settings.LRS_SANDPIT_WAITING_SECONDS = 3600
        return batch

    return answer


def _change_language(record: Achievement, language: str) -> None:
    registration = record.registration
    assert registration is not None
    registration.refresh_from_db()
    registration_update_status(
        registration=registration,
        proposed=replace(RegistrationRecord.of(registration), language_for_assessment=language),
        acting_user=None,
    )


def _notes(record: Achievement) -> str:
    return " ".join(record.history.values_list("note", flat=True))


def test_r_lrs_6_accepted_the_language_goes_as_an_update_in_the_next_batch(
    make_achievement, sandpit, slow_lrs
):
    record = _record(make_achievement, sandpit)
    (batch,) = _build()
    _change_language(record, "CYM")

    assert slow_lrs(batch).status == BatchStatus.SUCCESSFUL

    record.refresh_from_db()
    assert (record.state, record.pending_action, record.language_for_assessment) == (
        S.PENDING,
        LrsAction.UPDATE,
        "CYM",
    )
    assert record.language_after_batch == ""
    assert "the LRS has accepted the record, so the change goes as an Update" in _notes(record)
    held = HeldAchievement.objects.get(uln=record.uln)
    assert held.language_for_assessment == "ENG"  # not yet: the Update is in the next batch

    (update,) = _build()
    slow_lrs(update)

    held.refresh_from_db()
    record.refresh_from_db()
    assert held.language_for_assessment == "CYM"
    assert (record.state, record.pending_action) == (S.ACCEPTED, None)


def test_r_lrs_6_rejected_the_record_waits_with_the_new_language_and_its_resubmission_carries_it(
    make_achievement, sandpit, slow_lrs
):
    records = [_record(make_achievement, sandpit) for _ in range(4)]
    rejected = records[0]
    registered_name = rejected.learner.family_name
    Learner.objects.filter(pk=rejected.learner_id).update(family_name="Someone-Else")
    (batch,) = _build()
    _change_language(rejected, "GLE")

    slow_lrs(batch)

    rejected.refresh_from_db()
    assert (rejected.state, rejected.language_for_assessment, rejected.exception_code) == (
        S.PENDING,
        "GLE",
        "LRN001",
    )
    assert rejected.pending_action == LrsAction.CREATE
    assert "the record waits with the new language and is sent again with it" in _notes(rejected)
    # Still the LRS's rejection to fix first.
    assert "rejected it" in achievement_waiting_reasons(rejected)[0]

    learner = Learner.objects.get(pk=rejected.learner_id)
    learner.family_name = registered_name
    learner.updated_at = datetime.datetime.now(tz=datetime.UTC)
    learner.save()
    verify(learner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        (again,) = achievement_batch_resubmit_fixed(batch=batch, acting_user=None)
    slow_lrs(again)

    assert HeldAchievement.objects.get(uln=rejected.uln).language_for_assessment == "GLE"


def test_r_lrs_9_rs005_the_record_goes_back_to_pending_with_the_new_language(
    make_achievement, sandpit, slow_lrs
):
    good = [_record(make_achievement, sandpit) for _ in range(2)]
    for _ in range(2):
        _record(make_achievement, sandpit, registered=False)
    (batch,) = _build()
    _change_language(good[0], "CYM")

    assert slow_lrs(batch).status == BatchStatus.FAILED

    record = Achievement.objects.get(pk=good[0].pk)
    assert (record.state, record.language_for_assessment, record.exception_code) == (
        S.PENDING,
        "CYM",
        "RS005",
    )
    assert achievement_waiting_reasons(record) == []
    Achievement.objects.exclude(pk__in=[g.pk for g in good]).update(
        pending_action=None, state=S.WITHDRAWN, withdrawn=True
    )

    (again,) = _build()
    slow_lrs(again)

    assert HeldAchievement.objects.get(uln=record.uln).language_for_assessment == "CYM"


def test_a_record_withdrawn_after_its_batch_does_not_send_the_language(
    make_achievement, sandpit, slow_lrs
):
    record = _record(make_achievement, sandpit)
    (batch,) = _build()
    record.refresh_from_db()
    achievements_withdraw_all(
        achievements=[record], reason="ACHINVALID", acting_user=None, note="Voided."
    )
    _change_language(record, "CYM")

    slow_lrs(batch)

    record.refresh_from_db()
    assert (record.withdrawn, record.pending_action) == (True, LrsAction.WITHDRAW)
    assert (record.language_for_assessment, record.language_after_batch) == ("ENG", "")
    assert "is not sent: the record is withdrawn" in _notes(record)


def test_r_lrs_6_a_language_changed_before_a_reinstatement_is_accepted_follows_it(
    make_achievement, sandpit, slow_lrs
):
    record = _record(make_achievement, sandpit)
    slow_lrs(_build()[0])
    achievement_withdraw(
        achievement=record,
        action_date=datetime.date(2026, 3, 5),
        reason="SUBINERROR",
        acting_user=None,
    )
    slow_lrs(_build()[0])
    achievement_reinstate(
        achievement=record,
        action_date=datetime.date(2026, 3, 6),
        reason="SUBINERROR",
        acting_user=None,
    )

    _change_language(record, "CYM")

    record.refresh_from_db()
    # The Reinstate is not overtaken by an Update the LRS would refuse for a withdrawn record.
    assert (record.pending_action, record.language_after_batch) == (LrsAction.REINSTATE, "CYM")
    slow_lrs(_build()[0])
    record.refresh_from_db()
    assert (record.state, record.pending_action, record.language_for_assessment) == (
        S.PENDING,
        LrsAction.UPDATE,
        "CYM",
    )
    slow_lrs(_build()[0])
    held = HeldAchievement.objects.get(uln=record.uln)
    assert (held.withdrawn, held.language_for_assessment) == (False, "CYM")
