"""Upload writes Validate's plan as it is while nothing it was planned from has changed, and
plans again (rows locked) as soon as something has (decisions 0030 and 0170)."""

import datetime

import pytest
from django.utils import timezone

from accounts.tests.factories import AOStaffFactory
from audit.models import AuditEvent
from audit.services import snapshot
from learners.models import Learner
from learners.tests.factories import LearnerFactory
from registrations import imports
from registrations.imports import (
    applying,
    import_facts_fingerprint,
    registration_import_plan,
    registration_import_start,
    registration_import_upload,
)
from registrations.imports.stored_plan import plan_pack, plan_unpack
from registrations.models import ImportJob, Registration, RegistrationStatus
from registrations.numbers import registration_number_format
from registrations.services import (
    REGISTRATION_AUDIT_FIELDS,
    acting_as_ao,
    registration_create,
)
from registrations.tests.factories import RegistrationFactory

from .csv_helpers import csv_file

pytestmark = pytest.mark.django_db
S = RegistrationStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def recorded(course_run, provider):
    """A registration the file updates: Not registered, no number."""
    return RegistrationFactory(
        course_run=course_run,
        learner=LearnerFactory(provider=provider),
        status=S.NOT_REGISTERED,
    )


@pytest.fixture
def newcomer(provider):
    """A learner the file registers."""
    return LearnerFactory(provider=provider)


@pytest.fixture
def content(qualification, recorded, newcomer):
    return csv_file(
        [qualification.number, recorded.learner.uln, "Exempt"],
        [qualification.number, newcomer.uln, "Registered"],
    )


@pytest.fixture
def plannings(monkeypatch):
    """Counts how often Upload plans the file again."""
    calls = []

    def counted(**kwargs):
        calls.append(kwargs)
        return registration_import_plan(**kwargs)

    monkeypatch.setattr(imports.jobs, "registration_import_plan", counted)
    return calls


def _validate(provider, importer, content):
    job = registration_import_start(
        provider=provider,
        file_name="registrations.csv",
        content=content,
        separator=",",
        acting_user=importer,
    )
    assert job.status == ImportJob.Status.VALIDATED, (job.file_error, job.errors)
    return job


def test_upload_writes_the_validated_plan_without_planning_again_when_nothing_changed(
    provider, importer, content, recorded, newcomer, course_run, plannings
):
    job = _validate(provider, importer, content)
    plannings.clear()

    job = registration_import_upload(job=job, acting_user=importer)

    assert plannings == []
    assert job.status == ImportJob.Status.UPLOADED
    assert (job.result["created"], job.result["updated"]) == (1, 1)
    recorded.refresh_from_db()
    assert recorded.status == S.EXEMPT
    created = Registration.objects.get(learner=newcomer)
    assert (created.status, created.course_run) == (S.REGISTERED, course_run)
    assert job.result["numbers_issued"][0]["registration_number"] == created.registration_number
    update = AuditEvent.objects.get(action="registration.update", object_id=str(recorded.pk))
    assert (update.before, update.after) == ({"status": "not_registered"}, {"status": "exempt"})
    assert bytes(job.plan) == b""  # the kept plan is not kept after it is written


def test_upload_plans_again_when_a_learner_changed_and_uploads_if_the_plan_still_holds(
    provider, importer, content, recorded, plannings
):
    job = _validate(provider, importer, content)
    plannings.clear()
    # A correction the rows do not depend on (the file has no names), made by any path.
    Learner.objects.filter(pk=recorded.learner_id).update(family_name="Corrected")

    job = registration_import_upload(job=job, acting_user=importer)

    assert len(plannings) == 1 and plannings[0]["lock"] is True
    assert job.status == ImportJob.Status.UPLOADED
    recorded.refresh_from_db()
    assert recorded.status == S.EXEMPT


def test_upload_plans_again_when_a_registration_changed_and_reports_the_rows_new_outcome(
    provider, importer, content, recorded, newcomer, plannings
):
    job = _validate(provider, importer, content)
    plannings.clear()
    # The AO registers and certificates the learner meanwhile.
    number = registration_number_format(10000001)
    Registration.objects.filter(pk=recorded.pk).update(
        status=S.CERTIFICATE_SENT,
        registration_number=number,
        registration_date=TODAY - 60 * DAY,
        achieved_date=TODAY - 20 * DAY,
        certificate_claimed_date=TODAY - 15 * DAY,
        certificate_sent_date=TODAY - 10 * DAY,
    )

    job = registration_import_upload(job=job, acting_user=importer)

    assert len(plannings) == 1
    assert job.status == ImportJob.Status.VALIDATED
    assert "Records changed" in job.result["stale"]
    # R-REG-9: the record has a number now, so a row without it cannot update it.
    assert [(e["row"], e["column"], e["outcome"]) for e in job.errors] == [
        (2, "Registration number", "Not imported")
    ]
    assert f"has the number {number}" in job.errors[0]["reason"]
    assert job.accepted_count == 1
    assert not Registration.objects.filter(learner=newcomer).exists()
    recorded.refresh_from_db()
    assert (recorded.status, recorded.registration_number) == (S.CERTIFICATE_SENT, number)

    # The refreshed report's plan is the one kept: uploading it now needs no third planning.
    job = registration_import_upload(job=job, acting_user=importer)
    assert len(plannings) == 1
    assert job.status == ImportJob.Status.UPLOADED
    assert (job.result["created"], job.result["updated"]) == (1, 0)
    recorded.refresh_from_db()
    assert recorded.status == S.CERTIFICATE_SENT


def test_a_registration_made_between_validate_and_upload_is_not_made_twice(
    provider, importer, content, newcomer, course_run, plannings
):
    job = _validate(provider, importer, content)
    plannings.clear()
    made = registration_create(learner=newcomer, course_run=course_run, acting_user=importer)

    job = registration_import_upload(job=job, acting_user=importer)

    assert len(plannings) == 1
    assert "Records changed" in job.result["stale"]
    assert job.summary["create"] == 0 and job.summary["unchanged"] == 1
    job = registration_import_upload(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.UPLOADED
    assert list(Registration.objects.filter(learner=newcomer)) == [made]


def test_another_user_uploading_plans_again_when_their_role_could_change_the_plan(
    provider, importer, content, plannings
):
    job = _validate(provider, importer, content)
    plannings.clear()
    ao_user = AOStaffFactory()
    assert acting_as_ao(ao_user) and not acting_as_ao(importer)
    job.upload_requested_by = ao_user
    job.status = ImportJob.Status.UPLOADING
    job.save()

    imports.registration_import_run_upload(job_id=job.pk)

    assert len(plannings) == 1


def test_the_fingerprint_changes_with_any_write_to_a_named_row(
    provider, importer, content, recorded
):
    plan = registration_import_plan(
        content=content, separator=",", provider=provider, acting_user=importer
    )

    def now():
        return import_facts_fingerprint(keys=plan.keys, provider=provider, as_ao=False, today=TODAY)

    assert now() == plan.fingerprint
    Registration.objects.filter(pk=recorded.pk).update(updated_at=timezone.now())
    assert now() != plan.fingerprint
    assert now() != import_facts_fingerprint(
        keys=plan.keys, provider=provider, as_ao=False, today=TODAY + DAY
    )


def test_the_kept_plan_reads_back_as_it_was_planned(provider, importer, content):
    plan = registration_import_plan(
        content=content, separator=",", provider=provider, acting_user=importer
    )
    kept = plan_unpack(plan_pack(plan))
    assert kept is not None
    assert kept.planned == plan.planned
    assert (kept.keys, kept.fingerprint) == (plan.keys, plan.fingerprint)
    assert kept.digest() == plan.digest()


def test_a_new_registrations_audit_row_is_what_audit_record_would_write(
    provider, importer, newcomer, qualification
):
    job = _validate(
        provider,
        importer,
        csv_file([qualification.number, newcomer.uln, "Registered", "", "01/09/2025"]),
    )
    registration_import_upload(job=job, acting_user=importer)
    created = Registration.objects.get(learner=newcomer)
    event = AuditEvent.objects.get(action="registration.create")
    assert event.after == snapshot(created, REGISTRATION_AUDIT_FIELDS)
    assert event.object_repr == str(created)
    assert event.before == {}


def test_a_new_registration_is_written_with_every_column_of_the_table():
    assert set(applying.NEW_COLUMNS) == {f.column for f in Registration._meta.concrete_fields}


def test_a_kept_plan_that_cannot_be_read_is_planned_again(
    provider, importer, content, recorded, plannings
):
    job = _validate(provider, importer, content)
    ImportJob.objects.filter(pk=job.pk).update(plan=b"not a plan")
    plannings.clear()

    job = registration_import_upload(job=job, acting_user=importer)

    assert len(plannings) == 1
    assert job.status == ImportJob.Status.UPLOADED
    recorded.refresh_from_db()
    assert recorded.status == S.EXEMPT
