"""Telling people about event data challenges (R-EDC-4): the AO's nominated resolver and the email
about each new valid challenge, every status change reported back to the LRS, and the monthly
report of open challenges with its CSV."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import email_send
from accounts.models import Organisation, User
from accounts.roles import Role
from audit.services import audit_record
from awards_portal.csv_download import csv_rows
from awards_portal.working_days import working_days_between

from .challenge_client import ChallengeClient
from .challenge_history import awarding_organisation_id, challenge_change_record, rejection
from .challenge_models import (
    OPEN_STATUSES,
    ChallengeMonthlyReport,
    ChallengeSettings,
    ChallengeStatus,
    EventDataChallenge,
)

logger = logging.getLogger(__name__)
ST = ChallengeStatus
# What the LRS is told for each status (the LRS portal's words).
LRS_STATUS_WORDS = {
    ST.OPEN: "Open",
    ST.IN_PROGRESS: "In progress",
    ST.UPHELD: "Resolved - Upheld",
    ST.REJECTED: "Resolved - Rejected",
}


def challenge_report_owed(challenge: EventDataChallenge) -> None:
    """The LRS hears of the new status after commit, through the outbox (a broker outage delays
    it); beat reports again whatever the LRS itself did not take."""
    from outbox.services import outbox_queue

    from .challenge_tasks import challenge_report_task

    challenge.report_pending = True
    challenge.save(update_fields=["report_pending"])
    outbox_queue(task=challenge_report_task, args=[challenge.pk])


# --- the nominated resolver (R-EDC-4) ---------------------------------------------------------


def challenge_settings() -> ChallengeSettings | None:
    organisation_id = awarding_organisation_id()
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
        raise rejection("resolver", "There is no awarding organisation to nominate for.")
    if resolver is not None and resolver not in resolver_candidates():
        raise rejection("resolver", "Choose an active AO user with the EDC resolver role.")
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


def resolver_notify(challenge: EventDataChallenge) -> None:
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
            challenge_change_record(
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
                organisation_id=awarding_organisation_id(),
            )
    except IntegrityError:
        return None  # already sent this month
    return report
