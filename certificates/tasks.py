"""Celery tasks for certificates: thin, idempotent, taking ids and calling services."""

from __future__ import annotations

import logging

from celery import group, shared_task

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


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_job_chunk_task(job_id: int, certificate_ids: list[int]) -> None:
    try:
        services.certificates_render(certificate_ids=certificate_ids)
    except Exception as error:
        logger.exception("rendering certificates %s of job %s failed", certificate_ids, job_id)
        services.render_job_fail(
            job_id=job_id, error=f"{type(error).__name__}: {error}".strip(": ")
        )
        return
    services.render_job_progress(job_id=job_id)


@shared_task(**OUTSIDE_SERVICE_TASK_OPTIONS)
def certificate_notify_provider_task(certificate_id: int, event: str) -> bool:
    return services.certificate_provider_notify(certificate_id=certificate_id, event=event)
