"""Background work for large CSV imports: thin, idempotent tasks that take a job's id. What a
failure does to the job is decided in `imports.jobs`, for the request and the task alike."""

from __future__ import annotations

import logging

from celery import shared_task

from .models import ImportJob

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def registration_import_validate_task(job_id: int) -> None:
    """Validate a stored import; a redelivered message finds the job validated and stops."""
    from .imports import registration_import_validate

    try:
        registration_import_validate(job_id=job_id)
    except ImportJob.DoesNotExist:
        logger.warning("Import job %s no longer exists", job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def registration_import_upload_task(job_id: int) -> None:
    """Upload a job's accepted rows; a redelivered message finds the job uploaded and stops."""
    from .imports import registration_import_run_upload

    try:
        registration_import_run_upload(job_id=job_id)
    except ImportJob.DoesNotExist:
        logger.warning("Import job %s no longer exists", job_id)
