"""Planning (Validate): who may import, and the plan of what Upload would do with each row of
a file, with every problem found. Planning writes nothing."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.roles import Capability
from learners.models import Learner
from learners.validators import uln_error
from qualifications.models import Qualification
from qualifications.selectors import approved_qualification_ids
from qualifications.validators import qualification_number_check

from ..csv_format import (
    COLUMN_LABELS,
    CsvRow,
    parse_registration_csv,
)
from ..import_rules import (
    CourseRunOption,
    KnownRegistration,
    course_run_for_new_registration,
    number_needed_message,
    record_from_row,
    registration_match,
)
from ..models import CourseRun, Registration, RegistrationStatus
from ..numbers import registration_number_normalise
from ..services import acting_as_ao
from ..validators import (
    RegistrationFacts,
    RegistrationRecord,
    is_registration_request,
    registration_change_errors,
)

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Provider


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
        language_for_assessment=row.language,
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
