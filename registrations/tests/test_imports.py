"""The CSV import services: matching, permissions and the two steps (R-REG-8 to R-REG-14).

Each matching test shows a small CSV with the records before and after Upload."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.utils import timezone

from accounts.roles import ROLE_CAPABILITIES, Capability, Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from audit.models import AuditEvent
from learners.tests.factories import LearnerFactory
from registrations import imports
from registrations.imports import (
    ImportRefused,
    applying,
    registration_import_cancel,
    registration_import_start,
    registration_import_upload,
)
from registrations.models import ImportJob, Registration, RegistrationStatus
from registrations.numbers import registration_number_format, registration_number_is_well_formed
from registrations.tests.factories import CourseRunFactory, RegistrationFactory

from .csv_helpers import csv_file

pytestmark = pytest.mark.django_db
S = RegistrationStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def ao_importer(monkeypatch):
    """AO staff with Bulk Upload, for migrating records from an older system (R-REG-14)."""
    monkeypatch.setitem(
        ROLE_CAPABILITIES,
        Role.AO_SUPER_USER,
        ROLE_CAPABILITIES[Role.AO_SUPER_USER]
        | {Capability.BULK_UPLOAD, Capability.MANAGE_REGISTRATIONS},
    )
    return AOStaffFactory()


@pytest.fixture
def learner(provider):
    return LearnerFactory(provider=provider)


def _import(provider, user, content, separator=","):
    job = registration_import_start(
        provider=provider,
        file_name="registrations.csv",
        content=content,
        separator=separator,
        acting_user=user,
    )
    return job


def _upload(provider, user, content, separator=","):
    job = _import(provider, user, content, separator)
    assert job.status == ImportJob.Status.VALIDATED, (job.file_error, job.errors)
    return registration_import_upload(job=job, acting_user=user)


def _state(registration):
    registration.refresh_from_db()
    return (registration.status, registration.registration_number)


def _reasons(job):
    return [(e["row"], e["column"], e["reason"]) for e in job.errors]


# R-REG-8: two steps ---------------------------------------------------------------------------


def test_r_reg_8_validate_reports_counts_and_errors_and_changes_nothing(
    provider, qualification, importer, learner
):
    content = csv_file(
        [qualification.number, learner.uln, "Registered"],
        [qualification.number, "1234567890", "Registered"],
        [qualification.number, learner.uln, "Graduated"],
    )
    job = _import(provider, importer, content)
    assert job.status == ImportJob.Status.VALIDATED
    assert job.data_rows == 3
    assert job.accepted_count == 1
    assert job.rejected_row_count == 2
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (3, "ULN", "1234567890"),
        (4, "Status", "Graduated"),
    ]
    assert Registration.objects.count() == 0


def test_r_reg_8_upload_applies_the_accepted_rows_and_lists_the_numbers_issued(
    provider, qualification, importer, learner
):
    content = csv_file(
        [qualification.number, learner.uln, "Registered", "", _d(TODAY - 3 * DAY)],
        [qualification.number, "1234567890", "Registered"],
    )
    job = _upload(provider, importer, content)
    assert job.status == ImportJob.Status.UPLOADED
    registration = Registration.objects.get(learner=learner)
    assert registration.status == S.REGISTERED
    assert registration.registration_date == TODAY - 3 * DAY
    assert job.result["numbers_issued"] == [
        {
            "row": 2,
            "uln": learner.uln,
            "qualification_number": qualification.number,
            "registration_number": registration.registration_number,
        }
    ]


def test_r_reg_8_cancel_leaves_records_as_they_were(provider, qualification, importer, learner):
    job = _import(provider, importer, csv_file([qualification.number, learner.uln, "Registered"]))
    job = registration_import_cancel(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.CANCELLED
    assert registration_import_upload(job=job, acting_user=importer).status == "cancelled"
    assert not Registration.objects.exists()


def test_upload_is_all_or_nothing(provider, qualification, importer, monkeypatch):
    learners = [LearnerFactory(provider=provider) for _ in range(3)]
    existing = RegistrationFactory(
        course_run__provider=provider, learner=learners[0], status=S.NOT_REGISTERED
    )
    existing.course_run = Registration.objects.get(pk=existing.pk).course_run
    content = csv_file(*[[qualification.number, x.uln, "Registered"] for x in learners[1:]])
    job = _import(provider, importer, content)

    write_rows = applying._copy_rows

    def fail_on_audit_rows(table, columns, rows):  # the registrations are written by then
        if table == AuditEvent._meta.db_table:
            raise DatabaseError("disk full")
        write_rows(table, columns, rows)

    monkeypatch.setattr(applying, "_copy_rows", fail_on_audit_rows)
    job = registration_import_upload(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.VALIDATED
    assert "nothing was changed" in job.result["failed"]
    assert Registration.objects.count() == 1


def test_uploading_the_same_file_twice_changes_nothing_the_second_time(
    provider, qualification, importer, learner
):
    other = LearnerFactory(provider=provider)
    content = csv_file(
        [qualification.number, learner.uln, "Registered"],
        [qualification.number, other.uln, "Exempt"],
    )
    _upload(provider, importer, content)
    before = {
        r.pk: (r.status, r.registration_number, r.updated_at) for r in Registration.objects.all()
    }
    audit_rows = AuditEvent.objects.filter(action__startswith="registration.").count()

    again = _upload(provider, importer, content)

    assert again.status == ImportJob.Status.UPLOADED
    assert again.result["created"] == 0 and again.result["updated"] == 0
    assert again.result["unchanged"] == 2
    after = {
        r.pk: (r.status, r.registration_number, r.updated_at) for r in Registration.objects.all()
    }
    assert after == before
    assert AuditEvent.objects.filter(action__startswith="registration.").count() == audit_rows


def test_upload_refuses_when_records_changed_since_validation(
    provider, qualification, importer, learner
):
    registration = RegistrationFactory(
        course_run__provider=provider, learner=learner, status=S.NOT_REGISTERED
    )
    registration.course_run.qualification = qualification
    registration.course_run.save()
    job = _import(provider, importer, csv_file([qualification.number, learner.uln, "Exempt"]))
    assert job.accepted_count == 1
    Registration.objects.filter(pk=registration.pk).update(status=S.REGISTRATION_NOT_REQUIRED)

    job = registration_import_upload(job=job, acting_user=importer)

    assert job.status == ImportJob.Status.VALIDATED
    assert "Records changed" in job.result["stale"]
    assert _state(registration) == (S.REGISTRATION_NOT_REQUIRED, None)


def test_large_file_is_validated_and_uploaded_in_the_background(
    provider, qualification, importer, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports.jobs, "BACKGROUND_ROWS", 2)
    learners = [LearnerFactory(provider=provider) for _ in range(4)]
    content = csv_file(*[[qualification.number, x.uln, "Registered"] for x in learners])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = _import(provider, importer, content)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.accepted_count == 4
    with django_capture_on_commit_callbacks(execute=True):
        job = registration_import_upload(job=job, acting_user=importer)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    assert Registration.objects.filter(status=S.REGISTERED).count() == 4
    assert imports.import_progress_get(job.pk)["done"] == 4


# R-REG-9: matching ----------------------------------------------------------------------------


def _registration(course_run, learner, **values):
    return RegistrationFactory(course_run=course_run, learner=learner, **values)


def test_r_reg_9_row_without_number_matches_uln_and_qualification_while_record_has_none(
    provider, course_run, qualification, importer, learner
):
    # Before: Not registered, no number.  CSV: 601/.., ULN, Exempt.  After: Exempt, same record.
    registration = _registration(course_run, learner, status=S.NOT_REGISTERED)
    _upload(provider, importer, csv_file([qualification.number, learner.uln, "Exempt"]))
    assert _state(registration) == (S.EXEMPT, None)
    assert Registration.objects.count() == 1


def test_r_reg_9_row_with_number_matches_that_number_first(
    provider, course_run, qualification, importer, learner
):
    # Before: Certificate Sent with number N.  CSV row with N: Certificate Received + date.
    number = registration_number_format(10000001)
    sent = TODAY - 10 * DAY
    registration = _registration(
        course_run,
        learner,
        status=S.CERTIFICATE_SENT,
        registration_number=number,
        registration_date=TODAY - 90 * DAY,
        achieved_date=TODAY - 30 * DAY,
        certificate_claimed_date=TODAY - 20 * DAY,
        certificate_sent_date=sent,
        postal_tracking_reference="RM123GB",
    )
    content = csv_file(
        [qualification.number, learner.uln, "Certificate Received", number, "", "", "", _d(TODAY)]
    )
    _upload(provider, importer, content)
    registration.refresh_from_db()
    assert (registration.status, registration.certificate_received_date) == (
        S.CERTIFICATE_RECEIVED,
        TODAY,
    )
    assert registration.certificate_sent_date == sent  # empty cells leave values as they are


def test_r_reg_9_row_with_new_number_sets_it_on_the_numberless_record(
    provider, course_run, qualification, ao_importer, learner
):
    # Migration by AO staff. Before: Not registered, no number.  CSV: OLD-123, Registered.
    registration = _registration(course_run, learner, status=S.NOT_REGISTERED)
    content = csv_file(
        [qualification.number, learner.uln, "Registered", "OLD-123", _d(TODAY - 5 * DAY)]
    )
    _upload(provider, ao_importer, content)
    assert _state(registration) == (S.REGISTERED, "OLD-123")
    assert Registration.objects.count() == 1


def test_r_reg_9_row_with_unknown_number_and_no_numberless_record_creates_one(
    provider, course_run, qualification, ao_importer, learner
):
    # Before: nothing.  CSV: OLD-9, Registered.  After: one new record holding OLD-9.
    content = csv_file(
        [qualification.number, learner.uln, "Registered", "OLD-9", _d(TODAY - 5 * DAY)]
    )
    _upload(provider, ao_importer, content)
    registration = Registration.objects.get()
    assert (registration.registration_number, registration.course_run) == ("OLD-9", course_run)


def test_r_reg_9_once_a_record_has_a_number_later_rows_must_carry_it(
    provider, course_run, qualification, importer, learner
):
    # Before: Registered with N.  CSV without N asks for Exempt: refused, record unchanged.
    number = registration_number_format(10000002)
    registration = _registration(
        course_run,
        learner,
        status=S.REGISTERED,
        registration_number=number,
        registration_date=TODAY - 5 * DAY,
    )
    job = _import(provider, importer, csv_file([qualification.number, learner.uln, "Exempt"]))
    assert job.accepted_count == 0
    assert job.errors[0]["column"] == "Registration number"
    assert number in job.errors[0]["reason"]
    assert _state(registration) == (S.REGISTERED, number)

    # With the number the same row updates it.
    _upload(provider, importer, csv_file([qualification.number, learner.uln, "Exempt", number]))
    assert _state(registration) == (S.EXEMPT, number)


def test_r_reg_9_a_number_of_another_learner_is_refused(
    provider, course_run, qualification, importer, learner
):
    number = registration_number_format(10000003)
    _registration(
        course_run,
        LearnerFactory(provider=provider),
        status=S.REGISTERED,
        registration_number=number,
        registration_date=TODAY,
    )
    job = _import(
        provider, importer, csv_file([qualification.number, learner.uln, "Exempt", number])
    )
    assert "belongs to another learner" in job.errors[0]["reason"]


# R-REG-10 / R-REG-11 --------------------------------------------------------------------------


def test_r_reg_10_import_never_removes_a_registration_number(
    provider, course_run, qualification, importer, learner
):
    # Before: Registered with N.  CSV row with N and then a row... an empty number cell keeps N;
    # a different number is refused.
    number = registration_number_format(10000004)
    registration = _registration(
        course_run,
        learner,
        status=S.REGISTERED,
        registration_number=number,
        registration_date=TODAY - 5 * DAY,
    )
    job = _import(
        provider,
        importer,
        csv_file([qualification.number, learner.uln, "Not registered", number]),
    )
    registration_import_upload(job=job, acting_user=importer)
    assert _state(registration) == (S.NOT_REGISTERED, number)

    job = _import(provider, importer, csv_file([qualification.number, learner.uln, "Registered"]))
    registration_import_upload(job=job, acting_user=importer)
    assert _state(registration) == (S.NOT_REGISTERED, number)  # refused: must carry N


def test_r_reg_10_a_different_number_cannot_replace_the_recorded_one(
    provider, course_run, qualification, ao_importer, learner
):
    number = registration_number_format(10000005)
    registration = _registration(
        course_run, learner, status=S.NOT_REGISTERED, registration_number=number
    )
    # Another number for the same learner and qualification matches nothing, so it would create
    # a second registration on the same course run: refused, and the number stays.
    job = _import(
        provider, ao_importer, csv_file([qualification.number, learner.uln, "Exempt", "OTHER-1"])
    )
    assert job.accepted_count == 0
    assert _state(registration) == (S.NOT_REGISTERED, number)


def test_r_reg_11_a_status_needing_a_number_without_one_keeps_the_old_status(
    provider, course_run, qualification, ao_importer, learner
):
    # Before: Exempt, no number.  CSV: Achieved, achieved date, no number.
    # After: still Exempt (the achieved date is recorded) and the report says so.
    registration = _registration(course_run, learner, status=S.EXEMPT)
    achieved = TODAY - 2 * DAY
    content = csv_file([qualification.number, learner.uln, "Achieved", "", "", "", _d(achieved)])
    job = _import(provider, ao_importer, content)
    assert job.accepted_count == 1
    assert job.errors == [
        {
            "row": 2,
            "column": "Status",
            "value": "Achieved",
            "reason": "Achieved needs a registration number, and this record has none; the "
            "status stays Exempt.",
            "outcome": "Imported; status kept as Exempt",
        }
    ]
    registration_import_upload(job=job, acting_user=ao_importer)
    registration.refresh_from_db()
    assert (registration.status, registration.achieved_date) == (S.EXEMPT, achieved)


# R-REG-12 / R-REG-14: who may import what ----------------------------------------------------


def test_r_reg_12_only_users_with_bulk_upload_may_import(provider, qualification, learner):
    manager = UserFactory(organisation=provider.organisation, roles=[Role.MANAGE_REGISTRATION])
    with pytest.raises(PermissionDenied):
        _import(provider, manager, csv_file([qualification.number, learner.uln, "Registered"]))
    assert not ImportJob.objects.exists()


def test_r_reg_12_a_provider_cannot_import_into_another_provider(qualification, importer):
    other = CourseRunFactory(qualification=qualification).provider
    with pytest.raises(PermissionDenied):
        _import(other, importer, csv_file([qualification.number, "9276308686", "Registered"]))


def test_r_reg_14_a_new_registered_row_is_a_request_accepted_with_a_number(
    provider, qualification, importer, learner
):
    job = _upload(provider, importer, csv_file([qualification.number, learner.uln, "Registered"]))
    registration = Registration.objects.get()
    assert registration_number_is_well_formed(registration.registration_number)
    assert registration.registration_date == TODAY
    assert job.result["numbers_issued"][0]["registration_number"] == (
        registration.registration_number
    )


@pytest.mark.parametrize("status", ["Achieved", "Certificate Claimed", "Certificate Sent"])
def test_r_reg_14_a_provider_row_cannot_set_what_only_the_ao_sets(
    provider, qualification, importer, learner, status
):
    job = _import(provider, importer, csv_file([qualification.number, learner.uln, status]))
    assert job.accepted_count == 0
    assert any("Only the awarding organisation" in e["reason"] for e in job.errors)


def test_r_reg_14_a_provider_row_repeating_what_is_recorded_is_accepted_and_changes_nothing(
    provider, course_run, qualification, importer, learner
):
    number = registration_number_format(10000006)
    registration = _registration(
        course_run,
        learner,
        status=S.ACHIEVED,
        registration_number=number,
        registration_date=TODAY - 50 * DAY,
        achieved_date=TODAY - 5 * DAY,
    )
    content = csv_file(
        [
            qualification.number,
            learner.uln,
            "Achieved",
            number,
            _d(TODAY - 50 * DAY),
            "",
            _d(TODAY - 5 * DAY),
        ]
    )
    job = _upload(provider, importer, content)
    assert job.result == {"created": 0, "updated": 0, "unchanged": 1, "numbers_issued": []}
    assert _state(registration) == (S.ACHIEVED, number)


def test_r_reg_14_a_provider_row_cannot_set_a_tracking_reference(
    provider, course_run, qualification, importer, learner
):
    number = registration_number_format(10000007)
    _registration(
        course_run,
        learner,
        status=S.REGISTERED,
        registration_number=number,
        registration_date=TODAY,
    )
    content = csv_file(
        [qualification.number, learner.uln, "Registered", number, "", "", "", "", "", "RM1GB"]
    )
    job = _import(provider, importer, content)
    assert job.errors[0]["column"] == "Postal tracking reference"


def test_r_reg_14_ao_staff_may_import_every_status_for_migration(
    provider, qualification, ao_importer
):
    learners = [LearnerFactory(provider=provider) for _ in range(3)]
    old = TODAY - 60 * DAY
    content = csv_file(
        [
            qualification.number,
            learners[0].uln,
            "Certificate Sent",
            "OLD-1",
            _d(old),
            _d(old),
            _d(old),
            "",
            _d(old),
            "RM99GB",
        ],
        [qualification.number, learners[1].uln, "Achieved", "OLD-2", _d(old), "", _d(old)],
        [
            qualification.number,
            learners[2].uln,
            "Certificate Claimed",
            "OLD-3",
            _d(old),
            _d(old),
            _d(old),
        ],
    )
    job = _upload(provider, ao_importer, content)
    assert job.result["created"] == 3
    assert set(Registration.objects.values_list("status", flat=True)) == {
        S.CERTIFICATE_SENT,
        S.ACHIEVED,
        S.CERTIFICATE_CLAIMED,
    }


# Learners, course runs, scoping --------------------------------------------------------------


def test_a_row_for_a_learner_not_at_the_provider_asks_to_register_the_learner_first(
    provider, qualification, importer
):
    elsewhere = LearnerFactory()  # another provider's learner
    job = _import(provider, importer, csv_file([qualification.number, elsewhere.uln, "Registered"]))
    assert job.errors[0]["column"] == "ULN"
    assert "register the learner first" in job.errors[0]["reason"]


def test_a_number_of_another_providers_registration_is_refused(
    provider, qualification, importer, learner
):
    number = registration_number_format(10000008)
    RegistrationFactory(status=S.REGISTERED, registration_number=number, registration_date=TODAY)
    job = _import(
        provider, importer, csv_file([qualification.number, learner.uln, "Exempt", number])
    )
    assert job.errors[0]["reason"] == (
        f"Registration number {number} is not a registration at {provider.name}."
    )


def test_a_qualification_the_provider_is_not_approved_for_is_refused(provider, importer, learner):
    other_qualification = CourseRunFactory().qualification
    job = _import(
        provider, importer, csv_file([other_qualification.number, learner.uln, "Registered"])
    )
    assert "not approved" in job.errors[0]["reason"]


def test_a_new_registration_goes_on_the_most_recently_started_running_course_run(
    provider, course_run, qualification, importer, learner
):
    newer = CourseRunFactory(
        provider=provider,
        qualification=qualification,
        approved=False,
        start_date=TODAY - 10 * DAY,
        planned_achievement_date=TODAY + 300 * DAY,
    )
    CourseRunFactory(  # ended: never chosen
        provider=provider,
        qualification=qualification,
        approved=False,
        start_date=TODAY - 400 * DAY,
        planned_achievement_date=TODAY - 30 * DAY,
    )
    CourseRunFactory(  # not started yet
        provider=provider,
        qualification=qualification,
        approved=False,
        start_date=TODAY + 30 * DAY,
        planned_achievement_date=TODAY + 300 * DAY,
    )
    _upload(provider, importer, csv_file([qualification.number, learner.uln, "Registered"]))
    assert Registration.objects.get().course_run == newer


def test_a_new_registration_before_any_run_starts_goes_on_the_one_starting_soonest(
    provider, qualification, importer, learner
):
    ended = CourseRunFactory(
        provider=provider,
        qualification=qualification,
        approved=False,
        start_date=TODAY - 400 * DAY,
        planned_achievement_date=TODAY - 30 * DAY,
    )
    soon = CourseRunFactory(
        provider=provider,
        qualification=qualification,
        approved=False,
        start_date=TODAY + 20 * DAY,
        planned_achievement_date=TODAY + 300 * DAY,
    )
    CourseRunFactory(
        provider=provider,
        qualification=qualification,
        approved=False,
        start_date=TODAY + 60 * DAY,
        planned_achievement_date=TODAY + 300 * DAY,
    )
    ended.registrations.all().delete()
    Registration.objects.all().delete()
    # The fixture's course run is running today, so ask for a date before it started.
    day = TODAY - 200 * DAY
    job = _import(
        provider, importer, csv_file([qualification.number, learner.uln, "Exempt", "", _d(day)])
    )
    assert job.accepted_count == 1
    registration_import_upload(job=job, acting_user=importer)
    assert Registration.objects.get().course_run in (ended, soon)


def test_a_new_registration_with_no_running_course_run_is_refused(
    provider, qualification, importer, learner
):
    day = TODAY + 400 * DAY  # after the fixture's course run ends (and in the future)
    content = csv_file([qualification.number, learner.uln, "Exempt", "", _d(day)])
    job = _import(provider, importer, content)
    assert any("no course run" in e["reason"] for e in job.errors)


def test_a_registration_repeated_in_the_file_is_refused_on_its_second_row(
    provider, qualification, importer, learner
):
    content = csv_file(
        [qualification.number, learner.uln, "Registered"],
        [qualification.number, learner.uln, "Exempt"],
    )
    job = _import(provider, importer, content)
    assert job.accepted_count == 1
    assert job.errors[0]["row"] == 3 and "Row 2 already gives" in job.errors[0]["reason"]


def test_every_change_and_the_import_itself_are_audited(
    provider, course_run, qualification, importer, learner
):
    registration = _registration(course_run, learner, status=S.NOT_REGISTERED)
    new_learner = LearnerFactory(provider=provider)
    content = csv_file(
        [qualification.number, learner.uln, "Exempt"],
        [qualification.number, new_learner.uln, "Registered"],
    )
    job = _upload(provider, importer, content)
    update = AuditEvent.objects.get(action="registration.update", object_id=str(registration.pk))
    assert update.before == {"status": "not_registered"}
    assert update.after == {"status": "exempt"}
    assert update.actor == importer and update.detail == {"import_job": job.pk, "row": 2}
    create = AuditEvent.objects.get(action="registration.create")
    assert create.after["status"] == "registered" and create.after["registration_number"]
    assert set(
        AuditEvent.objects.filter(object_id=str(job.pk)).values_list("action", flat=True)
    ) >= {"registrations.import_validated", "registrations.import_uploaded"}


def test_a_file_that_is_not_csv_is_refused_with_a_clear_message(provider, importer):
    with pytest.raises(ImportRefused, match="not a CSV file"):
        registration_import_start(
            provider=provider,
            file_name="cohort.xlsx",
            content=b"PK\x03\x04...",
            separator=",",
            acting_user=importer,
        )
    with pytest.raises(ImportRefused, match="spreadsheet workbook"):
        registration_import_start(
            provider=provider,
            file_name="cohort.csv",
            content=b"PK\x03\x04\x00\x00",
            separator=",",
            acting_user=importer,
        )


def test_a_file_of_2_mb_or_more_is_refused(provider, importer):
    content = csv_file() + b"x" * (2 * 1024 * 1024)
    with pytest.raises(ImportRefused, match="smaller than 2 MB"):
        _import(provider, importer, content)


def test_a_file_with_the_wrong_header_is_refused_as_a_whole(provider, importer):
    content = b"ULN,Qualification Number,Status\r\n9276308686,601/2977/3,Registered\r\n"
    job = _import(provider, importer, content)
    assert job.status == ImportJob.Status.REFUSED
    assert 'Column 1 of the first row is "ULN"' in job.file_error


def test_tasks_are_idempotent_a_redelivered_message_changes_nothing(
    provider, qualification, importer, learner
):
    from registrations.tasks import (
        registration_import_upload_task,
        registration_import_validate_task,
    )

    job = _upload(provider, importer, csv_file([qualification.number, learner.uln, "Registered"]))
    number = Registration.objects.get().registration_number
    events = AuditEvent.objects.count()

    registration_import_validate_task(job.pk)
    registration_import_upload_task(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    assert list(Registration.objects.values_list("registration_number", flat=True)) == [number]
    assert AuditEvent.objects.count() == events


def test_a_fault_during_upload_changes_nothing_and_lets_the_user_try_again(
    provider, qualification, importer, learner, monkeypatch
):
    job = _import(provider, importer, csv_file([qualification.number, learner.uln, "Registered"]))

    def broken(*args, **kwargs):
        raise ValueError("a fault")

    monkeypatch.setattr(imports.applying, "registration_requests_accept", broken)
    job = registration_import_upload(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.VALIDATED
    assert "nothing was changed" in job.result["failed"]
    assert not Registration.objects.exists()

    monkeypatch.undo()
    job = registration_import_upload(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.UPLOADED
    assert Registration.objects.count() == 1
