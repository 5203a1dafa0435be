"""The "Not known" report: a CSV export, and a centre sees its own figures (R-LRN-6)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent
from learners.choices import Gender
from learners.tests.factories import LearnerFactory
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def test_r_lrn_6_a_centre_sees_only_its_own_not_known_figures(client):
    own = ProviderFactory(organisation__name="Own College")
    other = ProviderFactory(organisation__name="Other College")
    LearnerFactory(provider=own, gender=Gender.NOT_KNOWN)
    LearnerFactory(provider=other)
    sign_in(client, UserFactory(organisation=own.organisation, roles=[Role.DATA_EXPORT]))
    body = client.get(reverse("learners:not_known_report")).content.decode()
    assert "Own College" in body and "Other College" not in body
    assert "Download this report as CSV" in body
    assert "R-LRN" not in body


def test_r_lrn_6_the_not_known_report_downloads_as_csv_and_is_audited(client):
    provider = ProviderFactory(organisation__name="Alpha College")
    LearnerFactory(provider=provider, gender=Gender.NOT_KNOWN)
    LearnerFactory(provider=provider, gender=Gender.FEMALE)
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    response = client.get(reverse("learners:not_known_report_export"))
    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lines[0].startswith(
        "Provider,Centre number,Learners,Gender: Not known,Gender: Not known (%)"
    )
    assert lines[1].startswith(f"Alpha College,{provider.centre_number},2,1,50.0")
    assert AuditEvent.objects.filter(action="learner.not_known_report_exported").exists()


def test_r_lrn_6_exporting_needs_data_export(client):
    provider = ProviderFactory()
    sign_in(client, UserFactory(organisation=provider.organisation, roles=[Role.RESULTS_ENTRY]))
    assert client.get(reverse("learners:not_known_report_export")).status_code == 403
