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
# Deliveries of one attempt before it counts as crashing its worker (out of memory, time limit):
# acks_late redelivers such a message, and without a limit it would for ever.
CHUNK_MAX_DELIVERIES = 3


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip(": ")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=CHUNK_MAX_RETRIES)
def render_job_chunk_task(self: Task, job_id: int, certificate_ids: list[int]) -> None:
    """Render one chunk; transient faults retry with back-off, then the job fails, recorded."""
    attempt = self.request.retries or 0
    delivery_key = f"crt-render-chunk:{job_id}:{certificate_ids[0] if certificate_ids else 0}"
    deliveries = _count_delivery(f"{delivery_key}:{attempt}")
    if deliveries > CHUNK_MAX_DELIVERIES:
        services.render_job_fail(
            job_id=job_id,
            error=f"certificates {certificate_ids} stopped their worker {deliveries - 1} times",
        )
        return
    try:
        services.certificates_render(certificate_ids=certificate_ids)
    except TRANSIENT_ERRORS as error:
        if attempt < CHUNK_MAX_RETRIES:
            logger.warning("rendering chunk of job %s failed, retrying: %s", job_id, error)
            if self.request.is_eager:  # CELERY_TASK_ALWAYS_EAGER: no queue, so try again now
                self.apply(args=(job_id, certificate_ids), retries=attempt + 1)
                return
            raise self.retry(exc=error, countdown=min(600, 5 * 2**attempt)) from error
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


def _count_delivery(key: str) -> int:
    """How many times this message has started (Redis); 1 if Redis cannot say."""
    try:
        cache.add(key, 0, timeout=24 * 3600)
        return int(cache.incr(key))
    except Exception:  # the count is a safety net; rendering must not depend on it
        logger.warning("could not count deliveries of %s", key, exc_info=True)
        return 1


@shared_task
def render_jobs_resume_task() -> list[int]:
    """Beat: hand render jobs stuck in queued or rendering to the queue again."""
    return services.render_jobs_resume()


@shared_task(**OUTSIDE_SERVICE_TASK_OPTIONS)
def certificate_notify_provider_task(certificate_id: int, event: str) -> bool:
    return services.certificate_provider_notify(certificate_id=certificate_id, event=event)


@shared_task
def certificate_checks_flush_task() -> int:
    """Beat, every few seconds: write the buffered public check records to PostgreSQL."""
    from .check_buffer import checks_flush

    return checks_flush()
