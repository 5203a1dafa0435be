import pytest

from accounts.navigation import menu_for
from accounts.roles import Capability, Role, capabilities_for_roles
from accounts.tests.factories import AOStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_r_acc_5_roles_combine_as_the_union_of_their_capabilities():
    combined = capabilities_for_roles([Role.BULK_UPLOAD, Role.DATA_EXPORT])
    assert Capability.BULK_UPLOAD in combined
    assert Capability.EXPORT_DATA in combined
    assert Capability.ENTER_RESULTS not in combined


def test_r_acc_5_a_provider_user_gains_nothing_from_an_ao_role_code():
    user = UserFactory(roles=[Role.CATALOGUE_MANAGER])
    assert not user.can(Capability.MANAGE_CATALOGUE)


def test_r_acc_5_menu_shows_providers_only_to_ao_staff_who_may_manage_them():
    ao_admin = AOStaffFactory(roles=[Role.AO_SUPER_USER])
    verifier = AOStaffFactory(roles=[Role.VERIFIER], email="v@awards.example", username="v")
    provider_admin = UserFactory(roles=[Role.PROVIDER_SUPER_USER])

    def labels(user):
        return [item["label"] for item in menu_for(user)]

    assert "Providers" in labels(ao_admin)
    assert "Providers" not in labels(verifier)
    assert "Providers" not in labels(provider_admin)
    assert "Our centre" in labels(provider_admin)


def test_r_acc_6_second_factor_is_required_for_ao_roles_and_provider_super_users():
    assert AOStaffFactory(roles=[Role.VERIFIER]).second_factor_required
    assert UserFactory(roles=[Role.PROVIDER_SUPER_USER]).second_factor_required
    assert not UserFactory(roles=[Role.RESULTS_ENTRY]).second_factor_required
