"""Language for assessment on the registration (decision 0121): the forms, the API and the CSV
export and import carry it; it is one of the fields an LRS Update may change (R-LRS-6)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.descriptions import events_described
from audit.models import AuditEvent
from learners.tests.factories import LearnerFactory
from registrations.csv_format import EXPORT_COLUMNS, parse_registration_csv
from registrations.imports import registration_import_start
from registrations.models import LanguageForAssessment, Registration, RegistrationStatus
from registrations.tests.factories import RegistrationFactory, register_form_data

from .csv_helpers import HEADER

pytestmark = pytest.mark.django_db
L = LanguageForAssessment
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def provider_user(course_run):
    return UserFactory(
        organisation=course_run.provider.organisation,
        roles=[Role.MANAGE_REGISTRATION, Role.BULK_UPLOAD, Role.DATA_EXPORT],
    )


# The register form ---------------------------------------------------------------------------


def test_r_lrs_6_the_register_form_offers_english_by_default(client, course_run, provider_user):
    sign_in(client, provider_user)
    page = client.get(reverse("registrations:register")).content.decode()
    assert "Language for assessment" in page
    assert '<option value="ENG" selected>English</option>' in page
    client.post(reverse("registrations:register"), register_form_data(course_run))
    assert Registration.objects.get().language_for_assessment == L.ENGLISH


def test_r_lrs_6_the_register_form_records_welsh(client, course_run, provider_user):
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register"),
        register_form_data(course_run, language_for_assessment="CYM"),
    )
    assert response.status_code == 302
    assert Registration.objects.get().language_for_assessment == L.WELSH


def test_r_lrs_6_a_language_not_listed_is_refused_at_the_field(client, course_run, provider_user):
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register"),
        register_form_data(course_run, language_for_assessment="FRA"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["language_for_assessment"] == [
        "Choose one of the listed answers for language for assessment."
    ]
    assert not Registration.objects.exists()


def test_r_lrs_6_registering_an_existing_learner_records_irish(client, course_run, provider_user):
    learner = LearnerFactory(provider=course_run.provider)
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:register_existing", args=[learner.pk]),
        {"course_run": str(course_run.pk), "language_for_assessment": "GLE"},
    )
    assert response.status_code == 302
    assert Registration.objects.get().language_for_assessment == L.IRISH


# The edit forms and the audit ----------------------------------------------------------------


def _edit_data(registration, **overrides):
    data = {
        "status": registration.status,
        "registration_number": registration.registration_number or "",
        "registration_date": registration.registration_date.strftime("%d/%m/%Y"),
        "achieved_date": "",
        "certificate_claimed_date": "",
        "certificate_sent_date": "",
        "certificate_received_date": "",
        "postal_tracking_reference": "",
        "reason": "The centre assesses this learner in Welsh",
    }
    data.update(overrides)
    return data


def _registered(course_run):
    return RegistrationFactory(
        course_run=course_run,
        status=RegistrationStatus.REGISTERED,
        registration_number="LEGACY-0100",
        registration_date=TODAY - 10 * DAY,
    )


def test_r_lrs_6_the_ao_edit_form_changes_the_language_and_audits_it_in_words(client, course_run):
    registration = _registered(course_run)
    sign_in(client, AOStaffFactory())
    response = client.post(
        reverse("registrations:edit", args=[registration.pk]),
        _edit_data(registration, language_for_assessment="CYM"),
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.language_for_assessment == L.WELSH
    event = AuditEvent.objects.get(action="registration.update")
    assert event.before == {"language_for_assessment": "ENG"}
    assert event.after == {"language_for_assessment": "CYM"}
    (view,) = events_described([event])
    assert view.changes == ["Language for assessment: English → Welsh"]


def test_an_edit_that_leaves_the_language_out_keeps_it(client, course_run):
    registration = _registered(course_run)
    Registration.objects.filter(pk=registration.pk).update(language_for_assessment=L.IRISH)
    registration.refresh_from_db()
    sign_in(client, AOStaffFactory())
    client.post(
        reverse("registrations:edit", args=[registration.pk]),
        _edit_data(registration, postal_tracking_reference="TRACK-1"),
    )
    registration.refresh_from_db()
    assert registration.language_for_assessment == L.IRISH


def test_r_lrs_6_a_centre_changes_the_language(client, course_run, provider_user):
    registration = _registered(course_run)
    sign_in(client, provider_user)
    response = client.post(
        reverse("registrations:edit", args=[registration.pk]),
        {
            "status": "registered",
            "registration_date": registration.registration_date.strftime("%d/%m/%Y"),
            "certificate_received_date": "",
            "language_for_assessment": "GLE",
            "reason": "Assessed in Irish",
        },
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.language_for_assessment == L.IRISH


# The API -------------------------------------------------------------------------------------


def test_r_lrs_6_the_api_reads_and_writes_the_language(client, course_run, provider_user):
    learner = LearnerFactory(provider=course_run.provider)
    sign_in(client, provider_user)
    created = client.post(
        "/api/v1/registrations/",
        {"learner": learner.pk, "course_run": course_run.pk, "language_for_assessment": "CYM"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["language_for_assessment"] == "CYM"
    pk = created.json()["id"]
    changed = client.patch(
        f"/api/v1/registrations/{pk}/",
        {"language_for_assessment": "ENG"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert client.get(f"/api/v1/registrations/{pk}/").json()["language_for_assessment"] == "ENG"


def test_the_api_defaults_to_english(client, course_run, provider_user):
    learner = LearnerFactory(provider=course_run.provider)
    sign_in(client, provider_user)
    created = client.post(
        "/api/v1/registrations/",
        {"learner": learner.pk, "course_run": course_run.pk},
        content_type="application/json",
    )
    assert created.json()["language_for_assessment"] == "ENG"


def test_r_lrs_6_the_api_refuses_a_language_not_listed_naming_the_field(
    client, course_run, provider_user
):
    registration = _registered(course_run)
    sign_in(client, provider_user)
    response = client.patch(
        f"/api/v1/registrations/{registration.pk}/",
        {"language_for_assessment": "Klingon"},
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "language_for_assessment"
    assert "ENG (English), CYM (Welsh) or GLE (Irish)" in error["message"]
    registration.refresh_from_db()
    assert registration.language_for_assessment == L.ENGLISH


# The CSV export and import -------------------------------------------------------------------


def _export(client, user):
    response = client.post(reverse("registrations:export"), {"scope": "all"})
    return b"".join(response.streaming_content)


def _import(course_run, user, content):
    return registration_import_start(
        provider=course_run.provider,
        file_name="export.csv",
        content=content,
        separator=",",
        acting_user=user,
    )


def test_r_lrs_6_the_export_ends_with_the_language_and_re_imports_it(
    client, course_run, provider_user
):
    registration = _registered(course_run)
    Registration.objects.filter(pk=registration.pk).update(language_for_assessment=L.WELSH)
    sign_in(client, provider_user)
    exported = _export(client, provider_user)
    header, row = exported.decode("utf-8-sig").splitlines()[:2]
    assert header.split(",")[-1] == "Language for assessment"
    assert row.split(",")[-1] == "CYM"

    Registration.objects.filter(pk=registration.pk).update(language_for_assessment=L.ENGLISH)
    job = _import(course_run, provider_user, exported)
    assert job.errors == []
    client.post(reverse("registrations:import_upload", args=[job.pk]))
    registration.refresh_from_db()
    assert registration.language_for_assessment == L.WELSH


def test_an_export_without_the_language_column_is_still_read_and_keeps_the_language(
    client, course_run, provider_user
):
    registration = _registered(course_run)
    Registration.objects.filter(pk=registration.pk).update(language_for_assessment=L.IRISH)
    sign_in(client, provider_user)
    lines = _export(client, provider_user).decode("utf-8-sig").splitlines()
    older = "\r\n".join(line.rsplit(",", 1)[0] for line in lines).encode() + b"\r\n"
    assert len(lines[0].split(",")) == len(EXPORT_COLUMNS)
    parsed = parse_registration_csv(older)
    assert parsed.layout == "export" and not parsed.has_language
    job = _import(course_run, provider_user, older)
    assert job.errors == []
    assert job.summary["unchanged"] == 1
    registration.refresh_from_db()
    assert registration.language_for_assessment == L.IRISH


def test_r_lrs_6_the_import_layout_may_end_with_the_language_by_code_or_name():
    header = ",".join([*HEADER, "Language for assessment"])
    rows = [
        "601/2977/3,9276308686,Registered,,01/09/2025,,,,,,cym",
        "601/2977/3,9276308686,Registered,,01/09/2025,,,,,,Irish",
        "601/2977/3,9276308686,Registered,,01/09/2025,,,,,,",
    ]
    parsed = parse_registration_csv("\r\n".join([header, *rows]).encode())
    assert parsed.layout == "import" and parsed.has_language
    assert [(r.errors, r.language) for r in parsed.rows] == [([], "CYM"), ([], "GLE"), ([], "")]


def test_r_lrs_6_a_language_not_listed_in_a_file_names_the_row_field_and_allowed_values():
    header = ",".join([*HEADER, "Language for assessment"])
    content = f"{header}\r\n601/2977/3,9276308686,Registered,,01/09/2025,,,,,,FR\r\n".encode()
    (error,) = parse_registration_csv(content).rows[0].errors
    assert (error.row, error.column, error.value) == (2, "Language for assessment", "FR")
    assert error.reason.startswith(
        "Language for assessment must be one of: ENG (English), CYM (Welsh), GLE (Irish)"
    )
