"""R-CRT-7: assessment records are kept three years from the end of the academic year."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from providers.tests.factories import ProviderFactory
from registrations.tests.factories import CourseRunFactory, RegistrationFactory
from results.models import LearnerResult
from results.retention import (
    academic_year_end,
    assessment_record_kept_until,
    latest_date_due_for_deletion,
)
from results.selectors import assessment_records_due_for_deletion

D = datetime.date


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (D(2023, 7, 31), D(2023, 7, 31)),
        (D(2023, 8, 1), D(2024, 7, 31)),
        (D(2024, 1, 15), D(2024, 7, 31)),
    ],
)
def test_r_crt_7_the_academic_year_runs_from_august_to_july(day, end):
    assert academic_year_end(day) == end


def test_r_crt_7_a_record_is_kept_three_years_from_the_end_of_its_academic_year():
    assert assessment_record_kept_until(D(2023, 9, 20)) == D(2027, 7, 31)
    assert assessment_record_kept_until(D(2023, 7, 31)) == D(2026, 7, 31)


@pytest.mark.parametrize("record_day", [D(2022, 8, 1), D(2023, 3, 1), D(2023, 7, 31)])
def test_r_crt_7_the_deletion_cut_off_agrees_with_the_kept_until_date(record_day):
    kept_until = assessment_record_kept_until(record_day)
    assert record_day > latest_date_due_for_deletion(kept_until)
    assert record_day <= latest_date_due_for_deletion(kept_until + datetime.timedelta(days=1))


def _result(provider, issued):
    registration = RegistrationFactory(
        course_run=CourseRunFactory(provider=provider), learner__provider=provider
    )
    return LearnerResult.objects.create(
        registration=registration, assessor_name="A. Assessor", results_issued_date=issued
    )


@pytest.mark.django_db
def test_r_crt_7_only_records_past_their_retention_are_reported_and_only_to_their_provider():
    provider, other = ProviderFactory(), ProviderFactory()
    old = _result(provider, D(2021, 6, 30))  # kept until 31/07/2024
    _result(provider, D(2022, 9, 1))  # kept until 31/07/2026
    _result(other, D(2021, 6, 30))
    user = UserFactory(organisation=provider.organisation, roles=[Role.RESULTS_ENTRY])

    due = list(assessment_records_due_for_deletion(user=user, today=D(2025, 11, 24)))

    assert [r.pk for r in due] == [old.pk]
    assert (
        len(assessment_records_due_for_deletion(user=AOStaffFactory(), today=D(2025, 11, 24))) == 2
    )


@pytest.mark.django_db
def test_r_crt_7_the_report_page_lists_records_due_and_says_certificates_are_kept(client):
    provider = ProviderFactory()
    _result(provider, D(2020, 1, 10))
    sign_in(client, UserFactory(organisation=provider.organisation, roles=[Role.RESULTS_ENTRY]))

    page = client.get(reverse("results:retention")).content.decode()

    assert "A. Assessor" not in page  # the report names records, not their contents
    assert "31/07/2023" in page  # kept until
    assert "Certificates are never deleted" in page
    assert AuditEvent.objects.filter(action="results.retention_report_viewed").exists()


@pytest.mark.django_db
def test_r_crt_7_the_report_exports_as_csv(client):
    provider = ProviderFactory()
    _result(provider, D(2020, 1, 10))
    sign_in(
        client,
        UserFactory(
            organisation=provider.organisation, roles=[Role.RESULTS_ENTRY, Role.DATA_EXPORT]
        ),
    )
    response = client.get(reverse("results:retention") + "?format=csv")
    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Centre number,ULN,Learner,Course run")
    assert len(rows) == 2


@pytest.mark.django_db
def test_r_crt_7_without_data_export_the_report_offers_no_download(client):
    provider = ProviderFactory()
    _result(provider, D(2020, 1, 10))
    sign_in(client, UserFactory(organisation=provider.organisation, roles=[Role.RESULTS_ENTRY]))
    assert "Download as CSV" not in client.get(reverse("results:retention")).content.decode()
    assert client.get(reverse("results:retention") + "?format=csv").status_code == 403
