import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from providers.tests.factories import ProviderFactory
from qualifications.models import ProviderApproval, Qualification
from qualifications.tests.factories import GradingSchemeFactory, QualificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = AOStaffFactory(roles=[Role.CATALOGUE_MANAGER])
    sign_in(client, user)
    return user


def test_r_reg_1_a_catalogue_manager_adds_a_qualification_and_is_warned_of_a_check_mismatch(
    client, manager
):
    scheme = GradingSchemeFactory()
    response = client.post(
        reverse("qualifications:create"),
        {
            "number": "601/2977/4",
            "title": "Food Safety",
            "qualification_type": "regulated",
            "minimum_credits": "12",
            "level": "2",
            "grading_scheme": scheme.pk,
            "credit_value": "12",
            "operational_start_date": "01/09/2020",
            "operational_end_date": "",
            "ownership": "owned",
        },
        follow=True,
    )
    assert Qualification.objects.filter(number="601/2977/4").exists()
    assert "would usually be 3" in response.content.decode()


def test_r_reg_2_a_catalogue_manager_approves_a_provider(client, manager):
    qualification, provider = QualificationFactory(), ProviderFactory()
    client.post(
        reverse("qualifications:detail", args=[qualification.pk]),
        {"approval-provider": provider.pk},
    )
    assert ProviderApproval.objects.filter(provider=provider, qualification=qualification).exists()


def test_r_acc_5_provider_users_cannot_open_the_catalogue(client):
    sign_in(client, UserFactory())
    assert client.get(reverse("qualifications:catalogue")).status_code == 403
