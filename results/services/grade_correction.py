"""Correcting a grade after certification (issue 12; decisions 0125, 0160, 0161): a unit's grade,
with the qualification grade the catalogue's rule then gives, or the qualification grade of a
General (NQF) qualification, which is graded as a whole; a replacement certificate with no fee
(R-CRT-6) and an Update of the achievements at the LRS (R-LRS-6), in one transaction. A
certification officer corrects from the certificate's page; an EDC resolver from an event data
challenge about the grade that the AO upholds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record
from qualifications.models import Grade, LrsType, Unit
from qualifications.validators import GradePoints, qualification_grades_awarded

from ..models import LearnerResult, UnitResult
from ..selectors import learner_outcomes_for

if TYPE_CHECKING:
    from accounts.models import User
    from certificates.models import Certificate
    from lrs_sync.achievement_models import Achievement
    from lrs_sync.challenge_models import EventDataChallenge
    from qualifications.models import Qualification
    from registrations.models import Registration

REPLACEMENT_REASON = "Grade corrected"
# Refusals whose answer is revoking the certificate, a certification officer's act: the
# challenge page says so to an EDC resolver.
VOID = "certificate_void"


def _refuse(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _current_certificate(result: LearnerResult, *, reference: str = "") -> Certificate:
    from certificates.models import Certificate

    valid = result.certificates.filter(status=Certificate.Status.VALID)
    if reference:
        valid = valid.filter(achievement_reference=reference)
    certificate = valid.order_by("-pk").first()
    if certificate is None:
        raise _refuse(
            "registration", "This learner has no valid certificate; correct the grade in results."
        )
    return certificate


def _require_authority(
    acting_user: User, *, registration: Registration, challenge: EventDataChallenge | None
) -> str:
    """Returns the challenge's reference when the correction acts on one (decision 0161)."""
    from certificates.services.access import _require_grade_correction_authority

    if challenge is None:
        _require_grade_correction_authority(acting_user, challenge_reference="")
        return ""
    from lrs_sync.challenge_models import ChallengeStatus

    achievement = challenge.achievement
    if (
        challenge.status != ChallengeStatus.IN_PROGRESS
        or challenge.lrs_type != "WrongGrade"
        or achievement is None
        or achievement.registration_id != registration.pk
    ):
        raise PermissionDenied(
            f"Event data challenge {challenge.reference} is not an In progress challenge of "
            "this learner's grade, so it cannot authorise a grade correction."
        )
    _require_grade_correction_authority(acting_user, challenge_reference=challenge.reference)
    return challenge.reference


@transaction.atomic
def result_grade_correct(
    *,
    registration: Registration,
    new_grade: Grade,
    reason: str,
    acting_user: User,
    unit: Unit | None = None,
    note: str = "",
    challenge: EventDataChallenge | None = None,
) -> Certificate:
    """Correct one unit's grade (`unit`), or with no unit the qualification grade of a General
    qualification, on a certificated learner's results; returns the replacement certificate.
    Refused (ValidationError keyed by field) without a reason, with the same grade, a grade
    outside the scheme, or a grade that would leave the certificate void."""
    challenge_reference = _require_authority(
        acting_user, registration=registration, challenge=challenge
    )
    problems: dict[str, str] = {}
    if not (reason or "").strip():
        problems["reason"] = "Say why the grade is being corrected."
    result = LearnerResult.objects.select_for_update().filter(registration=registration).first()
    if result is None or result.results_issued_date is None:
        problems["registration"] = "This learner has not been certificated yet."
    if problems:
        raise ValidationError(problems)
    assert result is not None
    correct = _unit_grade_correct if unit is not None else _qualification_grade_correct
    return correct(
        registration=registration,
        result=result,
        unit=unit,
        new_grade=new_grade,
        reason=reason.strip(),
        acting_user=acting_user,
        note=note,
        challenge_reference=challenge_reference,
    )


def _unit_grade_correct(
    *,
    registration: Registration,
    result: LearnerResult,
    unit: Unit | None,
    new_grade: Grade,
    reason: str,
    acting_user: User,
    note: str,
    challenge_reference: str,
) -> Certificate:
    """The unit's grade, then the qualification grade worked out again (decision 0125)."""
    assert unit is not None
    unit_result = (
        UnitResult.objects.select_for_update()
        .select_related("grade")
        .filter(learner_result=result, unit=unit)
        .first()
    )
    if unit_result is None:
        raise _refuse("unit", f"This learner has no result for unit {unit.reference}.")
    if new_grade.scheme_id != unit.grading_scheme_id:
        raise _refuse(
            "new_grade", f"{new_grade.label} is not a grade of unit {unit.reference}'s scheme."
        )
    if new_grade.pk == unit_result.grade_id:
        raise _refuse("new_grade", f"Unit {unit.reference} is already graded {new_grade.label}.")
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
        raise _refuse(
            "new_grade",
            f"With {new_grade.label} the qualification is no longer achieved and the certificate "
            "would be void; revoke it instead.",
            VOID,
        )
    if not was_achieved and unit.reference not in passed:
        raise _refuse(
            "new_grade",
            f"{new_grade.label} is not a pass, so the unit certificate would be void; revoke it "
            "instead.",
            VOID,
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
        certificate,
        units=units,
        grade=grade,
        acting_user=acting_user,
        reason=reason,
        challenge_reference=challenge_reference,
    )
    result.certificates.add(new_certificate)
    before: dict[str, object] = {"grades": {unit.reference: old_grade.pk}}
    after: dict[str, object] = {"grades": {unit.reference: new_grade.pk}}
    if old_qualification_grade != result.qualification_grade:
        before["qualification_grade"] = old_qualification_grade
        after["qualification_grade"] = result.qualification_grade
    _audit(
        result,
        registration=registration,
        acting_user=acting_user,
        before=before,
        after=after,
        reason=reason,
        certificate=new_certificate,
        challenge_reference=challenge_reference,
    )
    _achievements_update(
        registration=registration,
        unit=unit,
        unit_grade=new_grade.code,
        qualification_grade=result.qualification_grade if was_achieved else "",
        acting_user=acting_user,
        note=note or f"Grade corrected: {reason}",
    )
    return new_certificate


def _awarded(qualification: Qualification) -> list[GradePoints]:
    return qualification_grades_awarded(
        [
            GradePoints(g.code, g.label, g.is_pass, g.position, g.points, g.qualification_threshold)
            for g in Grade.objects.filter(scheme_id=qualification.grading_scheme_id)
        ]
    )


def _qualification_grade_correct(
    *,
    registration: Registration,
    result: LearnerResult,
    unit: Unit | None,
    new_grade: Grade,
    reason: str,
    acting_user: User,
    note: str,
    challenge_reference: str,
) -> Certificate:
    """A General (NQF) qualification's grade is the grade the certificate and the LRS carry;
    it is corrected as it stands and the unit results, the assessment as entered, are kept
    (decision 0160)."""
    qualification = registration.course_run.qualification
    if qualification.lrs_type != LrsType.GENERAL:
        raise _refuse(
            "unit",
            f"The grade of {qualification.number} is worked out from its unit grades: choose "
            "the unit whose grade is wrong.",
        )
    if new_grade.scheme_id != qualification.grading_scheme_id:
        raise _refuse(
            "new_grade",
            f"{new_grade.label} is not a grade of qualification {qualification.number}'s scheme.",
        )
    if not result.qualification_achieved:
        raise _refuse(
            "registration",
            "This learner did not achieve the qualification, so there is no qualification "
            "certificate to replace with a new grade.",
        )
    if new_grade.label == result.qualification_grade:
        raise _refuse("new_grade", f"The qualification is already graded {new_grade.label}.")
    if not new_grade.is_pass:
        raise _refuse(
            "new_grade",
            f"With {new_grade.label} the qualification is no longer achieved and the certificate "
            "would be void; revoke it instead.",
            VOID,
        )
    awarded = _awarded(qualification)
    if new_grade.code not in {g.code for g in awarded}:
        raise _refuse(
            "new_grade",
            f"{new_grade.label} is not awarded as a qualification grade; the qualification can be "
            "graded " + ", ".join(g.label for g in awarded) + ".",
        )
    certificate = _current_certificate(result, reference=f"registration:{registration.pk}")
    old_grade = result.qualification_grade
    result.qualification_grade = new_grade.label
    result.updated_by = acting_user
    result.save(update_fields=["qualification_grade", "updated_by"])
    new_certificate = _replace(
        certificate,
        units=certificate.units,
        grade=new_grade.label,
        acting_user=acting_user,
        reason=reason,
        challenge_reference=challenge_reference,
    )
    result.certificates.add(new_certificate)
    _audit(
        result,
        registration=registration,
        acting_user=acting_user,
        before={"qualification_grade": old_grade},
        after={"qualification_grade": new_grade.label},
        reason=reason,
        certificate=new_certificate,
        challenge_reference=challenge_reference,
    )
    _achievements_update(
        registration=registration,
        unit=None,
        unit_grade="",
        qualification_grade=new_grade.label,
        acting_user=acting_user,
        note=note or f"Grade corrected: {reason}",
    )
    return new_certificate


def _audit(
    result: LearnerResult,
    *,
    registration: Registration,
    acting_user: User,
    before: dict[str, object],
    after: dict[str, object],
    reason: str,
    certificate: Certificate,
    challenge_reference: str,
) -> None:
    audit_record(
        actor=acting_user,
        action="results.grade_correct",
        target=result,
        before=before,
        after=after,
        detail={
            "reason": reason,
            "certificate": certificate.number,
            "challenge": challenge_reference,
        },
        organisation_id=registration.course_run.provider.organisation_id,
    )


def _replace(
    certificate: Certificate,
    *,
    units: list,
    grade: str,
    acting_user: User,
    reason: str,
    challenge_reference: str,
) -> Certificate:
    """The replacement carries the corrected units and grade; no fee (R-CRT-6)."""
    from certificates.services.replacement import certificate_replace

    return certificate_replace(
        certificate=certificate,
        reason=f"{REPLACEMENT_REASON}: {reason}",
        fee_pence=0,
        acting_user=acting_user,
        corrected={"units": units, "grade": grade},
        challenge_reference=challenge_reference,
    )


def _achievements_update(
    *,
    registration: Registration,
    unit: Unit | None,
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
    held = Achievement.objects.filter(registration=registration, withdrawn=False).order_by("pk")
    for achievement in held:
        if (
            achievement.aim_kind == AimKind.UNIT
            and unit is not None
            and achievement.unit_id == unit.pk
        ):
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
