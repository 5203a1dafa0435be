"""Factories for organisations and users."""

import factory
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.roles import Role

TEST_PASSWORD = "correct-horse-battery-staple"


class AwardingOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("kind",)

    name = "Test Awards"
    kind = Organisation.Kind.AWARDING_ORGANISATION


class ProviderOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Provider College {n}")
    kind = Organisation.Kind.PROVIDER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    username = factory.Sequence(lambda n: f"user.{n}")
    email = factory.Sequence(lambda n: f"person{n}@college.example")
    organisation = factory.SubFactory(ProviderOrganisationFactory)
    roles = factory.LazyFunction(lambda: [Role.MANAGE_REGISTRATION])
    status = User.Status.ACTIVE
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(TEST_PASSWORD)


class AOStaffFactory(UserFactory):
    organisation = factory.SubFactory(AwardingOrganisationFactory)
    roles = factory.LazyFunction(lambda: [Role.AO_SUPER_USER])
