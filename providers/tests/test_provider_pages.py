"""Providers are managed: a provider's page, adding and editing centres, approvals (R-REG-2)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from audit.descriptions import events_described
from audit.models import AuditEvent
from providers.models import Provider
from providers.services import provider_update
from providers.tests.factories import ProviderFactory
from qualifications.tests.factories import ProviderApprovalFactory, QualificationFactory

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "name": "Northgate College",
        "centre_number": "40404",
        "ukprn": "10055555",
        "address_line_1": "1 Station Road",
        "address_line_2": "",
        "town": "York",
        "postcode": "yo1 7hh",
        "contact_name": "Jo Bloggs",
        "contact_email": "Exams@Northgate.example",
        "contact_phone": "01904 000000",
        "e_certificates_enabled": "on",
    }
    data.update(overrides)
    return data


def test_r_reg_2_an_ao_super_user_adds_a_provider_and_the_audit_row_reads_in_words(client):
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    response = client.post(reverse("providers:create"), _form())
    provider = Provider.objects.get(centre_number="40404")
    assert response.url == reverse("providers:detail", args=[provider.pk])
    assert provider.postcode == "YO1 7HH" and provider.e_certificates_enabled
    event = AuditEvent.objects.get(action="provider.create")
    assert event.after["Name"] == "Northgate College"
    assert event.after["E-certificates"] == "on"


def test_r_reg_2_a_wrong_ukprn_is_shown_at_the_field_and_nothing_typed_is_lost(client):
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    response = client.post(reverse("providers:create"), _form(ukprn="20055555"))
    body = response.content.decode()
    assert "UKPRN must be 8 digits starting with 1" in body
    assert 'value="1 Station Road"' in body
    assert not Provider.objects.filter(centre_number="40404").exists()


def test_r_reg_2_a_centre_number_in_use_is_refused_at_the_field(client):
    ProviderFactory(centre_number="40404")
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    body = client.post(reverse("providers:create"), _form()).content.decode()
    assert "Centre number 40404 is already in use." in body


def test_r_reg_2_editing_a_provider_audits_only_what_changed_in_words():
    provider = ProviderFactory(e_certificates_enabled=True)
    provider_update(
        provider=provider,
        acting_user=None,
        name=provider.name,
        town="Harrogate",
        e_certificates_enabled=False,
    )
    event = AuditEvent.objects.get(action="provider.update")
    assert event.before == {"Town or city": "Leeds", "E-certificates": "on"}
    assert event.after == {"Town or city": "Harrogate", "E-certificates": "off"}


def test_r_reg_2_the_provider_page_shows_approvals_and_users(client):
    provider = ProviderFactory(organisation__name="Riverbank College")
    approval = ProviderApprovalFactory(provider=provider)
    UserFactory(organisation=provider.organisation, given_name="Hana", family_name="Ito")
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    body = client.get(reverse("providers:detail", args=[provider.pk])).content.decode()
    assert approval.qualification.number in body
    assert "Hana Ito" in body


def test_r_reg_2_approving_a_provider_from_its_page(client):
    provider = ProviderFactory()
    qualification = QualificationFactory()
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    client.post(
        reverse("providers:detail", args=[provider.pk]),
        {"approval-qualification": qualification.pk},
    )
    assert provider.qualification_approvals.filter(
        qualification=qualification, withdrawn_at__isnull=True
    ).exists()
    event = AuditEvent.objects.get(action="provider_approval.grant")
    assert event.after["provider"] == provider.name


def test_r_reg_2_our_centre_lists_its_approved_qualifications_and_reads_its_address(client):
    provider = ProviderFactory(address_line_1="12 Mill Lane", town="Leeds", postcode="LS1 4AP")
    approval = ProviderApprovalFactory(provider=provider)
    withdrawn = ProviderApprovalFactory(provider=provider)
    withdrawn.withdrawn_at = withdrawn.approved_at
    withdrawn.save()
    sign_in(client, UserFactory(organisation=provider.organisation))
    body = client.get(reverse("providers:own")).content.decode()
    assert "12 Mill Lane<br>Leeds<br>LS1 4AP" in body
    assert approval.qualification.number in body
    assert withdrawn.qualification.number not in body


def test_r_acc_7_a_provider_change_reads_in_words_in_the_audit_log():
    provider = ProviderFactory(organisation__name="Riverbank College", town="Leeds")
    provider_update(provider=provider, acting_user=None, town="Harrogate")
    view = events_described([AuditEvent.objects.get(action="provider.update")])[0]
    assert "changed the provider Riverbank College" in view.description
    assert view.changes == ["Town or city: Leeds → Harrogate"]


def test_r_reg_2_only_an_ao_super_user_adds_or_edits_a_provider(client):
    # The catalogue manager approves centres for qualifications but does not change their records.
    provider = ProviderFactory()
    sign_in(client, AOStaffFactory(roles=[Role.CATALOGUE_MANAGER]))

    listing = client.get(reverse("providers:list")).content.decode()
    page = client.get(reverse("providers:detail", args=[provider.pk])).content.decode()

    assert reverse("providers:create") not in listing
    assert reverse("providers:edit", args=[provider.pk]) not in page
    assert client.get(reverse("providers:create")).status_code == 403
    assert client.post(reverse("providers:create"), _form()).status_code == 403
    assert not Provider.objects.filter(centre_number="40404").exists()
    assert client.get(reverse("providers:edit", args=[provider.pk])).status_code == 403
