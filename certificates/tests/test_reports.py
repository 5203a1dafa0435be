"""Fee income from replacement certificates (R-CRT-6)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from certificates.models import Certificate
from certificates.reports import academic_year_start, replacement_fee_income
from certificates.tests.factories import CertificateFactory
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def _replacement(provider, *, pence, day):
    original = CertificateFactory(provider=provider, status=Certificate.Status.REPLACED)
    return CertificateFactory(
        provider=provider,
        achievement_reference=original.achievement_reference,
        replaces=original,
        replacement_fee_pence=pence,
        replacement_reason="Lost in a move",
        issued_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
    )


def test_the_academic_year_starts_on_1_august():
    assert academic_year_start(datetime.date(2026, 7, 31)) == datetime.date(2025, 8, 1)
    assert academic_year_start(datetime.date(2026, 8, 1)) == datetime.date(2026, 8, 1)


def test_r_crt_6_replacement_fees_are_totalled_by_provider_and_month_within_the_dates():
    alpha = ProviderFactory(organisation__name="Alpha College")
    beta = ProviderFactory(organisation__name="Beta Training")
    _replacement(alpha, pence=2500, day=datetime.date(2026, 3, 2))
    _replacement(alpha, pence=2500, day=datetime.date(2026, 4, 9))
    _replacement(beta, pence=3000, day=datetime.date(2026, 4, 10))
    _replacement(beta, pence=9999, day=datetime.date(2025, 7, 1))  # before the period
    CertificateFactory(provider=alpha)  # a first certificate is never a fee

    income = replacement_fee_income(
        date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 6, 30)
    )

    assert (income.total.count, income.total.amount) == (3, "£80.00")
    assert [(line.label, line.amount) for line in income.by_provider] == [
        (f"Alpha College ({alpha.centre_number})", "£50.00"),
        (f"Beta Training ({beta.centre_number})", "£30.00"),
    ]
    assert [(line.label, line.count) for line in income.by_month] == [
        ("March 2026", 1),
        ("April 2026", 2),
    ]


def test_r_crt_6_the_fee_report_downloads_as_csv_and_is_audited(client):
    provider = ProviderFactory()
    replacement = _replacement(provider, pence=2500, day=timezone.localdate())
    sign_in(client, AOStaffFactory(roles=[Role.CERTIFICATION_OFFICER]))
    response = client.get(reverse("certificates:replacement_fees_export"))
    body = b"".join(response.streaming_content).decode()
    assert replacement.display_number in body and "£25.00" in body
    assert AuditEvent.objects.filter(action="certificate.replacement_fees_exported").exists()


def test_r_crt_6_a_wrong_date_is_shown_at_the_field(client):
    sign_in(client, AOStaffFactory(roles=[Role.CERTIFICATION_OFFICER]))
    response = client.get(reverse("certificates:replacement_fees"), {"date_from": "31/02/2026"})
    assert response.status_code == 200
    assert 'id="id_date_from_error"' in response.content.decode()


def test_r_acc_5_a_provider_user_cannot_see_fee_income(client):
    provider = ProviderFactory()
    sign_in(client, UserFactory(organisation=provider.organisation, roles=[Role.DATA_EXPORT]))
    assert client.get(reverse("certificates:replacement_fees")).status_code == 403
