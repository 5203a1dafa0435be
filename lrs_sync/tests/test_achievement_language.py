"""A registration's language for assessment reaches its achievements as an Update (R-LRS-6,
decision 0121)."""

from dataclasses import replace

import pytest

from audit.descriptions import events_described
from audit.models import AuditEvent
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


def test_r_lrs_6_a_record_in_a_batch_is_marked_for_after_the_batch(make_achievement):
    registration, record = _held_for_registration(make_achievement, state=AchievementState.IN_BATCH)

    _change_language(registration, "GLE")

    record.refresh_from_db()
    assert (record.language_for_assessment, record.state) == ("ENG", AchievementState.IN_BATCH)
    assert record.language_after_batch == "GLE"
    assert "changed to Irish (GLE) while this record is in batch" in record.history.last().note
    event = AuditEvent.objects.get(action="achievement.language_marked", object_id=str(record.pk))
    view = events_described([event])[0]
    assert view.description.startswith("noted a new language for assessment for ")
    assert "Language to apply once the LRS has answered: (not set) → Irish" in view.changes


def test_the_records_page_shows_the_language_waiting_for_the_batch(make_achievement, client):
    from django.urls import reverse

    from accounts.roles import Role
    from accounts.tests.factories import AOStaffFactory
    from accounts.tests.helpers import sign_in

    registration, record = _held_for_registration(make_achievement, state=AchievementState.IN_BATCH)
    _change_language(registration, "CYM")
    sign_in(client, AOStaffFactory(roles=[Role.QCF_USER]))

    page = client.get(reverse("lrs_sync:achievement", args=[record.pk])).content.decode()

    assert "English (changing to Welsh once the LRS has answered for this record)" in page
    assert "changed to Welsh (CYM) while this record is in batch" in page


def test_r_lrs_6_changing_back_while_in_a_batch_clears_the_mark(make_achievement):
    registration, record = _held_for_registration(make_achievement, state=AchievementState.IN_BATCH)
    _change_language(registration, "CYM")
    registration.refresh_from_db()

    _change_language(registration, "ENG")

    record.refresh_from_db()
    assert (record.language_for_assessment, record.language_after_batch) == ("ENG", "")
    assert "nothing to change after all" in record.history.last().note


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
