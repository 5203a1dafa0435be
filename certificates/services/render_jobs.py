"""Render jobs: certificates' PDFs drawn in chunks by Celery, with progress, failure, retry and
the beat that resumes stuck jobs."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from providers.models import Provider

from .. import pdf_files
from ..models import Certificate, RenderJob
from ..rendering import CertificatePage, certificates_render_pdfs
from ..validators import (
    pdf_sha256,
)
from .access import _require_certification_officer

logger = logging.getLogger(__name__)


# Certificates rendered per layout (and per Celery task): big enough to share the layout work,
# small enough that progress moves and a failure costs little.
RENDER_CHUNK_SIZE = 25


# --- rendering ---------------------------------------------------------------------------


def _pdf_name(certificate: Certificate) -> str:
    return f"certificates/{certificate.issued_at:%Y}/{certificate.number}.pdf"


def certificates_unrendered(*, certificate_ids: Sequence[int]) -> list[int]:
    return list(
        Certificate.objects.filter(pk__in=certificate_ids, pdf_sha256="").values_list(
            "pk", flat=True
        )
    )


def certificates_render(
    *, certificate_ids: Sequence[int], on_stored: Callable[[], object] | None = None
) -> int:
    """Render and store the PDFs of those certificates not yet rendered; returns how many.

    Idempotent: a stored PDF is never replaced (the database refuses it), and a certificate
    rendered meanwhile by another worker keeps that worker's file. A file takes its final name
    only as its row commits (`pdf_files`). `on_stored` runs after each certificate is stored
    (a render job's progress).
    """
    pending = list(
        Certificate.objects.filter(pk__in=certificate_ids, pdf_sha256="")
        .select_related("replaces")  # a replacement names the number it replaces
        .order_by("pk")
    )
    if not pending:
        return 0
    pdfs = certificates_render_pdfs([CertificatePage.from_certificate(c) for c in pending])
    stored = 0
    for certificate, content in zip(pending, pdfs, strict=True):
        name = _pdf_name(certificate)
        partial = pdf_files.pdf_partial_write(name=name, content=content)
        try:
            with transaction.atomic():
                locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
                if locked.pdf_sha256:
                    pdf_files.pdf_partial_discard(partial)
                    continue
                locked.pdf.name = name
                locked.pdf_sha256 = pdf_sha256(content)
                locked.pdf_rendered_at = timezone.now()
                locked.save(update_fields=["pdf", "pdf_sha256", "pdf_rendered_at"])
                audit_record(
                    actor=None,
                    action="certificate.render",
                    target=locked,
                    after={"pdf": name, "pdf_sha256": locked.pdf_sha256},
                    organisation_id=locked.provider.organisation_id,
                )
                pdf_files.pdf_partial_publish(partial=partial, name=name)  # the last step
        except BaseException:
            pdf_files.pdf_partial_discard(partial)
            if not Certificate.objects.filter(pk=certificate.pk, pdf=name).exists():
                default_storage.delete(name)  # moved, but the row did not commit
            raise
        pdf_files.pdf_partials_discard(name=name)
        stored += 1
        if on_stored is not None:
            on_stored()
    return stored


@transaction.atomic
def render_job_create(
    *,
    provider: Provider,
    certificates: Iterable[Certificate],
    acting_user: User | None,
    batch_key: str = "",
) -> RenderJob:
    """A job rendering one batch (a course run's certificates); the page shows its progress."""
    chosen = list(certificates)
    if not chosen:
        raise ValidationError("Choose at least one certificate to render.")
    if any(c.provider_id != provider.pk for c in chosen):
        raise ValidationError("Every certificate in a batch must belong to the batch's provider.")
    job = RenderJob.objects.create(
        provider=provider,
        batch_key=batch_key.strip(),
        total=len(chosen),
        rendered=sum(1 for c in chosen if c.pdf_sha256),
        created_by=acting_user,
    )
    job.certificates.set(chosen)
    audit_record(
        actor=acting_user,
        action="certificate.render_job.create",
        target=job,
        after={"batch_key": job.batch_key, "certificates": [c.number for c in chosen]},
        organisation_id=provider.organisation_id,
    )
    _start_job_after_commit(job.pk)
    return job


def _start_job_after_commit(job_id: int) -> None:
    transaction.on_commit(lambda: render_job_dispatch(job_id=job_id))


def render_job_dispatch(*, job_id: int) -> bool:
    """Hand the job to the task queue; if the broker is down, leave it queued, never raise.

    Runs after the data is committed, so an exception here would turn a saved certificate into
    a 500. The job keeps `dispatched_at` empty, and `render_jobs_resume` (beat) or the retry
    button hands it over again later.
    """
    from outbox.services import task_publish

    from ..tasks import render_job_task

    RenderJob.objects.filter(pk=job_id).update(dispatched_at=timezone.now())
    if task_publish(task_name=render_job_task.name, args=[job_id]):
        logger.error("could not queue render job %s; it stays queued for a retry", job_id)
        RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.QUEUED).update(
            dispatched_at=None
        )
        return False
    return True


# A job whose worker reported no progress for this long has stalled (its worker or message was
# lost): a worker reports after every certificate it stores, each taking a second or two.
RENDER_JOB_STALL_AFTER = datetime.timedelta(minutes=2)
# Times a job is handed over again by itself before it is marked failed.
RENDER_JOB_MAX_ATTEMPTS = 5


def _stall_after() -> datetime.timedelta:
    seconds = getattr(settings, "CERTIFICATE_RENDER_STALL_SECONDS", None)
    return datetime.timedelta(seconds=seconds) if seconds else RENDER_JOB_STALL_AFTER


def render_job_is_stale(job: RenderJob) -> bool:
    """Stalled: queued but never handed to the queue, or queued/rendering with no progress
    reported for `CERTIFICATE_RENDER_STALL_SECONDS` (the job page says so, beat resumes it)."""
    if job.status == RenderJob.Status.QUEUED and job.dispatched_at is None:
        return job.created_at < timezone.now() - min(_stall_after(), datetime.timedelta(minutes=1))
    if job.status in (RenderJob.Status.QUEUED, RenderJob.Status.RENDERING):
        return job.progress_at < timezone.now() - _stall_after()
    return False


def render_job_may_retry(*, job: RenderJob) -> bool:
    return job.status == RenderJob.Status.FAILED or render_job_is_stale(job)


def render_jobs_resume() -> list[int]:
    """Hand stuck jobs to the queue again (the beat task); fail those tried too often.

    Returns the ids handed over.
    """
    resumed: list[int] = []
    candidates = RenderJob.objects.filter(
        status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RENDERING]
    ).order_by("pk")
    for job in candidates:
        if not render_job_is_stale(job):
            continue
        with transaction.atomic():
            locked = RenderJob.objects.select_for_update().get(pk=job.pk)
            if not render_job_is_stale(locked):
                continue
            if locked.attempts >= RENDER_JOB_MAX_ATTEMPTS:
                render_job_fail(
                    job_id=locked.pk,
                    error=f"no progress after {locked.attempts} attempts; rendering given up",
                )
                continue
            locked.status = RenderJob.Status.QUEUED
            locked.progress_at = timezone.now()
            locked.save(update_fields=["status", "progress_at"])
            audit_record(
                actor=None,
                action="certificate.render_job.resume",
                target=locked,
                before={"status": job.status},
                after={"status": RenderJob.Status.QUEUED},
                organisation_id=locked.provider.organisation_id,
            )
        if render_job_dispatch(job_id=job.pk):
            resumed.append(job.pk)
    return resumed


def render_job_start(*, job_id: int) -> list[list[int]]:
    """Mark the job rendering and return the chunks of certificate ids still to render."""
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status == RenderJob.Status.DONE:
            return []
        pending = list(
            job.certificates.filter(pdf_sha256="").order_by("pk").values_list("pk", flat=True)
        )
        job.status = RenderJob.Status.RENDERING
        job.started_at = job.started_at or timezone.now()
        job.progress_at = timezone.now()
        job.attempts = F("attempts") + 1
        job.error = ""
        job.save(update_fields=["status", "started_at", "progress_at", "attempts", "error"])
    if not pending:
        render_job_progress(job_id=job_id)
        return []
    return [
        pending[start : start + RENDER_CHUNK_SIZE]
        for start in range(0, len(pending), RENDER_CHUNK_SIZE)
    ]


def render_job_progress(*, job_id: int) -> RenderJob:
    """Count the job's rendered certificates; when all are, the job is done.

    A late or duplicate message for a finished job changes nothing, its finished time included.
    """
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status == RenderJob.Status.DONE:
            return job
        job.rendered = job.certificates.exclude(pdf_sha256="").count()
        job.progress_at = timezone.now()
        if job.rendered >= job.total and job.status != RenderJob.Status.FAILED:
            job.status = RenderJob.Status.DONE
            job.finished_at = timezone.now()
        job.save(update_fields=["rendered", "progress_at", "status", "finished_at"])
    return job


def render_job_fail(*, job_id: int, error: str) -> None:
    with transaction.atomic():
        job = RenderJob.objects.select_for_update().get(pk=job_id)
        if job.status == RenderJob.Status.DONE:
            return  # a late message cannot undo finished work
        job.status = RenderJob.Status.FAILED
        job.error = error[:2000]
        job.finished_at = timezone.now()
        job.rendered = job.certificates.exclude(pdf_sha256="").count()
        job.save(update_fields=["status", "error", "finished_at", "rendered"])


@transaction.atomic
def render_job_retry(*, job: RenderJob, acting_user: User) -> RenderJob:
    _require_certification_officer(acting_user)
    locked = RenderJob.objects.select_for_update().get(pk=job.pk)
    if not render_job_may_retry(job=locked):
        raise ValidationError(
            "Only a failed job, or one that has not moved for a while, can be tried again."
        )
    before = {"status": locked.status, "error": locked.error}
    locked.status = RenderJob.Status.QUEUED
    locked.finished_at = None
    locked.progress_at = timezone.now()
    locked.save(update_fields=["status", "finished_at", "progress_at"])
    audit_record(
        actor=acting_user,
        action="certificate.render_job.retry",
        target=locked,
        before=before,
        after={"status": RenderJob.Status.QUEUED},
        organisation_id=locked.provider.organisation_id,
    )
    _start_job_after_commit(locked.pk)
    return locked
