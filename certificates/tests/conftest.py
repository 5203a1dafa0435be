"""Fixtures for the certificate tests: people with the roles that matter here."""

import datetime

import pytest

from accounts.roles import Role
from accounts.tests.factories import AOStaffFactory, UserFactory
from providers.tests.factories import ProviderFactory


@pytest.fixture
def provider(db):
    return ProviderFactory(e_certificates_enabled=True)


@pytest.fixture
def paper_provider(db):
    return ProviderFactory(e_certificates_enabled=False)


@pytest.fixture
def officer(db):
    """AO staff who issue and reissue certificates (Capability.CERTIFICATE)."""
    return AOStaffFactory(roles=[Role.CERTIFICATION_OFFICER])


@pytest.fixture
def catalogue_manager(db):
    return AOStaffFactory(roles=[Role.CATALOGUE_MANAGER])


@pytest.fixture
def provider_admin(provider):
    return UserFactory(
        organisation=provider.organisation,
        roles=[Role.PROVIDER_SUPER_USER, Role.MANAGE_REGISTRATION],
    )


@pytest.fixture
def issue_kwargs(provider):
    return {
        "provider": provider,
        "achievement_reference": "registration:123",
        "learner_name": "Zoë O'Brien",
        "qualification_number": "610/0311/4",
        "qualification_title": "Level 2 Certificate in Health and Social Care",
        "units": [],
        "grade": "Merit",
        "award_date": datetime.date(2025, 7, 18),
        "acting_user": None,
    }
