"""Correcting the grade an upheld event data challenge is about (R-EDC-3, decision 0161): through
the results' grade correction, so the learner's result, certificate and LRS record agree; the
challenge is the authority, and every row it writes names it. A record with no result behind it
gets the LRS Update alone, and its history says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError

from qualifications.models import Grade, LrsType

from .achievement_models import Achievement, AimKind
from .achievements import achievement_update
from .challenge_history import ChallengeRejected, rejection

if TYPE_CHECKING:
    from accounts.models import User
    from certificates.models import Certificate
    from results.models import LearnerResult

    from .challenge_models import EventDataChallenge

GRADE_CHALLENGE = "WrongGrade"
NO_RESULT_BEHIND = (
    "No result or certificate in the portal is behind this record (it was not made at "
    "certification), so only the LRS record is updated."
)


@dataclass(frozen=True)
class GradeCorrected:
    achievement: Achievement
    certificate: Certificate | None  # the replacement; None when no result is behind the record
    replaced: str = ""  # the number of the certificate it replaced


def _result_behind(achievement: Achievement) -> LearnerResult | None:
    """The certificated result the record was made from, if any (decision 0120)."""
    from results.models import LearnerResult

    if achievement.registration_id is None:
        return None
    return LearnerResult.objects.filter(
        registration_id=achievement.registration_id, results_issued_date__isnull=False
    ).first()


def _valid_certificate(result: LearnerResult, achievement: Achievement) -> Certificate | None:
    from certificates.models import Certificate

    certificates = result.certificates.filter(status=Certificate.Status.VALID)
    if achievement.aim_kind == AimKind.QUALIFICATION:
        certificates = certificates.filter(
            achievement_reference=f"registration:{achievement.registration_id}"
        )
    return certificates.order_by("-pk").first()


def grade_correction_outlook(challenge: EventDataChallenge) -> tuple[bool, str]:
    """(whether the page offers the correction, what correcting will do, in words)."""
    achievement = challenge.achievement
    if achievement is None:
        return False, ""
    if challenge.lrs_type != GRADE_CHALLENGE:
        return False, (
            f"This challenge is about {challenge.detail}, not the grade, so it does not allow a "
            "grade correction or a certificate replacement."
        )
    result = _result_behind(achievement)
    if result is None:
        return True, f"Correcting the grade sends the LRS an Update. {NO_RESULT_BEHIND}"
    certificate = _valid_certificate(result, achievement)
    if certificate is None:
        return False, (
            "This record was made at certification but the learner holds no valid certificate "
            "for it (a learner who did not achieve the qualification has none), so a grade "
            "correction, which replaces the certificate, cannot be made from here. Ask a "
            "certification officer to look at the learner's results."
        )
    if (
        achievement.aim_kind == AimKind.QUALIFICATION
        and achievement.qualification is not None
        and achievement.qualification.lrs_type != LrsType.GENERAL
    ):
        return False, (
            f"{achievement.aim_reference} is graded from its units, so its grade is not "
            "corrected on its own: correct the unit that is wrong, from a challenge about that "
            "unit, or a certification officer does it on the certificate's page."
        )
    return True, (
        f"Correcting the grade corrects the learner's result in the portal, replaces "
        f'certificate {certificate.display_number} with no fee (reason "Grade corrected: event '
        f'data challenge {challenge.reference} upheld") and sends the LRS an Update in the next '
        "batch. Upholding a challenge about the grade is the AO's authority for the "
        "replacement: an EDC resolver does it without being a certification officer."
    )


def _grade_of(scheme_id: int, code: str, aim_reference: str) -> Grade:
    grade = Grade.objects.filter(scheme_id=scheme_id, code__iexact=code).first()
    if grade is None:
        codes = ", ".join(
            Grade.objects.filter(scheme_id=scheme_id)
            .order_by("position")
            .values_list("code", flat=True)
        )
        raise rejection("grade", f"{code} is not a grade of {aim_reference}; enter one of {codes}.")
    return grade


def _challenge_words(error: ValidationError) -> ChallengeRejected:
    """The results service's refusal, keyed for the challenge page: the grade at its field,
    the rest above the form; a certificate left void needs a certification officer."""
    from results.services.grade_correction import VOID

    words: dict[str, list[str]] = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            text = " ".join(item.messages)
            if item.code == VOID:
                text += (
                    " Revoking a certificate is for a certification officer; ask one, then "
                    "resolve the challenge."
                )
            words.setdefault("grade" if field == "new_grade" else "challenge", []).append(text)
    return ChallengeRejected(words)


def challenge_grade_correct(
    challenge: EventDataChallenge, *, grade: str, acting_user: User
) -> GradeCorrected:
    """In the caller's transaction, with the challenge locked and In progress."""
    from results.services import result_grade_correct

    achievement = challenge.achievement
    assert achievement is not None
    if challenge.lrs_type != GRADE_CHALLENGE:
        raise rejection(
            "challenge",
            f"This challenge is about {challenge.detail}, not the grade; it does not allow a "
            "grade correction.",
        )
    upheld = f"Event data challenge {challenge.reference} upheld."
    result = _result_behind(achievement)
    if result is None:
        updated = achievement_update(
            achievement=achievement,
            changes={"grade": grade},
            acting_user=acting_user,
            note=f"{upheld} {NO_RESULT_BEHIND}",
        )
        return GradeCorrected(updated, None)
    unit = achievement.unit if achievement.aim_kind == AimKind.UNIT else None
    aim = unit or achievement.qualification
    assert aim is not None
    new_grade = _grade_of(aim.grading_scheme_id, grade, achievement.aim_reference)
    replaced = _valid_certificate(result, achievement)
    try:
        certificate = result_grade_correct(
            registration=result.registration,
            unit=unit,
            new_grade=new_grade,
            reason=f"event data challenge {challenge.reference} upheld",
            acting_user=acting_user,
            note=upheld,
            challenge=challenge,
        )
    except PermissionDenied as error:
        raise rejection("challenge", str(error)) from error
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise rejection("challenge", " ".join(error.messages)) from error
        raise _challenge_words(error) from error
    achievement.refresh_from_db()
    return GradeCorrected(achievement, certificate, replaced.number if replaced else "")
