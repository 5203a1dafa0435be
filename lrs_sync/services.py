"""Learner verification against the LRS (R-LRN-7, R-LRS-10): one learner at a time, and batches
run by Celery with a job row that survives faults (a lost worker, the LRS unavailable)."""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.bulk_insert import records, recordset, rows_insert
from learners.models import Learner, VerificationStatus
from learners.services import (
    learners_verification_store,
)

from .models import VerifyJob, VerifyJobChunk, VerifyJobLearner

# One learner at a time lives in its own module; its services are re-exported here.
from .verification_single import _lrs_client, _outcome, _require
from .verification_single import learner_uln_use_master as learner_uln_use_master
from .verification_single import learner_verify as learner_verify
from .verification_types import (
    LearnerToVerify,
    LrsError,
    LrsUnavailable,
    VerifiedLearner,
)

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 1000
# A runner holds its job this long per pass; a second runner waits its turn.
LEASE = datetime.timedelta(minutes=2)
# A job that has not moved for this long is handed to the queue again by beat.
STALE_AFTER = datetime.timedelta(minutes=15)
# Chunks sent to the LRS and not yet answered, at most: the LRS is not flooded, and the
# progress bar moves as each answer is stored.
CHUNKS_IN_FLIGHT = 2
# How often a runner asks the LRS whether a submitted batch is ready.
POLL_SECONDS = 1.0


# Batches ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyRow:
    """One learner to put in a batch: a portal learner, or a row of an uploaded file."""

    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    gender: str
    learner_id: int | None = None
    provider_id: int | None = None


def _chunk_size() -> int:
    return int(getattr(settings, "LRS_VERIFY_CHUNK_SIZE", DEFAULT_CHUNK_SIZE))


def verify_rows_unverified(*, provider: Provider | None) -> list[VerifyRow]:
    """Every unverified learner with a ULN, of one provider or of all, except those already in
    a batch that has not finished (their answer is on its way)."""
    learners = (
        Learner.objects.filter(verification_status=VerificationStatus.UNVERIFIED)
        .exclude(uln="")
        .exclude(
            lrs_verifications__job__status__in=[
                VerifyJob.Status.QUEUED,
                VerifyJob.Status.RUNNING,
                VerifyJob.Status.WAITING_FOR_LRS,
            ]
        )
    )
    if provider is not None:
        learners = learners.filter(provider=provider)
    return [
        VerifyRow(uln, given, family, dob, gender, learner_id=pk, provider_id=provider_id)
        for pk, provider_id, uln, given, family, dob, gender in learners.order_by("pk").values_list(
            "pk", "provider_id", "uln", "given_name", "family_name", "date_of_birth", "gender"
        )
    ]


def verify_rows_link_learners(rows: Sequence[VerifyRow]) -> list[VerifyRow]:
    """Rows of a file, each tied to the portal learner with the same ULN and details, if any,
    so that learner's status follows the answer."""
    ulns = {row.uln for row in rows}
    found: dict[tuple[object, ...], tuple[int, int]] = {}
    for pk, provider_id, uln, given, family, dob, gender in (
        Learner.objects.filter(uln__in=ulns)
        .order_by("pk")
        .values_list(
            "pk", "provider_id", "uln", "given_name", "family_name", "date_of_birth", "gender"
        )
    ):
        found.setdefault((uln, given, family, dob, gender), (pk, provider_id))
    linked = []
    for row in rows:
        key = (row.uln, row.given_name, row.family_name, row.date_of_birth, row.gender)
        match = found.get(key)
        linked.append(
            VerifyRow(
                row.uln,
                row.given_name,
                row.family_name,
                row.date_of_birth,
                row.gender,
                learner_id=match[0] if match else None,
                provider_id=match[1] if match else None,
            )
        )
    return linked


# A batch's rows as columns for one INSERT (awards_portal.bulk_insert).
_NEW_ROW_COLUMNS = (
    ("job_id", "bigint"),
    ("position", "integer"),
    ("learner_id", "bigint"),
    ("provider_id", "bigint"),
    ("uln", "text"),
    ("given_name", "text"),
    ("family_name", "text"),
    ("date_of_birth", "date"),
    ("gender", "text"),
)
_NEW_ROW_FIXED = {
    "response_code": "''",
    "failure_flags": "'{}'::varchar[]",
    "lrs_uln": "''",
    "lrs_given_name": "''",
    "lrs_family_name": "''",
    "lrs_gender": "''",
}


@transaction.atomic
def verify_job_create(
    *,
    source: str,
    rows: Sequence[VerifyRow],
    acting_user: User,
    provider: Provider | None = None,
    file_name: str = "",
    chunk_size: int | None = None,
) -> VerifyJob:
    """A batch verification of `rows`, queued for a worker once the transaction commits."""
    _require(acting_user, Capability.VERIFY_LEARNER_BATCHES)
    if not rows:
        raise ValidationError("There are no learners to verify: every learner chosen is verified.")
    size = max(1, chunk_size or _chunk_size())
    job = VerifyJob.objects.create(
        source=source,
        provider=provider,
        file_name=file_name[:255],
        total=len(rows),
        chunk_size=size,
        created_by=acting_user,
    )
    rows_insert(
        table=VerifyJobLearner._meta.db_table,
        columns=_NEW_ROW_COLUMNS,
        rows=[
            (
                job.pk,
                position,
                row.learner_id,
                row.provider_id,
                row.uln,
                row.given_name,
                row.family_name,
                row.date_of_birth,
                row.gender,
            )
            for position, row in enumerate(rows, start=1)
        ],
        fixed=_NEW_ROW_FIXED,
    )
    VerifyJobChunk.objects.bulk_create(
        VerifyJobChunk(
            job=job,
            index=index,
            first_position=start + 1,
            last_position=min(start + size, len(rows)),
        )
        for index, start in enumerate(range(0, len(rows), size))
    )
    audit_record(
        actor=acting_user,
        action="lrs.verify_job.create",
        target=job,
        after={"source": source, "learners": len(rows), "file_name": file_name},
        detail={"provider": provider.pk if provider is not None else None},
    )
    job_id = job.pk
    transaction.on_commit(lambda: verify_job_dispatch(job_id=job_id))
    return job


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import KombuError
    from redis.exceptions import RedisError

    return (KombuError, RedisError, ConnectionError, TimeoutError, OSError)


def verify_job_dispatch(*, job_id: int, countdown: float | None = None) -> bool:
    """Hand the job to the task queue; with the broker down, log it and leave the job for beat.

    The only place a verification job is published: runs after commit and never raises, so a
    broker outage cannot turn a saved job into a server error."""
    from .tasks import verify_job_run_task

    VerifyJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    try:
        verify_job_run_task.apply_async((job_id,), countdown=countdown)
    except _broker_errors():
        logger.exception("could not queue verification job %s; beat will hand it over", job_id)
        VerifyJob.objects.filter(pk=job_id).update(dispatched_at=None)
        return False
    return True


def _claim(job_id: int) -> bool:
    """Take the job's lease for one pass; False if another runner holds it or it is finished."""
    now = timezone.now()
    claimed = (
        VerifyJob.objects.filter(pk=job_id)
        .exclude(status__in=[VerifyJob.Status.DONE, VerifyJob.Status.FAILED])
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_until=now + LEASE,
            progress_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if claimed:
        VerifyJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
        VerifyJob.objects.filter(pk=job_id, status=VerifyJob.Status.QUEUED).update(
            status=VerifyJob.Status.RUNNING
        )
    return bool(claimed)


def _release(job_id: int) -> None:
    VerifyJob.objects.filter(pk=job_id).update(lease_until=None)


def _heartbeat(job_id: int) -> None:
    now = timezone.now()
    VerifyJob.objects.filter(pk=job_id).update(progress_at=now, lease_until=now + LEASE)


def _learners_to_verify(chunk: VerifyJobChunk) -> list[LearnerToVerify]:
    rows = VerifyJobLearner.objects.filter(
        job_id=chunk.job_id, position__range=(chunk.first_position, chunk.last_position)
    ).order_by("position")
    return [
        LearnerToVerify(
            uln=uln,
            given_name=given,
            family_name=family,
            date_of_birth=dob,
            gender=gender,
            mis_identifier=str(position),
        )
        for position, uln, given, family, dob, gender in rows.values_list(
            "position", "uln", "given_name", "family_name", "date_of_birth", "gender"
        )
    ]


class VerifyJobPending(Exception):
    """The LRS has not finished a submitted batch yet: come back in a moment."""


def verify_job_run(*, job_id: int, budget_seconds: float = 20.0) -> bool:
    """One runner's pass: submit the chunks not yet sent, store every answer that is ready.

    Returns True when the job is finished (or another runner holds it), False when the LRS is
    still working and the caller should come back. LrsUnavailable goes to the caller, which
    waits and retries; any other LrsError fails the job with the LRS's message."""
    if not _claim(job_id):
        return True
    stack = contextlib.ExitStack()
    try:
        deadline = time.monotonic() + budget_seconds
        job = VerifyJob.objects.select_related("created_by").get(pk=job_id)
        client = _lrs_client()
        stack.callback(client.close)
        email = job.created_by.email if job.created_by is not None else ""
        while True:
            chunks = list(job.chunks.filter(stored_at__isnull=True).order_by("index"))
            if not chunks:
                _finish(job_id)
                return True
            in_flight = sum(1 for chunk in chunks if chunk.lrs_job_id is not None)
            for chunk in chunks:
                if chunk.lrs_job_id is None and in_flight < CHUNKS_IN_FLIGHT:
                    in_flight += 1
                    chunk.lrs_job_id = client.submit_verify_batch(
                        _learners_to_verify(chunk), notify_email=email
                    )
                    chunk.submitted_at = timezone.now()
                    chunk.save(update_fields=["lrs_job_id", "submitted_at"])
                    _heartbeat(job_id)
            stored_any = False
            for chunk in chunks:
                if chunk.lrs_job_id is None:
                    continue
                output = client.get_verify_batch_output(chunk.lrs_job_id)
                if output.ready:
                    _store_chunk(chunk=chunk, answers=output.learners, job=job)
                    stored_any = True
            if stored_any:
                _waiting_cleared(job_id)
                continue
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
    except LrsUnavailable:
        raise
    except LrsError as error:
        verify_job_fail(job_id=job_id, error=str(error))
        return True
    finally:
        stack.close()
        _release(job_id)


def _store_chunk(
    *, chunk: VerifyJobChunk, answers: Sequence[VerifiedLearner], job: VerifyJob
) -> None:
    """Keep one chunk's answers: on the batch's rows and on the portal learners, in bulk."""
    by_position: dict[int, VerifiedLearner] = {}
    for answer in answers:
        identifier = answer.searched.mis_identifier
        if identifier.isdigit() and chunk.first_position <= int(identifier) <= chunk.last_position:
            by_position[int(identifier)] = answer
    with transaction.atomic():
        locked = VerifyJobChunk.objects.select_for_update().get(pk=chunk.pk)
        if locked.stored_at is not None:
            return  # another runner stored it first
        rows = list(
            VerifyJobLearner.objects.filter(
                job_id=chunk.job_id, position__range=(chunk.first_position, chunk.last_position)
            ).values_list("position", "learner_id")
        )
        _rows_update(job_id=chunk.job_id, answers=by_position)
        outcomes = [
            _outcome(learner_id, by_position[position])
            for position, learner_id in rows
            if learner_id is not None and position in by_position
        ]
        learners_verification_store(
            outcomes=outcomes, acting_user=job.created_by, via="batch", job_id=job.pk
        )
        locked.stored_at = timezone.now()
        locked.save(update_fields=["stored_at"])
        answered = sum(1 for position, _ in rows if position in by_position)
        missing = len(rows) - answered
        VerifyJob.objects.filter(pk=chunk.job_id).update(
            stored=F("stored") + len(rows), progress_at=timezone.now()
        )
        if missing:
            logger.warning(
                "verification job %s: the LRS answered %s of %s learners in chunk %s",
                chunk.job_id,
                answered,
                len(rows),
                chunk.index,
            )


_ROW_COLUMNS = (
    ("position", "integer"),
    ("response_code", "text"),
    ("flags", "text"),
    ("lrs_uln", "text"),
    ("lrs_given_name", "text"),
    ("lrs_family_name", "text"),
    ("lrs_date_of_birth", "date"),
    ("lrs_gender", "text"),
)


def _rows_update(*, job_id: int, answers: dict[int, VerifiedLearner]) -> None:
    """One UPDATE joined to arrays (unnest) for a chunk's rows, however many."""
    if not answers:
        return
    table = VerifyJobLearner._meta.db_table
    sql = (
        f"UPDATE {table} AS r SET response_code = v.response_code, "  # noqa: S608 - constants
        "failure_flags = string_to_array(v.flags, ','), lrs_uln = v.lrs_uln, "
        "lrs_given_name = v.lrs_given_name, lrs_family_name = v.lrs_family_name, "
        "lrs_date_of_birth = v.lrs_date_of_birth, lrs_gender = v.lrs_gender "
        f"FROM {recordset(_ROW_COLUMNS)} "
        "WHERE r.job_id = %s AND r.position = v.position"
    )
    rows = [
        (
            position,
            answer.response_code[:8],
            ",".join(answer.failure_flags),
            answer.lrs_uln[:10],
            answer.lrs_given_name[:100],
            answer.lrs_family_name[:100],
            answer.lrs_date_of_birth,
            answer.lrs_gender[:1],
        )
        for position, answer in sorted(answers.items())
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [records(_ROW_COLUMNS, rows), job_id])


def _finish(job_id: int) -> None:
    with transaction.atomic():
        job = VerifyJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return
        job.status = VerifyJob.Status.DONE
        job.finished_at = timezone.now()
        job.progress_at = timezone.now()
        job.last_error = ""
        job.save(update_fields=["status", "finished_at", "progress_at", "last_error"])
        audit_record(
            actor=None,
            action="lrs.verify_job.done",
            target=job,
            after={"learners": job.total},
            organisation_id=job.created_by.organisation_id if job.created_by else None,
        )


def _waiting_cleared(job_id: int) -> None:
    VerifyJob.objects.filter(pk=job_id, status=VerifyJob.Status.WAITING_FOR_LRS).update(
        status=VerifyJob.Status.RUNNING
    )


def verify_job_wait_for_lrs(*, job_id: int, error: str) -> None:
    """The LRS could not be reached: the job waits (its rows are kept) and is tried again."""
    now = timezone.now()
    VerifyJob.objects.filter(pk=job_id).exclude(
        status__in=[VerifyJob.Status.DONE, VerifyJob.Status.FAILED]
    ).update(
        status=VerifyJob.Status.WAITING_FOR_LRS,
        last_error=error[:2000],
        last_error_at=now,
        progress_at=now,
    )


def verify_job_fail(*, job_id: int, error: str) -> None:
    with transaction.atomic():
        job = VerifyJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return
        job.status = VerifyJob.Status.FAILED
        job.last_error = error[:2000]
        job.last_error_at = timezone.now()
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "last_error", "last_error_at", "finished_at"])
        audit_record(
            actor=None,
            action="lrs.verify_job.failed",
            target=job,
            detail={"error": job.last_error},
            organisation_id=job.created_by.organisation_id if job.created_by else None,
        )


def verify_job_is_stale(job: VerifyJob) -> bool:
    """Never handed to the queue, or unfinished and silent for longer than any back-off."""
    if job.is_finished:
        return False
    if job.dispatched_at is None and job.created_at < timezone.now() - datetime.timedelta(
        minutes=1
    ):
        return True
    stale = datetime.timedelta(
        seconds=getattr(settings, "LRS_VERIFY_STALE_SECONDS", STALE_AFTER.total_seconds())
    )
    return job.progress_at < timezone.now() - stale


def verify_jobs_resume() -> list[int]:
    """Beat: hand every stalled job (a worker died, the broker lost the message) to the queue."""
    resumed = []
    for job in VerifyJob.objects.exclude(
        status__in=[VerifyJob.Status.DONE, VerifyJob.Status.FAILED]
    ).order_by("pk"):
        if verify_job_is_stale(job):
            VerifyJob.objects.filter(pk=job.pk).update(progress_at=timezone.now())
            if verify_job_dispatch(job_id=job.pk):
                resumed.append(job.pk)
    return resumed


@transaction.atomic
def verify_job_retry(*, job: VerifyJob, acting_user: User) -> VerifyJob:
    """A batch user sends a failed job again: the chunks already answered are kept."""
    _require(acting_user, Capability.VERIFY_LEARNER_BATCHES)
    locked = VerifyJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != VerifyJob.Status.FAILED:
        raise ValidationError("Only a failed batch can be tried again.")
    before = {"status": locked.status, "last_error": locked.last_error}
    locked.status = VerifyJob.Status.QUEUED
    locked.finished_at = None
    locked.progress_at = timezone.now()
    locked.save(update_fields=["status", "finished_at", "progress_at"])
    audit_record(actor=acting_user, action="lrs.verify_job.retry", target=locked, before=before)
    job_id = locked.pk
    transaction.on_commit(lambda: verify_job_dispatch(job_id=job_id))
    return locked
