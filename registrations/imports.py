"""CSV import of registrations in two steps, Validate then Upload (R-REG-6 to R-REG-14).

- `registration_import_start` stores the file in an ImportJob and validates it: at once for a
  small file, in a Celery task for a large one. Validating writes nothing but the job's report.
- `registration_import_upload` applies the accepted rows, all or nothing, in one transaction.
  It plans the file again against the records as they are now (rows locked), and uploads only if
  the plan is the one the user saw; otherwise the report is refreshed for the user to review.
- A row is checked by the same rules as the forms and the API
  (`validators.registration_change_errors`), after the import's own matching rules
  (`import_rules`). Lookups are made in bulk (a few queries per table, whatever the size) and
  writes in batches, so the largest file (2 MB, about 25,000 rows) takes seconds."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.roles import Capability
from audit.context import client_ip
from audit.models import AuditEvent
from audit.services import audit_record, changed_fields, snapshot
from awards_portal.csv_upload import decode_csv_bytes
from learners.models import Learner
from learners.validators import uln_error
from outbox.services import outbox_queue
from qualifications.models import Qualification
from qualifications.selectors import approved_qualification_ids
from qualifications.validators import qualification_number_check

from .csv_format import (
    COLUMN_LABELS,
    MAX_FILE_BYTES,
    CsvRow,
    count_data_lines,
    parse_registration_csv,
)
from .import_rules import (
    CourseRunOption,
    KnownRegistration,
    course_run_for_new_registration,
    number_needed_message,
    record_from_row,
    registration_match,
)
from .models import CourseRun, ImportJob, Registration, RegistrationStatus
from .numbers import registration_number_normalise
from .services import REGISTRATION_AUDIT_FIELDS, acting_as_ao, registration_requests_accept
from .validators import (
    RegistrationFacts,
    RegistrationRecord,
    is_registration_request,
    registration_change_errors,
)

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider

logger = logging.getLogger(__name__)

# Files with more rows than this are validated and uploaded by a Celery task.
BACKGROUND_ROWS = getattr(settings, "REGISTRATION_IMPORT_BACKGROUND_ROWS", 2000)
WRITE_BATCH = 1000
PROGRESS_EVERY = 500
NOT_IMPORTED = "Not imported"
RECORD_FIELDS = tuple(f.name for f in fields(RegistrationRecord))
# Where a rule's field shows in the report.
FIELD_COLUMNS = {
    **COLUMN_LABELS,
    "qualification": COLUMN_LABELS["qualification_number"],
    "course_run": COLUMN_LABELS["qualification_number"],
}
COLUMN_KEYS = {label: key for key, label in COLUMN_LABELS.items()}
S = RegistrationStatus


class ImportRefused(Exception):
    """The file cannot be imported at all (too large, not CSV); the message says why."""


@dataclass
class PlannedRow:
    """What Upload will do with one accepted row."""

    row: int
    action: str  # "create", "update" or "unchanged"
    uln: str
    qualification_number: str
    learner_id: int
    course_run_id: int
    proposed: RegistrationRecord
    current: RegistrationRecord | None = None
    registration: Registration | None = None

    @property
    def is_request(self) -> bool:
        return self.action != "unchanged" and is_registration_request(self.current, self.proposed)


@dataclass
class ImportPlan:
    """The outcome of validating a file: the accepted rows and every problem found."""

    file_error: str = ""
    data_rows: int = 0
    planned: list[PlannedRow] = field(default_factory=list)
    report: list[dict[str, Any]] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)

    def reject(self, row: int, column: str, value: str, reason: str) -> None:
        self.rejected_rows.add(row)
        self.report.append(
            {
                "row": row,
                "column": column,
                "value": value,
                "reason": reason,
                "outcome": NOT_IMPORTED,
            }
        )

    def note(self, row: int, column: str, value: str, reason: str, outcome: str) -> None:
        """A problem that does not stop the row (R-REG-11: the status is kept)."""
        self.report.append(
            {"row": row, "column": column, "value": value, "reason": reason, "outcome": outcome}
        )

    def summary(self) -> dict[str, Any]:
        counts: dict[str, Any] = {"create": 0, "update": 0, "unchanged": 0, "requests": 0}
        for planned in self.planned:
            counts[planned.action] += 1
            counts["requests"] += planned.is_request
        counts["digest"] = self.digest()
        return counts

    def digest(self) -> str:
        """Identifies exactly what Upload would write, to tell whether records changed since."""
        hasher = hashlib.sha256()
        for p in self.planned:
            reg = p.registration.pk if p.registration is not None else None
            hasher.update(
                repr((p.row, p.action, reg, p.course_run_id, p.current, p.proposed)).encode()
            )
        return hasher.hexdigest()


# Permissions ---------------------------------------------------------------------------------


def import_permission_check(*, acting_user: User, provider: Provider) -> None:
    """R-REG-12: only Bulk Upload may import; a provider's users only for their own centre."""
    if not acting_user.can(Capability.BULK_UPLOAD):
        raise PermissionDenied("Importing needs the Bulk Upload role.")
    if not acting_user.is_ao_staff and acting_user.organisation_id != provider.organisation_id:
        raise PermissionDenied("You can import only for your own centre.")


# Planning (Validate) -------------------------------------------------------------------------


def _any_of(values: Sequence[Any], kind: str) -> RawSQL:
    """`field__in=_any_of(values)`: the values as one array parameter, however many there are
    (a plain `__in` list sends one parameter per value, and PostgreSQL takes at most 65,535)."""
    return RawSQL(f"SELECT unnest(%s::{kind}[])", [list(values)])  # noqa: S611 - kind is ours


@dataclass(frozen=True)
class LearnerFacts:
    """What the rules need to know of a learner named by a row."""

    pk: int
    date_of_birth: Any


def _registrations(filter_: dict[str, Any], lock: bool) -> list[Registration]:
    queryset = Registration.objects.filter(**filter_).annotate(
        qualification_pk=F("course_run__qualification_id"),
        provider_pk=F("course_run__provider_id"),
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",)).order_by("pk")
    return list(queryset)


def _known(registration: Registration) -> KnownRegistration:
    return KnownRegistration(
        pk=registration.pk,
        learner_id=registration.learner_id,
        qualification_id=registration.qualification_pk,  # type: ignore[attr-defined]
        registration_number=registration.registration_number or "",
        voided=registration.voided_at is not None,
    )


def _value(row: CsvRow, column: str) -> str:
    key = COLUMN_KEYS.get(column)
    return row.cells.get(key, "") if key else ""


def registration_import_plan(
    *,
    content: bytes,
    separator: str,
    provider: Provider,
    acting_user: User | None,
    lock: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Validate a file against the records as they are: every row either planned or reported.

    Writes nothing. With `lock`, the registrations rows may update are locked (Upload)."""
    parsed = parse_registration_csv(content, separator)
    plan = ImportPlan(file_error=parsed.file_error, data_rows=len(parsed.rows))
    if parsed.file_error:
        return plan
    today = timezone.localdate()
    as_ao = acting_as_ao(acting_user)

    # What every row names, normalised, so lookups are made once for the whole file.
    usable: list[CsvRow] = []
    for row in parsed.rows:
        for error in row.errors:
            plan.reject(row.row, error.column, error.value, error.reason)
        if row.errors:
            continue
        check = qualification_number_check(row.cells["qualification_number"])
        if check.error:
            plan.reject(
                row.row, "Qualification Number", row.cells["qualification_number"], check.error
            )
        else:
            row.cells["qualification_number"] = check.number
        if message := uln_error(row.cells["uln"]):
            plan.reject(row.row, "ULN", row.cells["uln"], message)
        row.cells["registration_number"] = registration_number_normalise(
            row.cells["registration_number"]
        )
        if row.row not in plan.rejected_rows:
            usable.append(row)

    numbers = sorted({row.cells["qualification_number"] for row in usable})
    ulns = sorted({row.cells["uln"] for row in usable})
    registration_numbers = sorted(
        {row.cells["registration_number"] for row in usable if row.cells["registration_number"]}
    )
    qualifications = {
        q.number: q
        for q in Qualification.objects.filter(number__in=_any_of(numbers, "text")).only(
            "pk", "number", "title", "operational_start_date", "operational_end_date"
        )
    }
    qualifications_by_pk = {q.pk: q for q in qualifications.values()}
    approved = approved_qualification_ids(provider_id=provider.pk)
    learners = {
        uln: LearnerFacts(pk, date_of_birth)
        for uln, pk, date_of_birth in Learner.objects.filter(
            provider=provider, uln__in=_any_of(ulns, "text")
        ).values_list("uln", "pk", "date_of_birth")
    }
    runs_by_qualification: dict[int, list[CourseRunOption]] = defaultdict(list)
    for run in CourseRun.objects.filter(
        provider=provider, qualification_id__in=list(qualifications_by_pk)
    ).only("pk", "qualification_id", "start_date", "planned_achievement_date", "programme_name"):
        runs_by_qualification[run.qualification_id].append(
            CourseRunOption(
                pk=run.pk,
                start_date=run.start_date,
                planned_achievement_date=run.planned_achievement_date,
                programme_name=run.programme_name,
            )
        )

    learner_pks = sorted(learner.pk for learner in learners.values())
    found: dict[int, Registration] = {}
    for registration in _registrations(
        {
            "course_run__provider": provider,
            "learner_id__in": _any_of(learner_pks, "bigint"),
            "course_run__qualification_id__in": list(qualifications_by_pk),
        },
        lock=False,
    ):
        found[registration.pk] = registration
    for registration in _registrations(
        {"registration_number__in": _any_of(registration_numbers, "text")}, lock=False
    ):
        found[registration.pk] = registration
    if lock and found:
        # Lock in one order (by pk) and read again, so the plan uses the rows as locked.
        found = {
            registration.pk: registration
            for registration in _registrations(
                {"pk__in": _any_of(sorted(found), "bigint")}, lock=True
            )
        }
    by_number = {r.registration_number: r for r in found.values() if r.registration_number}
    by_learner_and_qualification: dict[tuple[int, int], list[Registration]] = defaultdict(list)
    runs_taken: set[tuple[int, int]] = set()
    for registration in found.values():
        if registration.voided_at is None:
            runs_taken.add((registration.learner_id, registration.course_run_id))
        if registration.provider_pk == provider.pk:  # type: ignore[attr-defined]
            key = (registration.learner_id, registration.qualification_pk)  # type: ignore[attr-defined]
            by_learner_and_qualification[key].append(registration)

    seen: dict[tuple[Any, ...], int] = {}
    for index, row in enumerate(usable, start=1):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index, len(usable))
        _plan_row(
            plan,
            row,
            provider=provider,
            as_ao=as_ao,
            today=today,
            qualification=qualifications.get(row.cells["qualification_number"]),
            approved=approved,
            learner=learners.get(row.cells["uln"]),
            by_number=by_number,
            by_learner_and_qualification=by_learner_and_qualification,
            runs_by_qualification=runs_by_qualification,
            runs_taken=runs_taken,
            seen=seen,
        )
    if progress is not None:
        progress(len(usable), len(usable))
    plan.report.sort(key=lambda entry: entry["row"])
    return plan


def _plan_row(
    plan: ImportPlan,
    row: CsvRow,
    *,
    provider: Provider,
    as_ao: bool,
    today: Any,
    qualification: Qualification | None,
    approved: set[int],
    learner: LearnerFacts | None,
    by_number: dict[str, Registration],
    by_learner_and_qualification: dict[tuple[int, int], list[Registration]],
    runs_by_qualification: dict[int, list[CourseRunOption]],
    runs_taken: set[tuple[int, int]],
    seen: dict[tuple[Any, ...], int],
) -> None:
    cells = row.cells
    number = cells["registration_number"]
    if qualification is None:
        plan.reject(
            row.row,
            "Qualification Number",
            cells["qualification_number"],
            f"There is no qualification {cells['qualification_number']} in the catalogue.",
        )
        return
    if learner is None:
        plan.reject(
            row.row,
            "ULN",
            cells["uln"],
            f"No learner with ULN {cells['uln']} is registered at {provider.name}. The file has "
            "no names, so it cannot add learners: register the learner first (Register a "
            "learner), then import this row again.",
        )
        return
    holder = by_number.get(number) if number else None
    if holder is not None and holder.provider_pk != provider.pk:  # type: ignore[attr-defined]
        plan.reject(
            row.row,
            "Registration number",
            number,
            f"Registration number {number} is not a registration at {provider.name}.",
        )
        return
    match = registration_match(
        registration_number=number,
        learner_id=learner.pk,
        qualification_id=qualification.pk,
        qualification_number=qualification.number,
        by_number=_known(holder) if holder is not None else None,
        same_learner_and_qualification=[
            _known(r) for r in by_learner_and_qualification.get((learner.pk, qualification.pk), [])
        ],
    )
    if match.error:
        plan.reject(row.row, "Registration number", number, match.error)
        return
    registration: Registration | None = None
    if match.registration_pk is not None:
        registration = next(
            r
            for r in by_learner_and_qualification.get((learner.pk, qualification.pk), [])
            + ([holder] if holder is not None else [])
            if r.pk == match.registration_pk
        )
    key: tuple[Any, ...] = (
        ("registration", registration.pk)
        if registration is not None
        else ("new", learner.pk, qualification.pk)
    )
    if key in seen:
        plan.reject(
            row.row,
            "ULN",
            cells["uln"],
            f"Row {seen[key]} already gives this registration (ULN {cells['uln']}, "
            f"{qualification.number}); put each registration in the file once.",
        )
        return
    seen[key] = row.row

    current = RegistrationRecord.of(registration) if registration is not None else None
    proposed = record_from_row(
        current,
        status=row.status,
        registration_number=number,
        dates=row.dates,
        postal_tracking_reference=cells["postal_tracking_reference"],
    )
    base: dict[str, Any] = {
        "row": row.row,
        "uln": cells["uln"],
        "qualification_number": qualification.number,
        "learner_id": learner.pk,
    }
    if registration is not None and proposed == current:
        plan.planned.append(
            PlannedRow(
                **base,
                action="unchanged",
                course_run_id=registration.course_run_id,
                proposed=proposed,
                current=current,
                registration=registration,
            )
        )
        return
    if match.only_if_unchanged:
        assert current is not None
        plan.reject(
            row.row,
            "Registration number",
            "",
            number_needed_message(current.registration_number, qualification.number),
        )
        return

    course_run_id: int
    if registration is not None:
        course_run_id = registration.course_run_id
    else:
        day = proposed.registration_date or today
        run = course_run_for_new_registration(runs_by_qualification.get(qualification.pk, []), day)
        if run is None:
            if qualification.pk not in approved and not as_ao:
                plan.reject(
                    row.row,
                    "Qualification Number",
                    qualification.number,
                    f"Your centre is not approved to deliver {qualification.number} "
                    f"{qualification.title}.",
                )
            else:
                plan.reject(
                    row.row,
                    "Qualification Number",
                    qualification.number,
                    f"{provider.name} has no course run for {qualification.number} running on "
                    f"{day:%d/%m/%Y}. Create a course run first, then import this row again.",
                )
            return
        if (learner.pk, run.pk) in runs_taken:
            plan.reject(
                row.row,
                "ULN",
                cells["uln"],
                f"This learner is already registered on the course run {run.programme_name} "
                "for another qualification row in this file or in the portal.",
            )
            return
        course_run_id = run.pk

    facts = RegistrationFacts(
        acting_as_ao=as_ao,
        provider_approved=qualification.pk in approved,
        qualification_label=f"{qualification.number} {qualification.title}",
        qualification_start=qualification.operational_start_date,
        qualification_end=qualification.operational_end_date,
        learner_date_of_birth=learner.date_of_birth,
        today=today,
        voided=registration is not None and registration.voided_at is not None,
    )
    errors = registration_change_errors(current=current, proposed=proposed, facts=facts)
    if any(e.code == "number_required" for e in errors):
        # R-REG-11: the status stays as it was; the rest of the row may still be imported.
        kept = current.status if current is not None else S.NOT_REGISTERED
        kept_record = replace(proposed, status=kept)
        kept_errors = registration_change_errors(current=current, proposed=kept_record, facts=facts)
        if not kept_errors:
            message = next(e.message for e in errors if e.code == "number_required")
            plan.note(
                row.row,
                "Status",
                cells["status"],
                message,
                f"Imported; status kept as {S(kept).label}",
            )
            proposed = kept_record
            errors = []
    if errors:
        for error in errors:
            column = FIELD_COLUMNS.get(error.field, "")
            plan.reject(row.row, column, _value(row, column), error.message)
        return
    if registration is not None and proposed == current:
        action = "unchanged"
    else:
        action = "update" if registration is not None else "create"
    plan.planned.append(
        PlannedRow(
            **base,
            action=action,
            course_run_id=course_run_id,
            proposed=proposed,
            current=current,
            registration=registration,
        )
    )


# Applying (Upload) ---------------------------------------------------------------------------


def _set_record(registration: Registration, record: RegistrationRecord) -> None:
    for name in RECORD_FIELDS:
        setattr(registration, name, getattr(record, name))
    registration.registration_number = record.registration_number or None


# Column -> PostgreSQL array type, for `_registrations_update`.
UPDATE_COLUMNS = (
    ("status", "text"),
    ("registration_number", "text"),
    ("registration_date", "date"),
    ("achieved_date", "date"),
    ("certificate_claimed_date", "date"),
    ("certificate_sent_date", "date"),
    ("certificate_received_date", "date"),
    ("postal_tracking_reference", "text"),
    ("updated_at", "timestamptz"),
)


def _registrations_update(registrations: Sequence[Registration]) -> None:
    """Write the record fields of many registrations: one UPDATE per batch joined to arrays
    (`unnest`), which PostgreSQL runs in linear time; Django's bulk_update builds a CASE per
    field and row, which takes tens of seconds for the largest file."""
    table = Registration._meta.db_table
    assignments = ", ".join(f"{name} = v.{name}" for name, _ in UPDATE_COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in UPDATE_COLUMNS)
    names = ", ".join(name for name, _ in UPDATE_COLUMNS)
    sql = (
        f"UPDATE {table} AS r SET {assignments} "  # noqa: S608 - names are constants
        f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {names}) WHERE r.id = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(registrations), 5 * WRITE_BATCH):
            batch = registrations[start : start + 5 * WRITE_BATCH]
            params: list[list[Any]] = [[r.pk for r in batch]]
            params += [[getattr(r, name) for r in batch] for name, _ in UPDATE_COLUMNS]
            cursor.execute(sql, params)


def _audit_event(
    *,
    acting_user: User | None,
    organisation_id: int,
    action: str,
    registration: Registration,
    before: dict[str, Any],
    after: dict[str, Any],
    detail: dict[str, Any],
    ip: str | None,
    now: Any,
) -> AuditEvent:
    """The row `audit.services.audit_record` would write, built for one bulk insert."""
    return AuditEvent(
        occurred_at=now,
        actor=acting_user,
        actor_username=acting_user.username if acting_user is not None else "",
        organisation_id=organisation_id,
        ip_address=ip,
        action=action,
        object_type=Registration._meta.label_lower,
        object_id=str(registration.pk),
        object_repr=str(registration)[:200],
        before=before,
        after=after,
        detail=detail,
    )


def _apply_plan(
    plan: ImportPlan, *, job: ImportJob, provider: Provider, acting_user: User | None
) -> dict[str, Any]:
    now = timezone.now()
    ip = client_ip()
    creates = [p for p in plan.planned if p.action == "create"]
    updates = [p for p in plan.planned if p.action == "update"]
    changing = creates + updates
    accepted = registration_requests_accept([(p.current, p.proposed) for p in changing])
    issued: list[dict[str, Any]] = []

    new_registrations = []
    for planned, record in zip(creates, accepted[: len(creates)], strict=True):
        registration = Registration(
            learner_id=planned.learner_id,
            course_run_id=planned.course_run_id,
            created_at=now,
            updated_at=now,
        )
        _set_record(registration, record)
        new_registrations.append(registration)
    Registration.objects.bulk_create(new_registrations, batch_size=WRITE_BATCH)

    events: list[AuditEvent] = []
    for planned, registration in zip(creates, new_registrations, strict=True):
        events.append(
            _audit_event(
                acting_user=acting_user,
                organisation_id=provider.organisation_id,
                action="registration.create",
                registration=registration,
                before={},
                after=snapshot(registration, REGISTRATION_AUDIT_FIELDS),
                detail={"import_job": job.pk, "row": planned.row},
                ip=ip,
                now=now,
            )
        )
    changed: list[Registration] = []
    for planned, record in zip(updates, accepted[len(creates) :], strict=True):
        existing = planned.registration
        assert existing is not None
        before = snapshot(existing, REGISTRATION_AUDIT_FIELDS)
        _set_record(existing, record)
        existing.updated_at = now
        old, new = changed_fields(before, snapshot(existing, REGISTRATION_AUDIT_FIELDS))
        changed.append(existing)
        events.append(
            _audit_event(
                acting_user=acting_user,
                organisation_id=provider.organisation_id,
                action="registration.update",
                registration=existing,
                before=old,
                after=new,
                detail={"import_job": job.pk, "row": planned.row},
                ip=ip,
                now=now,
            )
        )
    _registrations_update(changed)
    AuditEvent.objects.bulk_create(events, batch_size=WRITE_BATCH)

    for planned, record in zip(changing, accepted, strict=True):
        if planned.is_request:
            issued.append(
                {
                    "row": planned.row,
                    "uln": planned.uln,
                    "qualification_number": planned.qualification_number,
                    "registration_number": record.registration_number,
                }
            )
    return {
        "created": len(creates),
        "updated": len(updates),
        "unchanged": len(plan.planned) - len(changing),
        "numbers_issued": issued,
    }


# Jobs ----------------------------------------------------------------------------------------


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


def import_file_check(*, file_name: str, size: int, head: bytes) -> None:
    """R-REG-7, before anything is stored: a CSV file under 2 MB. Raises ImportRefused."""
    if size >= MAX_FILE_BYTES:
        raise ImportRefused(
            f"The file is {size / (1024 * 1024):.1f} MB; files must be smaller than 2 MB. Split "
            "it into smaller files and import each."
        )
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
        )
        audit_record(
            actor=acting_user,
            action="registrations.import_started",
            target=job,
            detail={"file_name": job.file_name, "rows": job.data_rows, "provider": provider.pk},
            organisation_id=provider.organisation_id,
        )
        if runs_in_background(job):
            from .tasks import registration_import_validate_task

            import_progress_set(job.pk, "validating", 0, job.data_rows)
            outbox_queue(task=registration_import_validate_task, args=[job.pk])
            return job
    return registration_import_validate(job_id=job.pk)


def registration_import_validate(*, job_id: int) -> ImportJob:
    """Validate a stored file and keep the report on the job. Idempotent: a job that is no
    longer waiting to be validated is returned as it is."""
    job = ImportJob.objects.select_related("provider", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    plan = registration_import_plan(
        content=bytes(job.content),
        separator=job.separator,
        provider=job.provider,
        acting_user=job.created_by,
        progress=lambda done, total: import_progress_set(job.pk, "validating", done, total),
    )
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ImportJob.Status.VALIDATING:
            return job
        _store_report(job, plan)
        job.save()
        audit_record(
            actor=job.created_by,
            action="registrations.import_validated",
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
            from .tasks import registration_import_upload_task

            import_progress_set(job.pk, "uploading", 0, job.accepted_count)
            outbox_queue(task=registration_import_upload_task, args=[job.pk])
            return job
    return registration_import_run_upload(job_id=job.pk)


def registration_import_run_upload(*, job_id: int) -> ImportJob:
    """Apply the accepted rows of a job marked Uploading: all or nothing, in one transaction.
    Idempotent: a job that is not Uploading is returned as it is."""
    try:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("provider", "upload_requested_by")
                .get(pk=job_id)
            )
            if job.status != ImportJob.Status.UPLOADING:
                return job
            acting_user = job.upload_requested_by
            plan = registration_import_plan(
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
                # Records changed since the user validated: show them the report as it is now.
                _store_report(job, plan)
                job.result = {
                    "stale": "Records changed since this file was validated, so nothing was "
                    "uploaded. The report below is up to date: review it and upload again."
                }
                job.save()
                return job
            result = _apply_plan(plan, job=job, provider=job.provider, acting_user=acting_user)
            job.status = ImportJob.Status.UPLOADED
            job.uploaded_at = timezone.now()
            job.result = result
            job.save()
            audit_record(
                actor=acting_user,
                action="registrations.import_uploaded",
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
        ).update(status=ImportJob.Status.CANCELLED, cancelled_at=timezone.now())
        job.refresh_from_db()
        if cancelled:
            audit_record(
                actor=acting_user,
                action="registrations.import_cancelled",
                target=job,
                organisation_id=job.provider.organisation_id,
            )
    return job
