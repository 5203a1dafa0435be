"""Learners: the people a provider registers, with the fields the LRS and the 004 export need."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import AbilityStatus, EmploymentStatus, Ethnicity, Gender, PriorAttainment


class Title(models.TextChoices):
    NONE = "", "(none)"
    MR = "Mr", "Mr"
    MRS = "Mrs", "Mrs"
    MISS = "Miss", "Miss"
    MS = "Ms", "Ms"
    MX = "Mx", "Mx"
    DR = "Dr", "Dr"


class VerificationStatus(models.TextChoices):
    """Where the learner stands with the LRS (R-LRN-7): from the last verification's code."""

    UNVERIFIED = "unverified", "Not verified"
    VERIFIED = "verified", "Verified"
    LINKED = "linked", "Verified: linked ULN"
    POSSIBLE_MATCH = "possible_match", "Possible match"
    NOT_MATCHED = "not_matched", "Does not match"
    ULN_NOT_FOUND = "uln_not_found", "ULN not found"


# The LRS's return codes (WSVRC001..006) and the status each leaves the learner in.
STATUS_FOR_CODE = {
    "WSVRC001": VerificationStatus.VERIFIED,
    "WSVRC002": VerificationStatus.LINKED,
    "WSVRC003": VerificationStatus.POSSIBLE_MATCH,
    "WSVRC004": VerificationStatus.POSSIBLE_MATCH,
    "WSVRC005": VerificationStatus.NOT_MATCHED,
    "WSVRC006": VerificationStatus.ULN_NOT_FOUND,
}

# The details the LRS checks; changing any of them makes an earlier verification meaningless.
VERIFIED_FIELDS = ("uln", "given_name", "family_name", "date_of_birth", "gender")


class Learner(models.Model):
    """One learner as known to one provider; the same ULN appears at most once per provider."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="learners"
    )
    uln = models.CharField("ULN", max_length=10, blank=True)  # PII
    title = models.CharField(max_length=10, choices=Title.choices, blank=True)  # PII
    given_name = models.CharField(max_length=100)  # PII
    preferred_given_name = models.CharField(max_length=100, blank=True)  # PII
    middle_names = models.CharField(max_length=100, blank=True)  # PII
    family_name = models.CharField(max_length=100)  # PII
    previous_family_name = models.CharField(max_length=100, blank=True)  # PII
    family_name_at_16 = models.CharField("family name at 16", max_length=100, blank=True)  # PII
    date_of_birth = models.DateField()  # PII
    gender = models.CharField(max_length=1, choices=Gender.choices)  # PII
    email = models.EmailField(blank=True)  # PII
    address_line_1 = models.CharField(max_length=128, blank=True)  # PII
    address_line_2 = models.CharField(max_length=128, blank=True)  # PII
    town = models.CharField("town or city", max_length=100, blank=True)  # PII
    county = models.CharField(max_length=100, blank=True)  # PII
    postcode = models.CharField(max_length=8, blank=True)  # PII
    country = models.CharField(max_length=100, blank=True, default="United Kingdom")  # PII
    ethnicity = models.CharField(max_length=2, choices=Ethnicity.choices)  # PII
    ability_status = models.CharField(
        "ability status (LLDD)", max_length=1, choices=AbilityStatus.choices
    )  # PII
    prior_attainment = models.CharField(max_length=2, choices=PriorAttainment.choices)  # PII
    employment_status = models.CharField(max_length=2, choices=EmploymentStatus.choices)  # PII
    employer = models.CharField(max_length=128, blank=True)  # PII
    # Case- and accent-folded "given|family" (R-LRN-2), kept by the services for duplicate checks.
    name_match_key = models.CharField(max_length=210, editable=False, db_index=True)  # PII
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Verification against the LRS (R-LRN-7, R-LRS-10), kept by lrs_sync through the services;
    # reset to "Not verified" whenever one of VERIFIED_FIELDS changes.
    verification_status = models.CharField(
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
        db_index=True,
    )
    verification_code = models.CharField(max_length=8, blank=True)  # WSVRC00n
    verification_flags = ArrayField(
        models.CharField(max_length=4), default=list, blank=True
    )  # VRF1..VRF8
    lrs_uln = models.CharField("ULN at the LRS", max_length=10, blank=True)  # PII
    lrs_given_name = models.CharField(max_length=100, blank=True)  # PII
    lrs_family_name = models.CharField(max_length=100, blank=True)  # PII
    lrs_date_of_birth = models.DateField(null=True, blank=True)  # PII
    lrs_gender = models.CharField(max_length=1, blank=True)  # PII
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "uln"],
                condition=~Q(uln=""),
                name="learner_uln_unique_per_provider",
            ),
            models.CheckConstraint(
                condition=Q(uln="") | Q(uln__regex=r"^[1-9][0-9]{9}$"), name="learner_uln_format"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "name_match_key", "date_of_birth"]),
            models.Index(fields=["uln"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.middle_names, self.family_name) if p)
