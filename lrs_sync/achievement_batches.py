"""Building achievement batches: the ready records of one submission type, ordered by ULN, split
at 10,000 records or 6 MB, each built with lxml and validated before it is kept (R-LRS-1,
R-LRS-2, R-LRS-8)."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, NamedTuple

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from lxml import etree

from audit.services import audit_record
from awards_portal.bulk_insert import rows_copy
from awards_portal.cycle_collection import cycle_collection_deferred

from .achievement_envelopes import (
    AchievementRow,
    Credentials,
    achievement_element,
    contract_errors,
    invoking_user_element,
    serialised_sizes,
    submit_request,
)
from .achievement_models import (
    Achievement,
    AchievementBatch,
    AchievementChange,
    AchievementState,
    AimKind,
    BatchRecord,
    BatchStatus,
    LrsAction,
    SubmissionType,
    mis_identifier,
)
from .achievement_rules import split_into_batches, waiting_reasons

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
LEARNER_ERROR_CODES = frozenset({"ULN001", "LRN001"})
S = AchievementState


class BatchContractError(Exception):
    """A built batch broke the portal's XSD: a defect, never sent."""


class Candidate(NamedTuple):
    """One record as the rules and the envelope read it: a tuple from the database, because a
    10,000-record batch would otherwise spend a second making 30,000 model instances."""

    pk: int
    uln: str
    aim_kind: str
    aim_reference: str
    award_date: datetime.date
    grade: str
    ukprn: str
    language_for_assessment: str
    state: str
    pending_action: int
    action_date: datetime.date | None
    action_reason: str
    exception_code: str
    exception_text: str
    learner_uln: str
    learner_given_name: str
    learner_family_name: str
    learner_date_of_birth: datetime.date | None
    learner_gender: str
    learner_postcode: str
    learner_verification_status: str
    qualification_ownership: str | None
    qualification_start: datetime.date | None
    qualification_end: datetime.date | None
    unit_ownership: str | None
    unit_start: datetime.date | None
    unit_end: datetime.date | None


# The columns of a Candidate, in its order.
CANDIDATE_COLUMNS = (
    "pk",
    "uln",
    "aim_kind",
    "aim_reference",
    "award_date",
    "grade",
    "ukprn",
    "language_for_assessment",
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


def candidates_lock(
    *, submission_type: str, ids: list[int] | None, states: tuple[str, ...]
) -> list[Candidate]:
    """The records that may go in a batch, locked until the transaction ends."""
    queryset = Achievement.objects.filter(
        submission_type=submission_type, state__in=states, pending_action__isnull=False
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    # Row locks in pk order (style.md); the batch itself is ordered by ULN afterwards.
    rows = queryset.select_for_update(of=("self",)).order_by("pk").values_list(*CANDIDATE_COLUMNS)
    return [Candidate._make(row) for row in rows]


def candidate_waiting_reasons(candidate: Candidate, *, today: datetime.date) -> list[str]:
    """`achievements.achievement_waiting_reasons` for a Candidate: the same rules."""
    c = candidate
    aim: tuple[str | None, datetime.date | None, datetime.date | None]
    if c.aim_kind == AimKind.QUALIFICATION and c.qualification_ownership is not None:
        aim = (c.qualification_ownership, c.qualification_start, c.qualification_end)
    else:
        aim = (c.unit_ownership, c.unit_start, c.unit_end)
    ownership, start, end = aim
    return waiting_reasons(
        exception_code=c.exception_code,
        exception_text=c.exception_text,
        uln=c.uln,
        learner_uln=c.learner_uln,
        learner_verification_status=c.learner_verification_status,
        aim_ownership=ownership or "",
        pending_action=c.pending_action,
        award_date=c.award_date,
        aim_start=start,
        aim_end=end,
        today=today,
    )


def achievement_row(candidate: Candidate) -> AchievementRow:
    """A record as the envelope sends it."""
    return AchievementRow(
        award_date=candidate.award_date,
        action=int(candidate.pending_action or 0),
        action_date=candidate.action_date,
        action_reason=candidate.action_reason,
        date_of_birth=candidate.learner_date_of_birth,
        family_name=candidate.learner_family_name,
        gender=candidate.learner_gender,
        given_name=candidate.learner_given_name,
        grade=candidate.grade,
        language_for_assessment=candidate.language_for_assessment,
        postcode=candidate.learner_postcode,
        mis_identifier=mis_identifier(candidate.pk),
        ukprn=candidate.ukprn,
        uln=candidate.uln,
        aim_reference=candidate.aim_reference,
    )


def ready_rows(
    candidates: list[Candidate], *, today: datetime.date
) -> tuple[list[Candidate], list[AchievementRow]]:
    """The candidates that meet the rules, in the batch's order (R-LRS-8: by ULN, so a learner's
    records sit together), with each one's row as sent."""
    ready = [c for c in candidates if not candidate_waiting_reasons(c, today=today)]
    ready.sort(key=lambda c: (c.uln, c.aim_reference, c.pk))
    return ready, [achievement_row(c) for c in ready]


# The batch's rows and each record's history line, written by COPY (awards_portal.bulk_insert):
# no model instances, no placeholder per value.
_RECORD_COLUMNS = (
    "batch_id",
    "achievement_id",
    "action",
    "position",
    "outcome",
    "exception_code",
    "exception_text",
)
_CHANGE_COLUMNS = ("achievement_id", "at", "actor_id", "from_state", "to_state", "note")
_ACTION_WORDS = {int(value): label.lower() for value, label in LrsAction.choices}


def _insert_members(
    batch: AchievementBatch,
    members: list[Candidate],
    *,
    acting_user: User | None,
    now: datetime.datetime,
) -> None:
    """The batch's rows and each record's history line, then the records' new state: three
    statements, whatever the number of records."""
    batch_id = batch.pk
    actor_id = acting_user.pk if acting_user else None
    waiting = BatchRecord.Outcome.WAITING
    rows_copy(
        BatchRecord._meta.db_table,
        _RECORD_COLUMNS,
        (
            (batch_id, c.pk, c.pending_action, position, waiting, "", "")
            for position, c in enumerate(members, start=1)
        ),
    )
    rows_copy(
        AchievementChange._meta.db_table,
        _CHANGE_COLUMNS,
        (
            (
                c.pk,
                now,
                actor_id,
                c.state,
                S.IN_BATCH,
                f"Put in batch {batch_id} to {_ACTION_WORDS[c.pending_action]} at the LRS.",
            )
            for c in members
        ),
    )
    # The records are found through the batch's rows just written: no list of ids to send.
    Achievement.objects.filter(batch_records__batch=batch).update(
        state=S.IN_BATCH,
        batch=batch,
        exception_code="",
        exception_text="",
        updated_at=now,
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


def _payload_store(batch: AchievementBatch, payload: bytes) -> None:
    """Store the envelope as a binary parameter: Django's cursor quotes bytes into the SQL as hex,
    which for 6 MB takes the server four times as long to read as the bytes themselves."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # binds on the server, in binary
        cursor.execute(
            f"UPDATE {AchievementBatch._meta.db_table} SET payload = %b WHERE id = %s",  # noqa: S608
            [payload, batch.pk],
        )
    batch.payload = payload


@cycle_collection_deferred()  # at most one build's records, bounded (decision 0166)
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

    Pending records are ready when they meet the rules (`candidate_waiting_reasons`);
    `achievement_ids` limits the batch to those records, which may also be rejected ones being
    resubmitted after a fix."""
    if submission_type not in SubmissionType.values:
        raise ValueError(f"Unknown submission type {submission_type!r}")
    states: tuple[str, ...] = (S.PENDING,)
    if achievement_ids is not None:
        states = (S.PENDING, S.REJECTED)
    today = today or timezone.localdate()
    candidates = candidates_lock(
        submission_type=submission_type, ids=achievement_ids, states=states
    )
    ready, rows = ready_rows(candidates, today=today)
    if not ready:
        return []
    elements = [achievement_element(row) for row in rows]
    sizes = serialised_sizes(elements)
    email = settings.LRS_NOTIFICATION_EMAIL
    # The envelope's own bytes, measured around the first record.
    overhead = len(_payload(email, submission_type, elements[:1])) - sizes[0]
    batches = []
    now = timezone.now()
    for start, end in split_into_batches(sizes, overhead=overhead):
        payload = _payload(email, submission_type, elements[start:end])
        if len(payload) != overhead + sum(sizes[start:end]):
            raise BatchContractError("The batch's size was measured wrongly; it is not kept.")
        batch = AchievementBatch.objects.create(
            submission_type=submission_type,
            email_address=email,
            payload=b"",
            record_count=end - start,
            resubmission_of=resubmission_of,
            created_by=acting_user,
            created_at=now,
        )
        _payload_store(batch, payload)
        members = ready[start:end]
        _insert_members(batch, members, acting_user=acting_user, now=now)
        audit_record(
            actor=acting_user,
            action="achievement_batch.build",
            target=batch,
            after={
                "submission_type": submission_type,
                "records": batch.record_count,
                "bytes": len(payload),
                "achievements": [c.pk for c in members],
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
