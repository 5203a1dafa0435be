"""Correcting a unit grade after certification (issue 12, decision 0125): the recorded grade and
the qualification grade the catalogue's rule gives, a replacement certificate with no fee
(R-CRT-6) and an Update of the achievements at the LRS (R-LRS-6), in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record
from qualifications.models import Grade, Unit

from ..models import LearnerResult, UnitResult
from ..selectors import learner_outcomes_for

if TYPE_CHECKING:
    from accounts.models import User
    from certificates.models import Certificate
    from lrs_sync.achievement_models import Achievement
    from registrations.models import Registration

REPLACEMENT_REASON = "Grade corrected"


def _current_certificate(result: LearnerResult) -> Certificate:
    from certificates.models import Certificate

    certificate = (
        result.certificates.filter(status=Certificate.Status.VALID).order_by("-pk").first()
    )
    if certificate is None:
        raise ValidationError(
            {"registration": "This learner has no valid certificate; correct the grade in results."}
        )
    return certificate


@transaction.atomic
def result_grade_correct(
    *,
    registration: Registration,
    unit: Unit,
    new_grade: Grade,
    reason: str,
    acting_user: User,
    note: str = "",
) -> Certificate:
    """Correct one unit's grade on a certificated learner's results; returns the replacement
    certificate. Refused (ValidationError keyed by field) without a reason, with the same grade,
    a grade outside the unit's scheme, or a grade that would leave the certificate void."""
    from certificates.services.access import _require_certification_officer

    _require_certification_officer(acting_user)
    problems: dict[str, str] = {}
    if not (reason or "").strip():
        problems["reason"] = "Say why the grade is being corrected."
    result = LearnerResult.objects.select_for_update().filter(registration=registration).first()
    if result is None or result.results_issued_date is None:
        problems["registration"] = "This learner has not been certificated yet."
    if problems:
        raise ValidationError(problems)
    assert result is not None
    unit_result = (
        UnitResult.objects.select_for_update()
        .select_related("grade")
        .filter(learner_result=result, unit=unit)
        .first()
    )
    if unit_result is None:
        raise ValidationError({"unit": f"This learner has no result for unit {unit.reference}."})
    if new_grade.scheme_id != unit.grading_scheme_id:
        raise ValidationError(
            {"new_grade": f"{new_grade.label} is not a grade of unit {unit.reference}'s scheme."}
        )
    if new_grade.pk == unit_result.grade_id:
        raise ValidationError(
            {"new_grade": f"Unit {unit.reference} is already graded {new_grade.label}."}
        )
    certificate = _current_certificate(result)
    old_grade = unit_result.grade
    was_achieved = bool(result.qualification_achieved)
    unit_result.grade = new_grade
    unit_result.save(update_fields=["grade"])
    row = next(
        r
        for r in learner_outcomes_for(course_run=registration.course_run)
        if r.registration.pk == registration.pk
    )
    outcome = row.outcome
    passed = {u.reference: u for u in outcome.passed_units}
    if was_achieved and not outcome.qualification_achieved:
        raise ValidationError(
            {
                "new_grade": f"With {new_grade.label} the qualification is no longer achieved and "
                "the certificate would be void; revoke it instead."
            }
        )
    if not was_achieved and unit.reference not in passed:
        raise ValidationError(
            {
                "new_grade": f"{new_grade.label} is not a pass, so the unit certificate would be "
                "void; revoke it instead."
            }
        )
    old_qualification_grade = result.qualification_grade
    result.qualification_grade = outcome.qualification_grade
    result.updated_by = acting_user
    result.save(update_fields=["qualification_grade", "updated_by"])
    units = [
        {**entry, "grade": new_grade.label} if entry.get("reference") == unit.reference else entry
        for entry in certificate.units
    ]
    grade = outcome.qualification_grade if was_achieved else certificate.grade
    new_certificate = _replace(
        certificate, units=units, grade=grade, acting_user=acting_user, reason=reason
    )
    result.certificates.add(new_certificate)
    before = {"grades": {unit.reference: old_grade.pk}}
    after = {"grades": {unit.reference: new_grade.pk}}
    if old_qualification_grade != result.qualification_grade:
        before["qualification_grade"] = old_qualification_grade  # type: ignore[assignment]
        after["qualification_grade"] = result.qualification_grade  # type: ignore[assignment]
    audit_record(
        actor=acting_user,
        action="results.grade_correct",
        target=result,
        before=before,
        after=after,
        detail={"reason": reason.strip(), "certificate": new_certificate.number},
        organisation_id=registration.course_run.provider.organisation_id,
    )
    _achievements_update(
        registration=registration,
        unit=unit,
        unit_grade=new_grade.code,
        qualification_grade=result.qualification_grade if was_achieved else "",
        acting_user=acting_user,
        note=note or f"Grade corrected: {reason.strip()}",
    )
    return new_certificate


def _replace(
    certificate: Certificate, *, units: list, grade: str, acting_user: User, reason: str
) -> Certificate:
    """The replacement carries the corrected units and grade; no fee (R-CRT-6)."""
    from certificates.services.replacement import certificate_replace

    return certificate_replace(
        certificate=certificate,
        reason=f"{REPLACEMENT_REASON}: {reason.strip()}",
        fee_pence=0,
        acting_user=acting_user,
        corrected={"units": units, "grade": grade},
    )


def _achievements_update(
    *,
    registration: Registration,
    unit: Unit,
    unit_grade: str,
    qualification_grade: str,
    acting_user: User,
    note: str,
) -> list[Achievement]:
    """R-LRS-6: the unit's and the qualification's achievements get the new grade, an Update
    in the next batch once the LRS holds them."""
    from lrs_sync.achievement_models import Achievement, AimKind
    from lrs_sync.achievements import _grade_code, achievement_update

    qualification = registration.course_run.qualification
    updated = []
    held = Achievement.objects.filter(registration=registration, withdrawn=False)
    for achievement in held:
        if achievement.aim_kind == AimKind.UNIT and achievement.unit_id == unit.pk:
            grade = unit_grade
        elif achievement.aim_kind == AimKind.QUALIFICATION and qualification_grade:
            grade = _grade_code(qualification, qualification_grade)
        else:
            continue
        updated.append(
            achievement_update(
                achievement=achievement,
                changes={"grade": grade},
                acting_user=acting_user,
                note=note,
            )
        )
    return updated
