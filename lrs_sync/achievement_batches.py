"""Building achievement batches: the ready records of one submission type, ordered by ULN, split
at 10,000 records or 6 MB, each built with lxml and validated before it is kept (R-LRS-1,
R-LRS-2, R-LRS-8)."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from lxml import etree

from audit.services import audit_record

from .achievement_envelopes import (
    AchievementRow,
    Credentials,
    achievement_element,
    contract_errors,
    invoking_user_element,
    submit_request,
)
from .achievement_models import (
    Achievement,
    AchievementBatch,
    AchievementChange,
    AchievementState,
    BatchRecord,
    BatchStatus,
    LrsAction,
    SubmissionType,
)
from .achievement_rules import split_into_batches
from .achievements import achievement_waiting_reasons

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
LEARNER_ERROR_CODES = frozenset({"ULN001", "LRN001"})
S = AchievementState


class BatchContractError(Exception):
    """A built batch broke the portal's XSD: a defect, never sent."""


def achievement_row(achievement: Achievement) -> AchievementRow:
    learner = achievement.learner
    return AchievementRow(
        award_date=achievement.award_date,
        action=int(achievement.pending_action or 0),
        action_date=achievement.action_date,
        action_reason=achievement.action_reason,
        date_of_birth=learner.date_of_birth,
        family_name=learner.family_name,
        gender=learner.gender,
        given_name=learner.given_name,
        grade=achievement.grade,
        language_for_assessment=achievement.language_for_assessment,
        postcode=learner.postcode,
        mis_identifier=achievement.mis_identifier,
        ukprn=achievement.ukprn,
        uln=achievement.uln,
        aim_reference=achievement.aim_reference,
    )


# What the rules and the envelope read; the rest of each row stays in the database.
CANDIDATE_FIELDS = (
    "uln",
    "aim_kind",
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
    "exception_code",
    "exception_text",
    "learner__uln",
    "learner__given_name",
    "learner__family_name",
    "learner__date_of_birth",
    "learner__gender",
    "learner__postcode",
    "learner__verification_status",
    "qualification__ownership",
    "qualification__operational_start_date",
    "qualification__operational_end_date",
    "unit__ownership",
    "unit__operational_start_date",
    "unit__operational_end_date",
)


def _candidates(submission_type: str, ids: list[int] | None, states: tuple[str, ...]):
    queryset = Achievement.objects.filter(
        submission_type=submission_type, state__in=states, pending_action__isnull=False
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    # Row locks in pk order (style.md); the batch itself is ordered by ULN below.
    return list(
        queryset.select_for_update(of=("self",))
        .select_related("learner", "qualification", "unit")
        .only(*CANDIDATE_FIELDS)
        .order_by("pk")
    )


def _insert_members(
    batch: AchievementBatch,
    members: list[Achievement],
    *,
    acting_user: User | None,
    now: datetime.datetime,
) -> None:
    """The batch's rows and each record's history line, one INSERT each from arrays: a
    10,000-record batch would otherwise spend most of its build making model instances."""
    ids = [a.pk for a in members]
    actions = [int(a.pending_action or 0) for a in members]
    words = {int(value): label.lower() for value, label in LrsAction.choices}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BatchRecord._meta.db_table} "  # noqa: S608 - table names, not input
            "(batch_id, achievement_id, action, position, outcome, exception_code, "
            "exception_text) SELECT %s, m.id, m.action, m.position, %s, '', '' "
            "FROM unnest(%s::bigint[], %s::smallint[]) WITH ORDINALITY AS m(id, action, position)",
            [batch.pk, BatchRecord.Outcome.WAITING, ids, actions],
        )
        cursor.execute(
            f"INSERT INTO {AchievementChange._meta.db_table} "  # noqa: S608
            "(achievement_id, at, actor_id, from_state, to_state, note) "
            "SELECT m.id, %s, %s, m.from_state, %s, m.note "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS m(id, from_state, note)",
            [
                now,
                acting_user.pk if acting_user else None,
                S.IN_BATCH,
                ids,
                [a.state for a in members],
                [f"Put in batch {batch.pk} to {words[action]} at the LRS." for action in actions],
            ],
        )


def _payload(email: str, submission_type: str, elements: list[etree._Element]) -> bytes:
    root = submit_request(
        email_address=email, submission_type=submission_type, achievements=elements
    )
    # Validated as it will be sent (the contract wants invokingUser first), then stored without
    # the credentials, which are added only when it is sent.
    user = invoking_user_element(Credentials(organisation_ref="", user_name="", password=""))
    root.insert(0, user)
    errors = contract_errors(root)
    root.remove(user)
    if errors:
        raise BatchContractError("; ".join(errors[:5]))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@transaction.atomic
def achievement_batches_build(
    *,
    submission_type: str,
    acting_user: User | None,
    achievement_ids: list[int] | None = None,
    resubmission_of: AchievementBatch | None = None,
    today: datetime.date | None = None,
) -> list[AchievementBatch]:
    """Put every ready record of one submission type into batches (R-LRS-2: never both types).

    Pending records are ready when they meet the rules (`achievement_waiting_reasons`);
    `achievement_ids` limits the batch to those records, which may also be rejected ones being
    resubmitted after a fix."""
    if submission_type not in SubmissionType.values:
        raise ValueError(f"Unknown submission type {submission_type!r}")
    states: tuple[str, ...] = (S.PENDING,)
    if achievement_ids is not None:
        states = (S.PENDING, S.REJECTED)
    today = today or timezone.localdate()
    ready = [
        a
        for a in _candidates(submission_type, achievement_ids, states)
        if not achievement_waiting_reasons(a, today=today)
    ]
    if not ready:
        return []
    # R-LRS-8: ordered by ULN, so a learner's records sit together.
    ready.sort(key=lambda a: (a.uln, a.aim_reference, a.pk))
    elements = [achievement_element(achievement_row(a)) for a in ready]
    sizes = [len(etree.tostring(e)) for e in elements]
    email = settings.LRS_NOTIFICATION_EMAIL
    overhead = len(_payload(email, submission_type, []))
    batches = []
    now = timezone.now()
    for start, end in split_into_batches(sizes, overhead=overhead):
        payload = _payload(email, submission_type, elements[start:end])
        batch = AchievementBatch.objects.create(
            submission_type=submission_type,
            email_address=email,
            payload=payload,
            record_count=end - start,
            resubmission_of=resubmission_of,
            created_by=acting_user,
            created_at=now,
        )
        members = ready[start:end]
        _insert_members(batch, members, acting_user=acting_user, now=now)
        Achievement.objects.filter(pk__in=[a.pk for a in members]).update(
            state=S.IN_BATCH,
            batch=batch,
            exception_code="",
            exception_text="",
            updated_at=now,
        )
        audit_record(
            actor=acting_user,
            action="achievement_batch.build",
            target=batch,
            after={
                "submission_type": submission_type,
                "records": batch.record_count,
                "bytes": len(payload),
                "achievements": [a.pk for a in members],
            },
        )
        batches.append(batch)
    for batch in batches:
        batch_dispatch(batch_id=batch.pk)
    return batches


def achievement_batches_build_all(*, acting_user: User | None) -> list[AchievementBatch]:
    """Beat: every ready record into batches, Final and Provisional apart."""
    batches = []
    for submission_type in (SubmissionType.FINAL, SubmissionType.PROVISIONAL):
        batches += achievement_batches_build(
            submission_type=submission_type, acting_user=acting_user
        )
    return batches


def batch_dispatch(*, batch_id: int) -> None:
    """Queue the batch's submission task through the outbox: recorded in this transaction and
    handed to the broker after commit; if the broker is down, the outbox's beat sends it later
    (and the resume beat finds a Ready batch nobody sent)."""
    from outbox.services import outbox_queue

    from .tasks import achievement_batch_send_task

    outbox_queue(task=achievement_batch_send_task, args=[batch_id])


@transaction.atomic
def achievement_batch_resubmit_fixed(
    *, batch: AchievementBatch, acting_user: User | None
) -> list[AchievementBatch]:
    """ "Resubmit the fixed records": a new batch of just this batch's rejected records that now
    meet the rules; the rest stay rejected with their exception."""
    candidates = batch.records.filter(
        outcome__in=(BatchRecord.Outcome.REJECTED, BatchRecord.Outcome.BATCH_FAILED),
        achievement__state__in=(S.REJECTED, S.PENDING),
        achievement__batch=batch,
    ).select_related("achievement__learner")
    since = batch.completed_at or batch.created_at
    ids = [
        r.achievement_id
        for r in candidates
        # A learner's details the LRS did not match are fixed only once the learner changed.
        if r.exception_code not in LEARNER_ERROR_CODES or r.achievement.learner.updated_at > since
    ]
    # The person says these are fixed: their old exceptions no longer hold them back.
    Achievement.objects.filter(pk__in=ids).update(exception_code="", exception_text="")
    return achievement_batches_build(
        submission_type=batch.submission_type,
        acting_user=acting_user,
        achievement_ids=ids,
        resubmission_of=batch,
    )


def batch_status_is_open(batch: AchievementBatch) -> bool:
    return batch.status in (BatchStatus.READY, BatchStatus.SENDING, BatchStatus.SUBMITTED)
