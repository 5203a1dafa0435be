"""Services for achievement records: created at certification, changed one at a time by the QCF
user, and the rules a record must meet before a batch may carry it (R-LRS-2 to R-LRS-7,
R-LRS-11)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record, changed_fields, snapshot
from learners.models import Learner
from qualifications.models import Grade, LrsType, Qualification, Unit

from .achievement_models import (
    Achievement,
    AchievementChange,
    AchievementState,
    ActionReason,
    AimKind,
    LrsAction,
    SubmissionType,
)
from .achievement_rules import (
    SENDABLE_OWNERSHIPS,
    UPDATABLE_FIELDS,
    action_date_error,
    award_date_errors,
    uln_is_verified,
    update_error,
    waiting_reasons,
)

if TYPE_CHECKING:
    from accounts.models import User
    from results.models import LearnerResult
    from results.validators import LearnerOutcome

S = AchievementState
AUDIT_FIELDS = (
    "uln",
    "aim_reference",
    "award_date",
    "grade",
    "ukprn",
    "language_for_assessment",
    "submission_type",
    "state",
    "pending_action",
    "action_date",
    "action_reason",
    "language_after_batch",
)
# What the LRS's own action words are in the history.
ACTION_WORDS = {
    LrsAction.CREATE: "create",
    LrsAction.UPDATE: "update",
    LrsAction.WITHDRAW: "withdraw",
    LrsAction.REINSTATE: "reinstate",
}


class AchievementRejected(ValidationError):
    """A change the LRS's rules do not allow; keyed by the field to correct."""


def _reject(field: str, message: str) -> AchievementRejected:
    return AchievementRejected({field: [message]})


# --- learner verification (issue 11) ----------------------------------------------------------


def learner_uln_verified(learner: Learner) -> bool:
    """R-LRS-10 comes first: only a learner whose ULN the LRS verified may have records sent."""
    return uln_is_verified(uln=learner.uln, verification_status=learner.verification_status)


# --- history ----------------------------------------------------------------------------------


def _record_change(
    achievement: Achievement,
    *,
    from_state: str,
    note: str,
    acting_user: User | None,
    action: str,
    before: dict[str, Any] | None = None,
) -> None:
    AchievementChange.objects.create(
        achievement=achievement,
        actor=acting_user,
        from_state=from_state,
        to_state=achievement.state,
        note=note,
    )
    after = snapshot(achievement, AUDIT_FIELDS)
    old, new = changed_fields(before or {}, after)
    audit_record(
        actor=acting_user,
        action=action,
        target=achievement,
        before=old,
        after=new,
        detail={"note": note},
        organisation_id=achievement.provider.organisation_id,
    )


def _save(achievement: Achievement, *fields: str) -> None:
    achievement.updated_at = timezone.now()
    achievement.save(update_fields=[*fields, "updated_at"])


# --- the rules before a record is included (R-LRS-3 to R-LRS-7) -------------------------------


def aim_for_reference(reference: str) -> Qualification | Unit | None:
    """The catalogue aim with this qualification number or unit reference."""
    wanted = (reference or "").strip().upper()
    return (
        Qualification.objects.filter(number__iexact=wanted).first()
        or Unit.objects.filter(reference__iexact=wanted).first()
    )


def _aim(achievement: Achievement) -> Qualification | Unit:
    aim = achievement.qualification if achievement.aim_kind == AimKind.QUALIFICATION else None
    return aim or achievement.unit  # type: ignore[return-value]


def achievement_waiting_reasons(
    achievement: Achievement, *, today: datetime.date | None = None
) -> list[str]:
    """Why a pending record cannot go in a batch yet; empty when it can."""
    learner = achievement.learner
    aim = _aim(achievement)
    return waiting_reasons(
        exception_code=achievement.exception_code,
        exception_text=achievement.exception_text,
        uln=achievement.uln,
        learner_uln=learner.uln,
        learner_verification_status=learner.verification_status,
        aim_ownership=aim.ownership,
        pending_action=achievement.pending_action,
        award_date=achievement.award_date,
        aim_start=aim.operational_start_date,
        aim_end=aim.operational_end_date,
        today=today or timezone.localdate(),
    )


# --- created at certification (R-LRS-2, R-LRS-11) ----------------------------------------------


def _grade_code(qualification: Qualification, label: str) -> str:
    grade = Grade.objects.filter(scheme_id=qualification.grading_scheme_id, label=label).first()
    return grade.code if grade else label[:10]


def _new(
    *,
    learner: Learner,
    provider_id: int,
    ukprn: str,
    aim: Qualification | Unit,
    award_date: datetime.date,
    grade: str,
    language: str,
    submission_type: str,
    registration_id: int | None,
) -> Achievement:
    is_qualification = isinstance(aim, Qualification)
    return Achievement(
        learner=learner,
        provider_id=provider_id,
        registration_id=registration_id,
        uln=learner.uln,
        aim_kind=AimKind.QUALIFICATION if is_qualification else AimKind.UNIT,
        aim_reference=aim.number if isinstance(aim, Qualification) else aim.reference,
        qualification=aim if isinstance(aim, Qualification) else None,
        unit=aim if isinstance(aim, Unit) else None,
        award_date=award_date,
        grade=grade,
        ukprn=ukprn,
        language_for_assessment=language,
        submission_type=submission_type,
        state=S.PENDING,
        pending_action=LrsAction.CREATE,
    )


def achievements_record_certification(
    *,
    learner_result: LearnerResult,
    outcome: LearnerOutcome,
    award_date: datetime.date,
    acting_user: User | None,
) -> list[Achievement]:
    """The achievements one certificated learner earns, in the certification's transaction.

    Unit-based (QCF/RQF): the qualification when achieved and every passed unit, Final
    (R-LRS-2). General (NQF): the qualification with its grade, U when not achieved (R-LRS-11),
    Final at certification. Failed units are never created (R-LRS-11). A learner without a ULN
    has nothing the LRS could hold, so nothing is created."""
    registration = learner_result.registration
    learner = registration.learner
    qualification = registration.course_run.qualification
    provider = registration.course_run.provider
    if qualification.lrs_type == LrsType.NOT_UPLOADED or not learner.uln:
        return []
    aims: list[tuple[Qualification | Unit, str]] = []
    if qualification.lrs_type == LrsType.UNIT_BASED:
        if outcome.qualification_achieved:
            aims.append((qualification, _grade_code(qualification, outcome.qualification_grade)))
        units = {
            u.reference: u
            for u in Unit.objects.filter(reference__in=[p.reference for p in outcome.passed_units])
        }
        for passed in outcome.passed_units:
            aims.append((units[passed.reference], passed.grade.code))
    elif outcome.qualification_achieved:
        aims.append((qualification, _grade_code(qualification, outcome.qualification_grade)))
    elif outcome.has_results:
        aims.append((qualification, "U"))
    created = []
    for aim, grade in aims:
        achievement = _new(
            learner=learner,
            provider_id=provider.pk,
            ukprn=provider.ukprn,
            aim=aim,
            award_date=award_date,
            grade=grade,
            language=registration.language_for_assessment,
            submission_type=SubmissionType.FINAL,
            registration_id=registration.pk,
        )
        try:
            with transaction.atomic():
                achievement.save()
        except IntegrityError:
            # R-LRS-3: the same ULN, date and aim is already held (a second registration).
            continue
        _record_change(
            achievement,
            from_state="",
            note=f"Created at certification: {achievement.aim_reference}, grade "
            f"{achievement.grade or '(none)'}, awarded {award_date:%d/%m/%Y}.",
            acting_user=acting_user,
            action="achievement.create",
        )
        created.append(achievement)
    return created


# --- single records (the QCF user) -------------------------------------------------------------


def _require_editable(achievement: Achievement) -> None:
    if achievement.state == S.IN_BATCH:
        raise _reject(
            "achievement",
            f"This achievement is in batch {achievement.batch_id}, waiting for the LRS. Change "
            "it once the batch has been processed.",
        )


@transaction.atomic
def achievement_create(
    *,
    learner: Learner,
    aim_reference: str,
    award_date: datetime.date,
    grade: str,
    ukprn: str,
    language_for_assessment: str,
    submission_type: str,
    acting_user: User | None,
    registration_id: int | None = None,
) -> Achievement:
    """One achievement entered by hand (R-LRS-3 to R-LRS-5)."""
    aim = aim_for_reference(aim_reference)
    if aim is None or aim.ownership not in SENDABLE_OWNERSHIPS:
        raise _reject(
            "aim_reference",
            f"{aim_reference} is not a qualification or unit owned by or shared with the AO.",
        )
    if not learner.uln:
        raise _reject("learner", "The learner has no ULN; the LRS holds achievements by ULN.")
    errors = award_date_errors(
        award_date=award_date,
        today=timezone.localdate(),
        aim_start=aim.operational_start_date,
        aim_end=aim.operational_end_date,
    )
    if errors:
        raise AchievementRejected({"award_date": errors})
    if isinstance(aim, Unit) and submission_type != SubmissionType.FINAL:
        raise _reject("submission_type", "Unit achievements are always Final (R-LRS-2).")
    if (
        isinstance(aim, Qualification)
        and aim.lrs_type == LrsType.UNIT_BASED
        and submission_type != SubmissionType.FINAL
    ):
        raise _reject("submission_type", "QCF/RQF achievements are always Final; choose Final.")
    achievement = _new(
        learner=learner,
        provider_id=learner.provider_id,
        ukprn=ukprn,
        aim=aim,
        award_date=award_date,
        grade=grade.strip(),
        language=language_for_assessment,
        submission_type=submission_type,
        registration_id=registration_id,
    )
    if Achievement.objects.filter(
        uln=achievement.uln, award_date=award_date, aim_reference=achievement.aim_reference
    ).exists():
        raise _reject(
            "aim_reference",
            "This learner already has this aim with this award date (ULN, award date and aim "
            "reference must be unique).",
        )
    achievement.save()
    _record_change(
        achievement,
        from_state="",
        note=f"Created: {achievement.aim_reference}, grade {achievement.grade or '(none)'}, "
        f"awarded {award_date:%d/%m/%Y}.",
        acting_user=acting_user,
        action="achievement.create",
    )
    return achievement


def _lock(achievement: Achievement) -> Achievement:
    return (
        Achievement.objects.select_for_update()
        .select_related("provider", "learner")
        .get(pk=achievement.pk)
    )


@transaction.atomic
def achievement_update(
    *, achievement: Achievement, changes: dict[str, Any], acting_user: User | None, note: str = ""
) -> Achievement:
    """R-LRS-6: change grade, UKPRN or language; anything else is refused with withdraw + create
    offered. A withdrawn record cannot be updated."""
    achievement = _lock(achievement)
    if achievement.withdrawn:
        raise _reject(
            "achievement", "This achievement has been withdrawn; reinstate it before updating it."
        )
    _require_editable(achievement)
    changed = {k for k, v in changes.items() if getattr(achievement, k) != v}
    if not changed:
        return achievement
    # A record the LRS never accepted can have its award date corrected before it is sent:
    # nothing at the LRS needs withdrawing (decision 0122).
    correctable = set() if achievement.held_at_lrs else {"award_date"}
    problem = update_error(changed - correctable)
    if problem:
        raise _reject(sorted(changed - correctable - UPDATABLE_FIELDS)[0], problem)
    if "award_date" in changed:
        aim = _aim(achievement)
        errors = award_date_errors(
            award_date=changes["award_date"],
            today=timezone.localdate(),
            aim_start=aim.operational_start_date,
            aim_end=aim.operational_end_date,
        )
        if errors:
            raise AchievementRejected({"award_date": errors})
        if (
            Achievement.objects.filter(
                uln=achievement.uln,
                award_date=changes["award_date"],
                aim_reference=achievement.aim_reference,
            )
            .exclude(pk=achievement.pk)
            .exists()
        ):
            raise _reject(
                "award_date", "The learner already has this aim with that award date (R-LRS-3)."
            )
    before = snapshot(achievement, AUDIT_FIELDS)
    from_state = achievement.state
    for name in changed:
        setattr(achievement, name, changes[name])
    # Not yet at the LRS: the pending Create carries the new values.
    if achievement.held_at_lrs:
        achievement.pending_action = LrsAction.UPDATE
    else:
        achievement.pending_action = LrsAction.CREATE
    achievement.state = S.PENDING
    achievement.exception_code = achievement.exception_text = ""
    _save(
        achievement,
        *changed,
        "pending_action",
        "state",
        "exception_code",
        "exception_text",
    )
    words = ", ".join(
        f"{name.replace('_', ' ')} {before[name] or '(none)'} → {changes[name] or '(none)'}"
        for name in sorted(changed)
    )
    _record_change(
        achievement,
        from_state=from_state,
        note=f"Updated: {words}." + (f" {note}" if note else ""),
        acting_user=acting_user,
        action="achievement.update",
        before=before,
    )
    return achievement


def _check_action(action_date: datetime.date | None, reason: str) -> None:
    problem = action_date_error(action_date=action_date, today=timezone.localdate())
    if problem:
        raise _reject("action_date", problem)
    if reason not in ActionReason.values:
        raise _reject("action_reason", "Choose an action reason from the list.")


@transaction.atomic
def achievement_withdraw(
    *,
    achievement: Achievement,
    action_date: datetime.date | None,
    reason: str,
    acting_user: User | None,
    note: str = "",
) -> Achievement:
    """R-LRS-6, R-LRS-7: withdraw with an action date in the past and a reason; once only."""
    achievement = _lock(achievement)
    if achievement.withdrawn:
        raise _reject("achievement", "This achievement has already been withdrawn.")
    _require_editable(achievement)
    _check_action(action_date, reason)
    before = snapshot(achievement, AUDIT_FIELDS)
    from_state = achievement.state
    achievement.withdrawn = True
    achievement.action_date = action_date
    achievement.action_reason = reason
    achievement.exception_code = achievement.exception_text = ""
    if achievement.held_at_lrs:
        achievement.state = S.PENDING
        achievement.pending_action = LrsAction.WITHDRAW
        told = "It will be withdrawn at the LRS in the next batch."
    else:
        # Never reached the LRS: nothing to send.
        achievement.state = S.WITHDRAWN
        achievement.pending_action = None
        told = "It had not reached the LRS, so nothing is sent."
    _save(
        achievement,
        "withdrawn",
        "action_date",
        "action_reason",
        "state",
        "pending_action",
        "exception_code",
        "exception_text",
    )
    _record_change(
        achievement,
        from_state=from_state,
        note=f"Withdrawn ({reason}, action date {action_date:%d/%m/%Y}). {told}"
        + (f" {note}" if note else ""),
        acting_user=acting_user,
        action="achievement.withdraw",
        before=before,
    )
    return achievement


@transaction.atomic
def achievement_reinstate(
    *,
    achievement: Achievement,
    action_date: datetime.date | None,
    reason: str,
    acting_user: User | None,
) -> Achievement:
    """R-LRS-6, R-LRS-7: reinstating restores a withdrawn record."""
    achievement = _lock(achievement)
    if not achievement.withdrawn:
        raise _reject("achievement", "Only a withdrawn achievement can be reinstated.")
    _require_editable(achievement)
    _check_action(action_date, reason)
    before = snapshot(achievement, AUDIT_FIELDS)
    from_state = achievement.state
    achievement.withdrawn = False
    achievement.action_date = action_date
    achievement.action_reason = reason
    achievement.state = S.PENDING
    achievement.pending_action = (
        LrsAction.REINSTATE if achievement.held_at_lrs else LrsAction.CREATE
    )
    _save(achievement, "withdrawn", "action_date", "action_reason", "state", "pending_action")
    _record_change(
        achievement,
        from_state=from_state,
        note=f"Reinstated ({reason}, action date {action_date:%d/%m/%Y}).",
        acting_user=acting_user,
        action="achievement.reinstate",
        before=before,
    )
    return achievement


@transaction.atomic
def achievement_move(
    *,
    achievement: Achievement,
    to_learner: Learner,
    action_date: datetime.date | None,
    acting_user: User | None,
) -> Achievement:
    """R-LRS-6: moving to another learner is withdraw (ULNINVALID) + create under their ULN."""
    if to_learner.pk == achievement.learner_id:
        raise _reject("to_learner", "Choose a different learner to move the achievement to.")
    if not to_learner.uln:
        raise _reject("to_learner", "That learner has no ULN; the LRS holds achievements by ULN.")
    achievement_withdraw(
        achievement=achievement,
        action_date=action_date,
        reason=ActionReason.ULNINVALID,
        acting_user=acting_user,
        note=f"Moved to {to_learner.full_name} (ULN {to_learner.uln}).",
    )
    achievement.refresh_from_db()
    return achievement_create(
        learner=to_learner,
        aim_reference=achievement.aim_reference,
        award_date=achievement.award_date,
        grade=achievement.grade,
        ukprn=achievement.ukprn,
        language_for_assessment=achievement.language_for_assessment,
        submission_type=achievement.submission_type,
        acting_user=acting_user,
    )
