"""The learner CSV import: every learner rule per row, matching existing learners, duplicates in
the file, registration through the qualification column, and the export's round trip."""

import datetime
import time

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from learners.csv_columns import ALL_COLUMNS, learner_export_row, parse_learner_csv
from learners.csv_import import learner_import_plan
from learners.models import Learner, VerificationStatus
from learners.tests.factories import LearnerFactory, valid_uln
from registrations.imports import registration_import_start, registration_import_upload
from registrations.models import ImportJob, Registration, RegistrationStatus
from registrations.tests.factories import CourseRunFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
HEADER = [label for _, label in ALL_COLUMNS]
KEYS = [key for key, _ in ALL_COLUMNS]


def row(**cells: str) -> list[str]:
    values = {
        "given_name": "Amira",
        "family_name": "Hassan",
        "date_of_birth": "14/03/2005",
        "gender": "Female",
        "ethnicity": "Not known",
        "ability_status": "Not known",
        "prior_attainment": "Full level 2",
        "employment_status": "Not known",
        "postcode": "LS1 5HD",
    } | cells
    return [values.get(key, "") for key in KEYS]


def csv_file(*rows: list[str]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def course_run():
    return CourseRunFactory(
        start_date=TODAY - 100 * DAY, planned_achievement_date=TODAY + 200 * DAY
    )


@pytest.fixture
def provider(course_run):
    return course_run.provider


@pytest.fixture
def importer(provider):
    return UserFactory(
        organisation=provider.organisation, roles=[Role.MANAGE_REGISTRATION, Role.BULK_UPLOAD]
    )


def _plan(content, provider, importer):
    return learner_import_plan(
        content=content, separator=",", provider=provider, acting_user=importer
    )


def _import(content, provider, importer):
    job = registration_import_start(
        provider=provider,
        file_name="learners.csv",
        content=content,
        separator=",",
        acting_user=importer,
        kind=ImportJob.Kind.LEARNERS,
    )
    assert job.status == ImportJob.Status.VALIDATED, job.file_error
    return job


def test_r_lrn_1_to_r_lrn_6_every_learner_rule_is_applied_row_by_row(provider, importer):
    content = csv_file(
        row(uln="9276308687"),  # R-LRN-1: wrong check digit
        row(given_name="Am1ra", family_name="Okoro"),  # R-LRN-2: a digit in a name
        row(given_name="Tiny", date_of_birth=f"{TODAY:%d/%m}/{TODAY.year - 5}"),  # R-LRN-3
        row(given_name="Pat", postcode="ZZ1 1ZZ9"),  # R-LRN-4: not a postcode
        row(given_name="Sam", gender="Woman"),  # R-LRN-6: not one of the answers
        row(given_name="Kim", date_of_birth="31/02/2005"),
    )
    plan = _plan(content, provider, importer)
    by_row = {(e["row"], e["column"]) for e in plan.report}
    assert (2, "ULN") in by_row
    assert (3, "Given name") in by_row
    assert (4, "Date of birth") in by_row
    assert (5, "Postcode") in by_row
    assert (6, "Gender") in by_row
    assert (7, "Date of birth") in by_row
    assert plan.planned == []
    gender = next(e for e in plan.report if e["column"] == "Gender")
    assert "Not known" in gender["reason"] and "R-LRN" not in gender["reason"]


def test_a_file_with_a_header_and_no_rows_says_so(provider, importer):
    plan = _plan(csv_file(), provider, importer)
    assert plan.file_error == "The file has no rows: add a row for each learner."


def test_a_missing_mandatory_column_refuses_the_file(provider, importer):
    plan = _plan(b"Given name,Family name\r\nAmira,Hassan\r\n", provider, importer)
    assert "no column for: Date of birth, Gender" in plan.file_error


def test_new_learners_are_created_and_registered_with_numbers_issued(
    provider, importer, course_run
):
    content = csv_file(
        row(uln="9276308686", qualification_number=course_run.qualification.number),
        row(given_name="Liam", family_name="O'Neill", gender="1"),
    )
    job = _import(content, provider, importer)
    assert job.summary["create"] == 2 and job.summary["requests"] == 1
    job = registration_import_upload(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.UPLOADED, job.result
    amira = Learner.objects.get(provider=provider, uln="9276308686")
    registration = Registration.objects.get(learner=amira)
    assert registration.course_run == course_run
    assert registration.status == RegistrationStatus.REGISTERED
    assert job.result["numbers_issued"][0]["registration_number"] == (
        registration.registration_number
    )
    liam = Learner.objects.get(provider=provider, family_name="O'Neill")
    assert liam.gender == "1"
    assert liam.country == "United Kingdom"  # the form's default for an empty cell
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"learner.create", "registration.create", "learners.import_uploaded"} <= actions


def test_r_lrn_7_a_row_matching_by_uln_or_name_updates_that_learner_and_the_report_says_so(
    provider, importer
):
    by_uln = LearnerFactory(
        provider=provider,
        uln="9276308686",
        given_name="Amira",
        family_name="Hassan",
        verification_status=VerificationStatus.VERIFIED,
        verification_code="WSVRC001",
    )
    by_name = LearnerFactory(
        provider=provider,
        uln="",
        given_name="Zoë",
        family_name="Adeyemi",
        date_of_birth=datetime.date(2006, 3, 14),
    )
    content = csv_file(
        row(uln="9276308686", family_name="Hassan-Reid", gender="Not known"),
        row(given_name="zoe", family_name="ADEYEMI", date_of_birth="14/03/2006", gender="0"),
    )
    job = _import(content, provider, importer)
    matches = {m["row"]: m for m in job.summary["matches"]}
    assert matches[2]["learner_id"] == by_uln.pk and matches[2]["by"] == "ULN"
    assert "Family name" in matches[2]["outcome"]
    assert matches[3]["learner_id"] == by_name.pk
    assert matches[3]["by"] == "name and date of birth"
    registration_import_upload(job=job, acting_user=importer)
    by_uln.refresh_from_db()
    assert by_uln.family_name == "Hassan-Reid"
    assert by_uln.verification_status == VerificationStatus.UNVERIFIED  # R-LRN-7
    assert Learner.objects.filter(provider=provider).count() == 2


def test_the_same_learner_twice_in_a_file_is_reported(provider, importer):
    content = csv_file(
        row(uln="9276308686"),
        row(uln="9276308686", given_name="Amina"),
        row(given_name="Liam", family_name="Walsh"),
        row(given_name="LIAM", family_name="walsh"),
    )
    plan = _plan(content, provider, importer)
    reasons = {e["row"]: e["reason"] for e in plan.report}
    assert reasons[3] == "This learner is also in row 2; give each learner one row."
    assert reasons[5] == "This learner is also in row 4; give each learner one row."
    assert [p.row for p in plan.planned] == [2, 4]


def test_a_name_and_birth_match_with_another_uln_is_refused_not_merged(provider, importer):
    LearnerFactory(
        provider=provider,
        uln="1000000043",
        given_name="Amira",
        family_name="Hassan",
        date_of_birth=datetime.date(2005, 3, 14),
    )
    plan = _plan(csv_file(row(uln="9276308686")), provider, importer)
    assert "with the ULN 1000000043" in plan.report[0]["reason"]


def test_r_reg_2_a_qualification_the_centre_is_not_approved_for_is_refused(provider, importer):
    other = CourseRunFactory(
        provider=provider,
        approved=False,
        start_date=TODAY - DAY,
        planned_achievement_date=TODAY + 100 * DAY,
    )
    plan = _plan(csv_file(row(qualification_number=other.qualification.number)), provider, importer)
    assert plan.report[0]["column"] == "Qualification number"
    assert "not approved" in plan.report[0]["reason"]


def test_an_already_registered_learner_keeps_the_registration(provider, importer, course_run):
    learner = LearnerFactory(provider=provider, uln="9276308686")
    RegistrationFactory(learner=learner, course_run=course_run)
    plan = _plan(
        csv_file(
            [*learner_export_row(learner)[:-2], course_run.qualification.number, ""],
        ),
        provider,
        importer,
    )
    assert [p.action for p in plan.planned] == ["unchanged"]
    assert plan.planned[0].course_run_id is None
    assert plan.report[0]["outcome"] == "Learner imported; registration left as it is"


def test_the_learner_export_imports_again_with_no_changes(provider, importer):
    learners = [
        LearnerFactory(provider=provider, employer="Leeds Bakery Ltd", title="Mr"),
        LearnerFactory(provider=provider, uln=""),
    ]
    content = csv_file(*(learner_export_row(learner) for learner in learners))
    assert parse_learner_csv(content).file_error == ""
    plan = _plan(content, provider, importer)
    assert plan.report == []
    assert [p.action for p in plan.planned] == ["unchanged", "unchanged"]


def test_a_cohort_of_200_validates_in_about_a_second(provider, importer, course_run):
    number = course_run.qualification.number
    rows = [
        row(uln=valid_uln(n), given_name=f"Learner{'abcdefghij'[n % 10]}", family_name=f"N{n}")
        for n in range(200)
    ]
    for r in rows:
        r[KEYS.index("family_name")] = "".join("abcdefghij"[int(d)] for d in r[0][-4:]) + "son"
        r[KEYS.index("given_name")] = "Learner"
        r[KEYS.index("qualification_number")] = number
    started = time.monotonic()
    plan = _plan(csv_file(*rows), provider, importer)
    elapsed = time.monotonic() - started
    assert len(plan.planned) == 200, plan.report[:3]
    assert elapsed < 2.5


def test_a_large_learner_file_is_validated_and_uploaded_in_the_background(
    provider, importer, monkeypatch, django_capture_on_commit_callbacks
):
    from registrations import imports

    monkeypatch.setattr(imports.jobs, "BACKGROUND_ROWS", 2)
    content = csv_file(*(row(uln=valid_uln(n), family_name=f"Nash{'abcd'[n]}") for n in range(4)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = registration_import_start(
            provider=provider,
            file_name="cohort.csv",
            content=content,
            separator=",",
            acting_user=importer,
            kind=ImportJob.Kind.LEARNERS,
        )
    assert len(callbacks) == 1  # the validation task, dispatched after commit
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.accepted_count == 4
    with django_capture_on_commit_callbacks(execute=True):
        registration_import_upload(job=job, acting_user=importer)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UPLOADED
    assert Learner.objects.filter(provider=provider).count() == 4
    assert imports.import_progress_get(job.pk)["done"] == 4


def test_the_export_streams_the_centres_learners_and_is_audited(client, provider):
    from django.urls import reverse

    from accounts.tests.helpers import sign_in

    LearnerFactory(provider=provider, given_name="Amira", family_name="Hassan")
    LearnerFactory(given_name="Other", family_name="Centre")
    user = UserFactory(organisation=provider.organisation, roles=[Role.DATA_EXPORT])
    sign_in(client, user)
    response = client.post(reverse("learners:export"), {"q": ""})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == ",".join(HEADER)
    assert "Hassan" in body and "Centre" not in body
    event = AuditEvent.objects.get(action="learners.exported")
    assert event.detail["count"] == 1


def test_a_learner_added_between_validate_and_upload_refreshes_the_report(provider, importer):
    job = _import(csv_file(row(uln="9276308686")), provider, importer)
    assert job.summary["create"] == 1
    LearnerFactory(provider=provider, uln="9276308686", given_name="Amira", family_name="Hassan")
    job = registration_import_upload(job=job, acting_user=importer)
    assert job.status == ImportJob.Status.VALIDATED
    assert "Records changed since this file was validated" in job.result["stale"]
    assert job.summary["create"] == 0 and len(job.summary["matches"]) == 1
    assert Learner.objects.filter(provider=provider).count() == 1


def test_a_row_refused_at_the_moment_of_upload_names_the_row_and_writes_nothing(provider, importer):
    from django.db import transaction

    from learners.csv_import import learner_import_apply
    from registrations.imports import ImportOutdated

    job = _import(csv_file(row(given_name="Liam", family_name="Walsh"), row()), provider, importer)
    plan = _plan(bytes(job.content), provider, importer)
    # Someone adds the second row's learner, with the same ULN the row will get, at that moment.
    plan.planned[1].details["uln"] = "9276308686"
    LearnerFactory(provider=provider, uln="9276308686")
    with (
        pytest.raises(ImportOutdated, match="Row 3 can no longer be imported"),
        transaction.atomic(),
    ):
        learner_import_apply(plan, job=job, provider=provider, acting_user=importer)
    assert not Learner.objects.filter(family_name="Walsh").exists()
