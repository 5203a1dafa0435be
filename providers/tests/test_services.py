import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from audit.models import AuditEvent
from providers.models import Provider
from providers.services import provider_create

pytestmark = pytest.mark.django_db


def test_provider_create_makes_an_organisation_and_audits_it():
    provider = provider_create(
        name="Lakeside College", centre_number="55001", ukprn="10055001", acting_user=None
    )
    assert provider.organisation.kind == "provider"
    assert AuditEvent.objects.filter(action="provider.create", object_id=str(provider.pk)).exists()


def test_r_reg_2_provider_create_refuses_a_bad_ukprn_with_a_message_naming_it():
    with pytest.raises(ValidationError) as caught:
        provider_create(name="Bad", centre_number="55002", ukprn="20055002", acting_user=None)
    assert "UKPRN must be 8 digits" in str(caught.value.message_dict["ukprn"])
    assert not Provider.objects.exists()


def test_r_reg_2_the_database_refuses_a_bad_ukprn_too():
    provider = provider_create(
        name="Lakeside College", centre_number="55003", ukprn="10055003", acting_user=None
    )
    with pytest.raises(IntegrityError):
        Provider.objects.filter(pk=provider.pk).update(ukprn="99999999")
