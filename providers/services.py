"""Every write to providers (centres)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organisation
from audit.services import audit_record, changed_fields, snapshot
from learners.validators import postcode_error, postcode_normalise

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
    "contact_name",
    "contact_email",
    "contact_phone",
    "e_certificates_enabled",
)
# What the audit log calls each field, so a row reads "UKPRN: 10004321 → 10004322".
PROVIDER_FIELD_LABELS = {
    "name": "Name",
    "centre_number": "Centre number",
    "ukprn": "UKPRN",
    "address_line_1": "Address line 1",
    "address_line_2": "Address line 2",
    "town": "Town or city",
    "postcode": "Postcode",
    "contact_name": "Contact name",
    "contact_email": "Contact email address",
    "contact_phone": "Contact telephone",
    "e_certificates_enabled": "E-certificates",
}
EDITABLE_FIELDS = frozenset(PROVIDER_FIELD_LABELS) - {"name"}


def _in_words(values: dict[str, Any]) -> dict[str, Any]:
    """A snapshot with labels for keys and "on"/"off" for the e-certificates flag."""
    words: dict[str, Any] = {}
    for key, value in values.items():
        if key == "e_certificates_enabled":
            value = "on" if value else "off"
        words[PROVIDER_FIELD_LABELS.get(key, key)] = value
    return words


def _tidy(fields: dict[str, Any]) -> dict[str, Any]:
    tidy = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if tidy.get("postcode"):
        tidy["postcode"] = postcode_normalise(tidy["postcode"])
    if tidy.get("contact_email"):
        tidy["contact_email"] = tidy["contact_email"].lower()
    return tidy


def _unique_errors(provider: Provider) -> dict[str, str]:
    """Clashes with other providers, and a postcode that is not a UK postcode."""
    others = Provider.objects.exclude(pk=provider.pk)
    errors = {}
    if postcode_error(provider.postcode):
        errors["postcode"] = postcode_error(provider.postcode)
    if others.filter(centre_number__iexact=provider.centre_number).exists():
        errors["centre_number"] = f"Centre number {provider.centre_number} is already in use."
    if others.filter(ukprn=provider.ukprn).exists():
        errors["ukprn"] = f"UKPRN {provider.ukprn} is already another provider's."
    return errors


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
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Provider:
    """Add a centre and its organisation (R-REG-2); ValidationError keyed by field."""
    fields = _tidy(
        {
            "centre_number": centre_number,
            "ukprn": ukprn,
            "address_line_1": address_line_1,
            "address_line_2": address_line_2,
            "town": town,
            "postcode": postcode,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
            "e_certificates_enabled": e_certificates_enabled,
        }
    )
    name = name.strip()
    if Organisation.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"An organisation called {name} already exists."})
    organisation = Organisation(name=name, kind=Organisation.Kind.PROVIDER)
    provider = Provider(**fields)
    errors = _unique_errors(provider)
    if errors:
        raise ValidationError(errors)
    organisation.full_clean()
    organisation.save()
    provider.organisation = organisation
    provider.full_clean()
    provider.save()
    audit_record(
        actor=acting_user,
        action="provider.create",
        target=provider,
        after=_in_words({"name": organisation.name, **snapshot(provider, PROVIDER_AUDIT_FIELDS)}),
        organisation_id=organisation.pk,
    )
    return provider


@transaction.atomic
def provider_update(*, provider: Provider, acting_user: User | None, **fields: Any) -> Provider:
    """Change a centre's details (R-REG-2); only what changed goes into the audit row, in words."""
    unknown = set(fields) - set(PROVIDER_FIELD_LABELS)
    if unknown:
        raise TypeError(f"Not a provider field: {', '.join(sorted(unknown))}")
    provider = (
        Provider.objects.select_for_update().select_related("organisation").get(pk=provider.pk)
    )
    fields = _tidy(fields)
    organisation = provider.organisation
    before = {"name": organisation.name, **snapshot(provider, PROVIDER_AUDIT_FIELDS)}
    name = fields.pop("name", organisation.name)
    if (
        name != organisation.name
        and Organisation.objects.filter(name__iexact=name).exclude(pk=organisation.pk).exists()
    ):
        raise ValidationError({"name": f"An organisation called {name} already exists."})
    for key, value in fields.items():
        setattr(provider, key, value)
    errors = _unique_errors(provider)
    if errors:
        raise ValidationError(errors)
    provider.full_clean()
    provider.save()
    if name != organisation.name:
        organisation.name = name
        organisation.full_clean()
        organisation.save(update_fields=["name"])
    old, new = changed_fields(before, {"name": name, **snapshot(provider, PROVIDER_AUDIT_FIELDS)})
    if new:
        audit_record(
            actor=acting_user,
            action="provider.update",
            target=provider,
            before=_in_words(old),
            after=_in_words(new),
            organisation_id=organisation.pk,
        )
    return provider
