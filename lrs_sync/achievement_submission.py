"""Sending achievement batches to the LRS and following their jobs, never sending one twice
(R-LRS-9).

A batch moves Ready → Sending → With the LRS (job id stored in the same step) → Processed,
Failed or Cancelled. A worker that dies after sending but before storing the job id leaves the
batch in Sending: whoever finds it there marks the outcome unknown for a person to resolve, and
never sends it again by itself. A worker that dies after storing the job id leaves a batch the
next poll (or the resume beat) picks up. Each batch is worked on under a PostgreSQL advisory
lock held by the worker's connection, so a redelivered message waits its turn or does nothing,
and a lock left by a dead worker is released with its connection.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record
from awards_portal.bulk_insert import rows_copy

from .achievement_client import ExternalServiceClient, LrsOutcomeUnknown
from .achievement_envelopes import COUNTERS, BatchJob
from .achievement_events import achievements_apply_after_batch
from .achievement_models import (
    Achievement,
    AchievementBatch,
    AchievementChange,
    AchievementState,
    BatchRecord,
    BatchStatus,
    LrsAction,
)
from .achievement_rules import RS005
from .verification_types import LrsCredentialsRefused, LrsError, LrsFault, LrsUnavailable

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)
S = AchievementState
ADVISORY_LOCK_CLASS = 812_012

# What the sandpit's error codes mean for the person fixing the record, and what to fix.
FIX_LEARNER = "learner"
FIX_RESULT = "result"
ERROR_CODES: dict[str, tuple[str, str]] = {
    "ULN001": ("The LRS has no learner with this ULN.", FIX_LEARNER),
    "LRN001": ("The learner's name or date of birth does not match the LRS.", FIX_LEARNER),
    "AIM001": ("The aim is not owned by or shared with the AO at the LRS.", FIX_RESULT),
    "DAT001": ("The award date breaks the LRS's rules.", FIX_RESULT),
    "ACH001": ("The LRS already holds this achievement.", FIX_RESULT),
    "ACH002": ("The LRS holds no such achievement to change.", FIX_RESULT),
    "ACH003": ("The achievement is withdrawn at the LRS.", FIX_RESULT),
    "FLD001": ("A required field is missing or malformed.", FIX_RESULT),
}


@contextlib.contextmanager
def batch_lock(batch_id: int) -> Iterator[bool]:
    """Hold the batch's advisory lock for as long as this worker works on it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, batch_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, batch_id])


def poll_delay(polls: int) -> float:
    """Back-off between polls: doubling from the first delay up to the longest."""
    first = settings.LRS_POLL_FIRST_SECONDS
    return float(min(first * (2 ** min(polls, 16)), settings.LRS_POLL_LONGEST_SECONDS))


def _locked(batch_id: int) -> AchievementBatch:
    return AchievementBatch.objects.select_for_update().get(pk=batch_id)


def _records_note(batch: AchievementBatch, *, to_state: str, note: str, **fields) -> None:
    """Move every record still in this batch to `to_state`, with a history line each."""
    records = list(
        Achievement.objects.select_for_update().filter(batch=batch, state=S.IN_BATCH).order_by("pk")
    )
    now = timezone.now()
    AchievementChange.objects.bulk_create(
        AchievementChange(
            achievement=a, at=now, from_state=S.IN_BATCH, to_state=to_state, note=note
        )
        for a in records
    )
    Achievement.objects.filter(pk__in=[a.pk for a in records]).update(
        state=to_state, updated_at=now, **fields
    )


@dataclass(frozen=True)
class Outcome:
    """What a step did, for the task: "retry" and "poll" carry the delay in seconds."""

    action: str  # "done", "poll", "retry", "busy", "nothing"
    delay: float = 0.0


# --- send --------------------------------------------------------------------------------------


def batch_send(*, batch_id: int, client: ExternalServiceClient | None = None) -> Outcome:
    with batch_lock(batch_id) as held:
        if not held:
            return Outcome("busy")
        batch = AchievementBatch.objects.get(pk=batch_id)
        if batch.status == BatchStatus.SUBMITTED:
            return _poll(batch_id, client)
        if batch.status == BatchStatus.SENDING:
            _mark_outcome_unknown(
                batch_id,
                "The worker sending this batch stopped before the LRS's job id was stored.",
            )
            return Outcome("done")
        if batch.status != BatchStatus.READY:
            return Outcome("nothing")
        with transaction.atomic():
            batch = _locked(batch_id)
            batch.status = BatchStatus.SENDING
            batch.send_started_at = timezone.now()
            batch.attempts += 1
            batch.save(update_fields=["status", "send_started_at", "attempts"])
        try:
            job_id = (client or ExternalServiceClient()).submit_achievement_batch(
                payload=bytes(batch.payload)
            )
        except LrsCredentialsRefused as error:
            _back_to_ready(batch_id, f"The LRS refused the organisation's credentials: {error}")
            return Outcome("nothing")
        except LrsFault as error:
            _batch_failed(batch_id, code=error.code or "FAULT", reason=str(error))
            return Outcome("done")
        except LrsUnavailable as error:
            # Nothing reached the LRS: safe to send again later.
            _back_to_ready(batch_id, str(error))
            return Outcome("retry", poll_delay(batch.attempts))
        except (LrsOutcomeUnknown, LrsError, Exception) as error:
            _mark_outcome_unknown(batch_id, f"{type(error).__name__}: {error}")
            return Outcome("done")
        with transaction.atomic():
            batch = _locked(batch_id)
            batch.job_id = job_id
            batch.status = BatchStatus.SUBMITTED
            batch.submitted_at = timezone.now()
            batch.next_poll_at = batch.submitted_at + datetime.timedelta(seconds=poll_delay(0))
            batch.last_error = ""
            batch.save(
                update_fields=["job_id", "status", "submitted_at", "next_poll_at", "last_error"]
            )
            audit_record(
                actor=None,
                action="achievement_batch.submit",
                target=batch,
                after={"job_id": job_id, "records": batch.record_count},
            )
        return Outcome("poll", poll_delay(0))


def _back_to_ready(batch_id: int, error: str) -> None:
    with transaction.atomic():
        batch = _locked(batch_id)
        batch.status = BatchStatus.READY
        batch.last_error = error
        batch.save(update_fields=["status", "last_error"])


def _mark_outcome_unknown(batch_id: int, error: str) -> None:
    with transaction.atomic():
        batch = _locked(batch_id)
        if batch.status != BatchStatus.SENDING:
            return
        batch.status = BatchStatus.OUTCOME_UNKNOWN
        batch.last_error = error
        batch.save(update_fields=["status", "last_error"])
        audit_record(
            actor=None,
            action="achievement_batch.outcome_unknown",
            target=batch,
            detail={"note": f"Not known whether the LRS received batch {batch.pk}: {error}"},
        )


# --- poll and complete ---------------------------------------------------------------------------


def batch_poll(*, batch_id: int, client: ExternalServiceClient | None = None) -> Outcome:
    with batch_lock(batch_id) as held:
        if not held:
            return Outcome("busy")
        batch = AchievementBatch.objects.get(pk=batch_id)
        if batch.status != BatchStatus.SUBMITTED:
            return Outcome("nothing")
        early = batch.next_poll_at and timezone.now() < batch.next_poll_at - datetime.timedelta(
            seconds=1
        )
        if early:
            # A second chain of poll messages (a redelivery): the chain on time carries on.
            return Outcome("nothing")
        return _poll(batch_id, client)


def _poll(batch_id: int, client: ExternalServiceClient | None) -> Outcome:
    batch = AchievementBatch.objects.get(pk=batch_id)
    assert batch.job_id is not None
    try:
        job = (client or ExternalServiceClient()).get_achievement_batch_job(batch.job_id)
    except LrsError as error:
        job = None
        problem = str(error)
    with transaction.atomic():
        batch = _locked(batch_id)
        if batch.status != BatchStatus.SUBMITTED:
            return Outcome("nothing")
        batch.polls += 1
        delay = poll_delay(batch.polls)
        if job is None:
            batch.last_error = problem
        else:
            batch.last_error = ""
            _store_job(batch, job)
        if job is not None and job.finished:
            _complete(batch, job)
            return Outcome("done")
        batch.next_poll_at = timezone.now() + datetime.timedelta(seconds=delay)
        batch.save()
        return Outcome("poll", delay)


def _store_job(batch: AchievementBatch, job: BatchJob) -> None:
    batch.lrs_status = job.status
    for name, attribute in COUNTERS.items():
        value = job.counters.get(name)
        if value is not None:
            setattr(batch, attribute, value)
    if job.percentage_successful is not None:
        batch.percentage_successful = job.percentage_successful
    batch.rejection_reason = job.rejection_reason
    if job.error_file:
        batch.error_file = job.error_file
        batch.error_file_name = job.filename


@dataclass(frozen=True)
class RecordError:
    mis_identifier: str
    uln: str
    aim_reference: str
    code: str
    description: str


def error_file_parse(text: str) -> list[RecordError]:
    """The sandpit's error file (decision 0124): CSV with a header row; unknown columns and
    malformed lines are skipped, and the raw text is kept on the batch whatever happens."""
    reader = csv.DictReader(io.StringIO(text or ""))
    errors = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not row.get("ErrorCode"):
            continue
        errors.append(
            RecordError(
                mis_identifier=row.get("MisIdentifier", ""),
                uln=row.get("Uln", ""),
                aim_reference=row.get("UnitOrQualificationReferenceNumber", ""),
                code=row["ErrorCode"],
                description=row.get("ErrorDescription", ""),
            )
        )
    return errors


def exception_in_words(code: str, description: str) -> str:
    meaning = ERROR_CODES.get(code, ("", ""))[0]
    if meaning and description and description != meaning:
        return f"{meaning} The LRS says: {description}"
    return meaning or description or f"The LRS rejected the record ({code})."


ACCEPTED_STATE = {
    LrsAction.CREATE: S.ACCEPTED,
    LrsAction.UPDATE: S.ACCEPTED,
    LrsAction.WITHDRAW: S.WITHDRAWN,
    LrsAction.REINSTATE: S.REINSTATED,
}


def _complete(batch: AchievementBatch, job: BatchJob) -> None:
    """Apply a finished job to its records, in the transaction that stores it."""
    now = timezone.now()
    batch.completed_at = now
    batch.next_poll_at = None
    records = list(batch.records.select_related("achievement").order_by("achievement_id"))
    by_mis = {r.achievement.mis_identifier: r for r in records}
    by_reference = {(r.achievement.uln, r.achievement.aim_reference): r for r in records}
    errors: dict[int, RecordError] = {}
    for error in error_file_parse(batch.error_file):
        record = by_mis.get(error.mis_identifier) or by_reference.get(
            (error.uln, error.aim_reference)
        )
        if record is not None:
            errors[record.pk] = error
    # Lock the records in pk order before changing them (their ids are enough to lock them).
    list(
        Achievement.objects.filter(batch_records__batch=batch)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changes = []
    if job.status == "Successful":
        batch.status = BatchStatus.SUCCESSFUL
        for record in records:
            achievement = record.achievement
            found = errors.get(record.pk)
            if found is not None:
                text = exception_in_words(found.code, found.description)
                record.outcome = BatchRecord.Outcome.REJECTED
                record.exception_code, record.exception_text = found.code, text
                achievement.state = S.REJECTED
                achievement.exception_code, achievement.exception_text = found.code, text
                note = f"Rejected by the LRS in batch {batch.pk}: {text}"
            else:
                record.outcome = BatchRecord.Outcome.ACCEPTED
                achievement.state = ACCEPTED_STATE[LrsAction(record.action)]
                achievement.exception_code = achievement.exception_text = ""
                achievement.pending_action = None
                if record.action == LrsAction.CREATE:
                    achievement.held_at_lrs = True
                achievement.accepted_at = now
                note = f"Accepted by the LRS in batch {batch.pk} (job {batch.job_id})."
            changes.append((achievement, note))
    else:
        # Failed (RS005 or another rejection of the whole batch) or Cancelled: every record goes
        # back to pending with the reason; those the error file names carry their own exception
        # too and wait for a person to fix them (decision 0124).
        batch.status = BatchStatus.FAILED if job.status == "Failed" else BatchStatus.CANCELLED
        reason = job.rejection_reason or (
            "The LRS cancelled the job." if job.status == "Cancelled" else "The batch failed."
        )
        code = RS005 if RS005 in reason else job.status.upper()[:20]
        for record in records:
            achievement = record.achievement
            found = errors.get(record.pk)
            record.outcome = BatchRecord.Outcome.BATCH_FAILED
            achievement.state = S.PENDING
            if found is not None:
                text = exception_in_words(found.code, found.description)
                record.exception_code, record.exception_text = found.code, text
                achievement.exception_code, achievement.exception_text = found.code, text
            else:
                record.exception_code, record.exception_text = code, reason
                achievement.exception_code, achievement.exception_text = code, reason
            changes.append(
                (achievement, f"Batch {batch.pk} failed at the LRS: {reason} Back to pending.")
            )
    batch.save()
    _save_outcomes(records, [a for a, _ in changes], now)
    rows_copy(
        AchievementChange._meta.db_table,
        ("achievement_id", "at", "actor_id", "from_state", "to_state", "note"),
        ((a.pk, now, None, S.IN_BATCH, a.state, note) for a, note in changes),
    )
    achievements_apply_after_batch(batch=batch)
    audit_record(
        actor=None,
        action="achievement_batch.complete",
        target=batch,
        after={
            "status": batch.status,
            "job_status": job.status,
            "rejected": len(errors),
            "rejection_reason": batch.rejection_reason,
        },
    )


def _save_outcomes(
    records: list[BatchRecord], achievements: list[Achievement], now: datetime.datetime
) -> None:
    """Write the outcomes: one UPDATE per group of records that end alike (10,000 accepted
    records are a few statements), row by row only for those with their own exception."""
    record_groups: dict[tuple, list[int]] = {}
    one_by_one_records = []
    for record in records:
        if record.exception_code and record.outcome == BatchRecord.Outcome.REJECTED:
            one_by_one_records.append(record)
        else:
            key = (record.outcome, record.exception_code, record.exception_text)
            record_groups.setdefault(key, []).append(record.pk)
    for (outcome, code, text), pks in record_groups.items():
        BatchRecord.objects.filter(pk__in=pks).update(
            outcome=outcome, exception_code=code, exception_text=text
        )
    BatchRecord.objects.bulk_update(
        one_by_one_records, ["outcome", "exception_code", "exception_text"], batch_size=500
    )
    fields = (
        "state",
        "exception_code",
        "exception_text",
        "pending_action",
        "held_at_lrs",
        "accepted_at",
    )
    groups: dict[tuple, list[int]] = {}
    for achievement in achievements:
        key = tuple(getattr(achievement, name) for name in fields)
        groups.setdefault(key, []).append(achievement.pk)
    for key, pks in groups.items():
        Achievement.objects.filter(pk__in=pks).update(
            updated_at=now, **dict(zip(fields, key, strict=True))
        )


def _batch_failed(batch_id: int, *, code: str, reason: str) -> None:
    """The LRS refused the submission outright (a DomainFault): records back to pending."""
    with transaction.atomic():
        batch = _locked(batch_id)
        batch.status = BatchStatus.FAILED
        batch.rejection_reason = f"{code}: {reason}"
        batch.completed_at = timezone.now()
        batch.save(update_fields=["status", "rejection_reason", "completed_at"])
        batch.records.update(
            outcome=BatchRecord.Outcome.BATCH_FAILED, exception_code=code, exception_text=reason
        )
        _records_note(
            batch,
            to_state=S.PENDING,
            note=f"Batch {batch.pk} was refused by the LRS: {reason} Back to pending.",
            exception_code=code[:20],
            exception_text=reason,
        )
        achievements_apply_after_batch(batch=batch)
        audit_record(
            actor=None,
            action="achievement_batch.refused",
            target=batch,
            detail={"code": code, "reason": reason},
        )


# --- a person resolves an unknown outcome --------------------------------------------------------


class BatchResolveRejected(ValueError):
    pass


@transaction.atomic
def achievement_batch_resolve(
    *,
    batch: AchievementBatch,
    received: bool,
    job_id: int | None,
    acting_user: User,
    note: str = "",
) -> AchievementBatch:
    """After "outcome unknown": the person checked the LRS portal. Received → the job id they
    found is stored and followed; not received → the batch is sent again, once, on their word."""
    batch = _locked(batch.pk)
    if batch.status != BatchStatus.OUTCOME_UNKNOWN:
        raise BatchResolveRejected("Only a batch whose outcome is unknown can be resolved.")
    if received:
        if not job_id:
            raise BatchResolveRejected(
                "Enter the job id the LRS portal shows for this batch's upload."
            )
        if AchievementBatch.objects.filter(job_id=job_id).exclude(pk=batch.pk).exists():
            raise BatchResolveRejected(f"Job {job_id} already belongs to another batch.")
        batch.job_id = job_id
        batch.status = BatchStatus.SUBMITTED
        batch.submitted_at = batch.submitted_at or timezone.now()
        batch.next_poll_at = timezone.now()
        words = f"The LRS received it as job {job_id}; following that job."
    else:
        batch.status = BatchStatus.READY
        words = "The LRS did not receive it; sending it again."
    batch.resolved_at = timezone.now()
    batch.resolved_by = acting_user
    batch.resolution_note = (words + (" " + note if note else "")).strip()
    batch.save()
    audit_record(
        actor=acting_user,
        action="achievement_batch.resolve",
        target=batch,
        after={"status": batch.status, "job_id": batch.job_id},
        detail={"note": batch.resolution_note},
    )
    from .achievement_batches import batch_dispatch

    batch_dispatch(batch_id=batch.pk)
    return batch


# --- resume (beat) -------------------------------------------------------------------------------


def batches_to_resume(*, stale_after: float = 60.0) -> tuple[list[int], list[int]]:
    """(to send, to poll): Ready batches nobody sent and batches left in Sending (the send task
    decides under the lock whether their worker is gone), and submitted batches whose poll is
    overdue."""
    cutoff = timezone.now() - datetime.timedelta(seconds=stale_after)
    to_send = list(
        AchievementBatch.objects.filter(status=BatchStatus.READY, created_at__lte=cutoff)
        .union(
            AchievementBatch.objects.filter(status=BatchStatus.SENDING, send_started_at__lte=cutoff)
        )
        .values_list("pk", flat=True)
    )
    to_poll = list(
        AchievementBatch.objects.filter(
            status=BatchStatus.SUBMITTED, next_poll_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    return sorted(to_send), sorted(to_poll)
