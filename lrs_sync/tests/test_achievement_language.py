"""A registration's language for assessment reaches its achievements as an Update (R-LRS-6,
decision 0121)."""

from dataclasses import replace

import pytest

from lrs_sync.achievement_models import Achievement, AchievementState, LrsAction
from registrations.models import RegistrationStatus
from registrations.services import registration_update_status
from registrations.tests.factories import CourseRunFactory, RegistrationFactory
from registrations.validators import RegistrationRecord

pytestmark = pytest.mark.django_db


def _held_for_registration(make_achievement, **state):
    record = make_achievement()
    registration = RegistrationFactory(
        learner=record.learner,
        course_run=CourseRunFactory(provider=record.learner.provider),
        status=RegistrationStatus.NOT_REGISTERED,
    )
    values = {"state": AchievementState.ACCEPTED, "held_at_lrs": True, "pending_action": None}
    values.update(state)
    Achievement.objects.filter(pk=record.pk).update(registration=registration, **values)
    return registration, record


def _change_language(registration, language):
    registration_update_status(
        registration=registration,
        proposed=replace(RegistrationRecord.of(registration), language_for_assessment=language),
        acting_user=None,
    )


def test_r_lrs_6_changing_the_registrations_language_sends_an_update(make_achievement):
    registration, record = _held_for_registration(make_achievement)

    _change_language(registration, "CYM")

    record.refresh_from_db()
    assert (record.language_for_assessment, record.state, record.pending_action) == (
        "CYM",
        AchievementState.PENDING,
        LrsAction.UPDATE,
    )
    assert "language for assessment ENG → CYM" in record.history.last().note


def test_r_lrs_6_a_record_in_a_batch_is_noted_not_changed(make_achievement):
    registration, record = _held_for_registration(make_achievement, state=AchievementState.IN_BATCH)

    _change_language(registration, "GLE")

    record.refresh_from_db()
    assert (record.language_for_assessment, record.state) == ("ENG", AchievementState.IN_BATCH)
    assert "update it once the batch has been processed" in record.history.last().note


def test_r_lrs_6_a_language_changed_by_csv_import_sends_an_update(make_achievement):
    from accounts.tests.factories import AOStaffFactory
    from registrations.imports import registration_import_start, registration_import_upload
    from registrations.tests.csv_helpers import HEADER

    registration, record = _held_for_registration(make_achievement)
    registration.refresh_from_db()
    staff = AOStaffFactory()
    row = [
        registration.course_run.qualification.number,
        registration.learner.uln,
        "Not registered",
        *[""] * 7,
        "Welsh",
    ]
    content = "\r\n".join([",".join([*HEADER, "Language for assessment"]), ",".join(row)]).encode()
    job = registration_import_start(
        provider=registration.course_run.provider,
        file_name="languages.csv",
        content=content,
        separator=",",
        acting_user=staff,
    )
    assert job.errors == []
    registration_import_upload(job=job, acting_user=staff)

    registration.refresh_from_db()
    record.refresh_from_db()
    assert registration.language_for_assessment == "CYM"
    assert (record.language_for_assessment, record.pending_action) == ("CYM", LrsAction.UPDATE)
