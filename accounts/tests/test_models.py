import pytest
from django.db import IntegrityError

from accounts.models import Organisation, User
from accounts.tests.factories import AOStaffFactory, AwardingOrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_r_acc_1_email_is_unique_whatever_its_case():
    UserFactory(email="jo.bloggs@college.example")
    with pytest.raises(IntegrityError):
        UserFactory(email="Jo.Bloggs@COLLEGE.example")


def test_only_one_awarding_organisation_can_exist():
    AwardingOrganisationFactory()
    with pytest.raises(IntegrityError):
        Organisation.objects.create(name="Another AO", kind=Organisation.Kind.AWARDING_ORGANISATION)


@pytest.mark.parametrize(
    ("status", "active"),
    [
        (User.Status.ACTIVE, True),
        (User.Status.INACTIVE, False),
        (User.Status.SUSPENDED, False),
        (User.Status.DELETED, False),
    ],
)
def test_r_acc_3_only_active_accounts_count_as_active(status, active):
    user = UserFactory(status=status)
    assert user.is_active is active


def test_only_ao_super_users_reach_the_django_admin():
    assert AOStaffFactory().is_staff is True
    assert UserFactory(roles=["provider_super_user"]).is_staff is False
