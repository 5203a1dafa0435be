"""Every write to providers (centres)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from accounts.models import Organisation
from audit.services import audit_record, snapshot

from .models import Provider

if TYPE_CHECKING:
    from accounts.models import User

PROVIDER_AUDIT_FIELDS = (
    "centre_number",
    "ukprn",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "e_certificates_enabled",
)


@transaction.atomic
def provider_create(
    *,
    name: str,
    centre_number: str,
    ukprn: str,
    acting_user: User | None,
    address_line_1: str = "",
    address_line_2: str = "",
    town: str = "",
    postcode: str = "",
    e_certificates_enabled: bool = False,
) -> Provider:
    organisation = Organisation.objects.create(name=name.strip(), kind=Organisation.Kind.PROVIDER)
    provider = Provider(
        organisation=organisation,
        centre_number=centre_number.strip(),
        ukprn=ukprn.strip(),
        address_line_1=address_line_1,
        address_line_2=address_line_2,
        town=town,
        postcode=postcode,
        e_certificates_enabled=e_certificates_enabled,
    )
    provider.full_clean()
    provider.save()
    audit_record(
        actor=acting_user,
        action="provider.create",
        target=provider,
        after={"name": organisation.name, **snapshot(provider, PROVIDER_AUDIT_FIELDS)},
        organisation_id=organisation.pk,
    )
    return provider
