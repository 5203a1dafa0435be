"""Every write to the qualification catalogue, audited (R-REG-1, R-REG-2)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from audit.services import audit_record, changed_fields, snapshot

from .models import Grade, GradingScheme, ProviderApproval, Qualification, QualificationUnit, Unit
from .validators import (
    RULES_PROBLEM_FIELDS,
    default_grade_points,
    operational_periods_overlap,
    qualification_number_check,
    rules_of_combination_errors,
)

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


@dataclass(frozen=True)
class GradeRow:
    """One grade as a catalogue manager enters it, highest first; `pk` for an existing grade."""

    code: str
    label: str
    is_pass: bool
    points: int | None = None
    qualification_threshold: Decimal | None = None
    pk: int | None = None


def _grade_rows(grades: Sequence[GradeRow | tuple[Any, ...]]) -> list[GradeRow]:
    rows = [g if isinstance(g, GradeRow) else GradeRow(*g) for g in grades]
    defaults = default_grade_points([r.is_pass for r in rows])
    return [
        replace(
            row,
            code=row.code.strip(),
            label=row.label.strip(),
            points=row.points if row.points is not None else default[0],
            qualification_threshold=(
                row.qualification_threshold
                if row.points is not None or row.qualification_threshold is not None
                else default[1]
            ),
        )
        for row, default in zip(rows, defaults, strict=True)
    ]


def _grade_rows_errors(rows: Sequence[GradeRow]) -> dict[str, str]:
    if not rows:
        return {"grades": "A grading scheme needs at least one grade."}
    if not any(row.is_pass for row in rows):
        return {"grades": "A grading scheme needs at least one passing grade."}
    codes = [row.code.upper() for row in rows]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        return {"grades": "Each grade needs its own code; repeated: " + ", ".join(repeated) + "."}
    for row in rows:
        if not row.is_pass and row.qualification_threshold is not None:
            return {
                "grades": f"{row.label} is not a pass, so it cannot be a qualification grade: "
                "leave its threshold empty."
            }
    return {}


def _grade_words(row: GradeRow | Grade) -> str:
    """A grade as the audit log says it: "D Distinction: pass, 3 points, qualification at 3"."""
    kind = "pass" if row.is_pass else "not a pass"
    threshold = (
        f", qualification at {Decimal(row.qualification_threshold).normalize():f}"
        if row.qualification_threshold is not None
        else ""
    )
    plural = "" if row.points == 1 else "s"
    return f"{row.code} {row.label}: {kind}, {row.points} point{plural}{threshold}"


@transaction.atomic
def grading_scheme_create(
    *, name: str, grades: Sequence[GradeRow | tuple[Any, ...]], acting_user: User | None
) -> GradingScheme:
    """`grades` from highest to lowest, each a GradeRow or (code, label, is_pass[, points,
    threshold]); without points a grade gets the default rule (`default_grade_points`)."""
    rows = _grade_rows(grades)
    errors = _grade_rows_errors(rows)
    if errors:
        raise ValidationError(errors)
    scheme = GradingScheme(name=name.strip())
    scheme.full_clean()
    scheme.save()
    Grade.objects.bulk_create(
        Grade(
            scheme=scheme,
            code=row.code,
            label=row.label,
            position=i,
            is_pass=row.is_pass,
            points=row.points or 0,
            qualification_threshold=row.qualification_threshold,
        )
        for i, row in enumerate(rows, start=1)
    )
    audit_record(
        actor=acting_user,
        action="grading_scheme.create",
        target=scheme,
        after={"name": scheme.name, "scheme_grades": [_grade_words(row) for row in rows]},
    )
    return scheme


@transaction.atomic
def grading_scheme_update(
    *,
    scheme: GradingScheme,
    name: str,
    grades: Sequence[GradeRow],
    acting_user: User | None,
) -> GradingScheme:
    """Rename a scheme and set its grades, highest first: rows with a `pk` change that grade,
    rows without one add a grade, and grades not listed are removed (refused while results use
    them)."""
    scheme = GradingScheme.objects.select_for_update().get(pk=scheme.pk)
    rows = _grade_rows(grades)
    errors = _grade_rows_errors(rows)
    if errors:
        raise ValidationError(errors)
    existing = {grade.pk: grade for grade in scheme.grades.order_by("pk")}
    before = {"name": scheme.name, "scheme_grades": [_grade_words(g) for g in scheme.grades.all()]}
    scheme.name = name.strip()
    scheme.full_clean()
    scheme.save()
    kept = {row.pk for row in rows if row.pk is not None}
    for pk, grade in existing.items():
        if pk not in kept:
            try:
                with transaction.atomic():
                    grade.delete()
            except ProtectedError:
                raise ValidationError(
                    {
                        "grades": f"{grade.label} is used by results already, so it cannot be "
                        "removed. Keep it, or change its label."
                    }
                ) from None
    # Move every kept grade out of the way first: positions are unique within a scheme.
    scheme.grades.update(position=F("position") + 1000)
    for position, row in enumerate(rows, start=1):
        found = existing.get(row.pk) if row.pk is not None else None
        grade = found if found is not None else Grade(scheme=scheme)
        grade.code = row.code
        grade.label = row.label
        grade.is_pass = row.is_pass
        grade.points = row.points or 0
        grade.qualification_threshold = row.qualification_threshold
        grade.position = position
        grade.full_clean(exclude=["scheme", "position"])
        try:
            with transaction.atomic():
                grade.save()
        except IntegrityError:
            raise ValidationError(
                {
                    "grades": f"Code {grade.code} still belongs to another grade while this one "
                    "is saved. To swap two codes, change one and save, then the other."
                }
            ) from None
    after = {"name": scheme.name, "scheme_grades": [_grade_words(g) for g in scheme.grades.all()]}
    old, new = changed_fields(before, after)
    if new:
        audit_record(
            actor=acting_user, action="grading_scheme.update", target=scheme, before=old, after=new
        )
    return scheme


def qualification_rules_errors(qualification: Qualification) -> dict[str, str]:
    """Why the qualification, as saved in this transaction, could never be achieved."""
    memberships = list(qualification.unit_memberships.select_related("unit"))
    mandatory = [m.unit for m in memberships if m.mandatory]
    return rules_of_combination_errors(
        credit_value=qualification.credit_value,
        minimum_credits=qualification.minimum_credits,
        mandatory_unit_credits=[unit.credit_value for unit in mandatory],
        optional_unit_credits=[m.unit.credit_value for m in memberships if not m.mandatory],
        mandatory_units_closed=[
            unit.reference
            for unit in mandatory
            if not operational_periods_overlap(
                start=qualification.operational_start_date,
                end=qualification.operational_end_date,
                other_start=unit.operational_start_date,
                other_end=unit.operational_end_date,
            )
        ],
    )


def _refuse_new_problems(
    qualification: Qualification, *, before: dict[str, str], field: str | None = None
) -> None:
    """Raise (rolling the change back) if the change makes the qualification unachievable in a
    way it was not before. A qualification still being built (units giving fewer credits than
    its minimum) stays editable; its page says it is not achievable yet. `field` puts every
    message on one field, for forms that change something else."""
    problems = qualification_rules_errors(qualification)
    new = {key: message for key, message in problems.items() if key not in before}
    if new:
        if field is not None:
            raise ValidationError({field: list(new.values())})
        by_field: dict[str, list[str]] = {}
        for key, message in new.items():
            by_field.setdefault(RULES_PROBLEM_FIELDS[key], []).append(message)
        raise ValidationError(by_field)


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
    # A new qualification has no units yet: it is still being built, not impossible.
    _refuse_new_problems(qualification, before={"minimum_above_units": ""})
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
    problems_before = qualification_rules_errors(qualification)
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
    _refuse_new_problems(qualification, before=problems_before)
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
    problems_before = {q.pk: qualification_rules_errors(q) for q in unit.qualifications.all()}
    if "reference" in fields:
        fields["reference"] = "".join(str(fields["reference"]).split()).upper()
    for name, value in fields.items():
        setattr(unit, name, value)
    _check_dates(unit.operational_start_date, unit.operational_end_date)
    unit.full_clean()
    unit.save()
    for qualification in unit.qualifications.all():
        errors = {
            key: message
            for key, message in qualification_rules_errors(qualification).items()
            if key not in problems_before.get(qualification.pk, {})
        }
        if errors:
            closed = "mandatory_unit_closed" in errors
            field = "operational_end_date" if closed else "credit_value"
            raise ValidationError(
                {
                    field: [
                        f"With these changes, {qualification.number} could not be achieved: "
                        f"{message}"
                        for message in errors.values()
                    ]
                }
            )
    old, new = changed_fields(before, snapshot(unit, UNIT_AUDIT_FIELDS))
    if new:
        audit_record(actor=acting_user, action="unit.update", target=unit, before=old, after=new)
    return unit


@transaction.atomic
def qualification_unit_set(
    *, qualification: Qualification, unit: Unit, mandatory: bool, acting_user: User | None
) -> QualificationUnit:
    """Add a unit to a qualification's rules of combination, or change whether it is mandatory."""
    problems_before = qualification_rules_errors(qualification)
    membership, created = QualificationUnit.objects.get_or_create(
        qualification=qualification, unit=unit, defaults={"mandatory": mandatory}
    )
    before = {} if created else {"mandatory": membership.mandatory}
    if not created and membership.mandatory != mandatory:
        membership.mandatory = mandatory
        membership.save(update_fields=["mandatory"])
    _refuse_new_problems(qualification, before=problems_before, field="unit")
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
    problems_before = qualification_rules_errors(qualification)
    deleted, _ = QualificationUnit.objects.filter(qualification=qualification, unit=unit).delete()
    errors = {
        k: v
        for k, v in qualification_rules_errors(qualification).items()
        if k not in problems_before
    }
    if errors:
        raise ValidationError(
            f"{unit.reference} cannot be removed: without it, {qualification.number} could not "
            "be achieved. " + " ".join(errors.values())
        )
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
        after={"provider": provider.name, "qualification": str(qualification)},
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
        before={"provider": approval.provider.name, "qualification": str(approval.qualification)},
        organisation_id=approval.provider.organisation_id,
    )
