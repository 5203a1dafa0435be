"""Background work for large CSV imports: thin, idempotent tasks that take a job's id."""

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
    except Exception:
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED,
            file_error="The file could not be validated because of a fault in the portal. "
            "Nothing was changed. Try again, and tell the awarding organisation if it happens "
            "again.",
        )
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True)
def registration_import_upload_task(job_id: int) -> None:
    """Upload a job's accepted rows; a redelivered message finds the job uploaded and stops."""
    from .imports import registration_import_run_upload

    try:
        registration_import_run_upload(job_id=job_id)
    except ImportJob.DoesNotExist:
        logger.warning("Import job %s no longer exists", job_id)
    except Exception:
        # The upload's transaction rolled back: nothing changed, so the user may try again.
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.UPLOADING).update(
            status=ImportJob.Status.VALIDATED,
            result={
                "failed": "The upload could not be completed because of a fault in the portal, "
                "so nothing was changed. Try again, and tell the awarding organisation if it "
                "happens again."
            },
        )
        raise
