"""The Registrations list with its export (R-REG-13) and the import pages (R-REG-8, R-REG-12)."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from learners.tests.factories import LearnerFactory
from registrations.csv_format import EXPORT_COLUMNS
from registrations.imports import registration_import_start
from registrations.models import ImportJob, Registration, RegistrationStatus
from registrations.numbers import registration_number_format
from registrations.tests.factories import CourseRunFactory, RegistrationFactory

from .csv_helpers import csv_file

pytestmark = pytest.mark.django_db
S = RegistrationStatus
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ALL_PROVIDER_ROLES = [
    Role.MANAGE_REGISTRATION,
    Role.BULK_UPLOAD,
    Role.DATA_EXPORT,
]


@pytest.fixture
def administrator(provider):
    return UserFactory(organisation=provider.organisation, roles=ALL_PROVIDER_ROLES)


def _rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _registrations_in_every_status(course_run):
    """One registration per status, with the dates the AO's work would have set."""
    made = []
    for serial, status in enumerate(S.values, start=10000100):
        numbered = status not in (S.NOT_REGISTERED, S.EXEMPT, S.REGISTRATION_NOT_REQUIRED)
        reached = [S.ACHIEVED, S.CERTIFICATE_CLAIMED, S.CERTIFICATE_SENT, S.CERTIFICATE_RECEIVED]
        level = reached.index(status) + 1 if status in reached else 0
        made.append(
            RegistrationFactory(
                course_run=course_run,
                status=status,
                registration_number=registration_number_format(serial) if numbered else None,
                registration_date=TODAY - 60 * DAY if numbered else None,
                achieved_date=TODAY - 40 * DAY if level >= 1 else None,
                certificate_claimed_date=TODAY - 30 * DAY if level >= 2 else None,
                certificate_sent_date=TODAY - 20 * DAY if level >= 3 else None,
                postal_tracking_reference="-RM1GB" if level >= 3 else "",
                certificate_received_date=TODAY - 10 * DAY if level >= 4 else None,
            )
        )
    return made


# The list and export -------------------------------------------------------------------------


def test_the_list_shows_only_the_providers_own_registrations(client, course_run, administrator):
    own = RegistrationFactory(course_run=course_run)
    other = RegistrationFactory()
    sign_in(client, administrator)
    response = client.get(reverse("registrations:list"))
    assert response.status_code == 200
    assert own.learner.family_name in response.content.decode()
    assert other.learner.uln not in response.content.decode()


def test_r_reg_13_export_has_the_004_columns_in_order_with_dd_mm_yyyy_dates(
    client, course_run, administrator
):
    registration = RegistrationFactory(
        course_run=course_run,
        status=S.REGISTERED,
        registration_number=registration_number_format(10000050),
        registration_date=datetime.date(2026, 3, 4),
    )
    sign_in(client, administrator)
    response = client.post(reverse("registrations:export"), {"scope": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, row = _rows(response)
    assert header == [label for _, label in EXPORT_COLUMNS]
    assert header[:4] == ["Title", "First Name", "Last Name", "Full Name"]
    assert len(header) == 33
    assert header[-9:] == [
        "Registration number",
        "Registered Date",
        "Certificate Received Date",
        "Certificate Claimed Date",
        "Achieved Date",
        "Certificate Sent Date",
        "Postal Tracking Reference",
        "QA Verified",
        "Language for assessment",
    ]
    cells = dict(zip(header, row, strict=True))
    assert cells["Language for assessment"] == "ENG"
    assert cells["ULN"] == registration.learner.uln
    assert cells["Qualification number"] == course_run.qualification.number
    assert cells["Status"] == "Registered"
    assert cells["Registered Date"] == "04/03/2026"
    assert cells["Date of Birth"] == "01/06/2004"


def test_r_reg_13_no_exported_cell_is_read_as_a_formula(client, course_run, administrator):
    learner = LearnerFactory(
        provider=course_run.provider, employer='=HYPERLINK("http://x.example","Click")'
    )
    RegistrationFactory(course_run=course_run, learner=learner)
    sign_in(client, administrator)
    _, row = _rows(client.post(reverse("registrations:export"), {"scope": "all"}))
    assert row[17] == '\'=HYPERLINK("http://x.example","Click")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_r_reg_13_export_of_selected_rows_only(client, course_run, administrator):
    chosen, _ = (
        RegistrationFactory(course_run=course_run),
        RegistrationFactory(course_run=course_run),
    )
    sign_in(client, administrator)
    rows = _rows(
        client.post(reverse("registrations:export"), {"scope": "selected", "selected": chosen.pk})
    )
    assert [r[18] for r in rows[1:]] == [chosen.learner.uln]


def test_r_reg_13_export_of_everything_matching_the_filter(client, course_run, administrator):
    RegistrationFactory(course_run=course_run, status=S.EXEMPT)
    RegistrationFactory(course_run=course_run, status=S.NOT_REGISTERED)
    sign_in(client, administrator)
    rows = _rows(client.post(reverse("registrations:export"), {"scope": "all", "status": "exempt"}))
    assert [r[23] for r in rows[1:]] == ["Exempt"]
    event = AuditEvent.objects.get(action="registrations.exported")
    assert event.detail == {"count": 1, "scope": "all", "filters": {"status": "exempt"}}
    assert event.actor == administrator


def test_r_reg_13_export_of_the_page(client, course_run, administrator):
    for _ in range(3):
        RegistrationFactory(course_run=course_run)
    sign_in(client, administrator)
    rows = _rows(client.post(reverse("registrations:export"), {"scope": "page", "page": "1"}))
    assert len(rows) == 4


def test_a_provider_cannot_export_another_providers_registrations(
    client, course_run, administrator
):
    other = RegistrationFactory()
    sign_in(client, administrator)
    rows = _rows(
        client.post(reverse("registrations:export"), {"scope": "selected", "selected": other.pk})
    )
    assert rows == [[label for _, label in EXPORT_COLUMNS]]


def test_r_reg_12_only_data_export_may_export(client, provider):
    manager = UserFactory(organisation=provider.organisation, roles=[Role.MANAGE_REGISTRATION])
    sign_in(client, manager)
    assert client.post(reverse("registrations:export"), {"scope": "all"}).status_code == 403


def test_r_reg_14_re_importing_an_export_changes_nothing(client, course_run, administrator):
    _registrations_in_every_status(course_run)
    sign_in(client, administrator)
    exported = b"".join(
        client.post(reverse("registrations:export"), {"scope": "all"}).streaming_content
    )
    before = list(Registration.objects.order_by("pk").values())

    job = registration_import_start(
        provider=course_run.provider,
        file_name="export.csv",
        content=exported,
        separator=",",
        acting_user=administrator,
    )

    assert job.errors == []
    assert job.accepted_count == len(S.values)
    assert job.summary["unchanged"] == len(S.values)
    client.post(reverse("registrations:import_upload", args=[job.pk]))
    job.refresh_from_db()
    assert job.result["unchanged"] == len(S.values)
    assert list(Registration.objects.order_by("pk").values()) == before


# Import pages --------------------------------------------------------------------------------


def _upload_file(name="cohort.csv", content=b""):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_r_reg_12_the_import_page_needs_manage_registrations(client, provider):
    exporter = UserFactory(organisation=provider.organisation, roles=[Role.DATA_EXPORT])
    sign_in(client, exporter)
    assert client.get(reverse("registrations:import")).status_code == 403


def test_r_reg_12_without_bulk_upload_the_page_says_so_and_refuses_files(client, provider):
    manager = UserFactory(organisation=provider.organisation, roles=[Role.MANAGE_REGISTRATION])
    sign_in(client, manager)
    page = client.get(reverse("registrations:import"))
    assert "Importing needs the Bulk Upload role" in page.content.decode()
    response = client.post(
        reverse("registrations:import"), {"file": _upload_file(content=csv_file())}
    )
    assert response.status_code == 403


def test_r_reg_12_the_tips_panel_lists_mandatory_fields_and_offers_a_sample(client, administrator):
    sign_in(client, administrator)
    page = client.get(reverse("registrations:import")).content.decode()
    assert "Mandatory fields:</strong> Qualification Number, ULN, Status." in page
    sample = _rows(client.get(reverse("registrations:import_sample")))
    assert sample[0][:3] == ["Qualification Number", "ULN", "Status"]
    assert len(sample) == 3


def test_r_reg_8_validate_upload_and_report_through_the_pages(client, course_run, administrator):
    learner = LearnerFactory(provider=course_run.provider)
    content = csv_file(
        [course_run.qualification.number, learner.uln, "Registered"],
        [course_run.qualification.number, "9276308687", "Registered"],
    )
    sign_in(client, administrator)
    response = client.post(
        reverse("registrations:import"),
        {"file": _upload_file(content=content), "separator": "comma"},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registrations:import_job", args=[job.pk])
    report = client.get(response["Location"]).content.decode()
    assert '<strong id="accepted-count">1</strong> of 2 records can be imported' in report
    assert "9276308687" in report and "the last digit does not match" in report
    assert not Registration.objects.exists()  # nothing changes before Upload

    errors = _rows(client.get(reverse("registrations:import_job_errors", args=[job.pk])))
    assert errors[0] == ["Row", "Column", "Value", "Reason", "Outcome"]
    assert errors[1][:3] == ["3", "ULN", "9276308687"]

    client.post(reverse("registrations:import_upload", args=[job.pk]))
    registration = Registration.objects.get()
    result = client.get(reverse("registrations:import_job", args=[job.pk])).content.decode()
    assert "Registration numbers issued" in result
    number = registration.registration_number
    assert f"R {number[1:5]} {number[5:9]} {number[9]}" in result


def test_a_file_of_2_mb_or_more_gets_a_clear_message_at_the_field(client, administrator):
    sign_in(client, administrator)
    big = csv_file() + b"x" * (2 * 1024 * 1024)
    response = client.post(
        reverse("registrations:import"), {"file": _upload_file(content=big), "separator": "comma"}
    )
    assert response.status_code == 200
    assert "files must be smaller than 2 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_workbook_gets_a_clear_message_at_the_field(client, administrator):
    sign_in(client, administrator)
    response = client.post(
        reverse("registrations:import"),
        {"file": _upload_file("cohort.xlsx", b"PK\x03\x04zip"), "separator": "comma"},
    )
    assert "is not a CSV file" in response.content.decode()


def test_a_file_with_the_wrong_columns_shows_why_it_is_refused(client, administrator):
    sign_in(client, administrator)
    response = client.post(
        reverse("registrations:import"),
        {"file": _upload_file(content=b"ULN;Status\r\n"), "separator": "comma"},
        follow=True,
    )
    assert "The file cannot be imported" in response.content.decode()
    assert "choose Semicolon" in response.content.decode()


def test_ao_staff_must_choose_the_provider_the_file_is_for(client, monkeypatch):
    from accounts.roles import ROLE_CAPABILITIES, Capability

    monkeypatch.setitem(
        ROLE_CAPABILITIES,
        Role.AO_SUPER_USER,
        ROLE_CAPABILITIES[Role.AO_SUPER_USER]
        | {Capability.BULK_UPLOAD, Capability.MANAGE_REGISTRATIONS},
    )
    sign_in(client, AOStaffFactory())
    response = client.post(
        reverse("registrations:import"),
        {"file": _upload_file(content=csv_file()), "separator": "comma"},
    )
    assert "Choose the provider whose registrations the file holds." in response.content.decode()


def test_a_provider_cannot_see_another_providers_import(client, administrator, course_run):
    other = CourseRunFactory()
    other_user = UserFactory(organisation=other.provider.organisation, roles=ALL_PROVIDER_ROLES)
    job = registration_import_start(
        provider=other.provider,
        file_name="theirs.csv",
        content=csv_file(),
        separator=",",
        acting_user=other_user,
    )
    sign_in(client, administrator)
    for name in ("import_job", "import_job_errors", "import_job_progress"):
        assert client.get(reverse(f"registrations:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("registrations:import_upload", args=[job.pk])).status_code == 404


def test_the_progress_of_a_job_is_available_as_json(client, administrator, provider):
    job = registration_import_start(
        provider=provider,
        file_name="mine.csv",
        content=csv_file(["601/2977/3", "9276308686", "Registered"]),
        separator=",",
        acting_user=administrator,
    )
    sign_in(client, administrator)
    data = client.get(reverse("registrations:import_job_progress", args=[job.pk])).json()
    assert data["status"] == "validated" and data["working"] is False


def test_r_reg_8_a_file_with_only_the_header_is_refused_as_having_no_rows(
    client, administrator, provider
):
    job = registration_import_start(
        provider=provider,
        file_name="mine.csv",
        content=csv_file(),
        separator=",",
        acting_user=administrator,
    )
    sign_in(client, administrator)
    body = client.get(reverse("registrations:import_job", args=[job.pk])).content.decode()
    assert "The file has no rows" in body
    assert "ready to upload" not in body.lower()


def test_a_job_being_worked_on_shows_a_progress_bar_and_refreshes_without_javascript(
    client, administrator, provider
):
    job = ImportJob.objects.create(
        provider=provider,
        created_by=administrator,
        file_name="big.csv",
        content=b"",
        status=ImportJob.Status.VALIDATING,
        data_rows=5000,
    )
    sign_in(client, administrator)
    page = client.get(reverse("registrations:import_job", args=[job.pk])).content.decode()
    assert '<progress id="job-progress"' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "You can leave this page and come back later." in page


def test_r_reg_14_the_ao_super_user_may_open_the_import_to_migrate_records(client):
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    response = client.get(reverse("registrations:import"))
    assert response.status_code == 200
    assert "provider" in response.content.decode().lower()


def test_the_import_page_lists_recent_imports_and_filters_to_failed_ones(
    client, administrator, provider
):
    for name, status in [
        ("june.csv", ImportJob.Status.UPLOADED),
        ("july.csv", ImportJob.Status.FAILED),
    ]:
        ImportJob.objects.create(
            provider=provider, created_by=administrator, file_name=name, content=b"", status=status
        )
    sign_in(client, administrator)
    url = reverse("registrations:import")

    recent = client.get(url).content.decode()
    failed = client.get(url, {"status": ImportJob.Status.FAILED}).content.decode()

    assert '<caption class="visually-hidden">Recent imports</caption>' in recent
    assert "june.csv" in recent and "july.csv" in recent
    assert '<caption class="visually-hidden">Imports that failed</caption>' in failed
    assert "july.csv" in failed and "june.csv" not in failed
