"""Services for event data challenges (R-EDC-1 to R-EDC-4): fetched from the LRS, set in
progress, acted on through the achievement services, resolved with a comment, reported back to the
LRS, notified to the nominated resolver and reported monthly.

Every transition writes a line of the challenge's history and an audit row in one transaction.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import Organisation, User
from accounts.roles import Role
from audit.services import audit_record
from awards_portal.csv_download import csv_rows
from awards_portal.working_days import working_days_between

from . import challenge_envelopes as env
from .achievement_models import Achievement, ActionReason
from .achievements import achievement_move, achievement_update, achievement_withdraw
from .challenge_client import ChallengeClient
from .challenge_models import (
    LRS_TYPES,
    OPEN_STATUSES,
    ChallengeChange,
    ChallengeKind,
    ChallengeMonthlyReport,
    ChallengeSettings,
    ChallengeStatus,
    EventDataChallenge,
)

if TYPE_CHECKING:
    from learners.models import Learner

logger = logging.getLogger(__name__)
ST = ChallengeStatus
# What the LRS is told for each status (the LRS portal's words).
LRS_STATUS_WORDS = {
    ST.OPEN: "Open",
    ST.IN_PROGRESS: "In progress",
    ST.UPHELD: "Resolved - Upheld",
    ST.REJECTED: "Resolved - Rejected",
}
# Fetch again from a little before the newest challenge held: the LRS's clock and ours differ,
# and a challenge fetched twice is stored once.
FETCH_OVERLAP = datetime.timedelta(days=1)


class ChallengeRejected(ValidationError):
    """A change the rules do not allow; keyed by the field to correct."""


def _reject(field: str, message: str) -> ChallengeRejected:
    return ChallengeRejected({field: [message]})


def _awarding_organisation_id() -> int | None:
    return (
        Organisation.objects.filter(kind=Organisation.Kind.AWARDING_ORGANISATION)
        .values_list("pk", flat=True)
        .first()
    )


def _record(
    challenge: EventDataChallenge,
    *,
    from_status: str,
    note: str,
    acting_user: User | None,
    action: str,
    detail: dict | None = None,
) -> None:
    ChallengeChange.objects.create(
        challenge=challenge,
        actor=acting_user,
        from_status=from_status,
        to_status=challenge.status,
        note=note,
    )
    audit_record(
        actor=acting_user,
        action=action,
        target=challenge,
        before={"status": from_status} if from_status != challenge.status else None,
        after={"status": challenge.status} if from_status != challenge.status else None,
        detail={"reference": challenge.reference, "note": note, **(detail or {})},
        organisation_id=_awarding_organisation_id(),
    )


def _report_to_lrs(challenge: EventDataChallenge) -> None:
    """The LRS hears of the new status after commit; beat retries what was not delivered."""
    challenge.report_pending = True
    challenge.save(update_fields=["report_pending"])
    challenge_id = challenge.pk

    def dispatch() -> None:
        from .challenge_tasks import challenge_report_task

        try:
            challenge_report_task.delay(challenge_id)
        except Exception:
            logger.warning("Broker unreachable; challenge %s is reported by beat", challenge_id)

    transaction.on_commit(dispatch)


# --- fetching (R-EDC-1) -----------------------------------------------------------------------


@dataclass(frozen=True)
class FetchOutcome:
    received: int
    new: list[EventDataChallenge]


def _match(event: env.LearningEvent) -> Achievement | None:
    """Our record of the learning event: its unique reference, ULN + award date + aim (R-LRS-3)."""
    return Achievement.objects.filter(
        uln=event.uln, award_date=event.award_date, aim_reference__iexact=event.aim_reference
    ).first()


def _store(fed: env.FedChallenge) -> EventDataChallenge | None:
    """Stores a fetched challenge once; None when it is already held."""
    if EventDataChallenge.objects.filter(reference=fed.reference).exists():
        return None
    kind = LRS_TYPES.get(fed.challenge_type, (ChallengeKind.INFORMATION_WRONG, ""))[0]
    second = fed.second_learning_event
    challenge = EventDataChallenge(
        reference=fed.reference,
        lrs_type=fed.challenge_type,
        kind=kind,
        raised_at=fed.created,
        raised_by_type=fed.user_type,
        contact_name=fed.contact_name,
        contact_telephone=fed.telephone,
        contact_email=fed.email_address,
        uln=fed.uln,
        given_name=fed.given_name,
        family_name=fed.family_name,
        date_of_birth=fed.date_of_birth,
        additional_information=fed.additional_information,
        event_id=fed.learning_event.learning_event_id,
        event_uln=fed.learning_event.uln,
        event_aim_reference=fed.learning_event.aim_reference,
        event_award_date=fed.learning_event.award_date,
        event_grade=fed.learning_event.grade,
        achievement=_match(fed.learning_event),
        second_event_id=second.learning_event_id if second else None,
        second_event_aim_reference=second.aim_reference if second else "",
        second_event_award_date=second.award_date if second else None,
        second_achievement=_match(second) if second else None,
        supplied_grade=fed.supplied_grade,
        supplied_start_date=fed.supplied_start_date,
        supplied_end_date=fed.supplied_end_date,
    )
    try:
        with transaction.atomic():
            challenge.save()
    except IntegrityError:
        return None  # stored meanwhile by another fetch
    return challenge


def challenges_fetch(
    *, acting_user: User | None, client: ChallengeClient | None = None
) -> FetchOutcome:
    """Fetch the challenges raised against the AO's achievements; each is stored once, however
    often it is fetched, and a new valid one emails the nominated resolver (R-EDC-4)."""
    newest = EventDataChallenge.objects.order_by("-raised_at").values_list("raised_at", flat=True)
    since = newest[0] - FETCH_OVERLAP if newest else None
    fetched = (client or ChallengeClient()).feed(created_since=since)
    new: list[EventDataChallenge] = []
    for fed in fetched:
        with transaction.atomic():
            challenge = _store(fed)
            if challenge is None:
                continue
            note = f"Received from the LRS: {challenge.get_kind_display()} ({challenge.detail})"
            note += (
                f", against {challenge.event_aim_reference} awarded "
                f"{challenge.event_award_date:%d/%m/%Y}."
                if challenge.is_valid
                else ". It names no achievement the AO holds."
            )
            _record(
                challenge,
                from_status="",
                note=note,
                acting_user=acting_user,
                action="challenge.receive",
            )
            if challenge.is_valid:
                _notify_resolver(challenge)
            new.append(challenge)
    return FetchOutcome(received=len(fetched), new=new)


# --- the nominated resolver (R-EDC-4) ---------------------------------------------------------


def challenge_settings() -> ChallengeSettings | None:
    organisation_id = _awarding_organisation_id()
    if organisation_id is None:
        return None
    settings_row, _ = ChallengeSettings.objects.get_or_create(organisation_id=organisation_id)
    return settings_row


def resolver_candidates() -> list[User]:
    """Active AO staff with the EDC resolver role: who may be nominated."""
    return [
        user
        for user in User.objects.filter(
            organisation__kind=Organisation.Kind.AWARDING_ORGANISATION, status=User.Status.ACTIVE
        ).order_by("family_name", "given_name")
        if Role.EDC_RESOLVER in (user.roles or [])
    ]


@transaction.atomic
def challenge_resolver_nominate(*, resolver: User | None, acting_user: User) -> ChallengeSettings:
    """A super user nominates the AO's EDC resolver."""
    settings_row = challenge_settings()
    if settings_row is None:
        raise _reject("resolver", "There is no awarding organisation to nominate for.")
    if resolver is not None and resolver not in resolver_candidates():
        raise _reject("resolver", "Choose an active AO user with the EDC resolver role.")
    before = settings_row.resolver.username if settings_row.resolver else ""
    settings_row.resolver = resolver
    settings_row.updated_at = timezone.now()
    settings_row.save(update_fields=["resolver", "updated_at"])
    audit_record(
        actor=acting_user,
        action="challenge.resolver_nominate",
        target=settings_row,
        before={"resolver": before},
        after={"resolver": resolver.username if resolver else ""},
        organisation_id=settings_row.organisation_id,
    )
    return settings_row


def resolver_emails() -> list[str]:
    """The nominated resolver; with nobody nominated, every active EDC resolver (decision 0141)."""
    settings_row = challenge_settings()
    if settings_row is not None and settings_row.resolver and settings_row.resolver.is_active:
        return [settings_row.resolver.email]
    return [user.email for user in resolver_candidates() if user.email]


def _notify_resolver(challenge: EventDataChallenge) -> None:
    to = resolver_emails()
    if not to:
        logger.warning("No EDC resolver to tell of challenge %s", challenge.reference)
        return
    email_send(
        to=to,
        template="lrs_sync/email/challenge_received",
        context={"challenge": challenge},
    )
    challenge.resolver_notified_at = timezone.now()
    challenge.save(update_fields=["resolver_notified_at"])


# --- working a challenge (R-EDC-2, R-EDC-3) ---------------------------------------------------


def _lock(challenge: EventDataChallenge) -> EventDataChallenge:
    return EventDataChallenge.objects.select_for_update().get(pk=challenge.pk)


def _set_in_progress(challenge: EventDataChallenge, *, acting_user: User, how: str) -> bool:
    if challenge.status != ST.OPEN:
        return False
    challenge.status = ST.IN_PROGRESS
    challenge.save(update_fields=["status"])
    _record(
        challenge,
        from_status=ST.OPEN,
        note=f"Set to In progress ({how}).",
        acting_user=acting_user,
        action="challenge.in_progress",
    )
    _report_to_lrs(challenge)
    return True


@transaction.atomic
def challenges_set_in_progress(*, challenge_ids: Iterable[int], acting_user: User) -> int:
    """R-EDC-2: tick several Open challenges and set them all to In progress."""
    challenges = EventDataChallenge.objects.select_for_update().filter(pk__in=list(challenge_ids))
    return sum(
        _set_in_progress(c, acting_user=acting_user, how="several at once")
        for c in challenges.order_by("pk")
    )


@transaction.atomic
def challenge_process(*, challenge: EventDataChallenge, acting_user: User) -> EventDataChallenge:
    """R-EDC-2: Process one challenge: it moves to In progress (if Open)."""
    challenge = _lock(challenge)
    _set_in_progress(challenge, acting_user=acting_user, how="processed")
    return challenge


@transaction.atomic
def challenge_resolve(
    *, challenge: EventDataChallenge, upheld: bool, comment: str, acting_user: User
) -> EventDataChallenge:
    """R-EDC-2: resolve as Upheld or Rejected; a comment saying what was done is required.
    The LRS is told (R-EDC-4)."""
    comment = (comment or "").strip()
    if not comment:
        raise _reject(
            "comment", "Enter a comment saying what was done (the LRS service desk reads it)."
        )
    challenge = _lock(challenge)
    if not challenge.is_open:
        raise _reject("challenge", f"This challenge is already {challenge.get_status_display()}.")
    from_status = challenge.status
    challenge.status = ST.UPHELD if upheld else ST.REJECTED
    challenge.resolution_comment = comment
    challenge.resolved_at = timezone.now()
    challenge.resolved_by = acting_user
    challenge.save(update_fields=["status", "resolution_comment", "resolved_at", "resolved_by"])
    _record(
        challenge,
        from_status=from_status,
        note=f"{challenge.get_status_display()}: {comment}",
        acting_user=acting_user,
        action="challenge.resolve",
    )
    _report_to_lrs(challenge)
    return challenge


def _require_workable(challenge: EventDataChallenge) -> None:
    if challenge.status != ST.IN_PROGRESS:
        raise _reject(
            "challenge",
            "Process the challenge (In progress) before acting on it; a resolved challenge "
            "cannot be acted on.",
        )


def _action_note(
    challenge: EventDataChallenge, note: str, *, acting_user: User, action: str
) -> None:
    _record(
        challenge, from_status=challenge.status, note=note, acting_user=acting_user, action=action
    )


@transaction.atomic
def challenge_withdraw_duplicate(
    *,
    challenge: EventDataChallenge,
    achievement: Achievement,
    action_date: datetime.date | None,
    acting_user: User,
) -> Achievement:
    """R-EDC-3: upholding "appears more than once" withdraws the duplicate (SUBINERROR)."""
    challenge = _lock(challenge)
    _require_workable(challenge)
    if achievement.pk not in (challenge.achievement_id, challenge.second_achievement_id):
        raise _reject("achievement", "Choose one of the achievements the challenge names.")
    withdrawn = achievement_withdraw(
        achievement=achievement,
        action_date=action_date,
        reason=ActionReason.SUBINERROR,
        acting_user=acting_user,
        note=f"Duplicate, event data challenge {challenge.reference}.",
    )
    _action_note(
        challenge,
        f"Withdrew the duplicate {withdrawn.aim_reference} awarded "
        f"{withdrawn.award_date:%d/%m/%Y} (ULN {withdrawn.uln}); it goes in the next batch.",
        acting_user=acting_user,
        action="challenge.withdraw_duplicate",
    )
    return withdrawn


@transaction.atomic
def challenge_move_to_learner(
    *,
    challenge: EventDataChallenge,
    to_learner: Learner,
    action_date: datetime.date | None,
    acting_user: User,
) -> Achievement:
    """R-EDC-3: upholding "does not belong to this learner" withdraws the achievement and
    re-uploads it to the right ULN."""
    challenge = _lock(challenge)
    _require_workable(challenge)
    if challenge.achievement is None:
        raise _reject("challenge", "The challenge names no achievement the AO holds.")
    created = achievement_move(
        achievement=challenge.achievement,
        to_learner=to_learner,
        action_date=action_date,
        acting_user=acting_user,
    )
    _action_note(
        challenge,
        f"Moved {created.aim_reference} awarded {created.award_date:%d/%m/%Y} from ULN "
        f"{challenge.achievement.uln} to ULN {created.uln} ({to_learner.full_name}): withdrawn "
        "and created again; both go in the next batch.",
        acting_user=acting_user,
        action="challenge.move",
    )
    return created


@transaction.atomic
def challenge_correct_grade(
    *, challenge: EventDataChallenge, grade: str, acting_user: User
) -> Achievement:
    """Upholding "information wrong: the grade" corrects the grade (an Update at the LRS)."""
    challenge = _lock(challenge)
    _require_workable(challenge)
    grade = (grade or "").strip()
    if not grade:
        raise _reject("grade", "Enter the corrected grade.")
    if challenge.achievement is None:
        raise _reject("challenge", "The challenge names no achievement the AO holds.")
    before = challenge.achievement.grade
    corrected = _grade_correct(challenge, grade=grade, acting_user=acting_user)
    _action_note(
        challenge,
        f"Corrected the grade of {corrected.aim_reference} from {before or '(none)'} to "
        f"{corrected.grade}; the update goes in the next batch.",
        acting_user=acting_user,
        action="challenge.correct_grade",
    )
    return corrected


def _grade_correct(challenge: EventDataChallenge, *, grade: str, acting_user: User) -> Achievement:
    """Through the achievements issue's grade correction when it exists (it replaces the
    certificate); otherwise the achievement update (decision 0141)."""
    from . import achievements as achievement_services

    correct = getattr(achievement_services, "achievement_grade_correct", None)
    note = f"Event data challenge {challenge.reference} upheld."
    assert challenge.achievement is not None
    if correct is not None:
        return correct(
            achievement=challenge.achievement, grade=grade, acting_user=acting_user, reason=note
        )
    return achievement_update(
        achievement=challenge.achievement,
        changes={"grade": grade},
        acting_user=acting_user,
        note=note,
    )


# --- reporting back to the LRS (R-EDC-4) ------------------------------------------------------


def challenge_report(*, challenge_id: int, client: ChallengeClient | None = None) -> bool:
    """Tell the LRS the challenge's status; True when nothing more is owed. Idempotent."""
    with transaction.atomic():
        challenge = EventDataChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None or not challenge.report_pending:
            return True
        status, comment = challenge.status, challenge.resolution_comment
        challenge.report_attempts += 1
        challenge.save(update_fields=["report_attempts"])
    words = LRS_STATUS_WORDS[ChallengeStatus(status)]
    from .verification_types import LrsError

    try:
        (client or ChallengeClient()).report_status(
            reference=challenge.reference,
            status=words,
            comments=comment or f"Set to {words} by the awarding organisation.",
        )
    except LrsError as error:
        EventDataChallenge.objects.filter(pk=challenge_id).update(report_error=str(error))
        raise
    with transaction.atomic():
        challenge = EventDataChallenge.objects.select_for_update().get(pk=challenge_id)
        challenge.lrs_status_reported = status
        # A later transition made meanwhile is still owed.
        challenge.report_pending = challenge.status != status
        challenge.report_error = ""
        challenge.save(update_fields=["lrs_status_reported", "report_pending", "report_error"])
        if status in (ST.UPHELD, ST.REJECTED):
            _record(
                challenge,
                from_status=challenge.status,
                note=f"The LRS was told: {words}.",
                acting_user=None,
                action="challenge.report",
            )
    return not challenge.report_pending


def challenges_owed_a_report() -> list[int]:
    return list(
        EventDataChallenge.objects.filter(report_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- the monthly report (R-EDC-4) -------------------------------------------------------------

REPORT_HEADER = (
    "Reference",
    "Type",
    "What exactly",
    "Status",
    "Raised",
    "Age (working days)",
    "ULN",
    "Learner",
    "Aim",
    "Award date",
    "Raised by",
    "Contact",
    "Contact email",
)


def open_challenges() -> list[EventDataChallenge]:
    return list(
        EventDataChallenge.objects.filter(status__in=OPEN_STATUSES).order_by("raised_at", "pk")
    )


def challenge_age(challenge: EventDataChallenge, today: datetime.date | None = None) -> int:
    """Working days since the challenge was raised (weekends and bank holidays skipped)."""
    today = today or timezone.localdate()
    return working_days_between(timezone.localtime(challenge.raised_at).date(), today)


def challenges_report_csv(challenges: list[EventDataChallenge], today: datetime.date) -> str:
    rows = (
        (
            c.reference,
            c.get_kind_display(),
            c.detail,
            c.get_status_display(),
            f"{timezone.localtime(c.raised_at):%d/%m/%Y}",
            challenge_age(c, today),
            c.event_uln,
            f"{c.given_name} {c.family_name}".strip(),
            c.event_aim_reference,
            f"{c.event_award_date:%d/%m/%Y}",
            c.raised_by_type,
            c.contact_name,
            c.contact_email,
        )
        for c in challenges
    )
    return "".join(csv_rows(REPORT_HEADER, rows))


def challenges_monthly_report_send(
    *, today: datetime.date | None = None
) -> ChallengeMonthlyReport | None:
    """On the first of the month, the resolver gets every open challenge, CSV attached; once per
    month however often it runs (the month's row is unique). None when not due or already sent."""
    today = today or timezone.localdate()
    if today.day != 1:
        return None
    month = today.replace(day=1)
    to = resolver_emails()
    challenges = open_challenges()
    try:
        with transaction.atomic():
            report = ChallengeMonthlyReport.objects.create(
                month=month, recipients=", ".join(to), challenge_count=len(challenges)
            )
            if to:
                email_send(
                    to=to,
                    template="lrs_sync/email/challenges_monthly_report",
                    context={
                        "challenges": [(c, challenge_age(c, today)) for c in challenges],
                        "month": month,
                    },
                    attachments=[
                        (
                            f"open-event-data-challenges-{month:%Y-%m}.csv",
                            challenges_report_csv(challenges, today),
                            "text/csv",
                        )
                    ],
                )
            audit_record(
                actor=None,
                action="challenge.monthly_report",
                target=report,
                detail={"open": len(challenges), "to": to},
                organisation_id=_awarding_organisation_id(),
            )
    except IntegrityError:
        return None  # already sent this month
    return report
