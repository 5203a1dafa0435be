"""Celery tasks for certificates: thin, idempotent, taking ids and calling services."""

from __future__ import annotations

import logging

from celery import Task, group, shared_task
from django.core.cache import cache
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError

from awards_portal.celery import OUTSIDE_SERVICE_TASK_OPTIONS

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def certificate_render_task(certificate_id: int) -> int:
    """Render one certificate's PDF if it has none yet."""
    return services.certificates_render(certificate_ids=[certificate_id])


@shared_task
def render_job_task(job_id: int) -> None:
    """Fan a job's certificates out in chunks, so every worker process renders in parallel."""
    chunks = services.render_job_start(job_id=job_id)
    if chunks:
        group(render_job_chunk_task.s(job_id, chunk) for chunk in chunks).apply_async()


# Transient faults worth another try: the database or the storage briefly unavailable.
TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError, OSError)
CHUNK_MAX_RETRIES = 5
# Crashes of one chunk before it is taken as killing its worker (out of memory, the time limit):
# acks_late redelivers such a message, and without a limit it would for ever.
CHUNK_MAX_CRASHES = 3


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip(": ")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=CHUNK_MAX_RETRIES)
def render_job_chunk_task(self: Task, job_id: int, certificate_ids: list[int]) -> None:
    """Render one chunk; transient faults retry with back-off, then the job fails, recorded."""
    attempt = self.request.retries or 0
    if not services.certificates_unrendered(certificate_ids=certificate_ids):
        # A redelivery (or a duplicate) of work already done: not a crash, nothing to do.
        services.render_job_progress(job_id=job_id)
        return
    crashes = chunk_run_started(job_id=job_id, certificate_ids=certificate_ids, attempt=attempt)
    try:
        if crashes >= CHUNK_MAX_CRASHES:
            services.render_job_fail(
                job_id=job_id,
                error=f"certificates {certificate_ids} stopped their worker {crashes} times",
            )
            return
        _render_chunk(self, job_id, certificate_ids, attempt)
    finally:
        _chunk_run_ended(job_id=job_id, certificate_ids=certificate_ids, attempt=attempt)


# A start that never reached its end is a crash: the count goes up as a run starts and back down
# as it ends, whatever the ending, so only runs cut short (a killed worker) remain counted.
def _crash_key(job_id: int, certificate_ids: list[int], attempt: int) -> str:
    return f"crt-render-chunk-runs:{job_id}:{min(certificate_ids)}:{attempt}"


def chunk_run_started(*, job_id: int, certificate_ids: list[int], attempt: int) -> int:
    """Count a run of this chunk as started; returns the earlier runs that never ended."""
    return _running_count(_crash_key(job_id, certificate_ids, attempt), +1) - 1


def _chunk_run_ended(*, job_id: int, certificate_ids: list[int], attempt: int) -> None:
    _running_count(_crash_key(job_id, certificate_ids, attempt), -1)


def _render_chunk(task: Task, job_id: int, certificate_ids: list[int], attempt: int) -> None:
    try:
        services.certificates_render(
            certificate_ids=certificate_ids,
            on_stored=lambda: services.render_job_progress(job_id=job_id),
        )
    except TRANSIENT_ERRORS as error:
        if attempt < CHUNK_MAX_RETRIES:
            logger.warning("rendering chunk of job %s failed, retrying: %s", job_id, error)
            if task.request.is_eager:  # CELERY_TASK_ALWAYS_EAGER: no queue, so try again now
                task.apply(args=(job_id, certificate_ids), retries=attempt + 1)
                return
            raise task.retry(exc=error, countdown=min(300, 5 * 2**attempt)) from error
        logger.exception("rendering certificates %s of job %s failed", certificate_ids, job_id)
        services.render_job_fail(
            job_id=job_id, error=f"{_describe(error)} (after {attempt + 1} tries)"
        )
        return
    except Exception as error:
        logger.exception("rendering certificates %s of job %s failed", certificate_ids, job_id)
        services.render_job_fail(job_id=job_id, error=_describe(error))
        return
    services.render_job_progress(job_id=job_id)


def _running_count(key: str, change: int) -> int:
    """Runs of one chunk started and not ended (Redis), after `change`; 1 if Redis cannot say."""
    try:
        cache.add(key, 0, timeout=24 * 3600)
        return int(cache.incr(key, change))
    except Exception:  # the count is a safety net; rendering must not depend on it
        logger.warning("could not count runs of %s", key, exc_info=True)
        return 1


@shared_task
def render_jobs_resume_task() -> list[int]:
    """Beat: hand render jobs stuck in queued or rendering to the queue again."""
    return services.render_jobs_resume()


@shared_task(**OUTSIDE_SERVICE_TASK_OPTIONS)
def certificate_notify_provider_task(certificate_id: int, event: str) -> bool:
    return services.certificate_provider_notify(certificate_id=certificate_id, event=event)


@shared_task
def certificate_pdf_orphans_remove_task() -> int:
    """Beat, hourly: remove PDF files no committed certificate names (a render cut short)."""
    import datetime

    from .pdf_files import pdf_orphans_remove

    return len(pdf_orphans_remove(older_than=datetime.timedelta(hours=1)))


@shared_task
def certificate_checks_flush_task() -> int:
    """Beat, every few seconds: write the buffered public check records to PostgreSQL."""
    from .check_buffer import checks_flush

    return checks_flush()
