"""The import job's lifecycle: start, validate (at once or in Celery), upload, cancel, progress
and the stored report. The learner import (`learners.csv_import`) shares it: a job's `kind` says
which planner and writer its file goes through, and names its audit rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.services import audit_record
from awards_portal.csv_upload import decode_csv_bytes
from awards_portal.cycle_collection import cycle_collection_deferred
from outbox.services import outbox_queue

from ..csv_format import (
    MAX_FILE_BYTES,
    count_data_lines,
)
from ..models import ImportJob
from ..services import acting_as_ao
from .applying import _apply_plan
from .facts import import_facts_fingerprint
from .planning import ImportPlan, ImportRefused, import_permission_check, registration_import_plan
from .stored_plan import plan_pack, plan_unpack

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider

logger = logging.getLogger(__name__)


# Files with more rows than this are validated and uploaded by a Celery task.
BACKGROUND_ROWS = getattr(settings, "REGISTRATION_IMPORT_BACKGROUND_ROWS", 2000)


# Jobs ----------------------------------------------------------------------------------------


class ImportOutdated(Exception):
    """Upload met a row the rules now refuse (a record changed at that moment); the message
    names the row. The transaction rolls back, so nothing is written."""


def progress_key(job_id: int) -> str:
    return f"registrations:import:{job_id}:progress"


def import_progress_set(job_id: int, phase: str, done: int, total: int) -> None:
    """Progress of a background job, for the page to poll; best effort (the cache may be down)."""
    try:
        cache.set(progress_key(job_id), {"phase": phase, "done": done, "total": total}, 3600)
    except Exception:  # progress is a nicety; the job row holds the outcome
        logger.warning("Could not record import progress for job %s", job_id)


def import_progress_get(job_id: int) -> dict[str, Any]:
    try:
        return cache.get(progress_key(job_id)) or {}
    except Exception:
        return {}


def _steps(kind: str) -> tuple[Callable[..., Any], Callable[..., dict[str, Any]]]:
    """(plan, apply) for a job's kind: the same signatures for registrations and learners."""
    if kind == ImportJob.Kind.LEARNERS:
        from learners.csv_import import learner_import_apply, learner_import_plan

        return learner_import_plan, learner_import_apply
    return registration_import_plan, _apply_plan


def _action(job: ImportJob, step: str) -> str:
    """The audit action for a step of this job: "registrations.import_started" and the like."""
    return f"{'learners' if job.kind == ImportJob.Kind.LEARNERS else 'registrations'}.{step}"


def runs_in_background(job: ImportJob) -> bool:
    return job.data_rows > BACKGROUND_ROWS


def _store_report(job: ImportJob, plan: ImportPlan) -> None:
    job.file_error = plan.file_error
    job.data_rows = plan.data_rows if not plan.file_error else job.data_rows
    job.errors = plan.report
    job.accepted_count = len(plan.planned)
    job.rejected_row_count = len(plan.rejected_rows)
    job.error_count = len(plan.report)
    job.summary = plan.summary() if not plan.file_error else {}
    job.validated_at = timezone.now()
    job.status = ImportJob.Status.REFUSED if plan.file_error else ImportJob.Status.VALIDATED
    # Kept with the report it goes with, for Upload (decision 0170).
    job.plan = plan_pack(plan) if not plan.file_error else b""


def _plan_if_unchanged(job: ImportJob, acting_user: User | None) -> ImportPlan | None:
    """Validate's plan, if nothing it was planned from has changed: the fingerprint of the
    facts, read now with the registrations the file names locked as planning locks them, is the
    one it was planned from. None otherwise (or if the job keeps no plan): plan again."""
    if job.kind != ImportJob.Kind.REGISTRATIONS:
        return None
    stored = plan_unpack(bytes(job.plan))
    if stored is None:
        return None
    fingerprint = import_facts_fingerprint(
        keys=stored.keys,
        provider=job.provider,
        as_ao=acting_as_ao(acting_user),
        today=timezone.localdate(),
    )
    return stored if fingerprint == stored.fingerprint else None


def import_size_check(size: int) -> None:
    """R-REG-7: under 2 MB. Views call it before reading an upload, so a large one is never read
    into memory. Raises ImportRefused."""
    if size >= MAX_FILE_BYTES:
        raise ImportRefused(
            f"The file is {size / (1024 * 1024):.1f} MB; files must be smaller than 2 MB. Split "
            "it into smaller files and import each."
        )


def import_file_check(*, file_name: str, size: int, head: bytes) -> None:
    """R-REG-7, before anything is stored: a CSV file under 2 MB. Raises ImportRefused."""
    import_size_check(size)
    if size == 0:
        raise ImportRefused("The file is empty. Choose a CSV file with a header row.")
    if not file_name.lower().endswith((".csv", ".txt")):
        raise ImportRefused(
            f"{file_name} is not a CSV file. Choose a file saved as CSV (its name ends in .csv)."
        )
    _, problem = decode_csv_bytes(head)
    if problem:
        raise ImportRefused(problem)


def registration_import_start(
    *,
    provider: Provider,
    file_name: str,
    content: bytes,
    separator: str,
    acting_user: User,
    kind: str = ImportJob.Kind.REGISTRATIONS,
) -> ImportJob:
    """Store the file and validate it (now, or in the background for a large file). Nothing but
    the job changes (R-REG-8). Raises ImportRefused or PermissionDenied."""
    import_permission_check(acting_user=acting_user, provider=provider)
    import_file_check(file_name=file_name, size=len(content), head=content)
    with transaction.atomic():
        job = ImportJob.objects.create(
            provider=provider,
            created_by=acting_user,
            file_name=file_name[:255],
            content=content,
            separator=separator,
            data_rows=count_data_lines(content),
            kind=kind,
        )
        audit_record(
            actor=acting_user,
            action=_action(job, "import_started"),
            target=job,
            detail={"file_name": job.file_name, "rows": job.data_rows, "provider": provider.pk},
            organisation_id=provider.organisation_id,
        )
        if runs_in_background(job):
            from ..tasks import registration_import_validate_task

            import_progress_set(job.pk, "validating", 0, job.data_rows)
            outbox_queue(task=registration_import_validate_task, args=[job.pk])
            return job
    return registration_import_validate(job_id=job.pk)


def registration_import_validate(*, job_id: int) -> ImportJob:
    """Validate a stored file and keep the report on the job. Idempotent: a job that is no
    longer waiting to be validated is returned as it is. A fault in the portal marks the job
    failed (nothing was changed) and is raised again."""
    try:
        with cycle_collection_deferred():  # one file's plan, bounded (decision 0166)
            return _validate(job_id)
    except ImportJob.DoesNotExist:
        raise
    except Exception:
        logger.exception("Registration import %s failed to validate", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.FAILED,
            file_error="The file could not be validated because of a fault in the portal. "
            "Nothing was changed. Try again, and tell the awarding organisation if it happens "
            "again.",
        )
        raise


def _validate(job_id: int) -> ImportJob:
    # The file is read here only; deferred fields are left out of later saves (a 2 MB write).
    job = ImportJob.objects.select_related("provider", "created_by").defer("plan").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    plan_file, _ = _steps(job.kind)
    plan = plan_file(
        content=bytes(job.content),
        separator=job.separator,
        provider=job.provider,
        acting_user=job.created_by,
        progress=lambda done, total: import_progress_set(job.pk, "validating", done, total),
    )
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("content", "plan").get(pk=job_id)
        if job.status != ImportJob.Status.VALIDATING:
            return job
        _store_report(job, plan)
        job.save()
        audit_record(
            actor=job.created_by,
            action=_action(job, "import_validated"),
            target=job,
            detail={
                "rows": job.data_rows,
                "accepted": job.accepted_count,
                "errors": job.error_count,
                "file_error": job.file_error,
            },
            organisation_id=job.provider.organisation_id,
        )
    return job


def registration_import_upload(*, job: ImportJob, acting_user: User) -> ImportJob:
    """Upload a validated job's accepted rows (now, or in the background for a large file).
    A second request for the same job does nothing."""
    import_permission_check(acting_user=acting_user, provider=job.provider)
    with transaction.atomic():  # marked Uploading and its task recorded together, or neither
        started = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.VALIDATED, accepted_count__gt=0
        ).update(status=ImportJob.Status.UPLOADING, upload_requested_by=acting_user)
        job.refresh_from_db()
        if not started:
            return job
        if runs_in_background(job):
            from ..tasks import registration_import_upload_task

            import_progress_set(job.pk, "uploading", 0, job.accepted_count)
            outbox_queue(task=registration_import_upload_task, args=[job.pk])
            return job
    return registration_import_run_upload(job_id=job.pk)


def registration_import_run_upload(*, job_id: int) -> ImportJob:
    """Apply the accepted rows of a job marked Uploading: all or nothing, in one transaction.
    Idempotent: a job that is not Uploading is returned as it is."""
    try:
        with cycle_collection_deferred(), transaction.atomic():  # decision 0166
            job = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("provider", "upload_requested_by")
                .defer("content")  # read only if the file is planned again; never saved here
                .get(pk=job_id)
            )
            if job.status != ImportJob.Status.UPLOADING:
                return job
            acting_user = job.upload_requested_by
            plan_file, apply_plan = _steps(job.kind)
            plan = _plan_if_unchanged(job, acting_user)
            if plan is None:
                # Something changed (or the job keeps no plan): plan again with the rows locked.
                plan = plan_file(
                    content=bytes(job.content),
                    separator=job.separator,
                    provider=job.provider,
                    acting_user=acting_user,
                    lock=True,
                    progress=lambda done, total: import_progress_set(
                        job.pk, "uploading", done // 2, total
                    ),
                )
                if plan.file_error or plan.digest() != job.summary.get("digest"):
                    # Records changed since the user validated: show the report as it is now.
                    _store_report(job, plan)
                    job.result = {
                        "stale": "Records changed since this file was validated, so nothing was "
                        "uploaded. The report below is up to date: review it and upload again."
                    }
                    job.save()
                    return job
            import_progress_set(job.pk, "uploading", job.accepted_count // 2, job.accepted_count)
            result = apply_plan(plan, job=job, provider=job.provider, acting_user=acting_user)
            job.status = ImportJob.Status.UPLOADED
            job.uploaded_at = timezone.now()
            job.result = result
            job.plan = b""
            job.save()
            audit_record(
                actor=acting_user,
                action=_action(job, "import_uploaded"),
                target=job,
                detail={
                    "created": result["created"],
                    "updated": result["updated"],
                    "unchanged": result["unchanged"],
                    "numbers_issued": len(result["numbers_issued"]),
                    "file_name": job.file_name,
                },
                organisation_id=job.provider.organisation_id,
            )
            import_progress_set(job.pk, "uploading", job.accepted_count, job.accepted_count)
            return job
    except ImportOutdated as outdated:
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.UPLOADING).update(
            status=ImportJob.Status.VALIDATED,
            result={"stale": f"{outdated} Nothing was uploaded: validate the file again."},
        )
        return ImportJob.objects.get(pk=job_id)
    except DatabaseError:
        logger.exception("Registration import %s failed to upload", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.UPLOADING).update(
            status=ImportJob.Status.VALIDATED,
            result={
                "failed": "The upload could not be completed, so nothing was changed (another "
                "change to the same records may have happened at the same time). Upload again."
            },
        )
        return ImportJob.objects.get(pk=job_id)
    except Exception:
        # A fault in the portal: the transaction rolled back, so the user may simply try again.
        logger.exception("Registration import %s failed to upload", job_id)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.UPLOADING).update(
            status=ImportJob.Status.VALIDATED,
            result={
                "failed": "The upload could not be completed because of a fault in the portal, "
                "so nothing was changed. Try again, and tell the awarding organisation if it "
                "happens again."
            },
        )
        return ImportJob.objects.get(pk=job_id)


def registration_import_cancel(*, job: ImportJob, acting_user: User) -> ImportJob:
    """Cancel a validated import: nothing is uploaded, the report stays for reference."""
    import_permission_check(acting_user=acting_user, provider=job.provider)
    with transaction.atomic():
        cancelled = ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportJob.Status.VALIDATED, ImportJob.Status.REFUSED]
        ).update(status=ImportJob.Status.CANCELLED, cancelled_at=timezone.now(), plan=b"")
        job.refresh_from_db()
        if cancelled:
            audit_record(
                actor=acting_user,
                action=_action(job, "import_cancelled"),
                target=job,
                organisation_id=job.provider.organisation_id,
            )
    return job
