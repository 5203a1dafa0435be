"""Every write to the qualification catalogue, audited (R-REG-1, R-REG-2)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, changed_fields, snapshot

from .models import Grade, GradingScheme, ProviderApproval, Qualification, QualificationUnit, Unit
from .validators import qualification_number_check

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider

QUALIFICATION_AUDIT_FIELDS = (
    "number",
    "title",
    "level",
    "qualification_type",
    "lrs_type",
    "grading_scheme",
    "credit_value",
    "operational_start_date",
    "operational_end_date",
    "ownership",
    "minimum_credits",
)
UNIT_AUDIT_FIELDS = (
    "reference",
    "title",
    "level",
    "grading_scheme",
    "credit_value",
    "operational_start_date",
    "operational_end_date",
    "ownership",
)


@transaction.atomic
def grading_scheme_create(
    *, name: str, grades: Sequence[tuple[str, str, bool]], acting_user: User | None
) -> GradingScheme:
    """`grades` from highest to lowest, each (code, label, is_pass)."""
    if not grades:
        raise ValidationError({"grades": "A grading scheme needs at least one grade."})
    if not any(is_pass for _, _, is_pass in grades):
        raise ValidationError({"grades": "A grading scheme needs at least one passing grade."})
    scheme = GradingScheme(name=name.strip())
    scheme.full_clean()
    scheme.save()
    Grade.objects.bulk_create(
        Grade(scheme=scheme, code=code, label=label, position=i, is_pass=is_pass)
        for i, (code, label, is_pass) in enumerate(grades, start=1)
    )
    audit_record(
        actor=acting_user,
        action="grading_scheme.create",
        target=scheme,
        after={"name": scheme.name, "grades": [list(g) for g in grades]},
    )
    return scheme


def _check_dates(start: datetime.date, end: datetime.date | None) -> None:
    if end is not None and end < start:
        raise ValidationError(
            {"operational_end_date": "Operational end date must be on or after the start date."}
        )


@transaction.atomic
def qualification_create(*, acting_user: User | None, **fields: Any) -> Qualification:
    """Create a qualification from its R-REG-1 fields.

    The number's shape is enforced; a check-character mismatch is only a warning, which the
    caller shows (see `qualification_number_check`). Raises ValidationError keyed by field."""
    check = qualification_number_check(fields.get("number", ""))
    if check.error:
        raise ValidationError({"number": check.error})
    fields["number"] = check.number
    _check_dates(fields["operational_start_date"], fields.get("operational_end_date"))
    qualification = Qualification(**fields)
    qualification.full_clean()
    qualification.save()
    audit_record(
        actor=acting_user,
        action="qualification.create",
        target=qualification,
        after=snapshot(qualification, QUALIFICATION_AUDIT_FIELDS),
        detail={"warning": check.warning} if check.warning else None,
    )
    return qualification


@transaction.atomic
def qualification_update(
    *, qualification: Qualification, acting_user: User | None, **fields: Any
) -> Qualification:
    before = snapshot(qualification, QUALIFICATION_AUDIT_FIELDS)
    if "number" in fields:
        check = qualification_number_check(fields["number"])
        if check.error:
            raise ValidationError({"number": check.error})
        fields["number"] = check.number
    for name, value in fields.items():
        setattr(qualification, name, value)
    _check_dates(qualification.operational_start_date, qualification.operational_end_date)
    qualification.full_clean()
    qualification.save()
    old, new = changed_fields(before, snapshot(qualification, QUALIFICATION_AUDIT_FIELDS))
    if new:
        audit_record(
            actor=acting_user,
            action="qualification.update",
            target=qualification,
            before=old,
            after=new,
        )
    return qualification


@transaction.atomic
def unit_create(*, acting_user: User | None, **fields: Any) -> Unit:
    fields["reference"] = "".join(str(fields.get("reference", "")).split()).upper()
    _check_dates(fields["operational_start_date"], fields.get("operational_end_date"))
    unit = Unit(**fields)
    unit.full_clean()
    unit.save()
    audit_record(
        actor=acting_user,
        action="unit.create",
        target=unit,
        after=snapshot(unit, UNIT_AUDIT_FIELDS),
    )
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, acting_user: User | None, **fields: Any) -> Unit:
    before = snapshot(unit, UNIT_AUDIT_FIELDS)
    if "reference" in fields:
        fields["reference"] = "".join(str(fields["reference"]).split()).upper()
    for name, value in fields.items():
        setattr(unit, name, value)
    _check_dates(unit.operational_start_date, unit.operational_end_date)
    unit.full_clean()
    unit.save()
    old, new = changed_fields(before, snapshot(unit, UNIT_AUDIT_FIELDS))
    if new:
        audit_record(actor=acting_user, action="unit.update", target=unit, before=old, after=new)
    return unit


@transaction.atomic
def qualification_unit_set(
    *, qualification: Qualification, unit: Unit, mandatory: bool, acting_user: User | None
) -> QualificationUnit:
    """Add a unit to a qualification's rules of combination, or change whether it is mandatory."""
    membership, created = QualificationUnit.objects.get_or_create(
        qualification=qualification, unit=unit, defaults={"mandatory": mandatory}
    )
    before = {} if created else {"mandatory": membership.mandatory}
    if not created and membership.mandatory != mandatory:
        membership.mandatory = mandatory
        membership.save(update_fields=["mandatory"])
    if created or before["mandatory"] != mandatory:
        audit_record(
            actor=acting_user,
            action="qualification.unit_set",
            target=qualification,
            before=before,
            after={"unit": unit.reference, "mandatory": mandatory},
        )
    return membership


@transaction.atomic
def qualification_unit_remove(
    *, qualification: Qualification, unit: Unit, acting_user: User | None
) -> None:
    deleted, _ = QualificationUnit.objects.filter(qualification=qualification, unit=unit).delete()
    if deleted:
        audit_record(
            actor=acting_user,
            action="qualification.unit_remove",
            target=qualification,
            before={"unit": unit.reference},
        )


@transaction.atomic
def provider_approve(
    *, provider: Provider, qualification: Qualification, acting_user: User | None
) -> ProviderApproval:
    """Approve a provider to deliver a qualification (again, if approval had been withdrawn)."""
    approval, created = ProviderApproval.objects.select_for_update().get_or_create(
        provider=provider,
        qualification=qualification,
        defaults={"approved_by": acting_user},
    )
    if not created and approval.withdrawn_at is None:
        return approval
    if not created:
        approval.withdrawn_at = None
        approval.approved_at = timezone.now()
        approval.approved_by = acting_user
        approval.save(update_fields=["withdrawn_at", "approved_at", "approved_by"])
    audit_record(
        actor=acting_user,
        action="provider_approval.grant",
        target=approval,
        after={"provider": provider.pk, "qualification": qualification.number},
        organisation_id=provider.organisation_id,
    )
    return approval


@transaction.atomic
def provider_approval_withdraw(*, approval: ProviderApproval, acting_user: User | None) -> None:
    if approval.withdrawn_at is not None:
        return
    approval.withdrawn_at = timezone.now()
    approval.save(update_fields=["withdrawn_at"])
    audit_record(
        actor=acting_user,
        action="provider_approval.withdraw",
        target=approval,
        before={"provider": approval.provider_id, "qualification": approval.qualification.number},
        organisation_id=approval.provider.organisation_id,
    )
