import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def test_ao_staff_who_manage_providers_see_every_provider(client):
    ProviderFactory(organisation__name="Alpha College")
    ProviderFactory(organisation__name="Beta Training")
    sign_in(client, AOStaffFactory(roles=[Role.AO_SUPER_USER]))
    body = client.get(reverse("providers:list")).content.decode()
    assert "Alpha College" in body and "Beta Training" in body


def test_r_acc_5_a_provider_user_cannot_open_the_provider_list(client):
    provider = ProviderFactory()
    sign_in(client, UserFactory(organisation=provider.organisation))
    assert client.get(reverse("providers:list")).status_code == 403


def test_r_acc_6_a_provider_user_sees_only_their_own_centre(client):
    own = ProviderFactory(organisation__name="Own College")
    ProviderFactory(organisation__name="Other College")
    sign_in(client, UserFactory(organisation=own.organisation))
    body = client.get(reverse("providers:own")).content.decode()
    assert "Own College" in body
    assert "Other College" not in body
