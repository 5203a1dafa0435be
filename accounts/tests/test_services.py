import pytest

from accounts.roles import Role
from accounts.services import user_create, username_generate
from accounts.tests.factories import AOStaffFactory, ProviderOrganisationFactory, UserFactory
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_r_acc_4_username_is_made_unique_with_a_number():
    UserFactory(username="jo.bloggs")
    UserFactory(username="jo.bloggs2")
    assert username_generate(given_name="Jo", family_name="Bloggs") == "jo.bloggs3"


def test_r_acc_4_user_create_generates_the_username_and_audits_it():
    organisation = ProviderOrganisationFactory()
    admin = AOStaffFactory()

    user = user_create(
        organisation=organisation,
        given_name="Jo",
        family_name="Bloggs",
        email="jo.bloggs@college.example",
        roles=[Role.RESULTS_ENTRY],
        verification_note="Authorised by the principal by phone",
        acting_user=admin,
    )

    assert user.username == "jo.bloggs"
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.actor == admin
    assert event.after["email"] == "jo.bloggs@college.example"


def test_a_user_created_without_a_password_cannot_sign_in_until_they_set_one():
    user = user_create(
        organisation=ProviderOrganisationFactory(),
        given_name="Jo",
        family_name="Bloggs",
        email="jo.bloggs@college.example",
        roles=[Role.RESULTS_ENTRY],
        verification_note="Authorised by the principal",
        acting_user=None,
    )
    assert not user.is_active
    assert not user.has_usable_password()
