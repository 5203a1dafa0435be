"""Factories for providers (centres)."""

import factory

from accounts.tests.factories import ProviderOrganisationFactory
from providers.models import Provider


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    organisation = factory.SubFactory(ProviderOrganisationFactory)
    centre_number = factory.Sequence(lambda n: f"C{n:05d}")
    ukprn = factory.Sequence(lambda n: f"1{n:07d}")
    town = "Leeds"
    postcode = "LS1 4AP"
    e_certificates_enabled = True
