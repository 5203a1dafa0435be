"""Providers (centres): the colleges and training providers the AO approves."""

from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Organisation

from .validators import ukprn_is_valid


def validate_ukprn(value: str) -> None:
    if not ukprn_is_valid(value):
        raise ValidationError("UKPRN must be 8 digits starting with 1, for example 10012345.")


class Provider(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="provider"
    )
    centre_number = models.CharField(max_length=20, unique=True)
    ukprn = models.CharField("UKPRN", max_length=8, unique=True, validators=[validate_ukprn])
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    contact_name = models.CharField(max_length=150, blank=True)  # PII
    contact_email = models.EmailField(blank=True)  # PII
    contact_phone = models.CharField(max_length=30, blank=True)  # PII
    e_certificates_enabled = models.BooleanField("e-certificates enabled", default=False)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ukprn__regex=r"^1[0-9]{7}$"), name="provider_ukprn_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.centre_number})"

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def address_lines(self) -> list[str]:
        """The address as it is written on an envelope, one line each, empty lines left out."""
        lines = [self.address_line_1, self.address_line_2, self.town, self.postcode]
        return [line.strip() for line in lines if line and line.strip()]
