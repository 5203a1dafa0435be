"""The qualification catalogue: grading schemes, qualifications, units, rules of combination and
which providers are approved to deliver each qualification (R-REG-1, R-REG-2)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .validators import qualification_is_open_on, qualification_number_check


class GradingScheme(models.Model):
    """An ordered set of grades, some of which are passes (e.g. Pass/Merit/Distinction)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grade(models.Model):
    scheme = models.ForeignKey(GradingScheme, on_delete=models.CASCADE, related_name="grades")
    code = models.CharField(max_length=10)
    label = models.CharField(max_length=50)
    position = models.PositiveSmallIntegerField(help_text="Order from highest (1) to lowest.")
    is_pass = models.BooleanField()
    # The qualification grade rule (decision 0110): a unit graded this earns `points` per credit;
    # a qualification is graded this when its units' average points per credit reach
    # `qualification_threshold` (empty: never awarded as a qualification grade).
    points = models.PositiveSmallIntegerField(default=0)
    qualification_threshold = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )

    class Meta:
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="grade_code_unique_in_scheme"),
            models.UniqueConstraint(
                fields=["scheme", "position"], name="grade_position_unique_in_scheme"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Level(models.TextChoices):
    ENTRY = "E", "Entry level"
    L1 = "1", "Level 1"
    L2 = "2", "Level 2"
    L3 = "3", "Level 3"
    L4 = "4", "Level 4"
    L5 = "5", "Level 5"
    L6 = "6", "Level 6"
    L7 = "7", "Level 7"
    L8 = "8", "Level 8"


class Ownership(models.TextChoices):
    OWNED = "owned", "Owned by the AO"
    SHARED = "shared", "Shared with the AO"


class CatalogueEntry(models.Model):
    """What qualifications and units have in common (R-REG-1 "Units likewise")."""

    title = models.CharField(max_length=255)
    level = models.CharField(max_length=2, choices=Level.choices)
    grading_scheme = models.ForeignKey(GradingScheme, on_delete=models.PROTECT, related_name="+")
    credit_value = models.PositiveSmallIntegerField()
    operational_start_date = models.DateField()
    operational_end_date = models.DateField(null=True, blank=True)
    ownership = models.CharField(max_length=10, choices=Ownership.choices, default=Ownership.OWNED)

    class Meta:
        abstract = True

    def is_open_on(self, day: datetime.date) -> bool:
        """Operational on `day` (start and end dates inclusive)."""
        return qualification_is_open_on(
            start=self.operational_start_date, end=self.operational_end_date, day=day
        )


class LrsType(models.TextChoices):
    """How a qualification's achievements go to the LRS (decision 0120)."""

    UNIT_BASED = "unit_based", "QCF/RQF unit-based: the qualification and every passed unit, Final"
    GENERAL = "general", "General (NQF): the qualification, Provisional or Final"
    NOT_UPLOADED = "not_uploaded", "Not uploaded to the LRS"


class Qualification(CatalogueEntry):
    class Type(models.TextChoices):
        REGULATED = "regulated", "Regulated qualification"
        UNIT = "unit", "Unit"
        QUALITY_ENDORSED = "quality_endorsed", "Quality-endorsed course"
        MICRO_CREDENTIAL = "micro_credential", "Micro-credential"

    number = models.CharField(max_length=20, unique=True)
    qualification_type = models.CharField("type", max_length=20, choices=Type.choices)
    lrs_type = models.CharField(
        "LRS type", max_length=12, choices=LrsType.choices, default=LrsType.UNIT_BASED
    )
    minimum_credits = models.PositiveSmallIntegerField(
        default=0, help_text="Rules of combination: credits needed from mandatory + optional units."
    )
    units: models.ManyToManyField[Unit, QualificationUnit] = models.ManyToManyField(
        "Unit", through="QualificationUnit", related_name="qualifications"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operational_end_date__isnull=True)
                | Q(operational_end_date__gte=models.F("operational_start_date")),
                name="qualification_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number_warning(self) -> str:
        """Why the number's check character is doubtful (R-REG-1: warned, never refused)."""
        return qualification_number_check(self.number).warning


class Unit(CatalogueEntry):
    reference = models.CharField(max_length=20, unique=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operational_end_date__isnull=True)
                | Q(operational_end_date__gte=models.F("operational_start_date")),
                name="unit_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class QualificationUnit(models.Model):
    """A unit's place in a qualification's rules of combination: mandatory or optional."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="unit_memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    mandatory = models.BooleanField(default=True)

    class Meta:
        ordering = ["qualification", "-mandatory", "unit__reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "unit"], name="qualification_unit_once"
            ),
        ]

    def __str__(self) -> str:
        kind = "mandatory" if self.mandatory else "optional"
        return f"{self.unit.reference} ({kind}) in {self.qualification.number}"


class ProviderApproval(models.Model):
    """A provider approved to deliver a qualification; withdrawn approvals keep their history."""

    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="qualification_approvals"
    )
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="provider_approvals"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "qualification"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "qualification"], name="provider_approval_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} approved for {self.qualification.number}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
