"""Services for event data challenges (R-EDC-1 to R-EDC-3): fetched from the LRS, set in progress,
acted on through the achievement services and resolved with a comment. Telling people (R-EDC-4) is
in `challenge_notices`.

Every transition writes a line of the challenge's history and an audit row in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from . import challenge_envelopes as env
from . import challenge_feed_envelopes as feed
from .achievement_models import Achievement, ActionReason
from .achievements import achievement_move, achievement_withdraw
from .challenge_client import ChallengeClient
from .challenge_grades import NO_RESULT_BEHIND, challenge_grade_correct
from .challenge_history import ChallengeRejected, challenge_change_record, rejection
from .challenge_models import LRS_TYPES, ChallengeKind, ChallengeStatus, EventDataChallenge
from .challenge_notices import challenge_report_owed, resolver_notify

if TYPE_CHECKING:
    from learners.models import Learner

__all__ = ["ChallengeRejected"]
ST = ChallengeStatus
# Fetch again from a little before the newest challenge held: the LRS's clock and ours differ,
# and a challenge fetched twice is stored once.
FETCH_OVERLAP = datetime.timedelta(days=1)


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


def _store(fed: feed.FedChallenge) -> EventDataChallenge | None:
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
            challenge_change_record(
                challenge,
                from_status="",
                note=note,
                acting_user=acting_user,
                action="challenge.receive",
            )
            if challenge.is_valid:
                resolver_notify(challenge)
            new.append(challenge)
    return FetchOutcome(received=len(fetched), new=new)


# --- working a challenge (R-EDC-2, R-EDC-3) ---------------------------------------------------


def _lock(challenge: EventDataChallenge) -> EventDataChallenge:
    return EventDataChallenge.objects.select_for_update().get(pk=challenge.pk)


def _set_in_progress(challenge: EventDataChallenge, *, acting_user: User, how: str) -> bool:
    if challenge.status != ST.OPEN:
        return False
    challenge.status = ST.IN_PROGRESS
    challenge.save(update_fields=["status"])
    challenge_change_record(
        challenge,
        from_status=ST.OPEN,
        note=f"Set to In progress ({how}).",
        acting_user=acting_user,
        action="challenge.in_progress",
    )
    challenge_report_owed(challenge)
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
        raise rejection(
            "comment", "Enter a comment saying what was done (the LRS service desk reads it)."
        )
    challenge = _lock(challenge)
    if not challenge.is_open:
        raise rejection("challenge", f"This challenge is already {challenge.get_status_display()}.")
    from_status = challenge.status
    challenge.status = ST.UPHELD if upheld else ST.REJECTED
    challenge.resolution_comment = comment
    challenge.resolved_at = timezone.now()
    challenge.resolved_by = acting_user
    challenge.save(update_fields=["status", "resolution_comment", "resolved_at", "resolved_by"])
    challenge_change_record(
        challenge,
        from_status=from_status,
        note=f"{challenge.get_status_display()}: {comment}",
        acting_user=acting_user,
        action="challenge.resolve",
    )
    challenge_report_owed(challenge)
    return challenge


def _require_workable(challenge: EventDataChallenge) -> None:
    if challenge.status != ST.IN_PROGRESS:
        raise rejection(
            "challenge",
            "Process the challenge (In progress) before acting on it; a resolved challenge "
            "cannot be acted on.",
        )


def _action_note(
    challenge: EventDataChallenge,
    note: str,
    *,
    acting_user: User,
    action: str,
    detail: dict | None = None,
) -> None:
    challenge_change_record(
        challenge,
        from_status=challenge.status,
        note=note,
        acting_user=acting_user,
        action=action,
        detail=detail,
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
        raise rejection("achievement", "Choose one of the achievements the challenge names.")
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
        raise rejection("challenge", "The challenge names no achievement the AO holds.")
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
    """Upholding "information wrong: the grade" corrects the grade (decision 0161): through the
    results' grade correction when a certificated result is behind the record (the certificate
    replaced with no fee, an Update at the LRS), otherwise an Update alone."""
    challenge = _lock(challenge)
    _require_workable(challenge)
    grade = (grade or "").strip()
    if not grade:
        raise rejection("grade", "Enter the corrected grade.")
    if challenge.achievement is None:
        raise rejection("challenge", "The challenge names no achievement the AO holds.")
    before = challenge.achievement.grade
    done = challenge_grade_correct(challenge, grade=grade, acting_user=acting_user)
    corrected = done.achievement
    words = f"Corrected the grade of {corrected.aim_reference} from {before or '(none)'} to "
    if done.certificate is None:
        words += f"{corrected.grade}. {NO_RESULT_BEHIND}"
    else:
        words += (
            f"{corrected.grade}: the learner's result corrected and certificate "
            f"{done.replaced} replaced by {done.certificate.number} with no fee (Grade corrected)."
        )
    _action_note(
        challenge,
        f"{words} The update goes in the next batch.",
        acting_user=acting_user,
        action="challenge.correct_grade",
        detail={"certificate": done.certificate.number if done.certificate else ""},
    )
    return corrected
