"""Reads of the catalogue."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .models import GradingScheme, ProviderApproval, Qualification, Unit
from .validators import GradePoints, RulesOfCombination

if TYPE_CHECKING:
    from providers.models import Provider


def qualifications_list(*, search: str = "") -> QuerySet[Qualification]:
    qualifications = Qualification.objects.select_related("grading_scheme")
    if search:
        qualifications = qualifications.filter(
            Q(number__icontains=search) | Q(title__icontains=search)
        )
    return qualifications


def units_list() -> QuerySet[Unit]:
    return Unit.objects.select_related("grading_scheme")


def qualifications_approved_for(
    *, provider: Provider, open_on: datetime.date | None = None
) -> QuerySet[Qualification]:
    """Qualifications the provider is approved for (approval not withdrawn), optionally only
    those operational on `open_on` (the database's form of `qualification_is_open_on`)."""
    qualifications = Qualification.objects.filter(
        provider_approvals__provider=provider, provider_approvals__withdrawn_at__isnull=True
    )
    if open_on is not None:
        qualifications = qualifications.filter(operational_start_date__lte=open_on).filter(
            Q(operational_end_date__isnull=True) | Q(operational_end_date__gte=open_on)
        )
    return qualifications


def provider_is_approved_for(*, provider_id: int, qualification_id: int) -> bool:
    return ProviderApproval.objects.filter(
        provider_id=provider_id, qualification_id=qualification_id, withdrawn_at__isnull=True
    ).exists()


def approved_qualification_ids(*, provider_id: int) -> set[int]:
    """For bulk work (the importer): every qualification a provider is approved for, one query."""
    return set(
        ProviderApproval.objects.filter(
            provider_id=provider_id, withdrawn_at__isnull=True
        ).values_list("qualification_id", flat=True)
    )


def rules_of_combination_for(*, qualification: Qualification) -> RulesOfCombination:
    memberships = qualification.unit_memberships.select_related("unit")
    return RulesOfCombination(
        mandatory_units=frozenset(m.unit.reference for m in memberships if m.mandatory),
        optional_units=frozenset(m.unit.reference for m in memberships if not m.mandatory),
        unit_credits={m.unit.reference: m.unit.credit_value for m in memberships},
        minimum_credits=qualification.minimum_credits,
    )


def grading_schemes_list() -> QuerySet[GradingScheme]:
    return GradingScheme.objects.prefetch_related("grades")


def grade_points_for(*, scheme: GradingScheme) -> list[GradePoints]:
    """The scheme's grades as the qualification grade rule reads them (decision 0110)."""
    return [
        GradePoints(
            code=grade.code,
            label=grade.label,
            is_pass=grade.is_pass,
            position=grade.position,
            points=grade.points,
            qualification_threshold=grade.qualification_threshold,
        )
        for grade in scheme.grades.all()
    ]
