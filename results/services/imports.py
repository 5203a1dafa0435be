"""CSV import of results: validate, then upload or cancel (the registration importer's steps)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_record
from awards_portal.csv_upload import decode_csv_bytes
from registrations.models import CourseRun

from ..models import (
    ResultsImport,
)
from ..selectors import (
    import_facts_for,
)
from ..validators import (
    DELIMITERS,
    MAX_CSV_BYTES,
    csv_rows_read,
    csv_rows_validate,
)
from .access import _require_provider_user
from .entry import _apply_entries, _require_editable
from .state import _lock, _reject, course_run_results_get

# --- CSV import: validate, then upload or cancel (the registration importer's steps) ------------


def _decode(raw: bytes) -> str:
    text, problem = decode_csv_bytes(raw)
    if problem:
        raise _reject("file", problem, "not_csv_text")
    return text


def _validate_import(course_run: CourseRun, content: str, delimiter: str) -> tuple:
    rows, header_errors = csv_rows_read(content, delimiter)
    if header_errors:
        return [], header_errors, 0, 0
    facts = import_facts_for(course_run=course_run)
    entries, errors, accepted = csv_rows_validate(rows, facts)
    return entries, errors, accepted, sum(1 for r in rows if r)


@transaction.atomic
def results_import_validate(
    *, course_run: CourseRun, filename: str, raw: bytes, delimiter: str, acting_user: User
) -> ResultsImport:
    """Step 1: check every row and keep the file for Upload. Nothing else changes."""
    _require_provider_user(acting_user, course_run, Capability.ENTER_RESULTS)
    results = course_run_results_get(course_run=course_run)
    _require_editable(results)
    if delimiter not in DELIMITERS:
        raise _reject("delimiter", "Choose the separator the file uses.", "delimiter")
    if not filename.lower().endswith(".csv"):
        raise _reject("file", "Choose a .csv file.", "not_csv")
    if len(raw) >= MAX_CSV_BYTES:
        raise _reject("file", "The file must be smaller than 2 MB.", "too_large")
    content = _decode(raw)
    _entries, errors, accepted, row_count = _validate_import(course_run, content, delimiter)
    job = ResultsImport.objects.create(
        course_run=course_run,
        created_by=acting_user,
        filename=filename[:255],
        delimiter=delimiter,
        content=content,
        row_count=row_count,
        accepted_count=accepted,
        errors=[e.as_dict() for e in errors],
    )
    audit_record(
        actor=acting_user,
        action="results.import_validate",
        target=job,
        detail={"rows": row_count, "accepted": accepted, "errors": len(errors)},
        organisation_id=course_run.provider.organisation_id,
    )
    return job


def _open_import(job: ResultsImport, acting_user: User) -> ResultsImport:
    _require_provider_user(acting_user, job.course_run, Capability.ENTER_RESULTS)
    locked = ResultsImport.objects.select_for_update().get(pk=job.pk)
    if locked.status != ResultsImport.Status.VALIDATED:
        raise _reject(
            "import", f"This file was already {locked.get_status_display().lower()}.", "finished"
        )
    return locked


@transaction.atomic
def results_import_upload(*, job: ResultsImport, acting_user: User) -> int:
    """Step 2: write the accepted rows, all or nothing. The file is checked again first; if
    anything changed since Validate (a learner, the stage), nothing is written."""
    job = _open_import(job, acting_user)
    results = _lock(job.course_run)
    _require_editable(results)
    entries, errors, accepted, _rows = _validate_import(job.course_run, job.content, job.delimiter)
    if accepted != job.accepted_count or len(errors) != len(job.errors):
        raise _reject(
            "import",
            "The course run has changed since this file was validated; validate it again.",
            "stale",
        )
    if not entries:
        raise _reject("import", "No rows can be uploaded: correct the file and try again.", "empty")
    changed = _apply_entries(
        results=results, entries=entries, acting_user=acting_user, source=f"CSV {job.filename}"
    )
    job.status = ResultsImport.Status.UPLOADED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=acting_user,
        action="results.import_upload",
        target=job,
        detail={"rows": accepted, "learners_changed": changed},
        organisation_id=job.course_run.provider.organisation_id,
    )
    return changed


@transaction.atomic
def results_import_cancel(*, job: ResultsImport, acting_user: User) -> None:
    job = _open_import(job, acting_user)
    job.status = ResultsImport.Status.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=acting_user,
        action="results.import_cancel",
        target=job,
        organisation_id=job.course_run.provider.organisation_id,
    )
